//! Running the pipeline in the test's own thread and comparing costs, for the tests that guard
//! against quadratic work (`tests/scaling.rs`, `tests/hostile.rs`).

#![allow(dead_code)]

#[path = "../../src/cost.rs"]
mod cost;

pub use cost::{costs, ratio};
use std::path::PathBuf;
use tokenwise::classify::classify;
use tokenwise::cli::build_report;
use tokenwise::extract::{Ctx, FileFacts, extract};
use tokenwise::model::ClassifiedUse;
use tokenwise::policy::builtin;
use tokenwise::scan::Scan;
use tokenwise::source::SourceFile;
use tokenwise::{kind, render, resolve, rules};

/// Largest cost ratio accepted for 4× the input. Linear work costs about 4×, quadratic 16×:
/// the bound leaves room for noise on a loaded machine and still catches quadratic paths.
pub const MAX_RATIO: f64 = 8.0;

/// One file through the pipeline as `scan::run` takes it (read, extract, resolve, classify,
/// rules), on this thread so that its CPU time is the cost.
pub fn scan(path: &str, bytes: Vec<u8>) -> Scan {
    let policy = builtin();
    let max = tokenwise::read::DEFAULT_MAX_FILE_SIZE;
    let read = tokenwise::read::content(PathBuf::from(path), path.to_owned(), bytes, max, &policy.signals);
    let files: Vec<SourceFile> = read.file.into_iter().collect();
    let mut facts: Vec<FileFacts> = files
        .iter()
        .enumerate()
        .map(|(file, src)| {
            // As `scan::run`: excerpts (files too large or binary) are never parsed.
            let k = if src.is_excerpt() { kind::FileKind::Other } else { kind::of_path(&src.display) };
            extract(&Ctx { file, src, policy }, k)
        })
        .collect();
    let uses: Vec<ClassifiedUse> = resolve::resolve(&files, &mut facts, policy)
        .into_iter()
        .map(|usage| {
            let class = classify(&usage);
            ClassifiedUse { usage, class }
        })
        .collect();
    let findings = rules::run(&rules::Input { files: &files, facts: &facts, uses: &uses, policy });
    let warnings = read.warning.into_iter().collect();
    Scan { files, facts, uses, findings, files_scanned: 1, warnings }
}

/// [`scan`], then the report (every rule on) and a renderer: (token uses, findings, bytes
/// rendered).
pub fn pipeline(path: &str, text: &str) -> (usize, usize, usize) {
    let scan = scan(path, text.as_bytes().to_vec());
    let report = build_report(&scan, |f, _| Some(f.severity), None);
    let rendered = render::concise::render(&report).len();
    (scan.uses.len(), report.findings.len(), rendered)
}

/// Fail unless `costs` (of an input and of 4× that input) grow by at most `MAX_RATIO`.
pub fn assert_ratio(what: &str, costs: [std::time::Duration; 2]) {
    let [small, large] = costs;
    let r = ratio(costs);
    eprintln!("{what}: {small:?} → {large:?} for 4× the input ({r:.1}×)");
    assert!(r <= MAX_RATIO, "{what}: 4× the input costs {r:.1}× ({small:?} → {large:?}): quadratic?");
}
