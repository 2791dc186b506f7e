//! Output formats: golden files over `fixtures/demo`, and each machine format checked against
//! what its consumer accepts (the SARIF schema, GitLab Code Quality fields, GitHub escaping).

mod common;

use common::{root, run_in, stdout};
use serde_json::Value;
use std::path::Path;
use tokenwise::rules::Rule;

const FORMATS: [&str; 6] = ["concise", "json", "sarif", "github", "gitlab", "junit"];

fn demo() -> std::path::PathBuf {
    root().join("fixtures/demo")
}

/// The report of `dir` in `format`, with the tool's version scrubbed.
fn report(dir: &Path, format: &str) -> String {
    let out = run_in(dir, &["check", "--format", format, "."]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {}", common::stderr(&out));
    stdout(&out)
        .replace(&format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")), "\"version\": \"[tokenwise version]\"")
}

fn json(dir: &Path, format: &str) -> Value {
    serde_json::from_str(&report(dir, format)).unwrap_or_else(|e| panic!("{format} is not JSON: {e}"))
}

#[test]
fn every_format_of_the_demo_matches_its_golden_file() {
    for format in FORMATS {
        insta::assert_snapshot!(format!("demo-{format}"), report(&demo(), format));
    }
}

#[test]
fn no_format_prints_a_secret() {
    let cfg = std::fs::read_to_string(demo().join(".dbt/dbt_cloud.yml")).unwrap_or_default();
    let token = cfg
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .find(|w| w.starts_with("dbtu_") || w.starts_with("dbtc_"))
        .unwrap_or_else(|| panic!("the demo has a literal token"))
        .to_owned();
    for format in FORMATS.iter().chain(&["pretty"]) {
        let text = report(&demo(), format);
        let body = &token[5..];
        assert!(!text.contains(body), "{format} prints the token");
        assert!(!text.contains(&body[..20]), "{format} prints part of the token");
    }
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_text = std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json"))
        .unwrap_or_else(|e| panic!("schema: {e}"));
    let schema: Value = serde_json::from_str(&schema_text).unwrap_or_else(|e| panic!("schema: {e}"));
    let validator = jsonschema::draft4::new(&schema).unwrap_or_else(|e| panic!("schema does not compile: {e}"));
    for fixture in ["demo", "parse-error", "placeholder", "tf-partner-admin"] {
        let doc = json(&root().join("fixtures").join(fixture), "sarif");
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{fixture}: SARIF invalid:\n{}", errors.join("\n"));
        let run = &doc["runs"][0];
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().into_iter().flatten().filter_map(|r| r["id"].as_str()).collect();
        let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(ids, codes, "one reportingDescriptor per rule, in registry order");
        for result in run["results"].as_array().into_iter().flatten() {
            let i = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
            assert_eq!(run["tool"]["driver"]["rules"][i]["id"], result["ruleId"], "ruleIndex points at its rule");
            let region = &result["locations"][0]["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64() >= Some(1) && region["startColumn"].as_u64() >= Some(1));
        }
    }
}

#[test]
fn gitlab_has_the_code_quality_fields() {
    let issues = json(&demo(), "gitlab");
    let issues = issues.as_array().unwrap_or_else(|| panic!("GitLab expects an array"));
    assert_eq!(issues.len(), 4);
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        assert!(i["description"].as_str().is_some_and(|d| !d.is_empty()), "{i}");
        assert!(i["check_name"].as_str().is_some_and(|c| c.starts_with("TW")), "{i}");
        let fp = i["fingerprint"].as_str().unwrap_or("");
        assert!(!fp.is_empty() && fingerprints.insert(fp.to_owned()), "fingerprints are unique: {i}");
        let sev = i["severity"].as_str().unwrap_or("");
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&sev), "{i}");
        assert!(i["location"]["path"].as_str().is_some_and(|p| !p.starts_with('/') && !p.starts_with("./")));
        assert!(i["location"]["lines"]["begin"].as_u64() >= Some(1), "{i}");
    }
}

#[test]
fn identical_findings_get_distinct_fingerprints_in_every_format() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap_or_else(|e| panic!("{e}"));
    // Two steps of one job set the same variable from the same secret: same rule, path and
    // content, two findings (GitHub code scanning and GitLab merge findings by fingerprint).
    let step = "      - run: 'curl -H \"Authorization: Token $T\" https://ab12.us1.dbt.com/api/v2/accounts/1/jobs/2/run/'\n        env:\n          T: ${{ secrets.DBT_CLOUD_PAT }}\n";
    let text = format!(
        "on:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n{step}{step}"
    );
    std::fs::write(wf.join("deploy.yml"), text).unwrap_or_else(|e| panic!("{e}"));
    let issues = json(dir.path(), "gitlab");
    let fps: Vec<&str> = issues.as_array().into_iter().flatten().filter_map(|i| i["fingerprint"].as_str()).collect();
    assert_eq!(fps.len(), 2, "{issues}");
    assert_ne!(fps[0], fps[1]);
    let plain = json(dir.path(), "json");
    let base: Vec<&str> =
        plain["findings"].as_array().into_iter().flatten().filter_map(|f| f["fingerprint"].as_str()).collect();
    assert_eq!(base, fps, "one fingerprint per finding, the same in every format");
    let sarif = json(dir.path(), "sarif");
    let partial: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["partialFingerprints"]["tokenwise/v1"].as_str())
        .collect();
    assert_eq!(partial, fps);
}

#[test]
fn github_commands_escape_properties_and_data() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // tokenwise: ignore[TW201] -- a fake token for the test
    let token = "dbtu_Qw7Ld2Xn5Rb8Tk1Vm4Zp9Hs3Jc6Fy0Ga2Ne5Ui8Oq1Wt4Rx7Yv";
    std::fs::write(dir.path().join("deploy,prod:1%.env"), format!("DBT_CLOUD_TOKEN={token}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = report(dir.path(), "github");
    let line = text.lines().find(|l| l.contains("TW201")).unwrap_or_else(|| panic!("no TW201: {text}"));
    assert!(line.starts_with("::error file=deploy%2Cprod%3A1%25.env,line=1,col=17,"), "{line}");
    assert!(line.contains(",title=TW201 hardcoded-token::"), "{line}");
    assert!(!line.contains(&token[5..]), "{line}");
    for l in text.lines() {
        let (head, _) =
            l.split_once("::").map(|(_, rest)| rest.split_once("::").unwrap_or(("", ""))).unwrap_or_default();
        assert!(!head.is_empty(), "every line is a workflow command: {l}");
    }
}

#[test]
fn junit_has_one_failing_case_per_finding() {
    let text = report(&demo(), "junit");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(text.matches("<testcase ").count(), 4);
    assert_eq!(text.matches("<failure ").count(), 4);
    assert!(text.contains("failures=\"4\""));
    let clean = report(&root().join("fixtures/placeholder"), "junit");
    assert!(clean.contains("failures=\"0\"") && !clean.contains("<failure"), "{clean}");
}
