//! Discovery: the files to scan, from the paths given, honouring the repository's own
//! `.gitignore` and `.ignore` files ([`crate::ignore_rules`]) but not skipping hidden folders
//! (`.github/`, `.gitlab-ci.yml`, `.dbt/`, `.env` are where tokens live). Overlapping paths
//! (`. dup dup/../dup/f.sh`) are walked once, and folders too deep for one system call are
//! walked relative to folder descriptors.

use crate::ignore_rules::Rules;
use crate::longpath::{self, Kind};
pub use crate::path_name::display_path;
use ignore::{WalkBuilder, WalkState};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One path to walk, and the paths under it that are roots of their own.
#[derive(Debug)]
struct Root {
    path: PathBuf,
    is_dir: bool,
    /// Paths relative to this folder that another root covers: walked there, not here.
    skip: HashSet<PathBuf>,
}

/// The roots to walk: each file or folder once, however it is spelt, with `..` resolved where
/// that names the same file. A root under a folder that is also a root is skipped by that
/// folder's walk and walked on its own, so it is read once, and an explicit file is read even
/// where the folder's ignore rules would skip it.
fn roots(paths: &[PathBuf]) -> Vec<Root> {
    let mut out: Vec<Root> = Vec::new();
    let mut real: Vec<Option<PathBuf>> = Vec::new();
    let mut seen = HashSet::new();
    for p in paths {
        let p = clean(p);
        // One path cannot overlap another: no need to resolve it.
        let canonical = if paths.len() > 1 { std::fs::canonicalize(&p).ok() } else { None };
        if let Some(c) = &canonical
            && !seen.insert(c.clone())
        {
            continue;
        }
        out.push(Root { is_dir: longpath::is_dir(&p), path: p, skip: HashSet::new() });
        real.push(canonical);
    }
    if out.len() < 2 {
        return out;
    }
    let folders: HashMap<&Path, usize> = real
        .iter()
        .zip(&out)
        .enumerate()
        .filter(|(_, (_, r))| r.is_dir)
        .filter_map(|(i, (c, _))| Some((c.as_deref()?, i)))
        .collect();
    for c in real.iter().flatten() {
        let outer = c.ancestors().skip(1).find_map(|a| folders.get(a).map(|i| (a, *i)));
        if let Some((dir, i)) = outer
            && let (Ok(rel), Some(root)) = (c.strip_prefix(dir), out.get_mut(i))
        {
            root.skip.insert(rel.to_path_buf());
        }
    }
    out
}

/// `p` with `..` resolved lexically when that still names the same file (it does not after a
/// link), so reports show `dup/f.sh` for `dup/../dup/f.sh`.
fn clean(p: &Path) -> PathBuf {
    if !p.components().any(|c| c == Component::ParentDir) {
        return p.to_path_buf();
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    // A trailing `/` makes the walk follow a root that is a link: keep it.
    if p.as_os_str().to_string_lossy().ends_with(std::path::is_separator) {
        out.push("");
    }
    match (std::fs::canonicalize(p), std::fs::canonicalize(&out)) {
        (Ok(a), Ok(b)) if a == b => out,
        _ => p.to_path_buf(),
    }
}

/// Why the walk passed an entry by without visiting it, for `--show-files`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passed {
    /// The ignore rules ignore it (a folder: nothing in it is looked at).
    Ignored { dir: bool },
    /// A symbolic link: never followed.
    Link,
    /// Not a regular file (a FIFO, a socket, a device).
    Special,
}

/// Where a walk notes the entries it passes by: only when asked, so that a plain scan keeps
/// nothing per entry.
pub type PassedBy = Arc<Mutex<Vec<(PathBuf, Passed)>>>;

fn note(passed: Option<&PassedBy>, path: &Path, why: Passed) {
    if let Some(p) = passed
        && let Ok(mut p) = p.lock()
    {
        p.push((path.to_path_buf(), why));
    }
}

/// What a walk of one root takes: not `.git`, not the paths other roots cover, not what the
/// ignore rules ignore.
struct Gate {
    base: PathBuf,
    skip: HashSet<PathBuf>,
    rules: Rules,
    passed: Option<PassedBy>,
}

impl Gate {
    fn admits(&self, path: &Path, is_dir: bool) -> bool {
        if path.file_name().is_some_and(|n| n == ".git") {
            return false;
        }
        if !self.skip.is_empty() && path.strip_prefix(&self.base).is_ok_and(|rel| self.skip.contains(rel)) {
            return false;
        }
        let admitted = self.rules.admit(path, is_dir);
        if !admitted {
            note(self.passed.as_ref(), path, Passed::Ignored { dir: is_dir });
        }
        admitted
    }
}

