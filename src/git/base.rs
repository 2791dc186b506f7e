//! The base of `--diff-base`: the merge base of REF and HEAD, its tree read from the object
//! database into memory (never checked out) and scanned by the same pipeline as the work tree,
//! whole, since resolution across files needs every file. Findings whose fingerprint is in the
//! base are not new.

use crate::baseline::Entry;
use crate::discover::display_path;
use crate::kind::FileKind;
use crate::policy::Policy;
use crate::prefilter::Gate;
use crate::render::Report;
use crate::scan::{self, Options, Scan};
use crate::source::SourceFile;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Largest blob read: the object database decompresses a blob whole, so this bounds memory per
/// worker; a larger one (never a dbt config) is skipped, with a warning.
pub const MAX_BLOB: u64 = 256 * crate::bounded::MIB;

/// Scan the merge base of `spec` and HEAD, as the work tree scan of `opts` would have seen it:
/// the files under the same paths, named the same way, with the same config.
pub fn scan(opts: &Options, policy: &Policy, spec: &str) -> Result<Scan, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    // The repository of the first path scanned (a file: its folder's).
    let first = opts.paths.first().map(|p| cwd.join(p)).unwrap_or_else(|| cwd.clone());
    let start =
        if crate::longpath::is_dir(&first) { first } else { first.parent().map(Path::to_path_buf).unwrap_or(first) };
    let repo = crate::git::repo::discover(&start)?;
    let head = crate::git::repo::head(&repo)?;
    let other = crate::git::repo::commit(&repo, spec, "--diff-base")?;
    let base = crate::git::repo::merge_base(&repo, other, head, spec)?;
    let workdir = crate::git::repo::workdir(&repo)
        .ok_or_else(|| "--diff-base needs a work tree; this repository is bare".to_owned())?;
    let blobs = files_of(&repo, base, &workdir, &opts.paths)?;
    Ok(scan_blobs(repo, blobs, opts, policy, &cwd))
}

/// Scan `blobs` as the files they stand for (those the config excludes left out).
pub fn scan_blobs(repo: gix::Repository, blobs: Vec<Blob>, opts: &Options, policy: &Policy, cwd: &Path) -> Scan {
    let blobs: Vec<Blob> = blobs.into_iter().filter(|b| !opts.config.is_excluded(&b.path)).collect();
    let (files, warnings) = read(&repo.into_sync(), &blobs, opts, policy, cwd);
    scan::analyse_read(opts, policy, files, blobs.len(), warnings)
}

/// A file of a tree or of the index: where the walk of the work tree would name it, and its blob.
pub struct Blob {
    path: PathBuf,
    id: gix::ObjectId,
}

/// The regular files (not links, not submodules: the walk reads neither) of commit `base`
/// under `roots`, each named as the walk names the same file in the work tree.
fn files_of(
    repo: &gix::Repository,
    base: gix::ObjectId,
    workdir: &Path,
    roots: &[PathBuf],
) -> Result<Vec<Blob>, String> {
    let broken = |e: &dyn std::fmt::Display| format!("cannot read the base commit {}: {e}", short(base));
    let tree = repo.find_commit(base).and_then(|c| c.tree()).map_err(|e| broken(&e))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder).map_err(|e| broken(&e))?;
    let files = recorder.records.into_iter().filter(|e| e.mode.is_blob()).map(|e| (e.filepath, e.oid));
    Ok(place(files, workdir, roots))
}

/// The files (work-tree-relative `/`-separated paths, and blobs) under `roots`, each named as
/// the walk names the same file in the work tree.
pub fn place<P: AsRef<[u8]>>(
    files: impl IntoIterator<Item = (P, gix::ObjectId)>,
    workdir: &Path,
    roots: &[PathBuf],
) -> Vec<Blob> {
    // Each root as given and as a path in the work tree: `sub/..//x` and `x` name one folder.
    let roots: Vec<(&PathBuf, PathBuf)> = roots
        .iter()
        .filter_map(|r| {
            let real = std::fs::canonicalize(r).ok()?;
            Some((r, real.strip_prefix(workdir).ok()?.to_path_buf()))
        })
        .collect();
    let mut out = Vec::new();
    for (path, id) in files {
        let Some(rel) = relative_path(path.as_ref()) else { continue };
        for (given, inside) in &roots {
            if let Ok(tail) = rel.strip_prefix(inside) {
                let path = if tail.as_os_str().is_empty() { given.to_path_buf() } else { given.join(tail) };
                out.push(Blob { path, id });
            }
        }
    }
    out
}

