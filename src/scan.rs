//! The pipeline: discover → read → prefilter → parse and extract (in parallel) → resolve
//! across files → classify → rules.

use crate::classify::classify;
use crate::discover::{display_path, walk};
use crate::extract::{self, Ctx, FileFacts};
use crate::kind;
use crate::model::{ClassifiedUse, Finding};
use crate::policy::Policy;
use crate::resolve;
use crate::rules;
use crate::source::SourceFile;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub no_ignore: bool,
    pub threads: usize,
    /// Files larger than this are searched for literal tokens only, never parsed.
    pub max_parse_bytes: u64,
    /// One file given on stdin: (name to classify it as, content).
    pub stdin: Option<(String, Vec<u8>)>,
    /// The run's `.tokenwise.yml` files: their `exclude` globs drop files before they are read.
    pub config: std::sync::Arc<crate::config::Settings>,
    /// Show "scanned N files…" on stderr while a long scan runs (the caller decides: only for a
    /// person at a terminal reading a human format).
    pub progress: bool,
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Files that may hold tokens (passed the prefilter), in path order.
    pub files: Vec<SourceFile>,
    pub facts: Vec<FileFacts>,
    pub uses: Vec<ClassifiedUse>,
    pub findings: Vec<Finding>,
    pub files_scanned: usize,
    pub warnings: Vec<String>,
}

/// Stack size of the worker threads: parsers recurse, and deep input is bounded by depth
/// limits, but the default 2 MiB leaves little room on top of them.
const WORKER_STACK: usize = 16 * 1024 * 1024;

pub fn run(opts: &Options, policy: &Policy) -> Scan {
    // Files read so far, counted by the walker threads and shown by the progress line.
    let seen = AtomicUsize::new(0);
    with_progress(opts.progress, &seen, || run_counting(opts, policy, &seen))
}

fn run_counting(opts: &Options, policy: &Policy, seen: &AtomicUsize) -> Scan {
    let (mut files, files_scanned, warnings) = match &opts.stdin {
        Some((name, _)) if opts.config.is_excluded(Path::new(name)) => (Vec::new(), 0, Vec::new()),
        Some((name, bytes)) => {
            let display = display_path(Path::new(name), std::env::current_dir().ok().as_deref());
            let read = crate::read::content(
                PathBuf::from(name),
                display,
                bytes.clone(),
                opts.max_parse_bytes,
                &policy.signals,
            );
            (read.file.into_iter().collect(), 1, read.warning.into_iter().collect())
        }
        None => read_all(opts, seen, &policy.signals),
    };
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);

    let mut facts = extract_all(&files, policy, opts);
    let uses = resolve::resolve(&files, &mut facts, policy);
    let uses: Vec<ClassifiedUse> = uses
        .into_iter()
        .map(|mut u| {
            configured_path_hint(&mut u, &files, policy);
            let class = classify(&u);
            ClassifiedUse { usage: u, class }
        })
        .collect();
    let findings = rules::run(&rules::Input { files: &files, facts: &facts, uses: &uses, policy });
    Scan { files, facts, uses, findings, files_scanned, warnings }
}

/// A use in a file the project's `classify:` globs name gets that workflow as a hint, whatever
/// its extractor (Terraform and scripts already weigh it against their own path guesses).
fn configured_path_hint(u: &mut crate::model::TokenUse, files: &[SourceFile], policy: &Policy) {
    let Some(src) = files.get(u.at.file) else { return };
    if let Some(h) = crate::classify::names::configured_path(&src.display, &policy.signals)
        && !u.workflow_hints.contains(&h)
    {
        u.workflow_hints.push(h);
    }
}

/// Walk and read in one pass: each walker thread reads the files it finds and keeps only those
/// the prefilter says may hold a token. Returns the kept files, the number of files read and
/// the warnings (unreadable files and folders).
fn read_all(
    opts: &Options,
    seen: &AtomicUsize,
    signals: &crate::policy::Signals,
) -> (Vec<SourceFile>, usize, Vec<String>) {
    let cwd = std::env::current_dir().ok();
    let kept = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    let mut warnings = walk(&opts.paths, opts.no_ignore, opts.threads, || {
        let (kept, problems, cwd) = (&kept, &problems, cwd.as_deref());
        let mut buf = Vec::new();
        Box::new(move |path: &Path| {
            if opts.config.is_excluded(path) {
                return;
            }
            seen.fetch_add(1, Ordering::Relaxed);
            let read = crate::read::file(path, cwd, &mut buf, opts.max_parse_bytes, signals);
            if let Some(f) = read.file
                && let Ok(mut k) = kept.lock()
            {
                k.push(f);
            }
            if let Some(w) = read.warning
                && let Ok(mut p) = problems.lock()
            {
                p.push(w);
            }
        })
    });
    warnings.extend(problems.into_inner().unwrap_or_default());
    warnings.sort();
    (kept.into_inner().unwrap_or_default(), seen.load(Ordering::Relaxed), warnings)
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

fn extract_all(files: &[SourceFile], policy: &Policy, opts: &Options) -> Vec<FileFacts> {
    let next = AtomicUsize::new(0);
    let threads = opts.threads.max(1).min(files.len().max(1));
    let mut results: Vec<(usize, FileFacts)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(s, || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(src) = files.get(i) else { break };
                        let mut k = kind::of_path(&src.display);
                        // Excerpts (files over the size limit, binary files) are never parsed.
                        if src.text.len() as u64 > opts.max_parse_bytes || src.is_excerpt() {
                            k = kind::FileKind::Other;
                        }
                        let ctx = Ctx { file: i, src, policy };
                        out.push((i, extract::extract(&ctx, k)));
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().filter_map(Result::ok).flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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
