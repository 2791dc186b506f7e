//! `.tokenwise.yml` end to end: discovery, severities, excludes (explicit files too), per-path
//! overrides, the command line over the config, and `inventory` honouring the config.

mod common;

use common::{root, run_in, stderr, stdout};
use serde_json::Value;
use std::path::Path;

/// A throwaway repository (a `.git` folder stops config discovery there).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
}

fn fixture(name: &str, rel: &str) -> String {
    std::fs::read_to_string(root().join("fixtures").join(name).join(rel)).unwrap_or_else(|e| panic!("{e}"))
}

/// A workflow that deploys with a PAT (TW101) and a staging Terraform on a service token (TW105).
fn sample(dir: &Path) {
    write(dir, ".github/workflows/deploy.yml", &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"));
    write(dir, "terraform/staging/main.tf", &fixture("tf-staging-service", "terraform/staging/main.tf"));
}

fn findings(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<(String, String, String)>) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let list = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_owned();
            (s("code"), s("severity"), s("path"))
        })
        .collect();
    (out.status.code(), list)
}

fn triple(code: &str, sev: &str, path: &str) -> (String, String, String) {
    (code.to_owned(), sev.to_owned(), path.to_owned())
}

#[test]
fn severities_can_be_raised_lowered_and_turned_off() {
    let dir = repo();
    sample(dir.path());
    let (code, f) = findings(dir.path(), &["."]);
    assert_eq!(code, Some(1));
    assert_eq!(
        f,
        [
            triple("TW101", "error", ".github/workflows/deploy.yml"),
            triple("TW105", "note", "terraform/staging/main.tf")
        ]
    );
    write(dir.path(), ".tokenwise.yml", "rules:\n  pat-in-production: note\n  TW105: error\n  TW401: warning\n");
    let (code, f) = findings(dir.path(), &["."]);
    assert_eq!(code, Some(1), "TW105 is an error now");
    assert!(f.contains(&triple("TW101", "note", ".github/workflows/deploy.yml")), "{f:?}");
    assert!(f.contains(&triple("TW105", "error", "terraform/staging/main.tf")), "{f:?}");
    write(dir.path(), ".tokenwise.yml", "rules:\n  TW101: off\n");
    let (code, f) = findings(dir.path(), &["."]);
    assert_eq!((code, f), (Some(0), vec![triple("TW105", "note", "terraform/staging/main.tf")]));
}

#[test]
fn an_off_by_default_rule_is_turned_on_by_a_severity() {
    let dir = repo();
    write(dir.path(), ".github/workflows/ci.yml", &fixture("unknown-type", ".github/workflows/ci.yml"));
    assert_eq!(findings(dir.path(), &["."]).1, []);
    write(dir.path(), ".tokenwise.yml", "rules: {unknown-token-type: warning}\n");
    let (code, f) = findings(dir.path(), &["."]);
    assert_eq!(code, Some(1));
    assert!(f.iter().all(|(c, s, _)| c == "TW401" && s == "warning") && !f.is_empty(), "{f:?}");
}

#[test]
fn the_command_line_beats_the_config() {
    let dir = repo();
    sample(dir.path());
    write(dir.path(), ".tokenwise.yml", "rules:\n  TW101: off\n  TW105: error\n");
    let (_, f) = findings(dir.path(), &["--select", "TW101", "."]);
    assert_eq!(f, [triple("TW101", "error", ".github/workflows/deploy.yml")]);
    let (code, f) = findings(dir.path(), &["--ignore", "TW105", "."]);
    assert_eq!((code, f), (Some(0), vec![]));
}

#[test]
fn per_path_overrides_apply_under_their_glob_only() {
    let dir = repo();
    sample(dir.path());
    write(
        dir.path(),
        "legacy/.github/workflows/deploy.yml",
        &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"),
    );
    write(
        dir.path(),
        ".tokenwise.yml",
        "per-path:\n  terraform/**: {TW105: off}\n  'legacy/**':\n    TW101: warning\n",
    );
    let (_, f) = findings(dir.path(), &["."]);
    assert_eq!(
        f,
        [
            triple("TW101", "error", ".github/workflows/deploy.yml"),
            triple("TW101", "warning", "legacy/.github/workflows/deploy.yml")
        ]
    );
}

