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

/// The commit checked out in the git work tree at `root`, read from its files (`.git/HEAD`, the
/// ref it names, loose or packed; a linked work tree's `.git` file and `commondir`), without
/// running git. `None` when anything is missing or unexpected.
pub fn head_commit(root: &Path) -> Option<String> {
    let read = |p: &Path| crate::bounded::read(p, 1 << 20, true).ok().and_then(|b| String::from_utf8(b).ok());
    let dot = root.join(".git");
    let git_dir = if dot.is_dir() {
        dot
    } else {
        let pointer = read(&dot)?;
        let dir = PathBuf::from(pointer.trim().strip_prefix("gitdir:")?.trim());
        if dir.is_absolute() { dir } else { root.join(dir) }
    };
    let common = match read(&git_dir.join("commondir")) {
        Some(c) => git_dir.join(c.trim()),
        None => git_dir.clone(),
    };
    let head = read(&git_dir.join("HEAD"))?;
    let head = head.trim();
    let Some(name) = head.strip_prefix("ref:").map(str::trim) else { return is_sha(head).then(|| head.to_owned()) };
    let loose = [git_dir.join(name), common.join(name)].into_iter().find_map(|p| read(&p));
    if let Some(sha) = loose.map(|s| s.trim().to_owned()).filter(|s| is_sha(s)) {
        return Some(sha);
    }
    let packed = read(&common.join("packed-refs"))?;
    packed.lines().find_map(|l| {
        let (sha, r) = l.split_once(' ')?;
        (r.trim() == name && is_sha(sha)).then(|| sha.to_owned())
    })
}

fn is_sha(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
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

pub use crate::path_name::relative_up;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commit_is_read_from_head_loose_or_packed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let git = dir.path().join(".git");
        let write = |p: &str, t: &str| {
            let p = git.join(p);
            std::fs::create_dir_all(p.parent().unwrap_or(&git)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(p, t).unwrap_or_else(|e| panic!("{e}"));
        };
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        write("HEAD", "ref: refs/heads/main\n");
        write("packed-refs", &format!("# pack-refs\n{b} refs/heads/main\n"));
        assert_eq!(head_commit(dir.path()), Some(b.clone()));
        write("refs/heads/main", &format!("{a}\n"));
        assert_eq!(head_commit(dir.path()), Some(a.clone()));
        write("HEAD", &format!("{b}\n"));
        assert_eq!(head_commit(dir.path()), Some(b));
        assert_eq!(head_commit(&dir.path().join("nowhere")), None);
    }

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
