//! `inventory` and `check` agree on every fixture and corpus tree: every finding `check` reports
//! (but TW001, which is about a file) is listed under a use in `inventory --format json` at its
//! path and line, both count the same token uses and findings, and the HTML page says so too.

mod common;

use common::{fixtures, root, run_in, stderr, stdout};
use regex::Regex;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn trees() -> Vec<PathBuf> {
    let mut dirs = fixtures();
    let mut corpus: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus/cases"))
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    corpus.sort();
    dirs.extend(corpus);
    dirs
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let out = run_in(dir, args);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?} in {}: {e}: {}", dir.display(), stderr(&out)))
}

/// (code, path, line, fingerprint)
type Place = (String, String, u64, String);

fn place(f: &Value, path: &Value) -> Place {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    (s(&f["code"]), s(path), f["line"].as_u64().unwrap_or(0), s(&f["fingerprint"]))
}

#[test]
fn inventory_lists_every_finding_check_reports_with_the_same_counts() {
    let data_attr = Regex::new(r#"<p id="summary" data-token-uses="(\d+)" data-findings="(\d+)">"#)
        .unwrap_or_else(|e| panic!("{e}"));
    for dir in trees() {
        let name = dir.display().to_string();
        let check = json(&dir, &["check", "--format", "json", "."]);
        let inventory = json(&dir, &["inventory", "--format", "json", "."]);
        let mut reported: Vec<Place> = check["findings"]
            .as_array()
            .into_iter()
            .flatten()
            // Findings about a file, a URL or an output, not a token use: inventory lists uses.
            .filter(|f| !matches!(f["code"].as_str(), Some("TW001" | "TW002" | "TW204" | "TW501")))
            .map(|f| place(f, &f["path"]))
            .collect();
        let uses = inventory["token_uses"].as_array().cloned().unwrap_or_default();
        let mut listed: Vec<Place> = uses
            .iter()
            .flat_map(|u| {
                u["findings"].as_array().cloned().unwrap_or_default().into_iter().map(|f| place(&f, &u["path"]))
            })
            .collect();
        listed.sort();
        listed.dedup();
        reported.sort();
        assert_eq!(listed, reported, "{name}: the findings under inventory's uses are check's");

        assert_eq!(inventory["summary"], check["summary"], "{name}: the same summary");
        assert_eq!(check["summary"]["token_uses"].as_u64(), Some(uses.len() as u64), "{name}: every use counted");

        let page = stdout(&run_in(&dir, &["inventory", "--format", "html", "."]));
        let counts = data_attr.captures(&page).unwrap_or_else(|| panic!("{name}: no summary in the page"));
        let n = |i: usize| counts.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
        assert_eq!(n(1), check["summary"]["token_uses"].as_u64(), "{name}: the page's token uses");
        assert_eq!(n(2), check["summary"]["findings"].as_u64(), "{name}: the page's problem count");
    }
}

#[test]
fn a_literal_no_extractor_reads_is_still_listed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // tokenwise: ignore[TW201] -- a fake token for the test
    let token = "dbtc_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa";
    std::fs::write(dir.path().join("terraform.tfvars"), format!("dbt_token = \"{token}\"\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let check = json(dir.path(), &["check", "--format", "json", "."]);
    let inventory = json(dir.path(), &["inventory", "--format", "json", "."]);
    assert_eq!(check["findings"][0]["code"], "TW201", "{check}");
    let uses = inventory["token_uses"].as_array().cloned().unwrap_or_default();
    assert_eq!(uses.len(), 1, "{inventory}");
    assert_eq!((&uses[0]["path"], &uses[0]["line"]), (&Value::from("terraform.tfvars"), &Value::from(1)));
    assert_eq!(uses[0]["findings"][0]["code"], "TW201");
    assert_eq!(uses[0]["reference"], "dbtc_…BvXa", "masked");
    assert_eq!(check["summary"]["token_uses"], 1);
}