/// A tree path (`/`-separated bytes) as a relative path; `None` for one that could leave the
/// work tree or that the platform cannot name.
pub fn relative_path(bytes: &[u8]) -> Option<PathBuf> {
    let s = std::str::from_utf8(bytes).ok().map(str::to_owned).or_else(|| non_utf8(bytes))?;
    let path = PathBuf::from(s);
    path.components().all(|c| matches!(c, std::path::Component::Normal(_))).then_some(path)
}

#[cfg(unix)]
fn non_utf8(bytes: &[u8]) -> Option<String> {
    // A path that is not UTF-8 still names a file on Unix; reports escape its bytes.
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_str().map(str::to_owned)
}

#[cfg(not(unix))]
fn non_utf8(_: &[u8]) -> Option<String> {
    None
}

/// Read the blobs in parallel, each once, with the bounds and the prefilter of files on disk
/// (size limit, binary content streamed for literals), so the base yields what the same files
/// in the work tree would.
fn read(
    repo: &gix::ThreadSafeRepository,
    blobs: &[Blob],
    opts: &Options,
    policy: &Policy,
    cwd: &Path,
) -> (Vec<(SourceFile, FileKind)>, Vec<String>) {
    let gate = Gate::new(&policy.signals);
    let next = AtomicUsize::new(0);
    let kept = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    let threads = opts.threads.max(1).min(blobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let repo = repo.to_thread_local();
                while let Some(b) = blobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let read = match blob(&repo, b.id) {
                        Ok(bytes) => {
                            crate::read::bytes(&b.path, Some(cwd), bytes, opts.max_parse_bytes, &gate, &policy.signals)
                        }
                        Err(w) => crate::read::Read {
                            warning: Some(format!("{} (base): {w}", display_path(&b.path, Some(cwd)))),
                            ..crate::read::Read::default()
                        },
                    };
                    if let Some(f) = read.file
                        && let Ok(mut k) = kept.lock()
                    {
                        k.push((f, read.kind));
                    }
                    if let Some(w) = read.warning
                        && let Ok(mut all) = warnings.lock()
                    {
                        all.push(w);
                    }
                }
            });
        }
    });
    (kept.into_inner().unwrap_or_default(), warnings.into_inner().unwrap_or_default())
}

/// The bytes of blob `id`, if it is within [`MAX_BLOB`].
pub fn blob(repo: &gix::Repository, id: gix::ObjectId) -> Result<Vec<u8>, String> {
    let header = repo.find_header(id).map_err(|e| format!("cannot read blob {}: {e}", short(id)))?;
    if header.size() > MAX_BLOB {
        return Err(format!("blob larger than {}: not read", crate::bounded::size(MAX_BLOB)));
    }
    let object = repo.find_object(id).map_err(|e| format!("cannot read blob {}: {e}", short(id)))?;
    Ok(object.detach().data)
}

/// A commit or blob id as people quote it.
pub fn short(id: gix::ObjectId) -> String {
    id.to_hex_with_len(10).to_string()
}

/// Drop from `report` the findings the base has (each base finding covers one), and say how
/// many were dropped.
pub fn drop_known(report: &mut Report, base: &Report) {
    let entry = |r: &Report, f: &crate::rules::Finding| crate::report::entry(f, r.scan);
    let mut known: BTreeMap<Entry, usize> = BTreeMap::new();
    for f in &base.findings {
        *known.entry(entry(base, f)).or_insert(0) += 1;
    }
    let before = report.findings.len();
    let findings = std::mem::take(&mut report.findings);
    report.findings = findings
        .into_iter()
        .filter(|f| match known.get_mut(&entry(report, f)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect();
    report.in_base = before - report.findings.len();
}
