//! Opening the repository a run is in, and naming its commits, with errors that say what to do.

use gix::bstr::ByteSlice;
use std::path::{Path, PathBuf};

/// The repository whose work tree holds `dir`, opened without the user's or the system's git
/// config and without the environment (`GIT_DIR` does not redirect a scan).
pub fn discover(dir: &Path) -> Result<gix::Repository, String> {
    let isolated =
        gix::sec::trust::Mapping { full: gix::open::Options::isolated(), reduced: gix::open::Options::isolated() };
    let repo = gix::ThreadSafeRepository::discover_opts(dir, Default::default(), isolated)
        .map_err(|_| format!("`{}` is not inside a git repository: run in a clone of the repository", dir.display()))?;
    Ok(repo.to_thread_local())
}

/// The work tree's folder, as a real path (`None` for a bare repository).
pub fn workdir(repo: &gix::Repository) -> Option<PathBuf> {
    let dir = repo.workdir()?;
    Some(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()))
}

/// The commit HEAD names.
pub fn head(repo: &gix::Repository) -> Result<gix::ObjectId, String> {
    repo.head_commit().map(|c| c.id).map_err(|_| "HEAD names no commit yet; commit something first".to_owned())
}

/// The commit `spec` names (a branch, a tag, a commit id, `origin/main`, `HEAD~3`).
pub fn commit(repo: &gix::Repository, spec: &str, option: &str) -> Result<gix::ObjectId, String> {
    let not_found = || {
        format!(
            "{option} `{spec}`: no such commit in this repository; fetch it first (`git fetch origin {}`; \
             in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)",
            spec.strip_prefix("origin/").unwrap_or(spec)
        )
    };
    let id = repo.rev_parse_single(spec.as_bytes().as_bstr()).map_err(|_| not_found())?;
    let commit = id.object().ok().and_then(|o| o.peel_to_commit().ok()).ok_or_else(not_found)?;
    Ok(commit.id)
}

/// The best common ancestor of `a` and `b`. A shallow clone that lacks it says how to get it.
pub fn merge_base(
    repo: &gix::Repository,
    a: gix::ObjectId,
    b: gix::ObjectId,
    spec: &str,
) -> Result<gix::ObjectId, String> {
    let found = repo.merge_base(a, b);
    let shallow = repo.is_shallow().unwrap_or(false);
    match found {
        Ok(Some(id)) => Ok(id.detach()),
        _ if shallow => Err(format!(
            "--diff-base `{spec}`: this is a shallow clone and the common ancestor of `{spec}` and HEAD is not in it; \
             fetch the history (`git fetch --unshallow`; in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)"
        )),
        Ok(None) => Err(format!("--diff-base `{spec}`: `{spec}` and HEAD have no common ancestor")),
        Err(e) => Err(format!("--diff-base `{spec}`: cannot find the common ancestor of `{spec}` and HEAD: {e}")),
    }
}
