//! The pipeline: discover → read → prefilter → parse and extract (in parallel, while the walk
//! goes on) → resolve across files → classify → rules.

use crate::classify::classify;
use crate::discover::{display_path, walk};
use crate::extract::{self, Ctx, FileFacts};
use crate::kind::FileKind;
use crate::model::ClassifiedUse;
use crate::policy::Policy;
use crate::prefilter::Gate;
use crate::resolve;
use crate::rules::{self, Finding};
use crate::show_files::Shown;
use crate::source::SourceFile;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::time::Duration;

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub no_ignore: bool,
    pub threads: usize,
    /// Files larger than this are searched for literal tokens only, never parsed.
    pub max_parse_bytes: u64,
    /// One file given on stdin: (name to classify it as, content). With [`run_reading`] this
    /// is the content's start, and the rest follows from its reader.
    pub stdin: Option<(String, Vec<u8>)>,
    /// The run's `.tokenwise.yml` files: their `exclude` globs drop files before they are read.
    pub config: std::sync::Arc<crate::config::Settings>,
    /// Show "scanned N files…" on stderr while a long scan runs (the caller decides: only for a
    /// person at a terminal reading a human format).
    pub progress: bool,
    /// Note what became of every file the walk considered, in [`Scan::shown`] (`--show-files`).
    pub show_files: bool,
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// The files that yield something (token uses, literals, parse errors, Terraform
    /// declarations), in path order; the facts, uses and findings point into it.
    pub files: Vec<SourceFile>,
    pub facts: Vec<FileFacts>,
    pub uses: Vec<ClassifiedUse>,
    pub findings: Vec<Finding>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
    /// With [`Options::show_files`]: every file considered, in path order.
    pub shown: Vec<crate::show_files::Shown>,
}

/// Stack size of the worker threads: parsers recurse, and deep input is bounded by depth
/// limits, but the default 2 MiB leaves little room on top of them.
const WORKER_STACK: usize = 16 * 1024 * 1024;
/// The stack of a worker when [`WORKER_STACK`] cannot be had (a capped address space, `ulimit
/// -v`): a smaller one still scans, where no worker at all would scan nothing.
const SMALL_WORKER_STACK: usize = 4 * 1024 * 1024;

pub fn run(opts: &Options, policy: &Policy) -> Scan {
    run_reading(opts, policy, std::io::empty())
}

/// [`run`], where the content in `opts.stdin` continues with what `rest` holds (the command
/// line reads stdin only as far as the size limit; past it the content is streamed).
pub fn run_reading(opts: &Options, policy: &Policy, rest: impl std::io::Read) -> Scan {
    // Files read so far, counted by the walker threads and shown by the progress line.
    let seen = AtomicUsize::new(0);
    with_progress(opts.progress, &seen, || run_counting(opts, policy, &seen, rest))
}

fn run_counting(opts: &Options, policy: &Policy, seen: &AtomicUsize, rest: impl std::io::Read) -> Scan {
    let (kept, files_scanned, warnings, shown) = match &opts.stdin {
        Some((name, _)) if opts.config.is_excluded(Path::new(name)) => {
            let display = || display_path(Path::new(name), std::env::current_dir().ok().as_deref());
            let shown = match opts.config.excluded_by(Path::new(name)).filter(|_| opts.show_files) {
                Some((pattern, config)) => vec![Shown::excluded(display(), pattern, config)],
                None => Vec::new(),
            };
            (Vec::new(), 0, Vec::new(), shown)
        }
        Some((name, bytes)) => {
            let display = display_path(Path::new(name), std::env::current_dir().ok().as_deref());
            let read = crate::read::content(
                PathBuf::from(name),
                display.clone(),
                bytes.clone(),
                rest,
                opts.max_parse_bytes,
                &policy.signals,
            );
            let shown: Vec<Shown> =
                opts.show_files.then(|| Shown::of_read(display, &read, opts.max_parse_bytes)).into_iter().collect();
            let (kept, readers, ()) = extracting(1, policy, opts.show_files, |send| {
                if let Some(f) = read.file {
                    let _ = send.send(vec![(f, read.kind)]);
                }
            });
            (kept, 1, read.warning.into_iter().collect(), crate::show_files::merge(shown, readers))
        }
        None => read_all(opts, seen, policy),
    };
    let mut scan = analyse(policy, kept, files_scanned, warnings);
    scan.shown = shown;
    scan
}

