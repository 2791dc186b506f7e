//! The pipeline: discover → read → prefilter → parse and extract (in parallel) → resolve
//! across files → classify → rules.

use crate::classify::classify;
use crate::discover::{display_path, walk};
use crate::extract::{self, Ctx, FileFacts};
use crate::kind;
use crate::model::{ClassifiedUse, Finding};
use crate::policy::Policy;
use crate::prefilter;
use crate::resolve;
use crate::rules;
use crate::source::SourceFile;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Bytes sniffed for a NUL to tell binary files.
const SNIFF: usize = 8192;

pub fn run(opts: &Options, policy: &Policy) -> Scan {
    let (mut files, files_scanned, warnings) = match &opts.stdin {
        Some((name, _)) if opts.config.is_excluded(Path::new(name)) => (Vec::new(), 0, Vec::new()),
        Some((name, bytes)) => {
            let display = display_path(Path::new(name), std::env::current_dir().ok().as_deref());
            (vec![SourceFile::new(PathBuf::from(name), display, bytes.clone())], 1, Vec::new())
        }
        None => read_all(opts),
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
fn read_all(opts: &Options) -> (Vec<SourceFile>, usize, Vec<String>) {
    let cwd = std::env::current_dir().ok();
    let seen = AtomicUsize::new(0);
    let kept = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    let mut warnings = walk(&opts.paths, opts.no_ignore, opts.threads, || {
        let (seen, kept, problems, cwd) = (&seen, &kept, &problems, cwd.as_deref());
        let mut buf = Vec::new();
        Box::new(move |path: &Path| {
            if opts.config.is_excluded(path) {
                return;
            }
            seen.fetch_add(1, Ordering::Relaxed);
            match read_one(path, &mut buf) {
                Ok(true) => {
                    let f = SourceFile::new(path.to_path_buf(), display_path(path, cwd), std::mem::take(&mut buf));
                    if let Ok(mut k) = kept.lock() {
                        k.push(f);
                    }
                }
                Ok(false) => {}
                Err(e) => {
                    if let Ok(mut p) = problems.lock() {
                        p.push(format!("{}: {e}", display_path(path, cwd)));
                    }
                }
            }
        })
    });
    warnings.extend(problems.into_inner().unwrap_or_default());
    warnings.sort();
    (kept.into_inner().unwrap_or_default(), seen.into_inner(), warnings)
}

/// Read one file into `buf`; true when it is text that mentions dbt.
fn read_one(path: &Path, buf: &mut Vec<u8>) -> Result<bool, String> {
    buf.clear();
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    f.read_to_end(buf).map_err(|e| format!("cannot read: {e}"))?;
    let head = &buf[..buf.len().min(SNIFF)];
    if memchr::memchr(0, head).is_some() {
        return Ok(false);
    }
    Ok(prefilter::may_hold_token(buf))
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
                        if src.text.len() as u64 > opts.max_parse_bytes {
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
