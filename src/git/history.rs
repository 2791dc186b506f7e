//! `history`: literal tokens anywhere in the commits reachable from HEAD (or from every ref),
//! each reported once, at the commit that first added it, with whether HEAD still has it.
//!
//! Each commit is diffed against its first parent (tree against tree, from the object
//! database: nothing is checked out), and the new version of every changed file is searched.
//! A token counts as added by a commit when the new version has it and the first parent's
//! version of the file does not: on the added lines, without a line diff, and a line that only
//! moves adds nothing. Commits are visited parents first, so the first commit to add a secret is
//! the one reported. Every blob version is read once, in parallel; most never mention `dbt` and
//! cost one search for it.

use crate::git::base::{blob, relative_path, short};
use crate::git::progress::{self, Stage, Status};
use crate::git::secrets;
use crate::literal::{self, Literal};
use crate::policy::Signals;
use crate::rules::Finding;
use crate::scan::Scan;
use crate::source::{Piece, SourceFile};
use gix::ObjectId;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Most bytes of a blob searched at a time (a blob is in memory already; this bounds the copy).
const CHUNK: usize = 1 << 20;

/// What `history` reads.
pub struct Options {
    /// Leave out the commits reachable from this one (`git log SINCE..HEAD`).
    pub since: Option<String>,
    /// Walk from every ref, not only HEAD.
    pub all: bool,
    /// Only files under these paths (as given, relative to the working directory).
    pub paths: Vec<PathBuf>,
    pub threads: usize,
    /// Show a progress line on stderr (the caller decides: only on a terminal).
    pub progress: bool,
    /// The work tree's config: its `exclude` globs apply to the paths of past commits too.
    pub config: Arc<crate::config::Settings>,
}

/// One secret, at the commit that first added it.
#[derive(Debug, Clone)]
pub struct Secret {
    pub commit: ObjectId,
    /// The author date of that commit, ISO 8601 with its offset.
    pub author_date: String,
    pub present_at_head: bool,
    /// Stable across runs: the finding's fingerprint and the commit.
    pub fingerprint: String,
}

/// What `history` found: the findings (TW201, one per secret, each with an excerpt of the file
/// version it was found in as its source) and, beside each, its commit.
#[derive(Debug, Default)]
pub struct History {
    /// `files` holds one excerpt per finding; `findings` in path, line order.
    pub scan: Scan,
    /// Parallel to `scan.findings`.
    pub secrets: Vec<Secret>,
    pub commits: usize,
    /// Distinct blob versions searched.
    pub blobs: usize,
    /// Distinct secrets silenced by an inline `tokenwise: ignore[TW201]` where they were added.
    pub suppressed: usize,
}

/// A commit of the walk.
struct Commit {
    id: ObjectId,
    parents: Vec<ObjectId>,
    tree: ObjectId,
    /// Committer time, to order commits that the graph leaves unordered.
    time: i64,
    author_date: String,
}

/// A file whose new version a commit brings.
struct Change {
    path: Vec<u8>,
    old: Option<ObjectId>,
    new: ObjectId,
}

/// The literal tokens of one blob version, and the pieces of lines around them.
struct Found {
    pieces: Vec<Piece>,
    text: SourceFile,
    literals: Vec<Literal>,
}

impl Found {
    fn token<'a>(&'a self, lit: &'a Literal) -> &'a str {
        lit.token(&self.text.text)
    }

    fn has(&self, token: &str) -> bool {
        self.literals.iter().any(|l| self.token(l) == token)
    }
}

/// The blobs searched so far: those with tokens, and how many were searched.
#[derive(Default)]
struct Blobs {
    searched: HashSet<ObjectId>,
    found: HashMap<ObjectId, Arc<Found>>,
    warnings: Vec<String>,
}

/// Walk the history of the repository that holds the working directory.
pub fn run(opts: &Options, signals: &Signals) -> Result<(History, Vec<String>), String> {
    let status = Status::default();
    progress::show_while(opts.progress, &status, || run_showing(opts, signals, &status))
}

