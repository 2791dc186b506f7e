//! The real-world corpus: run the binary in each case folder and compare with `expected.json`.

mod common;

use common::{root, run_in, stdout};
use std::path::PathBuf;

/// The copy kept in `tests/`, and the shared corpus when it sits beside the repository. The
/// copy here is kept with the rules, so it speaks for the cases it holds; the shared corpus adds
/// the cases it does not hold yet.
fn corpus_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![root().join("tests/corpus")];
    let shared = root().join("../shared/corpus");
    if shared.join("expected.json").is_file() {
        dirs.push(shared);
    }
    dirs
}

#[test]
fn corpus_matches_expected_findings() {
    let mut seen: Vec<String> = Vec::new();
    for corpus in corpus_dirs() {
        let text = std::fs::read_to_string(corpus.join("expected.json")).expect("expected.json");
        let expected: serde_json::Value = serde_json::from_str(&text).expect("valid expected.json");
        let cases = expected["cases"].as_object().expect("cases");
        assert!(!cases.is_empty());
        for (case, want) in cases {
            if seen.contains(case) {
                continue;
            }
            seen.push(case.clone());
            let dir = corpus.join("cases").join(case);
            let out = run_in(&dir, &["check", "--format", "json", "."]);
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
            let got = got["findings"].as_array().cloned().unwrap_or_default();
            let want = want.as_array().cloned().unwrap_or_default();
            assert_eq!(got.len(), want.len(), "{case}: {}", stdout(&out));
            for w in &want {
                let code = w["code"].as_str().unwrap_or("");
                let path = w["path"].as_str().unwrap_or("");
                let lines: Vec<u64> = w["lines"].as_array().into_iter().flatten().filter_map(|l| l.as_u64()).collect();
                let hit = got.iter().any(|g| {
                    g["code"] == code && g["path"] == path && lines.contains(&g["line"].as_u64().unwrap_or(0))
                });
                assert!(hit, "{case}: expected {code} at {path}:{lines:?}, got {got:?}");
            }
        }
    }
}
