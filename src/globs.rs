//! Path globs as configs write them, compiled, and the lexical path arithmetic they match with:
//! a leaf that the config (which compiles them) and the policy signals (which carry the
//! `classify:` ones) share.

use crate::project_root::absolute;
use globset::GlobSet;
use std::path::{Path, PathBuf};

/// Compiled globs of one config, relative to its folder, remembering which pattern each came from.
#[derive(Debug, Clone)]
pub struct Globs {
    patterns: Vec<String>,
    /// For each glob of `set`, the index of its pattern (one pattern compiles to several globs).
    owner: Vec<usize>,
    set: GlobSet,
}

impl Globs {
    /// Globs compiled from `patterns`: the `i`th glob of `set` comes from `patterns[owner[i]]`.
    pub fn new(patterns: Vec<String>, owner: Vec<usize>, set: GlobSet) -> Globs {
        Globs { patterns, owner, set }
    }

    /// The first pattern matching `rel` (a `/`-separated path relative to the config's folder).
    pub fn first_match(&self, rel: &str) -> Option<&str> {
        let i = self.set.matches(rel).into_iter().min()?;
        self.owner.get(i).and_then(|p| self.patterns.get(*p)).map(String::as_str)
    }

    /// The first pattern matching `rel` that is not `lifted` (a pattern is given by its index,
    /// as [`Globs::patterns_matching`] gives them).
    pub fn first_match_except(&self, rel: &str, lifted: impl Fn(usize) -> bool) -> Option<&str> {
        let mut hits: Vec<usize> =
            self.set.matches(rel).into_iter().filter_map(|i| self.owner.get(i).copied()).collect();
        hits.sort_unstable();
        hits.into_iter().find(|p| !lifted(*p)).and_then(|p| self.patterns.get(p)).map(String::as_str)
    }

    /// The indices of the patterns matching `rel`.
    pub fn patterns_matching(&self, rel: &str) -> Vec<usize> {
        self.set.matches(rel).into_iter().filter_map(|i| self.owner.get(i).copied()).collect()
    }
}

/// Path globs from `classify:` (production, dev or partner paths), with the folders their
/// configs sit in, as kept in the policy's signals. Matching takes the path as reports show it.
#[derive(Debug, Clone, Default)]
pub struct PathGlobs {
    cwd: PathBuf,
    scopes: Vec<(PathBuf, String, Globs)>,
}

impl PathGlobs {
    /// Add the globs of the config in `base` (`origin` names it in evidence); reported paths are
    /// relative to `cwd`.
    pub fn add(&mut self, cwd: &Path, base: &Path, origin: String, globs: Globs) {
        self.cwd = cwd.to_path_buf();
        self.scopes.push((base.to_path_buf(), origin, globs));
    }

    /// The pattern matching a file (path as reported) and the config it comes from.
    pub fn matching(&self, path: &str) -> Option<(&str, &str)> {
        if self.scopes.is_empty() {
            return None;
        }
        let abs = absolute(&self.cwd, Path::new(path));
        self.scopes.iter().find_map(|(base, origin, globs)| {
            let rel = relative(&abs, base)?;
            globs.first_match(&rel).map(|p| (p, origin.as_str()))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

/// `abs` relative to `base`, `/`-separated, if it is inside it.
pub fn relative(abs: &Path, base: &Path) -> Option<String> {
    let rel = abs.strip_prefix(base).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}