fn run_showing(opts: &Options, signals: &Signals, status: &Status) -> Result<(History, Vec<String>), String> {
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let mut repo = crate::git::repo::discover(&cwd)?;
    tune(&mut repo);
    let workdir = crate::git::repo::workdir(&repo);
    let prefixes = prefixes(&opts.paths, &cwd, workdir.as_deref())?;
    let head = crate::git::repo::head(&repo)?;
    status.start(Stage::Walk, 0);
    let commits = walk(&repo, head, opts, status)?;
    let excluded = |path: &[u8]| match (&workdir, relative_path(path)) {
        (Some(w), Some(rel)) => opts.config.is_excluded(&w.join(rel)),
        _ => false,
    };
    let wanted = |path: &[u8]| under(path, &prefixes) && !excluded(path);
    let sync = repo.clone().into_sync();
    status.start(Stage::Diff, commits.len());
    let changes = diff_all(&sync, &commits, opts.threads, &wanted, status)?;
    // Newest first, as the walk met them: a pack stores a file's newest version whole and older
    // ones as deltas of newer ones, so each delta's base is then one just read.
    let mut unique = HashSet::new();
    let ids: Vec<ObjectId> = changes.iter().flatten().map(|c| c.new).filter(|id| unique.insert(*id)).collect();
    let mut blobs = Blobs::default();
    search(&sync, &ids, opts, signals, &mut blobs, status);

    let mut history = History { commits: commits.len(), ..History::default() };
    let mut seen: HashSet<String> = HashSet::new();
    let mut silenced: HashSet<String> = HashSet::new();
    let mut found: Vec<(SourceFile, Finding, Secret, String)> = Vec::new();
    for i in order(&commits) {
        let (Some(commit), Some(changes)) = (commits.get(i), changes.get(i)) else { continue };
        for change in changes {
            let Some(new) = blobs.found.get(&change.new).cloned() else { continue };
            for lit in &new.literals {
                let token = new.token(lit);
                if seen.contains(token) {
                    continue;
                }
                // Already in the first parent's version: added before the walk's range, or moved.
                if let Some(old) = change.old
                    && one(&repo, old, signals, &mut blobs).is_some_and(|o| o.has(token))
                {
                    seen.insert(token.to_owned());
                    continue;
                }
                let display = crate::escape::name_bytes(&change.path);
                let path = relative_path(&change.path).unwrap_or_else(|| PathBuf::from(&display));
                let src = SourceFile::excerpt(path, display.clone(), new.pieces.clone());
                let mut f = secrets::finding(&src, lit);
                if crate::suppress::is_suppressed(&f, &src) {
                    silenced.insert(token.to_owned());
                    continue;
                }
                seen.insert(token.to_owned());
                // The fingerprint `check` would give the finding in that version, with the
                // commit: the same secret added on two branches is two findings.
                crate::rules::fingerprint::assign(std::slice::from_mut(&mut f), std::slice::from_ref(&src));
                let fingerprint = fingerprint_with(commit.id, &f.fingerprint);
                f.fingerprint.clone_from(&fingerprint);
                let secret = Secret {
                    commit: commit.id,
                    author_date: commit.author_date.clone(),
                    present_at_head: false,
                    fingerprint,
                };
                found.push((src, f, secret, token.to_owned()));
            }
        }
    }
    history.suppressed = silenced.iter().filter(|t| !seen.contains(*t)).count();
    // Every report masks pieces of these tokens too, wherever they show up without a prefix.
    literal::learn(found.iter().map(|(_, _, _, token)| token.as_str()));
    if !found.is_empty() {
        let at_head = tokens_at_head(&repo, &sync, head, opts, signals, &mut blobs, status)?;
        for (_, _, secret, token) in &mut found {
            secret.present_at_head = at_head.contains(token.as_str());
        }
    }
    history.blobs = blobs.searched.len();
    found.sort_by(|a, b| {
        let key = |(src, f, s, _): &(SourceFile, Finding, Secret, String)| {
            (src.display.clone(), src.line_col(f.at.span.start), s.commit)
        };
        key(a).cmp(&key(b))
    });
    for (i, (src, mut f, secret, _)) in found.into_iter().enumerate() {
        f.at.file = i;
        for e in &mut f.evidence {
            if let Some(at) = &mut e.at {
                at.file = i;
            }
        }
        f.message =
            format!("{}: added in commit {} on {}, {}", f.message, short(secret.commit), date(&secret), state(&secret));
        history.scan.files.push(src);
        history.scan.findings.push(f);
        history.secrets.push(secret);
    }
    history.scan.files_scanned = history.blobs;
    let mut warnings = blobs.warnings;
    if repo.is_shallow().unwrap_or(false) {
        // Its oldest commits stand for everything before them: a token added and removed
        // before them is not in the clone at all.
        warnings.push(format!(
            "this is a shallow clone: only {} commit{} of the history are in it; fetch the rest \
             (`git fetch --unshallow`; in GitHub Actions, `actions/checkout` with `fetch-depth: 0`)",
            history.commits,
            if history.commits == 1 { "" } else { "s" }
        ));
    }
    Ok((history, warnings))
}

