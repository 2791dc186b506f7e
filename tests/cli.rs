//! The command line's contract: exit code 2 with a message a user understands for every usage
//! or config error, and `--stdin-filename` end to end.

mod common;

use common::{bin, root, run_in, stderr, stdout};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Run tokenwise in `dir` with `input` on stdin.
fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

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

/// Exit 2, nothing on stdout, and exactly this error line on stderr.
fn assert_usage_error(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    assert_eq!(stdout(out), "");
    assert_eq!(stderr(out).trim_end(), format!("tokenwise: error: {message}"));
}

#[test]
fn a_config_error_names_the_file_key_and_line() {
    let dir = repo();
    write(dir.path(), ".tokenwise.yml", "# project policy\nrules:\n  TW105: off\nrulez:\n  TW101: error\n");
    let out = run_in(dir.path(), &["check", "."]);
    assert_usage_error(&out, ".tokenwise.yml:4: unknown key `rulez` (did you mean `rules`?)");
}

#[test]
fn bad_config_values_are_usage_errors() {
    let cases = [
        (
            "rules:\n  TW101: loud\n",
            ".tokenwise.yml:2: bad value `loud` for rule `TW101`: use `off`, `error`, `warning` or `note`",
        ),
        ("rules:\n  TW777: off\n", ".tokenwise.yml:2: unknown rule `TW777` in `rules`; `tokenwise rules` lists them"),
        (
            "classify:\n  dev-path: [x]\n",
            ".tokenwise.yml:2: unknown key `dev-path` in `classify` (did you mean `dev-paths`?)",
        ),
        (
            "exclude: [\"[\"]\n",
            ".tokenwise.yml:1: invalid glob `[` in `exclude`: unclosed character class; missing ']'",
        ),
        ("rule-packs: [nope.yml]\n", ".tokenwise.yml:1: rule pack `nope.yml` does not exist"),
        ("rules: {TW101: [\n", ".tokenwise.yml:2: invalid YAML: "),
    ];
    for (config, message) in cases {
        let dir = repo();
        write(dir.path(), ".tokenwise.yml", config);
        let out = run_in(dir.path(), &["check", "."]);
        assert_eq!(out.status.code(), Some(2), "{config}");
        let err = stderr(&out);
        assert!(err.starts_with(&format!("tokenwise: error: {message}")), "{config}\n{err}");
    }
}

#[test]
fn a_rule_pack_error_names_the_pack() {
    let dir = repo();
    write(dir.path(), ".tokenwise.yml", "rule-packs: [packs/acme.yml]\n");
    write(dir.path(), "packs/acme.yml", "signals:\n  names:\n    dbt: [acme]\n    tokens: [x]\n");
    let out = run_in(dir.path(), &["check", "."]);
    assert_usage_error(
        &out,
        "packs/acme.yml:4: unknown key `tokens` in `signals.names`; expected one of: dbt, credential, not_dbt_cloud, examples",
    );
}

#[test]
fn a_rule_pack_whose_examples_fail_is_rejected() {
    let dir = repo();
    write(dir.path(), ".tokenwise.yml", "rule-packs: [acme.yml]\n");
    write(dir.path(), "acme.yml", "signals:\n  names:\n    examples:\n      token: [ACME_TOKEN]\n");
    let out = run_in(dir.path(), &["check", "."]);
    assert_usage_error(
        &out,
        "acme.yml:4: example `ACME_TOKEN` of `signals.names.examples.token` does not hold with this pack",
    );
}

#[test]
fn unknown_rule_codes_and_missing_paths_are_usage_errors() {
    let dir = root().join("fixtures/demo");
    let out = run_in(&dir, &["check", "--select", "TW101,TW999", "."]);
    assert_usage_error(&out, "unknown rule `TW999`; `tokenwise rules` lists them");
    let out = run_in(&dir, &["check", "--ignore", "pat-in-prod", "."]);
    assert_usage_error(&out, "unknown rule `pat-in-prod`; `tokenwise rules` lists them");
    let out = run_in(&dir, &["check", "no/such/dir"]);
    assert_usage_error(&out, "path `no/such/dir` does not exist");
    let out = run_in(&dir, &["inventory", "missing.tf"]);
    assert_usage_error(&out, "path `missing.tf` does not exist");
    let out = run_in(&dir, &["check", "--config", "nope.yml", "."]);
    assert_usage_error(&out, "config file `nope.yml` does not exist");
    let out = run_in(&dir, &["check", "--baseline", "nope.json", "."]);
    assert_usage_error(&out, "baseline `nope.json` does not exist; create it with `--write-baseline nope.json`");
    let out = run_in(&dir, &["check", "--format", "xml", "."]);
    assert_eq!(out.status.code(), Some(2), "clap rejects an unknown format");
}

#[test]
fn stdin_is_classified_as_the_file_it_names() {
    let text = std::fs::read_to_string(root().join("fixtures/gha-deploy-pat/.github/workflows/deploy.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = repo();
    let out = run_with_stdin(
        dir.path(),
        &["check", "--format", "concise", "--stdin-filename", ".github/workflows/deploy.yml", "-"],
        &text,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        ".github/workflows/deploy.yml:11:28: TW101 personal access token used in a production workflow\nFound 1 finding (1 error) in 1 file.\n"
    );
    // The same text named as a note is not a workflow: nothing runs it.
    let out = run_with_stdin(
        dir.path(),
        &["check", "--format", "concise", "--stdin-filename", "notes/deploy.txt", "-"],
        &text,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn stdin_follows_the_config_of_the_name() {
    let text = std::fs::read_to_string(root().join("fixtures/gha-deploy-pat/.github/workflows/deploy.yml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = repo();
    write(dir.path(), ".tokenwise.yml", "exclude: ['.github/workflows/deploy.yml']\n");
    let args = ["check", "--format", "concise", "--stdin-filename", ".github/workflows/deploy.yml", "-"];
    let out = run_with_stdin(dir.path(), &args, &text);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn stdin_needs_the_dash_and_the_dash_needs_a_name() {
    let dir = repo();
    let out = run_with_stdin(dir.path(), &["check", "-"], "");
    assert_usage_error(&out, "reading stdin (`-`) needs --stdin-filename NAME");
    let out = run_with_stdin(dir.path(), &["check", "--stdin-filename", "a.yml", "."], "");
    assert_usage_error(&out, "--stdin-filename reads stdin: pass `-` as the only path");
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("report.sarif");
    let file_arg = file.to_string_lossy().into_owned();
    let out = run_in(&root().join("fixtures/demo"), &["check", "--format", "sarif", "--output", &file_arg, "."]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(text.contains("\"version\": \"2.1.0\""), "{text}");
}
