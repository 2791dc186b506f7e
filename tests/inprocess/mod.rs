//! Running the pipeline in the test's own thread and comparing costs, for the tests that guard
//! against quadratic work (`tests/scaling.rs`, `tests/hostile.rs`).

#![allow(dead_code)]

#[path = "../../src/cost.rs"]
mod cost;

pub use cost::{costs, ratio};
use tokenwise::policy::builtin;
use tokenwise::render;
use tokenwise::report::build as build_report;
use tokenwise::scan::Scan;

/// Largest cost ratio accepted for 4× the input. Linear work costs about 4×, quadratic 16×:
/// the bound leaves room for noise on a loaded machine and still catches quadratic paths.
pub const MAX_RATIO: f64 = 8.0;

/// One file through the pipeline as `scan::run` takes it (read, extract, resolve, classify,
/// rules), on this thread so that its CPU time is the cost.
pub fn scan(path: &str, bytes: Vec<u8>) -> Scan {
    tokenwise::scan::run_here(path, bytes, tokenwise::read::DEFAULT_MAX_FILE_SIZE, builtin())
}

/// [`scan`], then the report (every rule on) and a renderer: (token uses, findings, bytes
/// rendered).
pub fn pipeline(path: &str, text: &str) -> (usize, usize, usize) {
    let scan = scan(path, text.as_bytes().to_vec());
    let report = build_report(&scan, |f, _| Some(f.severity), |_, _| true, None);
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