/// Files read elsewhere (a git tree in memory), each with the kind to read it as: extracted on
/// `opts.threads` threads, then through the rest of the pipeline as files on disk are.
pub fn analyse_read(
    opts: &Options,
    policy: &Policy,
    read: Vec<(SourceFile, FileKind)>,
    files_scanned: usize,
    warnings: Vec<String>,
) -> Scan {
    let (kept, _, ()) = extracting(opts.threads, policy, false, |send| {
        let mut batch = Batch { send: send.clone(), files: Vec::new(), bytes: 0 };
        for (file, kind) in read {
            batch.push(file, kind);
        }
    });
    analyse(policy, kept, files_scanned, warnings)
}

/// One file (`bytes`, named `name`) through the whole pipeline on the calling thread, as
/// [`run`] scans it from stdin: the work is this thread's, so that its CPU time is the cost of
/// the file (what tests that compare the costs of inputs of different sizes measure).
pub fn run_here(name: &str, bytes: Vec<u8>, max_parse_bytes: u64, policy: &Policy) -> Scan {
    let read = crate::read::content(
        PathBuf::from(name),
        name.to_owned(),
        bytes,
        std::io::empty(),
        max_parse_bytes,
        &policy.signals,
    );
    let kept: Vec<Kept> = read
        .file
        .map(|src| {
            let facts = extract::extract(&Ctx { file: UNPLACED, src: &src, policy }, read.kind);
            (src, facts)
        })
        .filter(|(_, facts)| !facts.is_empty())
        .into_iter()
        .collect();
    analyse(policy, kept, 1, read.warning.into_iter().collect())
}

/// The pipeline after extraction: files in path order, resolved across files, classified, the
/// rules run.
fn analyse(policy: &Policy, mut kept: Vec<Kept>, files_scanned: usize, warnings: Vec<String>) -> Scan {
    kept.sort_by(|a, b| a.0.display.cmp(&b.0.display));
    kept.dedup_by(|a, b| a.0.display == b.0.display);
    let (files, mut facts): (Vec<SourceFile>, Vec<FileFacts>) = kept
        .into_iter()
        .enumerate()
        .map(|(i, (src, mut facts))| {
            facts.relocate(i);
            (src, facts)
        })
        .unzip();

    // Every report masks pieces of these tokens too, wherever they show up without a prefix.
    crate::literal::learn(files.iter().zip(&facts).flat_map(|(src, f)| f.literals.iter().map(|l| l.token(&src.text))));
    // And the credentials that have no prefix: legacy keys, the tokens of credential caches,
    // and a token's encoded form (its base64), a piece of which may sit on another line.
    crate::known::learn(files.iter().zip(&facts).flat_map(|(src, f)| {
        let keys = f.hex_values.iter().map(|v| (v.start, v.end));
        let cached = f.cache.iter().flat_map(|c| c.secrets.iter().copied());
        let encoded = f.literals.iter().filter(|l| l.decoded.is_some()).map(|l| (l.start, l.end));
        keys.chain(cached).chain(encoded).filter_map(|(s, e)| src.text.get(s..e))
    }));
    let mut uses = resolve::resolve(&files, &mut facts, policy);
    prefixless_credentials(&files, &facts, &mut uses);
    // A value written where a token goes that is a secret without a prefix (a legacy key, an
    // old token) is masked in every report as a prefixed one is.
    let values: Vec<&str> = uses
        .iter()
        .filter_map(|u| files.get(u.at.file).and_then(|f| f.text.get(u.at.span.start..u.at.span.end)))
        .collect();
    crate::literal::learn_values(values);
    for u in &mut uses {
        if let std::borrow::Cow::Owned(m) = crate::literal::mask(&u.reference) {
            u.reference = m;
        }
    }
    let mut uses: Vec<ClassifiedUse> = uses
        .into_iter()
        .map(|mut u| {
            configured_path_hint(&mut u, &files, policy);
            let class = classify(&u, &policy.signals);
            ClassifiedUse { usage: u, class }
        })
        .collect();
    let unclaimed = unclaimed_literals(&files, &facts, &uses, &policy.signals);
    uses.extend(unclaimed);
    let findings = rules::run(&rules::Input { files: &files, facts: &facts, uses: &uses, policy });
    Scan { files, facts, uses, findings, files_scanned, warnings, shown: Vec::new() }
}

