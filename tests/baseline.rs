//! `--write-baseline` / `--baseline` end to end: known findings stay quiet when lines move, come
//! back when the token changes, and the file never holds a secret.

mod common;

use common::{root, run_in, stderr, stdout};
use serde_json::Value;
use std::path::Path;

/// A copy of `fixtures/demo` in a throwaway repository.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy(&root().join("fixtures/demo"), dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
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

fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let out = run_in(dir, &args);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), json)
}

fn codes(json: &Value) -> Vec<String> {
    json["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(str::to_owned)).collect()
}

fn edit(dir: &Path, rel: &str, f: impl Fn(&str) -> String) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&p, f(&text)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn write_baseline_records_every_finding_and_exits_zero() {
    let dir = demo_copy();
    let out = run_in(dir.path(), &["check", "--write-baseline", "tokenwise-baseline.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "tokenwise: recorded 4 findings in tokenwise-baseline.json\n");
    let text = std::fs::read_to_string(dir.path().join("tokenwise-baseline.json")).unwrap_or_default();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
    assert_eq!(json["version"], 1);
    let entries = json["fingerprints"].as_array().cloned().unwrap_or_default();
    let listed: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e["path"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        listed,
        [
            (".dbt/dbt_cloud.yml".to_owned(), "TW201".to_owned()),
            (".github/workflows/dbt-deploy.yml".to_owned(), "TW101".to_owned()),
            ("infra/prod/dbt_cloud.tf".to_owned(), "TW301".to_owned()),
            ("scripts/reset_dev_credentials.py".to_owned(), "TW104".to_owned()),
        ],
        "sorted by path"
    );
    for e in &entries {
        assert_eq!(e.as_object().map(|o| o.len()), Some(3), "code, path, fingerprint: {e}");
        assert_eq!(e["fingerprint"].as_str().map(str::len), Some(32));
    }
    assert!(!text.contains("dbtu_") && !text.contains("dbtc_"), "no token, not even masked: {text}");
    // The same findings give the same file, byte for byte.
    run_in(dir.path(), &["check", "--write-baseline", "again.json", "."]);
    assert_eq!(std::fs::read_to_string(dir.path().join("again.json")).unwrap_or_default(), text);
}

#[test]
fn baselined_findings_stay_quiet_when_lines_move_and_return_when_the_token_changes() {
    let dir = demo_copy();
    run_in(dir.path(), &["check", "--write-baseline", "b.json", "."]);
    let (code, json) = check(dir.path(), &["--baseline", "b.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(codes(&json), Vec::<String>::new());
    assert_eq!(json["summary"]["baselined"], 4);
    assert_eq!(json["summary"]["findings"], 0);

    // Lines above every finding move: nothing new.
    for rel in [".dbt/dbt_cloud.yml", ".github/workflows/dbt-deploy.yml", "scripts/reset_dev_credentials.py"] {
        edit(dir.path(), rel, |t| format!("# moved\n\n\n{t}"));
    }
    edit(dir.path(), "infra/prod/dbt_cloud.tf", |t| format!("# moved\n\n{t}"));
    let (code, json) = check(dir.path(), &["--baseline", "b.json"]);
    assert_eq!((code, codes(&json)), (Some(0), vec![]), "{json}");

    // The committed token is replaced by another one: that is a new finding.
    edit(dir.path(), ".dbt/dbt_cloud.yml", |t| {
        let start = t.find("dbtu_").unwrap_or(0);
        let mut s = t.to_owned();
        s.replace_range(start..start + 25, "dbtu_Mv3Qx8Lr1Tz6Kp9Wd2Hs5");
        s
    });
    let (code, json) = check(dir.path(), &["--baseline", "b.json"]);
    assert_eq!((code, codes(&json)), (Some(1), vec!["TW201".to_owned()]), "{json}");
    assert_eq!(json["summary"]["baselined"], 3);

    // A new PAT in another workflow is new too.
    let wf = std::fs::read_to_string(dir.path().join(".github/workflows/dbt-deploy.yml")).unwrap_or_default();
    std::fs::write(dir.path().join(".github/workflows/nightly.yml"), wf).unwrap_or_else(|e| panic!("{e}"));
    let (_, json) = check(dir.path(), &["--baseline", "b.json"]);
    assert_eq!(codes(&json), ["TW201", "TW101"]);
    let out = run_in(dir.path(), &["check", "--format", "concise", "--baseline", "b.json", "."]);
    assert!(stdout(&out).ends_with(" files. 3 in the baseline.\n"), "{}", stdout(&out));
}

#[test]
fn suppressed_findings_are_not_written_to_the_baseline() {
    let dir = demo_copy();
    edit(dir.path(), ".github/workflows/dbt-deploy.yml", |t| {
        t.replace(
            "      DBT_CLOUD_TOKEN:",
            // tokenwise: ignore[TW002] -- test input
            "      # tokenwise: ignore[TW101] -- moving to a service token\n      DBT_CLOUD_TOKEN:",
        )
    });
    let (_, json) = check(dir.path(), &[]);
    assert_eq!(json["summary"]["suppressed"], 1, "{json}");
    run_in(dir.path(), &["check", "--write-baseline", "b.json", "."]);
    let text = std::fs::read_to_string(dir.path().join("b.json")).unwrap_or_default();
    assert!(!text.contains("TW101"), "{text}");
}

#[test]
fn a_baselined_unused_suppression_stays_quiet_when_lines_move() {
    let dir = demo_copy();
    let d = dir.path();
    // tokenwise: ignore[TW002] -- the test plants a stray ignore comment
    std::fs::write(d.join("cleanup.sh"), "#!/bin/sh\nrm -rf target/ # tokenwise: ignore[TW201]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, before) = check(d, &[]);
    assert!(codes(&before).contains(&"TW002".to_owned()), "{before}");
    let out = run_in(d, &["check", "--write-baseline", "b.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    edit(d, "cleanup.sh", |t| t.replace("#!/bin/sh\n", "#!/bin/sh\n# housekeeping\n\n"));
    let (code, after) = check(d, &["--baseline", "b.json"]);
    assert_eq!((code, codes(&after)), (Some(0), vec![]), "{after}");
    assert!(after["summary"]["baselined"].as_u64().is_some_and(|n| n >= 5), "{after}");
}
