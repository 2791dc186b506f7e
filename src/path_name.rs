//! The name a path has in reports and messages: a leaf, so the walk, the ignore rules, reading
//! and the config all name files alike.

use std::path::{Component, Path, PathBuf};

/// Report name of a path: relative to the working directory, `/`-separated, no `./`. Bytes
/// that are not UTF-8 and control characters are escaped, never replaced, so two files never
/// share a name (`back\slash.env` on Unix is not `back/slash.env`) and no name can rewrite a
/// terminal or a CI log.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    // An absolute path outside the working directory is shown from it too (`../other/x`).
    let up = cwd.filter(|c| !path.starts_with(c)).and_then(|c| relative_up(path, c));
    let rel = cwd.and_then(|c| path.strip_prefix(c).ok()).or(up.as_deref()).unwrap_or(path);
    let s = name_of(rel);
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
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

#[cfg(unix)]
fn name_of(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    crate::escape::name_bytes(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn name_of(path: &Path) -> String {
    // Windows separates with `\`, which a file name cannot hold there.
    crate::escape::text(&path.to_string_lossy().replace('\\', "/")).into_owned()
}