/// A use in a file the project's `classify:` globs name gets that fact, whatever its extractor
/// (Terraform and scripts already weigh it against their own path guesses).
fn configured_path_hint(u: &mut crate::model::TokenUse, files: &[SourceFile], policy: &Policy) {
    let Some(src) = files.get(u.at.file) else { return };
    if let Some(f) = crate::classify::names::configured_path(&src.display, &policy.signals) {
        let seen = crate::model::fact::Seen::new(f);
        if !u.facts.contains(&seen) {
            u.facts.push(seen);
        }
    }
}

/// The literal tokens that no extractor made a use of (a value in a file read only for literals,
/// a `.tfvars` value no module reads), as uses of their own: a committed token is a token in the
/// repository, so `inventory` lists it where `check` reports its TW201. Nothing says how such a
/// token is used, so its workflow is unknown and only TW201 judges it.
fn unclaimed_literals(
    files: &[SourceFile],
    facts: &[FileFacts],
    uses: &[ClassifiedUse],
    signals: &crate::policy::Signals,
) -> Vec<ClassifiedUse> {
    // Per file, the uses' spans by start: a literal is claimed when a use that starts at or before
    // it ends at or after it, so one sweep with the furthest end so far answers every literal.
    let mut spans: Vec<Vec<(usize, usize)>> = vec![Vec::new(); files.len()];
    for u in uses {
        if let Some(s) = spans.get_mut(u.usage.at.file) {
            s.push((u.usage.at.span.start, u.usage.at.span.end));
        }
    }
    let mut out = Vec::new();
    for (file, ((src, facts), spans)) in files.iter().zip(facts).zip(&mut spans).enumerate() {
        spans.sort_unstable();
        let mut literals: Vec<&crate::literal::Literal> = facts.literals.iter().collect();
        literals.sort_by_key(|l| l.start);
        let (mut next, mut furthest) = (0, None);
        for lit in literals {
            while let Some(&(_, end)) = spans.get(next).filter(|(start, _)| *start <= lit.start) {
                furthest = furthest.max(Some(end));
                next += 1;
            }
            if furthest.is_some_and(|end| end >= lit.end) {
                continue;
            }
            let at = crate::model::Loc { file, span: crate::tree::Span::new(lit.start, lit.end) };
            let token = lit.token(&src.text);
            let mut u = crate::model::TokenUse::new(at, crate::literal::mask_token(token), "literal in the file");
            u.literal = true;
            u.saw_type_at(crate::model::fact::TypeFact::Literal { prefix: lit.prefix().to_owned() }, at);
            let class = classify(&u, signals);
            out.push(ClassifiedUse { usage: u, class });
        }
    }
    out
}

/// Credentials without a prefix as uses: a legacy user API key types the use that reads it
/// (a user's key: personal), or is a use of its own where no extractor read it; a credential
/// cache is a use of its own at its first token. `inventory` lists them where `check` reports
/// their TW202 and TW203.
fn prefixless_credentials(files: &[SourceFile], facts: &[FileFacts], uses: &mut Vec<crate::model::TokenUse>) {
    use crate::model::fact::TypeFact;
    use crate::model::{Loc, TokenUse};
    use crate::tree::Span;
    for (file, (src, f)) in files.iter().zip(facts).enumerate() {
        for v in &f.hex_values {
            let at = Loc { file, span: Span::new(v.start, v.end) };
            let key = TypeFact::LegacyUserKey { name: v.name.clone() };
            let mut claimed = false;
            for u in uses.iter_mut().filter(|u| u.at.contains(&at)) {
                u.saw_type_at(key.clone(), at);
                claimed = true;
            }
            if !claimed {
                let token = src.text.get(v.start..v.end).unwrap_or("");
                let mut u =
                    TokenUse::new(at, format!("…{}", token.get(36..).unwrap_or("")), "legacy user API key in the file");
                u.literal = true;
                u.saw_type_at(key, at);
                uses.push(u);
            }
        }
        if let Some(c) = &f.cache {
            let (start, end) = c.secrets.first().copied().unwrap_or((0, 0));
            let at = Loc { file, span: Span::new(start, end) };
            let mut u = TokenUse::new(at, format!("`{}`", c.name), "dbt credential cache");
            u.literal = true;
            u.saw_type_at(TypeFact::CredentialCache { name: c.name.clone() }, at);
            uses.push(u);
        }
    }
}

