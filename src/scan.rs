//! The pipeline: discover → read → prefilter → parse and extract (in parallel) → resolve
//! across files → classify → rules.

use crate::classify::classify;
use crate::discover::{Candidate, discover};
use crate::extract::{self, Ctx, FileFacts};
use crate::kind;
use crate::model::{ClassifiedUse, Finding};
use crate::policy::Policy;
use crate::prefilter;
use crate::resolve;
use crate::rules;
use crate::source::SourceFile;
use std::io::Read;
use std::path::PathBuf;
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
    let mut warnings = Vec::new();
    let mut candidates = Vec::new();
    if opts.stdin.is_none() {
        let d = discover(&opts.paths, opts.no_ignore, opts.threads);
        warnings.extend(d.warnings);
        candidates = d.files;
    }
    let files_scanned = candidates.len() + usize::from(opts.stdin.is_some());

    let mut read: Vec<(usize, Result<Option<SourceFile>, String>)> = Vec::new();
    if let Some((name, bytes)) = &opts.stdin {
        let display =
            crate::discover::display_path(std::path::Path::new(name), std::env::current_dir().ok().as_deref());
        read.push((0, Ok(Some(SourceFile::new(PathBuf::from(name), display, bytes.clone())))));
    } else {
        read = read_all(&candidates, opts);
    }
    read.sort_by_key(|(i, _)| *i);
    let mut files = Vec::new();
    for (i, r) in read {
        match r {
            Ok(Some(f)) => files.push(f),
            Ok(None) => {}
            Err(e) => warnings.push(format!("{}: {e}", candidates.get(i).map(|c| c.display.as_str()).unwrap_or("-"))),
        }
    }

    let mut facts = extract_all(&files, policy, opts);
    let uses = resolve::resolve(&files, &mut facts, policy);
    let uses: Vec<ClassifiedUse> = uses
        .into_iter()
        .map(|u| {
            let class = classify(&u);
            ClassifiedUse { usage: u, class }
        })
        .collect();
    let findings = rules::run(&rules::Input { files: &files, facts: &facts, uses: &uses, policy });
    Scan { files, facts, uses, findings, files_scanned, warnings }
}

/// Read every candidate in parallel, keeping only files the prefilter says may hold a token.
fn read_all(candidates: &[Candidate], opts: &Options) -> Vec<(usize, Result<Option<SourceFile>, String>)> {
    let next = AtomicUsize::new(0);
    let threads = opts.threads.max(1).min(candidates.len().max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(s, || {
                    let mut out = Vec::new();
                    let mut buf = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = candidates.get(i) else { break };
                        match read_one(c, &mut buf) {
                            Ok(true) => out.push((
                                i,
                                Ok(Some(SourceFile::new(c.path.clone(), c.display.clone(), std::mem::take(&mut buf)))),
                            )),
                            Ok(false) => {}
                            Err(e) => out.push((i, Err(e))),
                        }
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().filter_map(Result::ok).flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Read one file into `buf`; true when it is text that mentions dbt.
fn read_one(c: &Candidate, buf: &mut Vec<u8>) -> Result<bool, String> {
    buf.clear();
    let mut f = std::fs::File::open(&c.path).map_err(|e| format!("cannot read: {e}"))?;
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
