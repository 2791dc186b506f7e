//! End to end: every fixture's classification, snapshotted. The findings snapshots show what
//! is reported; these show why: each use's workflow, token type, confidence and evidence, so a
//! change in how anything is classified shows up here even when no finding changes.

mod common;

use common::{fixtures, run_in, stdout};
use serde_json::Value;

/// One line per use (`path:line:col reference -> workflow, token type, confidence`), then its
/// evidence, indented.
fn classes(inventory: &Value) -> String {
    let mut out = String::new();
    let uses = inventory["token_uses"].as_array().map(Vec::as_slice).unwrap_or_default();
    for u in uses {
        let s = |k: &str| u[k].as_str().unwrap_or("?").to_owned();
        out.push_str(&format!(
            "{}:{}:{} {} -> {}, {}, {}\n",
            s("path"),
            u["line"],
            u["column"],
            s("reference"),
            s("workflow"),
            s("token_type"),
            s("confidence"),
        ));
        for e in u["evidence"].as_array().map(Vec::as_slice).unwrap_or_default() {
            out.push_str(&format!("    {}\n", e.as_str().unwrap_or("?")));
        }
    }
    out
}

#[test]
fn every_fixture_classifies_exactly_as_before() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "fixtures missing");
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = run_in(&dir, &["inventory", "--format", "json", "."]);
        let text = stdout(&out);
        let inventory: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: inventory is not JSON ({e}):\n{text}"));
        assert!(inventory["token_uses"].is_array(), "{name}: no token_uses in the inventory");
        insta::assert_snapshot!(name, classes(&inventory));
    }
}