/// Walk `paths`, calling a visitor made per worker thread with each file found, while the walk
/// goes on: reading overlaps walking, and nothing is kept for the files a visitor drops.
/// Explicit files are always visited (pre-commit passes file lists). Returns the problems met
/// (unreadable folders, loops, ignore files not read), sorted. `passed`, when given, gets the
/// entries passed by.
pub fn walk<'s, M>(
    paths: &[PathBuf],
    no_ignore: bool,
    threads: usize,
    passed: Option<PassedBy>,
    make_visitor: M,
) -> Vec<String>
where
    M: Fn() -> Box<dyn FnMut(&Path) + Send + 's> + Sync,
{
    let warnings = Mutex::new(Vec::new());
    let warn = |w: String| {
        if let Ok(mut all) = warnings.lock() {
            all.push(w);
        }
    };
    let mut explicit = make_visitor();
    let cwd = std::env::current_dir().ok();
    for root in roots(paths) {
        if !root.is_dir {
            // The walk only yields regular files; a named FIFO, socket or device could block
            // the read forever, so it is checked here, once, before any file is opened.
            match std::fs::metadata(&root.path) {
                Ok(m) if !m.is_file() => {
                    note(passed.as_ref(), &root.path, Passed::Special);
                    warn(format!("{}: not a regular file: skipped", display_path(&root.path, cwd.as_deref())));
                }
                _ => explicit(&root.path),
            }
            continue;
        }
        let rules = Rules::new(&root.path, !no_ignore, cwd.as_deref());
        let gate = Arc::new(Gate { base: root.path.clone(), skip: root.skip, rules, passed: passed.clone() });
        // Folders whose path is too long to list in one call, met by the walk.
        let deep = Mutex::new(Vec::new());
        if std::fs::read_dir(&root.path).is_err_and(|e| longpath::is_too_long(&e)) {
            if let Ok(mut d) = deep.lock() {
                d.push(root.path.clone());
            }
        } else {
            let filter = Arc::clone(&gate);
            let walker = WalkBuilder::new(&root.path)
                // Ignore files are read by `Rules`, bounded and within the repository.
                .standard_filters(false)
                .follow_links(false)
                .threads(threads)
                .filter_entry(move |e| filter.admits(e.path(), e.file_type().is_some_and(|t| t.is_dir())))
                .build_parallel();
            walker.run(|| {
                let (warn, deep, passed) = (&warn, &deep, passed.as_ref());
                let mut visit = make_visitor();
                Box::new(move |entry| {
                    match entry {
                        Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => visit(e.path()),
                        Ok(e) if passed.is_some() && e.path_is_symlink() => note(passed, e.path(), Passed::Link),
                        Ok(e) if passed.is_some() && !e.file_type().is_some_and(|t| t.is_dir()) => {
                            note(passed, e.path(), Passed::Special)
                        }
                        Ok(_) => {}
                        Err(err) => match too_long(&err) {
                            Some(dir) => {
                                if let Ok(mut d) = deep.lock() {
                                    d.push(dir.to_path_buf());
                                }
                            }
                            None => {
                                // Report paths the way every other message does: no leading `./`.
                                let msg = err.to_string();
                                warn(msg.strip_prefix("./").unwrap_or(&msg).to_owned());
                            }
                        },
                    }
                    WalkState::Continue
                })
            });
        }
        let deep = deep.into_inner().unwrap_or_default();
        walk_deep(deep, &gate, &mut explicit, &warn, cwd.as_deref());
        for w in gate.rules.take_warnings() {
            warn(w);
        }
    }
    let mut warnings = warnings.into_inner().unwrap_or_default();
    warnings.sort();
    warnings.dedup();
    warnings
}

/// The folder a walk error is about, when it is one the walk could not list because its path
/// is too long for one system call.
fn too_long(err: &ignore::Error) -> Option<&Path> {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => path_of(err),
            _ => None,
        }
    }
    err.io_error().filter(|e| longpath::is_too_long(e)).and(path_of(err))
}

/// Walk folders too deep for path-based calls, one at a time, listing each relative to folder
/// descriptors; the same gate decides what is taken, and files go to `visit`.
fn walk_deep(
    mut stack: Vec<PathBuf>,
    gate: &Gate,
    visit: &mut dyn FnMut(&Path),
    warn: &dyn Fn(String),
    cwd: Option<&Path>,
) {
    while let Some(dir) = stack.pop() {
        let entries = match longpath::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                warn(format!("{}: {e}", display_path(&dir, cwd)));
                continue;
            }
        };
        for (name, kind) in entries {
            let path = dir.join(name);
            if kind == Kind::Other || !gate.admits(&path, kind == Kind::Dir) {
                continue;
            }
            match kind {
                Kind::File => visit(&path),
                Kind::Dir => stack.push(path),
                Kind::Other => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_roots_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("dup/sub")).unwrap();
        std::fs::write(base.join("dup/f.sh"), "x").unwrap();
        let p = |s: &str| base.join(s);
        let r = roots(&[p("."), p("dup"), p("dup/../dup/f.sh"), p("dup/f.sh"), p("./dup/")]);
        let paths: Vec<&Path> = r.iter().map(|r| r.path.as_path()).collect();
        assert_eq!(paths, [p("."), p("dup"), p("dup/f.sh")], "the same file given again is dropped");
        assert_eq!(r[0].skip, HashSet::from([PathBuf::from("dup")]));
        assert_eq!(r[1].skip, HashSet::from([PathBuf::from("f.sh")]));
        assert!(r[2].skip.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn dot_dot_after_a_link_is_not_resolved_lexically() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("real/inner")).unwrap();
        std::fs::write(base.join("real/f.sh"), "x").unwrap();
        std::os::unix::fs::symlink(base.join("real/inner"), base.join("link")).unwrap();
        // `link/..` is `real`, not `base`: the path is kept as given.
        let given = base.join("link/../f.sh");
        assert_eq!(clean(&given), given);
        assert_eq!(clean(&base.join("real/inner/../f.sh")), base.join("real/f.sh"));
    }
}
