//! The files a repository's index tracks: what is committed is scanned even where an ignore
//! pattern matches it. Loaded once per repository, and only when the walk first meets an
//! ignored path, so a repository whose ignore rules skip nothing never reads its index.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The tracked paths of the repository whose work tree is at one folder, loaded on first use.
#[derive(Debug)]
pub struct Tracked {
    dir: PathBuf,
    set: OnceLock<Option<Set>>,
}

/// The index's paths (`/`-separated, relative to the work tree) and, built on the first
/// question about a folder, every folder that holds one.
#[derive(Debug)]
struct Set {
    files: HashSet<Vec<u8>>,
    dirs: OnceLock<HashSet<Vec<u8>>>,
}

impl Tracked {
    /// The tracked set of the work tree at `dir` (as the walk names it).
    pub fn new(dir: &Path) -> Tracked {
        Tracked { dir: dir.to_path_buf(), set: OnceLock::new() }
    }

    /// Whether `rel` (relative to the work tree) is a tracked file, or for a folder, holds one.
    /// A folder that is not a readable repository tracks nothing.
    pub fn holds(&self, rel: &Path, is_dir: bool) -> bool {
        let Some(set) = self.set.get_or_init(|| load(&self.dir)) else { return false };
        let Some(key) = key(rel) else { return false };
        if is_dir { set.dirs.get_or_init(|| folders(&set.files)).contains(&key) } else { set.files.contains(&key) }
    }
}

/// The index of the repository at `dir`, read without the user's or the system's git config
/// or environment (`GIT_DIR` must not point the scan at another repository).
fn load(dir: &Path) -> Option<Set> {
    let repo = gix::open_opts(dir, gix::open::Options::isolated()).ok()?;
    // A repository without an index (nothing added yet) tracks nothing.
    let index = repo.index_or_empty().ok()?;
    let files = index.entries().iter().map(|e| e.path(&index).to_vec()).collect();
    Some(Set { files, dirs: OnceLock::new() })
}

/// Every proper ancestor folder of the paths in `files`.
fn folders(files: &HashSet<Vec<u8>>) -> HashSet<Vec<u8>> {
    let mut dirs = HashSet::new();
    for f in files {
        let mut end = f.len();
        while let Some(slash) = f.get(..end).and_then(|p| memchr::memrchr(b'/', p)) {
            // An ancestor already seen means its own ancestors are in too.
            if !dirs.insert(f.get(..slash).unwrap_or_default().to_vec()) {
                break;
            }
            end = slash;
        }
    }
    dirs
}

/// A relative path as the index spells it: `/`-separated, no `.` parts. `None` for a path that
/// leaves the work tree.
fn key(rel: &Path) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::Normal(part) => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(part.as_encoded_bytes());
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_every_ancestor() {
        let files: HashSet<Vec<u8>> = ["a/b/c.log", "a/d.log", "e.log"].iter().map(|s| s.as_bytes().to_vec()).collect();
        let mut dirs: Vec<Vec<u8>> = folders(&files).into_iter().collect();
        dirs.sort();
        assert_eq!(dirs, [b"a".to_vec(), b"a/b".to_vec()]);
    }

    #[test]
    fn keys_are_slash_separated_and_stay_inside() {
        assert_eq!(key(Path::new("./logs/a.log")), Some(b"logs/a.log".to_vec()));
        assert_eq!(key(Path::new("../x")), None);
    }

    #[test]
    fn a_folder_that_is_not_a_repository_tracks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert!(!Tracked::new(dir.path()).holds(Path::new("x"), false));
    }
}