/// Caches for reading a history: neighbouring versions of a file are deltas of each other in a
/// pack, so the bases of recent deltas are kept (by size, not count) rather than inflated
/// again for every version; trees are kept for the diffs of neighbouring commits.
fn tune(repo: &mut gix::Repository) {
    repo.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(PACK_CACHE)));
    repo.object_cache_size_if_unset(32 << 20);
}

/// Bytes of delta bases each worker keeps (git's own `core.deltaBaseCacheLimit` is 96 MiB).
const PACK_CACHE: usize = 64 << 20;

/// A finding's fingerprint joined with its commit: the first 128 bits of a SHA-256, in hex.
fn fingerprint_with(commit: ObjectId, fingerprint: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{commit}\u{1f}{fingerprint}").as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The day of a secret's commit.
fn date(s: &Secret) -> &str {
    s.author_date.get(..10).unwrap_or(&s.author_date)
}

fn state(s: &Secret) -> &'static str {
    if s.present_at_head { "still at HEAD" } else { "no longer at HEAD but valid until revoked" }
}

/// The paths to report on, as work-tree-relative `/`-separated prefixes (empty: everything).
fn prefixes(paths: &[PathBuf], cwd: &Path, workdir: Option<&Path>) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for p in paths {
        let Some(workdir) = workdir else {
            return Err("history PATH needs a work tree; this repository is bare".into());
        };
        // A path may name a file that only the history has: resolved lexically then.
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| lexical(&cwd.join(p)));
        let rel = abs
            .strip_prefix(workdir)
            .map_err(|_| format!("path `{}` is outside the repository at `{}`", p.display(), workdir.display()))?;
        let mut key = Vec::new();
        for c in rel.components() {
            if !key.is_empty() {
                key.push(b'/');
            }
            key.extend_from_slice(c.as_os_str().as_encoded_bytes());
        }
        out.push(key);
    }
    Ok(out)
}

/// `p` with `.` and `..` resolved by name.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a tree path is one of `prefixes` or under one.
fn under(path: &[u8], prefixes: &[Vec<u8>]) -> bool {
    prefixes.is_empty()
        || prefixes.iter().any(|p| {
            p.is_empty() || (path.starts_with(p) && (path.len() == p.len() || path.get(p.len()) == Some(&b'/')))
        })
}

/// The commits to visit: reachable from HEAD (or every ref), not from `--since`.
fn walk(repo: &gix::Repository, head: ObjectId, opts: &Options, status: &Status) -> Result<Vec<Commit>, String> {
    let mut tips = vec![head];
    if opts.all {
        let refs = repo.references().map_err(|e| format!("cannot list the refs: {e}"))?;
        for r in refs.all().map_err(|e| format!("cannot list the refs: {e}"))?.flatten() {
            let mut r = r;
            // A tag of a tree or a blob names no commit.
            if let Ok(id) = r.peel_to_id()
                && repo.find_header(id.detach()).is_ok_and(|h| h.kind() == gix::object::Kind::Commit)
            {
                tips.push(id.detach());
            }
        }
        tips.sort_unstable();
        tips.dedup();
    }
    let hidden = match &opts.since {
        Some(spec) => vec![crate::git::repo::commit(repo, spec, "--since")?],
        None => Vec::new(),
    };
    let broken = |e: &dyn std::fmt::Display| format!("cannot walk the history: {e}");
    let walk = repo.rev_walk(tips).with_hidden(hidden).all().map_err(|e| broken(&e))?;
    let mut out = Vec::new();
    for info in walk {
        let info = info.map_err(|e| broken(&e))?;
        let commit = info.object().map_err(|e| broken(&e))?;
        let tree = commit.tree_id().map_err(|e| broken(&e))?.detach();
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        let author_date = commit
            .author()
            .ok()
            .and_then(|a| a.time().ok())
            .map(|t| t.format_or_unix(gix::date::time::format::ISO8601_STRICT))
            .unwrap_or_default();
        out.push(Commit { id: info.id, parents: info.parent_ids.to_vec(), tree, time, author_date });
        status.step();
    }
    Ok(out)
}

