//! Ignore rules: the `.ignore` and `.gitignore` files of the scanned folders and of their parents
//! up to the repository root, matched with git's precedence. Each is read as a bounded regular
//! file, never through a link (as git does), so a repository cannot make the walk block on a
//! FIFO or read `/dev/zero`. Nothing outside the repository applies: not the user's global
//! excludes, not `.git/info/exclude`, not a file above the repository (or, outside a
//! repository, above the scanned folder), so every clone of a commit is scanned alike.
//!
//! Inside a git work tree, a path the index tracks is taken whatever the patterns say (a
//! committed `.env` listed in `.gitignore` is committed), and a folder that is ignored but holds
//! tracked files is entered for them alone ([`crate::git::tracked`]).

use crate::bounded::{self, Refusal};
use crate::git::tracked::Tracked;
use crate::path_name::display_path;
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Largest ignore file read; a larger one is not read (so more is scanned, never less).
pub const MAX_FILE: u64 = bounded::MIB;

/// Most patterns taken from one ignore file: compiling many costs time, and a file with more
/// is not read.
pub const MAX_PATTERNS: usize = 10_000;

/// The folder that holds `.git` at or above `dir` (a file: worktrees and submodules), if any.
pub fn repository_root(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| crate::longpath::exists(&d.join(".git")))
}

/// The rules of one folder, and a link to its parent's.
#[derive(Debug)]
struct Level {
    /// The prefix stripped from a walked path before matching: the folder itself, or for a
    /// folder above the walk's root, that root.
    anchor: PathBuf,
    /// Put before the stripped path: the walk's root relative to a folder above it.
    lead: PathBuf,
    ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    /// The folder holds `.git`: `.gitignore` files above it do not reach into it.
    repository: bool,
    /// For a repository's folder, the files its index tracks (read only if something is ignored).
    tracked: Option<Tracked>,
    parent: Option<Arc<Level>>,
}

impl Level {
    fn relative<'p>(&self, path: &'p Path) -> Option<Cow<'p, Path>> {
        let tail = path.strip_prefix(&self.anchor).ok()?;
        Some(if self.lead.as_os_str().is_empty() { Cow::Borrowed(tail) } else { Cow::Owned(self.lead.join(tail)) })
    }
}

/// Whether a matcher has a say on a path: `Some(true)` ignored, `Some(false)` re-included.
fn verdict(m: Option<&Gitignore>, path: &Path, is_dir: bool) -> Option<bool> {
    match m?.matched(path, is_dir) {
        Match::None => None,
        Match::Ignore(_) => Some(true),
        Match::Whitelist(_) => Some(false),
    }
}

/// A folder the walk has admitted: the nearest level with rules, and whether the folder is
/// ignored (entered only for the tracked files it holds).
type Entered = (Option<Arc<Level>>, bool);

/// The ignore rules of one walk, per folder, built as the walk enters each folder.
#[derive(Debug)]
pub struct Rules {
    enabled: bool,
    cwd: Option<PathBuf>,
    /// Each folder admitted so far (as the walk names it).
    levels: RwLock<HashMap<PathBuf, Entered>>,
    warnings: Mutex<Vec<String>>,
}

impl Rules {
    /// The rules for a walk of the folder `root` (as the walk names it): those of its parents up
    /// to the repository root, then its own. With `enabled` false nothing is ever ignored.
    pub fn new(root: &Path, enabled: bool, cwd: Option<&Path>) -> Rules {
        let rules = Rules {
            enabled,
            cwd: cwd.map(Path::to_path_buf),
            levels: RwLock::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        };
        if !enabled {
            return rules;
        }
        let mut chain = None;
        // Folders above the root count only inside a repository, and only up to its root.
        if let Ok(real) = std::fs::canonicalize(root)
            && let Some(parent) = real.parent()
            && !crate::longpath::exists(&real.join(".git"))
            && let Some(top) = repository_root(parent)
        {
            let above: Vec<&Path> = parent.ancestors().take_while(|a| a.starts_with(top)).collect();
            for dir in above.into_iter().rev() {
                let lead = real.strip_prefix(dir).map(Path::to_path_buf).unwrap_or_default();
                chain = rules.level(dir, root.to_path_buf(), lead, chain);
            }
        }
        let own = rules.level(root, root.to_path_buf(), PathBuf::new(), chain);
        if let Ok(mut levels) = rules.levels.write() {
            levels.insert(root.to_path_buf(), (own, false));
        }
        rules
    }

