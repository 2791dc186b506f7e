//! Discovery: the files to scan, from the paths given, honouring `.gitignore` but not skipping
//! hidden folders (`.github/`, `.gitlab-ci.yml`, `.dbt/`, `.env` are where tokens live).

use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// Walk `roots`, calling a visitor made per worker thread with each file found, while the walk
/// goes on: reading overlaps walking, and nothing is kept for the files a visitor drops.
/// Explicit files are always visited (pre-commit passes file lists). Returns the problems met
/// (unreadable folders, loops), sorted.
pub fn walk<'s, M>(roots: &[PathBuf], no_ignore: bool, threads: usize, make_visitor: M) -> Vec<String>
where
    M: Fn() -> Box<dyn FnMut(&Path) + Send + 's> + Sync,
{
    let warnings = Mutex::new(Vec::new());
    let mut explicit = make_visitor();
    let cwd = std::env::current_dir().ok();
    for root in roots {
        if !root.is_dir() {
            // The walk only yields regular files; a named FIFO, socket or device could block
            // the read forever, so it is checked here, once, before any file is opened.
            match std::fs::metadata(root) {
                Ok(m) if !m.is_file() => {
                    if let Ok(mut w) = warnings.lock() {
                        w.push(format!("{}: not a regular file: skipped", display_path(root, cwd.as_deref())));
                    }
                }
                _ => explicit(root),
            }
            continue;
        }
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(!no_ignore)
            .git_global(!no_ignore)
            .git_exclude(!no_ignore)
            .ignore(!no_ignore)
            .parents(!no_ignore)
            .require_git(false)
            .follow_links(false)
            .threads(threads)
            .filter_entry(|e| e.file_name() != ".git")
            .build_parallel();
        walker.run(|| {
            let warnings = &warnings;
            let mut visit = make_visitor();
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => visit(e.path()),
                    Ok(_) => {}
                    Err(err) => {
                        // Report paths the way every other message does: no leading `./`.
                        let msg = err.to_string();
                        if let Ok(mut w) = warnings.lock() {
                            w.push(msg.strip_prefix("./").unwrap_or(&msg).to_owned());
                        }
                    }
                }
                WalkState::Continue
            })
        });
    }
    let mut warnings = warnings.into_inner().unwrap_or_default();
    warnings.sort();
    warnings
}