/// The commits' indices, parents before children, and among commits the graph leaves
/// unordered the older first (by committer time, then id, so the order is stable).
fn order(commits: &[Commit]) -> Vec<usize> {
    let index: HashMap<ObjectId, usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut waiting = vec![0usize; commits.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    for (i, c) in commits.iter().enumerate() {
        let mut parents: Vec<usize> = c.parents.iter().filter_map(|p| index.get(p).copied()).collect();
        parents.sort_unstable();
        parents.dedup();
        for p in parents {
            if let (Some(w), Some(ch)) = (waiting.get_mut(i), children.get_mut(p)) {
                *w += 1;
                ch.push(i);
            }
        }
    }
    let key = |i: usize| commits.get(i).map_or((i64::MAX, ObjectId::null(gix::hash::Kind::Sha1)), |c| (c.time, c.id));
    let mut ready: BinaryHeap<Reverse<((i64, ObjectId), usize)>> =
        waiting.iter().enumerate().filter(|(_, w)| **w == 0).map(|(i, _)| Reverse((key(i), i))).collect();
    let mut out = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push(i);
        for &c in children.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(w) = waiting.get_mut(c) {
                *w -= 1;
                if *w == 0 {
                    ready.push(Reverse((key(c), c)));
                }
            }
        }
    }
    out
}

/// Each commit's changes against its first parent, in parallel; `wanted` says which paths count.
fn diff_all(
    repo: &gix::ThreadSafeRepository,
    commits: &[Commit],
    threads: usize,
    wanted: &(dyn Fn(&[u8]) -> bool + Sync),
    status: &Status,
) -> Result<Vec<Vec<Change>>, String> {
    let trees: HashMap<ObjectId, ObjectId> = commits.iter().map(|c| (c.id, c.tree)).collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Vec<Change>)>> = Mutex::new(Vec::with_capacity(commits.len()));
    let error: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(commits.len().max(1)) {
            s.spawn(|| {
                let mut repo = repo.to_thread_local();
                tune(&mut repo);
                let mut state = gix::diff::tree::State::default();
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = commits.get(i) else { break };
                    match changes(&repo, c, &trees, &mut state, wanted) {
                        Ok(ch) => {
                            mine.push((i, ch));
                            status.step();
                        }
                        Err(e) => {
                            if let Ok(mut slot) = error.lock() {
                                slot.get_or_insert(e);
                            }
                            break;
                        }
                    }
                }
                if let Ok(mut all) = results.lock() {
                    all.extend(mine);
                }
            });
        }
    });
    if let Some(e) = error.into_inner().ok().flatten() {
        return Err(e);
    }
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, ch)| ch).collect())
}

/// The files commit `c` adds or changes relative to its first parent (a root commit, or one
/// whose parent a shallow clone lacks, adds all its files).
fn changes(
    repo: &gix::Repository,
    c: &Commit,
    trees: &HashMap<ObjectId, ObjectId>,
    state: &mut gix::diff::tree::State,
    wanted: &(dyn Fn(&[u8]) -> bool + Sync),
) -> Result<Vec<Change>, String> {
    let broken = |e: &dyn std::fmt::Display| format!("cannot read commit {}: {e}", short(c.id));
    let parent_tree = match c.parents.first() {
        Some(p) => match trees.get(p) {
            Some(t) => Some(*t),
            // A parent outside the walk (before `--since`): read it; missing in a shallow clone.
            None => repo.find_commit(*p).ok().and_then(|pc| pc.tree_id().ok()).map(|t| t.detach()),
        },
        None => None,
    };
    let new = repo.find_tree(c.tree).map_err(|e| broken(&e))?;
    let old = match parent_tree {
        Some(t) => repo.find_tree(t).map_err(|e| broken(&e))?.detach().data,
        None => Vec::new(),
    };
    let kind = repo.object_hash();
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&old, kind),
        gix::objs::TreeRefIter::from_bytes(&new.data, kind),
        state,
        &repo.objects,
        &mut recorder,
    )
    .map_err(|e| broken(&e))?;
    use gix::diff::tree::recorder::Change as C;
    Ok(recorder
        .records
        .into_iter()
        .filter_map(|r| match r {
            C::Addition { entry_mode, oid, path, .. } if entry_mode.is_blob() => {
                Some(Change { path: path.into(), old: None, new: oid })
            }
            C::Modification { previous_entry_mode, previous_oid, entry_mode, oid, path } if entry_mode.is_blob() => {
                let old = previous_entry_mode.is_blob().then_some(previous_oid);
                Some(Change { path: path.into(), old, new: oid })
            }
            _ => None,
        })
        .filter(|c| wanted(&c.path))
        .collect())
}

