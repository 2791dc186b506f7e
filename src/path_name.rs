//! The name a path has in reports and messages: a leaf, so the walk, the ignore rules, reading
//! and the config all name files alike.

use std::path::Path;

/// Report name of a path: relative to the working directory, `/`-separated, no `./`. Bytes
/// that are not UTF-8 and control characters are escaped, never replaced, so two files never
/// share a name (`back\slash.env` on Unix is not `back/slash.env`) and no name can rewrite a
/// terminal or a CI log.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    let s = name_of(rel);
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
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
