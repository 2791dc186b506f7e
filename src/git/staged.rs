//! `check --staged`: the files given, as the index holds them (what a commit would record),
//! read from the object database, not from the work tree. The pre-commit hook runs this, so a
//! file staged with a token and then fixed only in the work tree still fails the commit, and
//! an unstaged edit never decides it.

use crate::git::base::{Blob, place, scan_blobs};
use crate::policy::Policy;
use crate::scan::{Options, Scan};
use gix::index::entry::{Flags, Mode};
use std::path::Path;

/// Scan the index's versions of the files under `opts.paths` (a folder: every staged file in
/// it). A path the index does not hold (untracked, or staged for deletion) is not scanned: it
/// would not be committed.
pub fn scan(opts: &Options, policy: &Policy) -> Result<Scan, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let repo = crate::git::repo::discover(&cwd)?;
    let workdir = crate::git::repo::workdir(&repo)
        .ok_or_else(|| "--staged needs a work tree; this repository is bare".to_owned())?;
    let index = repo.index_or_empty().map_err(|e| format!("--staged: cannot read the index: {e}"))?;
    let files = index
        .entries()
        .iter()
        // Stage 0 only: a path with a merge conflict cannot be committed as it is. Links and
        // submodules are not files (the walk reads neither); `git add -N` stages no content.
        .filter(|e| e.stage_raw() == 0 && matches!(e.mode, Mode::FILE | Mode::FILE_EXECUTABLE))
        .filter(|e| !e.flags.contains(Flags::INTENT_TO_ADD))
        .map(|e| (e.path(&index).to_vec(), e.id));
    let blobs: Vec<Blob> = place(files, &workdir, &opts.paths);
    Ok(scan_blobs(repo, blobs, opts, policy, Path::new(&cwd)))
}
