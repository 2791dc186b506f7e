//! Discovery: the files to scan, from the paths given, honouring `.gitignore` but not skipping
//! hidden folders (`.github/`, `.gitlab-ci.yml`, `.dbt/`, `.env` are where tokens live).

use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A file to scan: where it is and how reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub display: String,
    pub path: PathBuf,
}

/// The files found and the problems met on the way (unreadable folders, loops).
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<Candidate>,
    pub warnings: Vec<String>,
}

/// Report name of a path: relative to the working directory, `/`-separated, no `./`.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd.and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

/// Walk `roots`. Explicit files are always included (pre-commit passes file lists).
pub fn discover(roots: &[PathBuf], no_ignore: bool, threads: usize) -> Discovered {
    let cwd = std::env::current_dir().ok();
    let found = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    for root in roots {
        if !root.is_dir() {
            if let Ok(mut f) = found.lock() {
                f.push(Candidate { display: display_path(root, cwd.as_deref()), path: root.clone() });
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
            let found = &found;
            let warnings = &warnings;
            let cwd = cwd.as_deref();
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let c = Candidate { display: display_path(e.path(), cwd), path: e.into_path() };
                        if let Ok(mut f) = found.lock() {
                            f.push(c);
                        }
                    }
                    Ok(_) => {}
                    Err(err) => {
                        if let Ok(mut w) = warnings.lock() {
                            w.push(err.to_string());
                        }
                    }
                }
                WalkState::Continue
            })
        });
    }
    let mut files = found.into_inner().unwrap_or_default();
    files.sort();
    files.dedup_by(|a, b| a.display == b.display);
    let mut warnings = warnings.into_inner().unwrap_or_default();
    warnings.sort();
    Discovered { files, warnings }
}