/// Search the blobs `ids` not searched yet, in parallel, each once.
fn search(
    repo: &gix::ThreadSafeRepository,
    ids: &[ObjectId],
    opts: &Options,
    signals: &Signals,
    into: &mut Blobs,
    status: &Status,
) {
    let todo: Vec<ObjectId> = ids.iter().filter(|id| !into.searched.contains(*id)).copied().collect();
    status.start(Stage::Search, todo.len());
    let next = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.threads.max(1).min(todo.len().max(1)) {
            s.spawn(|| {
                let mut repo = repo.to_thread_local();
                tune(&mut repo);
                while let Some(id) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let read = blob(&repo, *id);
                    status.step();
                    match read {
                        Ok(bytes) => {
                            if let Some(f) = search_blob(&bytes, signals)
                                && let Ok(mut all) = found.lock()
                            {
                                all.push((*id, Arc::new(f)));
                            }
                        }
                        Err(w) => {
                            if let Ok(mut all) = warnings.lock() {
                                all.push(format!("blob {}: {w}", short(*id)));
                            }
                        }
                    }
                }
            });
        }
    });
    into.searched.extend(todo);
    into.found.extend(found.into_inner().unwrap_or_default());
    into.warnings.extend(warnings.into_inner().unwrap_or_default());
}

/// One blob, searched now if it was not already.
fn one(repo: &gix::Repository, id: ObjectId, signals: &Signals, blobs: &mut Blobs) -> Option<Arc<Found>> {
    if blobs.searched.insert(id) {
        match blob(repo, id) {
            Ok(bytes) => {
                if let Some(f) = search_blob(&bytes, signals) {
                    blobs.found.insert(id, Arc::new(f));
                }
            }
            Err(w) => blobs.warnings.push(format!("blob {}: {w}", short(id))),
        }
    }
    blobs.found.get(&id).cloned()
}

/// The literal tokens of one blob version, with the bounds of a file: searched as a stream
/// (binary content included), the pieces around at most `read::MAX_STREAMED_LITERALS` kept.
fn search_blob(bytes: &[u8], signals: &Signals) -> Option<Found> {
    if !secrets::may_hold(bytes) {
        return None;
    }
    // The blob is in memory already: one round, no larger buffer than the blob.
    let streamed = crate::read::stream(bytes, signals, bytes.len().clamp(1, CHUNK)).ok()?;
    if streamed.pieces.is_empty() {
        return None;
    }
    let text = SourceFile::excerpt(PathBuf::new(), String::new(), streamed.pieces.clone());
    let literals = secrets::find(&text.text, signals);
    (!literals.is_empty()).then_some(Found { pieces: streamed.pieces, text, literals })
}

/// Every token in HEAD's tree (any path): searched only when there is something to look up.
fn tokens_at_head(
    repo: &gix::Repository,
    sync: &gix::ThreadSafeRepository,
    head: ObjectId,
    opts: &Options,
    signals: &Signals,
    blobs: &mut Blobs,
    status: &Status,
) -> Result<HashSet<String>, String> {
    let broken = |e: &dyn std::fmt::Display| format!("cannot read HEAD's tree: {e}");
    let tree = repo.find_commit(head).and_then(|c| c.tree()).map_err(|e| broken(&e))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder).map_err(|e| broken(&e))?;
    let ids: Vec<ObjectId> = recorder.records.iter().filter(|e| e.mode.is_blob()).map(|e| e.oid).collect();
    search(sync, &ids, opts, signals, blobs, status);
    let mut out = HashSet::new();
    for id in &ids {
        if let Some(f) = blobs.found.get(id) {
            out.extend(f.literals.iter().map(|l| f.token(l).to_owned()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn commit(n: u8, parents: &[u8], time: i64) -> Commit {
        Commit {
            id: id(n),
            parents: parents.iter().map(|p| id(*p)).collect(),
            tree: id(0),
            time,
            author_date: String::new(),
        }
    }

    #[test]
    fn parents_come_first_whatever_the_clocks_say() {
        // 1 ← 2 ← 4 (merge of 2 and 3), 1 ← 3; 3's clock is behind 1's.
        let commits = vec![commit(4, &[2, 3], 40), commit(3, &[1], 5), commit(2, &[1], 20), commit(1, &[], 10)];
        let ids: Vec<u8> = order(&commits).into_iter().map(|i| commits[i].id.as_bytes()[0]).collect();
        assert_eq!(ids, [1, 3, 2, 4]);
    }

    #[test]
    fn paths_are_under_a_prefix_only_at_a_separator() {
        let p = vec![b"scripts".to_vec()];
        assert!(under(b"scripts/run.sh", &p));
        assert!(under(b"scripts", &p));
        assert!(!under(b"scripts2/run.sh", &p));
        assert!(under(b"anything", &[]));
        assert!(under(b"anything", &[Vec::new()]));
    }
}
