//! Where a repository's paths are relative to: code scanning (SARIF) and GitLab place a finding
//! by its path from the repository root, wherever tokenwise was run from.

use std::path::{Component, Path, PathBuf};

/// `cwd.join(p)` with `.` and `..` resolved lexically, as the walk reports paths.
pub fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The root of the git work tree holding `start` (the nearest folder with a `.git` entry,
/// a folder or the file of a linked work tree), if any.
pub fn git_root(start: &Path) -> Option<PathBuf> {
    let mut dir = if start.is_dir() { Some(start) } else { start.parent() };
    while let Some(d) = dir {
        if crate::longpath::exists(&d.join(".git")) {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// The project root of a run: `explicit` (`--project-root`), else the git work tree holding the
/// first scanned path, else the working directory. Absolute and lexically normal.
pub fn find(explicit: Option<&Path>, first_path: Option<&Path>, cwd: &Path) -> PathBuf {
    if let Some(e) = explicit {
        return absolute(cwd, e);
    }
    let start = absolute(cwd, first_path.unwrap_or(Path::new(".")));
    git_root(&start).unwrap_or_else(|| cwd.to_path_buf())
}

/// `path` (relative to `cwd` or absolute) from `root`, `/`-separated, when it is inside it.
pub fn relative(path: &Path, root: &Path, cwd: &Path) -> Option<PathBuf> {
    absolute(cwd, path).strip_prefix(root).ok().map(Path::to_path_buf)
}

/// `path` from `base`, both absolute, up with `..` to the folder they share, when they share
/// one below the filesystem root (`/tmp/x` seen from `/home/me` stays absolute).
pub fn relative_up(path: &Path, base: &Path) -> Option<PathBuf> {
    if !path.is_absolute() || !base.is_absolute() {
        return None;
    }
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    // The root (and, on Windows, the drive) is no shared folder.
    let root = p.iter().take_while(|c| matches!(c, Component::Prefix(_) | Component::RootDir)).count();
    if common <= root {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_lexically() {
        let cwd = Path::new("/r/sub");
        assert_eq!(absolute(cwd, Path::new("../a/./b")), PathBuf::from("/r/a/b"));
        assert_eq!(relative(Path::new("../a/b"), Path::new("/r"), cwd), Some(PathBuf::from("a/b")));
        assert_eq!(relative(Path::new("/elsewhere/x"), Path::new("/r"), cwd), None);
        assert_eq!(relative_up(Path::new("/r/a/b"), cwd), Some(PathBuf::from("../a/b")));
        assert_eq!(relative_up(Path::new("/r/sub/c"), cwd), Some(PathBuf::from("c")));
        assert_eq!(relative_up(Path::new("/tmp/x"), cwd), None, "nothing shared but the root");
    }
}
