//! Fingerprints end to end, over every fixture and the corpus: no two findings of a report share
//! one, and moving lines (a comment inserted at the top of every file with a finding) changes none.

mod common;

use common::{fixtures, root, run_in, stderr};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn trees() -> Vec<PathBuf> {
    let mut dirs = fixtures();
    let cases = root().join("tests/corpus/cases");
    let mut corpus: Vec<PathBuf> = std::fs::read_dir(&cases)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    corpus.sort();
    dirs.extend(corpus);
    dirs
}

/// (code, path, line, fingerprint) of every finding, every rule selected.
fn findings(dir: &Path) -> Vec<(String, String, u64, String)> {
    let out = run_in(dir, &["check", "--format", "json", "--select", "ALL", "."]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_owned();
            (s("code"), s("path"), f["line"].as_u64().unwrap_or(0), s("fingerprint"))
        })
        .collect()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// A line that is a comment in `path`'s language, or nothing where it has none (JSON).
fn comment_for(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".json") || name.ends_with(".ipynb") {
        ""
    } else if name.starts_with("Jenkinsfile")
        || [".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go"].iter().any(|e| name.ends_with(e))
    {
        "// moved"
    } else if name.ends_with(".sql") {
        "-- moved"
    } else {
        "# moved"
    }
}

#[test]
fn no_two_findings_of_a_report_share_a_fingerprint() {
    for dir in trees() {
        let found = findings(&dir);
        let unique: BTreeSet<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(unique.len(), found.len(), "{}: {found:?}", dir.display());
        assert!(found.iter().all(|f| f.3.len() == 32), "{}: {found:?}", dir.display());
    }
}

#[test]
fn a_comment_inserted_above_the_findings_changes_no_fingerprint() {
    for dir in trees() {
        let before = findings(&dir);
        if before.is_empty() {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        copy(&dir, tmp.path());
        // At the top of each file with a finding, so every finding in it moves down two lines.
        let paths: BTreeSet<&str> = before.iter().map(|f| f.1.as_str()).collect();
        for path in paths {
            let file = tmp.path().join(path);
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
            // A script's `#!` line stays its first: the comment goes below it.
            let moved = match text.strip_prefix("#!").and_then(|t| t.split_once('\n')) {
                Some((shebang, rest)) => format!("#!{shebang}\n{}\n\n{rest}", comment_for(path)),
                None => format!("{}\n\n{text}", comment_for(path)),
            };
            std::fs::write(&file, moved).unwrap_or_else(|e| panic!("{e}"));
        }
        let after = findings(tmp.path());
        let key = |f: &(String, String, u64, String)| (f.0.clone(), f.1.clone(), f.3.clone());
        assert_eq!(
            after.iter().map(key).collect::<Vec<_>>(),
            before.iter().map(key).collect::<Vec<_>>(),
            "{}",
            dir.display()
        );
        assert!(after.iter().zip(&before).all(|(a, b)| a.2 == b.2 + 2), "{}: the lines moved", dir.display());
    }
}