/// A file kept for the later stages, with what it yields. Its text stays for positions,
/// suppression comments and snippets; files that yield nothing are dropped as soon as they are
/// read, so memory follows the files with token uses, not the size of the repository.
type Kept = (SourceFile, FileFacts);

/// Files the prefilter kept, with the kind to read each as, handed to the extractors together
/// so that a thread wakes once for several.
type Job = Vec<(SourceFile, FileKind)>;

/// A walker's files waiting for the extractors: sent when there are enough of them, and when
/// the walker is done.
struct Batch {
    send: SyncSender<Job>,
    files: Job,
    bytes: usize,
}

impl Batch {
    /// Files, and bytes of text, that make a batch worth a thread's wake-up.
    const FILES: usize = 32;
    const BYTES: usize = 1 << 20;

    fn push(&mut self, file: SourceFile, kind: FileKind) {
        self.bytes += file.text.len();
        self.files.push((file, kind));
        if self.files.len() >= Self::FILES || self.bytes >= Self::BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.files.is_empty() {
            let _ = self.send.send(std::mem::take(&mut self.files));
            self.bytes = 0;
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Where a file's facts point until its place in the scan is known (see
/// [`FileFacts::relocate`]): no file has this index.
const UNPLACED: usize = usize::MAX;

/// Walk, read and extract in one pass: each walker thread reads the files it finds, and hands
/// the few that the prefilter keeps to the extractors, which keep those that yield something.
/// Returns the kept files, the number of files read, the warnings (unreadable files and
/// folders) and, with `--show-files`, what became of every file.
fn read_all(opts: &Options, seen: &AtomicUsize, policy: &Policy) -> (Vec<Kept>, usize, Vec<String>, Vec<Shown>) {
    let cwd = std::env::current_dir().ok();
    let gate = Gate::new(&policy.signals);
    let problems = Mutex::new(Vec::new());
    // Only with `--show-files`: a plain scan notes nothing per file.
    let passed = opts.show_files.then(crate::discover::PassedBy::default);
    let shown = Mutex::new(Vec::new());
    let (kept, mut readers, mut warnings) = extracting(opts.threads, policy, opts.show_files, |send| {
        walk(&opts.paths, opts.no_ignore, opts.threads, passed.clone(), || {
            let (problems, cwd, gate, shown) = (&problems, cwd.as_deref(), &gate, &shown);
            let mut batch = Batch { send: send.clone(), files: Vec::new(), bytes: 0 };
            let mut buf = Vec::new();
            Box::new(move |path: &Path| {
                if opts.config.is_excluded(path) {
                    if opts.show_files
                        && let Some((pattern, config)) = opts.config.excluded_by(path)
                        && let Ok(mut s) = shown.lock()
                    {
                        s.push(Shown::excluded(display_path(path, cwd), pattern, config));
                    }
                    return;
                }
                seen.fetch_add(1, Ordering::Relaxed);
                let read = crate::read::file(path, cwd, &mut buf, opts.max_parse_bytes, gate, &policy.signals);
                if opts.show_files
                    && let Ok(mut s) = shown.lock()
                {
                    let name = read.file.as_ref().map_or_else(|| display_path(path, cwd), |f| f.display.clone());
                    s.push(Shown::of_read(name, &read, opts.max_parse_bytes));
                }
                if let Some(f) = read.file {
                    batch.push(f, read.kind);
                }
                if let Some(w) = read.warning
                    && let Ok(mut p) = problems.lock()
                {
                    p.push(w);
                }
            })
        })
    });
    warnings.extend(problems.into_inner().unwrap_or_default());
    let mut kept = kept;
    readers.extend(read_run_files(&mut kept, opts, cwd.as_deref(), policy));
    warnings.sort();
    let mut shown = shown.into_inner().unwrap_or_default();
    if let Some(passed) = passed {
        let passed = std::mem::take(&mut *passed.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        shown.extend(passed.into_iter().map(|(p, why)| Shown::passed(display_path(&p, cwd.as_deref()), why)));
    }
    (kept, seen.load(Ordering::Relaxed), warnings, crate::show_files::merge(shown, readers))
}

/// How many files that CI steps run are read past the prefilter in one scan.
const MAX_RUN_FILES: usize = 256;

/// The files CI steps run (`python tools/run_job`, `./bin/trigger`, a Makefile recipe's script)
/// that the prefilter dropped, read and extracted now: a step may hand such a file a token under
/// any name. Only files inside the scanned paths and not excluded are read.
fn read_run_files(kept: &mut Vec<Kept>, opts: &Options, cwd: Option<&Path>, policy: &Policy) -> Vec<Reading> {
    use crate::model::Flow;
    let mut wanted: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    {
        let have: std::collections::HashSet<&str> = kept.iter().map(|(s, _)| s.display.as_str()).collect();
        let sources: Vec<&SourceFile> = kept.iter().map(|(s, _)| s).collect();
        for (src, facts) in kept.iter() {
            let Some(base) = src.path.to_str().and_then(|p| p.strip_suffix(src.display.as_str())) else { continue };
            for u in &facts.uses {
                let Some(Flow::StepEnv { runs, .. }) = &u.flow else { continue };
                for file in crate::resolve::ci_runs::files_run(runs, &src.display, &sources) {
                    if !have.contains(file.as_str()) && wanted.len() < MAX_RUN_FILES {
                        wanted.insert(PathBuf::from(format!("{base}{file}")));
                    }
                }
            }
        }
    }
    let roots: Vec<PathBuf> = opts.paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let mut readers = Vec::new();
    for path in wanted {
        let inside = std::fs::canonicalize(&path).is_ok_and(|c| roots.iter().any(|r| c.starts_with(r)));
        let regular = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if !inside || !regular || opts.config.is_excluded(&path) {
            continue;
        }
        let Some((src, kind)) = crate::read::run_file(&path, cwd, opts.max_parse_bytes) else { continue };
        // Kept already under its report name (two spellings of one path): read once.
        if kept.iter().any(|(s, _)| s.display == src.display) {
            continue;
        }
        let facts = extract::extract(&Ctx { file: UNPLACED, src: &src, policy }, kind);
        if opts.show_files {
            readers.push((src.display.clone(), facts.reader, facts.parse_error.is_some()));
        }
        if !facts.is_empty() {
            kept.push((src, facts));
        }
    }
    readers
}

/// What an extractor read a file as (path, reader, whether it failed to parse), for
/// `--show-files`.
type Reading = (String, &'static str, bool);

/// Run `feed` with a channel to `threads` extractor threads (with [`WORKER_STACK`] each, for
/// the parsers), and return the files they kept (and, when `record`, what they read each file
/// as) with what `feed` returned. The channel is bounded, so memory holds a few files in flight
/// at most.
fn extracting<T>(
    threads: usize,
    policy: &Policy,
    record: bool,
    feed: impl FnOnce(&SyncSender<Job>) -> T,
) -> (Vec<Kept>, Vec<Reading>, T) {
    let threads = threads.max(1);
    let (send, receive) = mpsc::sync_channel::<Job>(threads);
    let receive = Mutex::new(Some(receive));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .filter_map(|_| {
                let receive = &receive;
                let work = move || {
                    let _close = CloseOnPanic(receive);
                    let (mut kept, mut readers) = (Vec::new(), Vec::new());
                    loop {
                        let job = match receive.lock() {
                            Ok(r) => r.as_ref().and_then(|r| r.recv().ok()),
                            Err(_) => None,
                        };
                        let Some(job) = job else { break };
                        for (src, kind) in job {
                            let facts = extract::extract(&Ctx { file: UNPLACED, src: &src, policy }, kind);
                            if record {
                                readers.push((src.display.clone(), facts.reader, facts.parse_error.is_some()));
                            }
                            if !facts.is_empty() {
                                kept.push((src, facts));
                            }
                        }
                    }
                    (kept, readers)
                };
                let spawn = |stack| std::thread::Builder::new().stack_size(stack).spawn_scoped(s, work);
                spawn(WORKER_STACK).or_else(|_| spawn(SMALL_WORKER_STACK)).ok()
            })
            .collect();
        if handles.is_empty() {
            // No extractor could start: close the channel rather than let the walk wait on it.
            if let Ok(mut r) = receive.lock() {
                *r = None;
            }
        }
        let out = feed(&send);
        drop(send);
        let (mut kept, mut readers) = (Vec::new(), Vec::new());
        for (k, r) in handles.into_iter().map(|h| h.join().unwrap_or_default()) {
            kept.extend(k);
            readers.extend(r);
        }
        (kept, readers, out)
    })
}

/// Closes the channel when an extractor panics, so that the walk never waits on it.
struct CloseOnPanic<'a>(&'a Mutex<Option<Receiver<Job>>>);

impl Drop for CloseOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            match self.0.lock() {
                Ok(mut r) => *r = None,
                Err(poisoned) => *poisoned.into_inner() = None,
            }
        }
    }
}

