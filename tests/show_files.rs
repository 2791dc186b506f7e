//! `check --show-files`: every file considered, the kind it was read as and why a file was not
//! read whole, in path order, on a tree with one file of each fate.

mod common;

use common::{root, run_in, stderr, stdout};
use std::path::Path;

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, bytes).unwrap_or_else(|e| panic!("{e}"));
}

fn fixture(name: &str, rel: &str) -> Vec<u8> {
    std::fs::read(root().join("fixtures").join(name).join(rel)).unwrap_or_else(|e| panic!("{e}"))
}

/// A repository with a file of every fate: parsed as each kind, read for literals only, too
/// large, binary, dropped by the prefilter, excluded by the config, ignored, a link.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    std::fs::create_dir(d.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(d, ".gitignore", b"build/\n");
    write(d, "build/out.sh", b"export DBT_CLOUD_TOKEN=x\n");
    write(d, ".tokenwise.yml", b"exclude: [vendor]\n");
    write(d, "vendor/lib/main.tf", &fixture("tf-prod-pat", "infra/prod/providers.tf"));
    write(d, ".github/workflows/deploy.yml", &fixture("gha-deploy-pat", ".github/workflows/deploy.yml"));
    write(d, "pipelines/dbt.yml", &fixture("gitlab-ci-include-anywhere-service", "pipelines/dbt.yml"));
    write(d, "charts/api/values.yaml", &fixture("helm-values-service", "charts/metrics-api/values.yaml"));
    write(d, "scripts/run.py", b"import os\ntoken = os.environ[\"DBT_CLOUD_SERVICE_TOKEN\"]\n");
    write(d, "scripts/util.py", b"import dbt_utils\n");
    write(d, "scripts/latin1.sh", b"# caf\xe9\ncurl -H \"Authorization: Token $DBT_CLOUD_SERVICE_TOKEN\" x\n");
    write(d, ".env", b"DBT_CLOUD_SERVICE_TOKEN=\n");
    write(d, "README.md", b"# A dbt project\n");
    write(d, "docs/tokens.md", b"A service token starts with `dbtc_`.\n");
    write(d, "assets/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    write(d, "assets/dump.bin", b"\0\0\0dbtc_\0\0");
    write(d, "data/export.yml", format!("# dbt export\nrows:\n{}", "  - token: 1\n".repeat(400)).as_bytes());
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join(".github/workflows/deploy.yml"), d.join("link.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    dir
}

const EXPECTED: &str = "\
.env\tdotenv file\tparsed
.github/workflows/deploy.yml\tGitHub Actions\tparsed
.gitignore\ttext\tskipped: no token prefix in it
.tokenwise.yml\tYAML\tskipped: no dbt token keyword in it (prefilter)
README.md\ttext\tskipped: no token prefix in it
assets/dump.bin\tbinary\tliteral tokens only: binary (10 bytes)
assets/logo.png\tbinary\tskipped: binary, no token prefix in it
build/\t-\tskipped: ignored by .gitignore / .ignore
charts/api/values.yaml\tHelm values\tparsed
data/export.yml\tYAML\tliteral tokens only: larger than --max-file-size 4096 (5219 bytes), not parsed
docs/tokens.md\ttext\tliteral tokens only
link.yml\t-\tskipped: symbolic link, not followed
pipelines/dbt.yml\tGitLab CI (by its shape)\tparsed
scripts/latin1.sh\tshell script\tparsed; not UTF-8, read as Latin-1
scripts/run.py\tPython code\tparsed
scripts/util.py\tPython code\tskipped: no dbt token keyword in it (prefilter)
vendor/lib/main.tf\t-\tskipped: excluded by `vendor` in .tokenwise.yml
";

#[cfg(unix)]
#[test]
fn every_file_is_listed_with_its_kind_and_fate_and_no_finding() {
    let dir = tree();
    let out = run_in(dir.path(), &["check", "--show-files", "--max-file-size", "4096", "."]);
    assert_eq!(out.status.code(), Some(0), "a PAT in production is listed, not reported: {}", stderr(&out));
    assert_eq!(stdout(&out), EXPECTED);
    // The same scan without the flag reports the workflow's finding.
    let check = run_in(dir.path(), &["check", "--format", "concise", "--max-file-size", "4096", "."]);
    assert_eq!(check.status.code(), Some(1), "{}", stdout(&check));
    // From a subfolder, paths are relative to the working directory, as in every human format.
    let sub = run_in(&dir.path().join("scripts"), &["check", "--show-files", "."]);
    assert_eq!(
        stdout(&sub),
        "latin1.sh\tshell script\tparsed; not UTF-8, read as Latin-1\nrun.py\tPython code\tparsed\n\
         util.py\tPython code\tskipped: no dbt token keyword in it (prefilter)\n"
    );
    let up = run_in(&dir.path().join("docs"), &["check", "--show-files", "../assets"]);
    assert!(stdout(&up).starts_with("../assets/dump.bin\tbinary\t"), "{}", stdout(&up));
}

#[test]
fn the_readme_shows_this_list() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let shown = readme
        .split("$ tokenwise check --show-files --max-file-size 4096 .\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap_or("");
    assert_eq!(shown, EXPECTED);
}

#[cfg(unix)]
#[test]
fn json_lists_the_same_files() {
    let dir = tree();
    let out = run_in(dir.path(), &["check", "--show-files", "--format", "json", "--max-file-size", "4096", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["version"], 1);
    let files = v["files"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), EXPECTED.lines().count());
    let find = |p: &str| files.iter().find(|f| f["path"] == p).cloned().unwrap_or_default();
    assert_eq!(
        find("charts/api/values.yaml"),
        serde_json::json!({"path": "charts/api/values.yaml", "kind": "Helm values", "status": "parsed", "reason": null})
    );
    assert_eq!(find("vendor/lib/main.tf")["status"], "skipped");
    assert_eq!(find("vendor/lib/main.tf")["kind"], serde_json::Value::Null);
    assert_eq!(find("assets/dump.bin")["status"], "literals");
    assert_eq!(
        find("data/export.yml")["reason"],
        "literal tokens only: larger than --max-file-size 4096 (5219 bytes), not parsed"
    );
}

#[test]
fn a_hostile_name_is_escaped_and_other_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "a\x1b]0;owned\x07.sh", b"echo $DBT_CLOUD_TOKEN\n");
    let out = run_in(dir.path(), &["check", "--show-files", "."]);
    assert_eq!(stdout(&out), "a\\u{1b}]0;owned\\u{7}.sh\tshell script\tparsed\n");
    let sarif = run_in(dir.path(), &["check", "--show-files", "--format", "sarif", "."]);
    assert_eq!(sarif.status.code(), Some(2));
    assert!(stderr(&sarif).contains("--show-files prints text or, with `--format json`, JSON"), "{}", stderr(&sarif));
    let staged = run_in(dir.path(), &["check", "--show-files", "--staged", "x"]);
    assert_eq!(staged.status.code(), Some(2), "{}", stderr(&staged));
}