#[test]
fn exclude_applies_to_walked_and_explicit_files() {
    let dir = repo();
    sample(dir.path());
    write(dir.path(), ".tokenwise.yml", "exclude:\n  - terraform/staging\n");
    let (_, f) = findings(dir.path(), &["."]);
    assert_eq!(f, [triple("TW101", "error", ".github/workflows/deploy.yml")]);
    // pre-commit passes every staged file, excluded or not.
    let (code, f) = findings(dir.path(), &["terraform/staging/main.tf"]);
    assert_eq!((code, f), (Some(0), vec![]));
    let out = run_in(dir.path(), &["check", "--format", "json", "terraform/staging/main.tf"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
    assert_eq!(json["summary"]["files_scanned"], 0, "an excluded file is not read");
}

#[test]
fn an_exclude_matching_a_named_folder_does_not_apply_inside_it() {
    let dir = repo();
    write(
        dir.path(),
        "examples/.github/workflows/deploy.yml",
        &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"),
    );
    write(
        dir.path(),
        "examples/terraform/staging/main.tf",
        &fixture("tf-staging-service", "terraform/staging/main.tf"),
    );
    write(
        dir.path(),
        "examples/old/.github/workflows/deploy.yml",
        &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"),
    );
    write(
        dir.path(),
        ".tokenwise.yml",
        "exclude: [examples, 'examples/old']
",
    );
    let (code, f) = findings(dir.path(), &["."]);
    assert_eq!((code, f), (Some(0), vec![]), "the walk from the root skips `examples/`");
    // Named, the folder is asked for: `examples` matches it and stands aside there, while
    // `examples/old`, below it, still applies.
    let (_, f) = findings(dir.path(), &["examples"]);
    assert_eq!(
        f,
        [
            triple("TW101", "error", "examples/.github/workflows/deploy.yml"),
            triple("TW105", "note", "examples/terraform/staging/main.tf")
        ]
    );
    // A pattern matching a folder above the named one stands aside too.
    let (_, f) = findings(dir.path(), &["examples/terraform"]);
    assert_eq!(f, [triple("TW105", "note", "examples/terraform/staging/main.tf")]);
    let (_, f) = findings(&dir.path().join("examples"), &["."]);
    assert_eq!(f.len(), 2, "the folder named as `.` from inside it: {f:?}");
    // A named file is excluded as a walked one is (pre-commit's list).
    let (code, f) = findings(dir.path(), &["examples/terraform/staging/main.tf"]);
    assert_eq!((code, f), (Some(0), vec![]));
    // `config show` says the same.
    let shown = stdout(&run_in(dir.path(), &["config", "show", "examples/old"]));
    assert!(shown.contains("excluded: yes, by `examples` (where a walk finds it; named"), "{shown}");
    let shown = stdout(&run_in(dir.path(), &["config", "show", "examples/old/.github/workflows/deploy.yml"]));
    assert!(shown.contains("excluded: yes, by `examples`\n"), "{shown}");
}

#[test]
fn the_nearest_config_governs_each_scanned_path() {
    let dir = repo();
    write(dir.path(), "a/.github/workflows/deploy.yml", &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"));
    write(dir.path(), "b/.github/workflows/deploy.yml", &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"));
    write(dir.path(), ".tokenwise.yml", "rules: {TW101: warning}\n");
    write(dir.path(), "b/.tokenwise.yml", "rules: {TW101: off}\n");
    let (_, f) = findings(dir.path(), &["a/.github/workflows/deploy.yml", "b/.github/workflows/deploy.yml"]);
    assert_eq!(f, [triple("TW101", "warning", "a/.github/workflows/deploy.yml")]);
    // From a subfolder, discovery goes up to the repository root.
    let (_, f) = findings(&dir.path().join("a"), &["."]);
    assert_eq!(f, [triple("TW101", "warning", ".github/workflows/deploy.yml")]);
}

#[test]
fn config_option_replaces_discovery() {
    let dir = repo();
    sample(dir.path());
    write(dir.path(), ".tokenwise.yml", "rules: {TW101: off}\n");
    write(dir.path(), "ci/strict.yml", "rules: {TW105: error}\nexclude: ['.github']\n");
    let (_, f) = findings(dir.path(), &["--config", "ci/strict.yml", "."]);
    // Globs are relative to the config's own folder: `ci/.github` excludes nothing here.
    assert_eq!(
        f,
        [
            triple("TW101", "error", ".github/workflows/deploy.yml"),
            triple("TW105", "error", "terraform/staging/main.tf")
        ]
    );
}

#[test]
fn inventory_uses_the_config_signals_and_excludes() {
    let dir = repo();
    write(dir.path(), "jobs/refresh.py", "import os\nTOKEN = os.environ['DBT_CLOUD_PAT']\n");
    write(dir.path(), "vendor/x/refresh.py", "import os\nTOKEN = os.environ['DBT_CLOUD_PAT']\n");
    write(dir.path(), ".tokenwise.yml", "exclude: [vendor]\nclassify:\n  production-paths: ['jobs/*.py']\n");
    let out = run_in(dir.path(), &["inventory", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
    let uses = json["token_uses"].as_array().cloned().unwrap_or_default();
    assert_eq!(uses.len(), 1, "{}", stdout(&out));
    assert_eq!(uses[0]["path"], "jobs/refresh.py");
    assert_eq!(uses[0]["workflow"], "production");
    let evidence = uses[0]["evidence"].to_string();
    assert!(
        evidence.contains("path matches `jobs/*.py` (`classify.production-paths` in .tokenwise.yml)"),
        "{evidence}"
    );
}

#[test]
fn classify_partners_mark_terraform_service_tokens() {
    let dir = repo();
    write(
        dir.path(),
        "infra/omni.tf",
        "resource \"dbtcloud_service_token\" \"omni\" {\n  name = \"Omni\"\n  service_token_permissions {\n    permission_set = \"account_admin\"\n    all_projects   = true\n  }\n}\n",
    );
    assert_eq!(findings(dir.path(), &["."]).1, []);
    write(dir.path(), ".tokenwise.yml", "classify:\n  partners: [Omni]\n");
    assert_eq!(findings(dir.path(), &["."]).1, [triple("TW301", "warning", "infra/omni.tf")]);
}

#[test]
fn an_empty_config_changes_nothing() {
    let dir = repo();
    sample(dir.path());
    let before = findings(dir.path(), &["."]);
    write(dir.path(), ".tokenwise.yml", "# nothing yet\n");
    assert_eq!(findings(dir.path(), &["."]), before);
}

#[test]
fn an_ignore_comment_is_judged_only_for_selected_rules_and_tw002_can_be_suppressed() {
    let dir = repo();
    let d = dir.path();
    let i = "tokenwise: ignore";
    write(d, "scripts/clean.sh", &format!("#!/bin/sh\nrm -rf target/ # {i}[TW201]\n"));
    let tw002 = || vec![triple("TW002", "warning", "scripts/clean.sh")];
    assert_eq!(findings(d, &["."]), (Some(1), tw002()));
    // TW201 deselected on the command line, or off in the config: its comment is not judged.
    assert_eq!(findings(d, &["--ignore", "hardcoded-token", "."]), (Some(0), vec![]));
    assert_eq!(findings(d, &["--select", "TW002", "."]), (Some(0), vec![]));
    write(d, ".tokenwise.yml", "per-path:\n  scripts/**:\n    hardcoded-token: off\n");
    assert_eq!(findings(d, &["."]), (Some(0), vec![]));
    write(d, ".tokenwise.yml", "rules:\n  unused-suppression: error\n");
    assert_eq!(findings(d, &["."]), (Some(1), vec![triple("TW002", "error", "scripts/clean.sh")]));
    assert_eq!(findings(d, &["--ignore", "TW002", "."]), (Some(0), vec![]));
    // A TW002 entry keeps the comment; the summary counts what it suppressed.
    write(d, "scripts/clean.sh", &format!("#!/bin/sh\nrm -rf target/ # {i}[TW201, TW002] -- kept on purpose\n"));
    assert_eq!(findings(d, &["."]), (Some(0), vec![]));
    let out = run_in(d, &["check", "--format", "json", "."]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["summary"]["suppressed"], 1, "{}", stdout(&out));
    // A finding `--min-confidence` leaves out still needs its comment.
    std::fs::remove_file(d.join("scripts/clean.sh")).unwrap_or_else(|e| panic!("{e}"));
    let deploy = fixture("suppressed", ".github/workflows/deploy.yml");
    write(d, ".github/workflows/deploy.yml", &deploy);
    assert_eq!(findings(d, &["--min-confidence", "high", "."]), (Some(0), vec![]));
    assert_eq!(findings(d, &["."]), (Some(0), vec![]));
}