/// A scan shorter than this shows no progress at all.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);
/// How often the progress line is redrawn after that.
const PROGRESS_TICK: Duration = Duration::from_millis(150);

fn with_progress<T>(show: bool, seen: &AtomicUsize, work: impl FnOnce() -> T) -> T {
    if !show {
        return work();
    }
    progress_while(seen, PROGRESS_DELAY, PROGRESS_TICK, std::io::stderr(), work)
}

/// Run `work` while a thread redraws "scanned N files…" in place on `out` every `tick` once
/// `delay` has passed, then erases it. The thread waits on a channel that `work`'s end closes,
/// so a quick scan prints nothing and never waits for a tick.
fn progress_while<T>(
    seen: &AtomicUsize,
    delay: Duration,
    tick: Duration,
    mut out: impl Write + Send,
    work: impl FnOnce() -> T,
) -> T {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let (mut width, mut shown) = (0, None);
            let mut timeout = delay;
            while let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(timeout) {
                timeout = tick;
                let n = seen.load(Ordering::Relaxed);
                if shown == Some(n) {
                    continue;
                }
                let line = format!("scanned {n} files…");
                width = line.chars().count();
                let _ = write!(out, "\r{line}");
                let _ = out.flush();
                shown = Some(n);
            }
            if width > 0 {
                let _ = write!(out, "\r{:width$}\r", "");
                let _ = out.flush();
            }
        });
        let result = work();
        drop(done);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn every_location_points_at_a_file_of_the_scan() {
        let opts = Options {
            paths: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")],
            no_ignore: false,
            threads: 2,
            max_parse_bytes: crate::read::DEFAULT_MAX_FILE_SIZE,
            stdin: None,
            config: std::sync::Arc::new(crate::config::Settings::default()),
            progress: false,
            show_files: false,
        };
        let scan = run(&opts, crate::policy::builtin());
        assert!(scan.uses.len() > 100 && scan.findings.len() > 50, "{} uses", scan.uses.len());
        // Facts are read before a file's place is known: none may keep the placeholder.
        let shown = format!("{:?}{:?}", scan.uses, scan.findings);
        assert!(!shown.contains(&format!("file: {UNPLACED}")));
        for u in &scan.uses {
            let src = &scan.files[u.usage.at.file];
            assert!(u.usage.at.span.end <= src.text.len(), "{}", src.display);
        }
    }

    #[test]
    fn a_quick_scan_shows_no_progress_and_does_not_wait() {
        let seen = AtomicUsize::new(3);
        let mut out = Vec::new();
        // A delay no test run comes near: returning before it is not waiting for it.
        let delay = Duration::from_secs(600);
        let start = Instant::now();
        let n = progress_while(&seen, delay, PROGRESS_TICK, &mut out, || 42);
        assert_eq!(n, 42);
        assert!(start.elapsed() < delay, "waited for the progress thread");
        assert!(out.is_empty());
    }

    #[test]
    fn a_long_scan_redraws_its_count_in_place_and_erases_it() {
        let seen = AtomicUsize::new(0);
        let mut out = Vec::new();
        progress_while(&seen, Duration::from_millis(20), Duration::from_millis(10), &mut out, || {
            seen.store(999, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(80));
            seen.store(1234, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(80));
        });
        let text = String::from_utf8(out).unwrap_or_default();
        // Scheduling decides which counts get drawn; each is drawn once, the last one last.
        let drawn: Vec<&str> = text.split('\r').filter(|s| s.starts_with("scanned")).collect();
        assert!(drawn == ["scanned 999 files…", "scanned 1234 files…"] || drawn == ["scanned 1234 files…"], "{text:?}");
        assert!(text.ends_with(&format!("\r{}\r", " ".repeat("scanned 1234 files…".chars().count()))), "{text:?}");
        assert!(!text.contains('\n'), "updated in place");
    }
}