    /// Whether the walk takes `path`, an entry of a folder it has admitted: false when the rules
    /// ignore it and git does not track it. An admitted folder's own rules are loaded here,
    /// before its entries are seen.
    pub fn admit(&self, path: &Path, is_dir: bool) -> bool {
        if !self.enabled {
            return true;
        }
        let Some(parent) = path.parent() else { return true };
        let (level, in_ignored) = self.levels.read().ok().and_then(|l| l.get(parent).cloned()).unwrap_or_default();
        // As in git, nothing under an ignored folder is re-included by a pattern: only tracked.
        let ignored = in_ignored || ignored(level.as_ref(), path, is_dir);
        if ignored && !tracked(level.as_ref(), path, is_dir) {
            return false;
        }
        if is_dir {
            let own = self.level(path, path.to_path_buf(), PathBuf::new(), level);
            if let Ok(mut levels) = self.levels.write() {
                levels.insert(path.to_path_buf(), (own, ignored));
            }
        }
        true
    }

    /// The problems met reading ignore files so far (links not followed, special or oversized
    /// files), taken out.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.lock().map(|mut w| std::mem::take(&mut *w)).unwrap_or_default()
    }

    /// The level for folder `dir` over `parent`: `parent` itself when `dir` adds nothing.
    fn level(&self, dir: &Path, anchor: PathBuf, lead: PathBuf, parent: Option<Arc<Level>>) -> Option<Arc<Level>> {
        let ignore = self.load(&dir.join(".ignore"));
        let gitignore = self.load(&dir.join(".gitignore"));
        let repository = crate::longpath::exists(&dir.join(".git"));
        if ignore.is_none() && gitignore.is_none() && !repository {
            return parent;
        }
        let tracked = repository.then(|| Tracked::new(dir));
        Some(Arc::new(Level { anchor, lead, ignore, gitignore, repository, tracked, parent }))
    }

    /// The matcher of one ignore file, if it is there and may be read.
    fn load(&self, file: &Path) -> Option<Gitignore> {
        let warn = |what: String| {
            if let Ok(mut w) = self.warnings.lock() {
                w.push(format!("{}{what}", display_path(file, self.cwd.as_deref())));
            }
        };
        let bytes = match bounded::read(file, MAX_FILE, false) {
            Ok(b) => b,
            Err(Refusal::Missing) => return None,
            Err(Refusal::Link) => {
                warn(" is a symbolic link: not followed (nor does git follow it), its rules do not apply".into());
                return None;
            }
            Err(r) => {
                warn(format!(" {r}: not read, its rules do not apply"));
                return None;
            }
        };
        let mut b = GitignoreBuilder::new(".");
        let mut patterns = 0;
        for (i, line) in bytes.split(|&c| c == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = if i == 0 { line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line) } else { line };
            // git skips what it cannot read; so does the `ignore` crate for a line not UTF-8.
            let Ok(line) = std::str::from_utf8(line) else { continue };
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            patterns += 1;
            if patterns > MAX_PATTERNS {
                warn(format!(" has more than {MAX_PATTERNS} patterns: not read, its rules do not apply"));
                return None;
            }
            if let Err(e) = b.add_line(None, line) {
                warn(format!(":{}: {e}", i + 1));
            }
        }
        match b.build() {
            Ok(g) => Some(g),
            Err(e) => {
                warn(format!(": {e}: not read, its rules do not apply"));
                None
            }
        }
    }
}

/// Whether the rules from `level` up ignore `path`: the deepest folder with a say decides, an
/// `.ignore` over a `.gitignore` (as ripgrep has it), and `.gitignore` files stop at a
/// repository's root.
fn ignored(level: Option<&Arc<Level>>, path: &Path, is_dir: bool) -> bool {
    let (mut by_ignore, mut by_gitignore) = (None, None);
    let mut inside_repository = false;
    let mut at = level;
    while let Some(l) = at {
        if let Some(rel) = l.relative(path) {
            if by_ignore.is_none() {
                by_ignore = verdict(l.ignore.as_ref(), &rel, is_dir);
            }
            if by_gitignore.is_none() && !inside_repository {
                by_gitignore = verdict(l.gitignore.as_ref(), &rel, is_dir);
            }
        }
        if by_ignore.is_some() {
            break;
        }
        inside_repository |= l.repository;
        at = l.parent.as_ref();
    }
    by_ignore.or(by_gitignore).unwrap_or(false)
}

/// Whether the index of the repository `path` is in tracks it (a folder: holds a tracked file).
/// Asked only for ignored paths, so a walk that ignores nothing never reads an index.
fn tracked(level: Option<&Arc<Level>>, path: &Path, is_dir: bool) -> bool {
    let mut at = level;
    while let Some(l) = at {
        if let Some(t) = &l.tracked {
            return l.relative(path).is_some_and(|rel| t.holds(&rel, is_dir));
        }
        at = l.parent.as_ref();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn deeper_rules_win_and_negations_re_include() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        write(root, ".gitignore", "*.log\n/build/\nsecret*\n");
        write(root, "a/.gitignore", "!keep.log\n");
        write(root, "a/.ignore", "secret-ok\n!secret-x\n");
        let rules = Rules::new(root, true, None);
        assert!(!rules.admit(&root.join("x.log"), false));
        assert!(!rules.admit(&root.join("build"), true));
        assert!(rules.admit(&root.join("a/build"), true), "anchored to its folder");
        assert!(rules.admit(&root.join("a"), true));
        assert!(rules.admit(&root.join("a/keep.log"), false));
        assert!(!rules.admit(&root.join("a/other.log"), false));
        assert!(rules.admit(&root.join("a/secret-x"), false), ".ignore over .gitignore");
        assert!(!rules.admit(&root.join("a/secret-ok"), false));
        let off = Rules::new(root, false, None);
        assert!(off.admit(&root.join("x.log"), false));
    }

    #[test]
    fn rules_above_the_repository_or_an_unversioned_root_do_not_apply() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        write(top, ".ignore", "*.yml\n");
        write(top, ".gitignore", "*.yml\n");
        write(top, "plain/.keep", "");
        std::fs::create_dir_all(top.join("repo/.git")).unwrap();
        write(top, "repo/.gitignore", "/sub/skip.yml\n");
        write(top, "repo/sub/.keep", "");
        // No repository: only the scanned folder's own files count.
        let plain = Rules::new(&top.join("plain"), true, None);
        assert!(plain.admit(&top.join("plain/a.yml"), false));
        // A subfolder of a repository: its parents count up to the repository root, no further.
        let sub = top.join("repo/sub");
        let rules = Rules::new(&sub, true, None);
        assert!(rules.admit(&sub.join("a.yml"), false));
        assert!(!rules.admit(&sub.join("skip.yml"), false), "anchored to the repository root");
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_and_huge_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "real", "*.yml\n");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::os::unix::fs::symlink(root.join("real"), root.join("a/.gitignore")).unwrap();
        std::fs::create_dir_all(root.join("b")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join("b/.ignore")).unwrap();
        write(root, "c/.gitignore", &"x\n".repeat(MAX_PATTERNS + 1));
        let rules = Rules::new(root, true, None);
        for d in ["a", "b", "c"] {
            assert!(rules.admit(&root.join(d), true));
            assert!(rules.admit(&root.join(d).join("t.yml"), false), "{d}");
            assert!(rules.admit(&root.join(d).join("x"), false), "{d}");
        }
        let w = rules.take_warnings();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w.iter().any(|w| w.contains("a/.gitignore is a symbolic link: not followed")), "{w:?}");
        assert!(w.iter().any(|w| w.contains("more than 10000 patterns")), "{w:?}");
    }
}
