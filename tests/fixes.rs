//! Fixes end to end: `--diff` prints what `git apply --check` accepts and writes nothing;
//! `--fix` writes exactly the intended lines and the rescan reports what remains; unsafe fixes
//! wait for `--unsafe-fixes`; `--add-ignore` comments in each file's syntax and refuses JSON;
//! a read-only file or stdin content fails and changes nothing; the least-privilege service
//! token is valid HCL with the sets `advise` gives.

mod common;

use common::{bin, root, run_in, stderr, stdout};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"))
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("{e}"));
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A git repository holding a copy of `fixture` (when given) and `extra` files, committed.
fn repo(fixture: Option<&str>, extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    if let Some(f) = fixture {
        copy(&root().join("fixtures").join(f), dir.path());
    }
    for (rel, text) in extra {
        write(dir.path(), rel, text);
    }
    assert!(git(dir.path(), &["init", "-q"]).status.success());
    assert!(git(dir.path(), &["add", "-A"]).status.success());
    assert!(git(dir.path(), &["commit", "-qm", "fixture"]).status.success());
    dir
}

/// `git diff` of the work tree.
fn changes(dir: &Path) -> String {
    stdout(&git(dir, &["diff", "--no-color", "-U0"]))
}

/// The `+`/`-` lines of a diff, without its headers.
fn changed_lines(diff: &str) -> Vec<String> {
    diff.lines()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("+++") && !l.starts_with("---"))
        .map(str::to_owned)
        .collect()
}

/// `git apply --check` of a patch, in `dir`.
fn applies(dir: &Path, patch: &str) -> bool {
    let mut child = Command::new("git")
        .args(["apply", "--check", "-"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(patch.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    if !out.status.success() {
        eprintln!("git apply --check: {}", stderr(&out));
    }
    out.status.success()
}

fn codes(out: &Output) -> Vec<String> {
    stdout(out).lines().filter_map(|l| l.split(' ').nth(1)).filter(|c| c.starts_with("TW")).map(str::to_owned).collect()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = run_in(dir, args);
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

const GITIGNORE: &str = "# build output\ntarget/\n\n# editors\n*.swp";

#[test]
fn a_committed_cloud_cli_config_is_added_to_gitignore_and_its_literal_still_reported() {
    let dir = repo(Some("cloud-cli-service"), &[(".gitignore", GITIGNORE)]);
    let d = dir.path();
    let diff = run_in(d, &["check", "--diff"]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    let patch = stdout(&diff);
    assert!(applies(d, &patch), "{patch}");
    assert_eq!(changes(d), "", "--diff writes nothing");
    assert!(stderr(&diff).contains("would apply 1 fix to 1 file"), "{}", stderr(&diff));

    let fixed = run_in(d, &["check", "--fix"]);
    assert_eq!(fixed.status.code(), Some(1), "the literal is still there: {}", stderr(&fixed));
    assert_eq!(codes(&fixed), ["TW103", "TW201"], "{}", stdout(&fixed));
    // Only the new line; the missing final newline of the last line is added, the comments stay.
    assert_eq!(changed_lines(&changes(d)), ["-*.swp", "+*.swp", "+dbt_cloud.yml"]);
    assert_eq!(read(d, ".gitignore"), format!("{GITIGNORE}\ndbt_cloud.yml\n"));
    // Nothing more to do: the fix is not offered again.
    let again = run_in(d, &["check", "--diff"]);
    assert_eq!((again.status.code(), stdout(&again)), (Some(0), String::new()), "{}", stderr(&again));
}

#[test]
fn a_cloud_cli_config_under_dot_dbt_ignores_the_folder_in_a_new_gitignore() {
    let cfg = read(&root().join("fixtures/cloud-cli-service"), "dbt_cloud.yml");
    let dir = repo(None, &[(".dbt/dbt_cloud.yml", &cfg)]);
    let d = dir.path();
    let patch = stdout(&run_in(d, &["check", "--diff"]));
    assert!(patch.contains("new file mode 100644"), "{patch}");
    assert!(applies(d, &patch), "{patch}");
    let fixed = run_in(d, &["check", "--fix"]);
    assert!(codes(&fixed).contains(&"TW201".to_owned()), "{}", stdout(&fixed));
    assert_eq!(read(d, ".gitignore"), ".dbt/\n");
}

#[test]
fn a_pat_placeholder_in_a_cloud_cli_config_offers_no_fix() {
    let dir = repo(Some("cloud-cli-pat"), &[]);
    let out = run_in(dir.path(), &["check", "--diff"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()));
}

#[test]
fn fix_refuses_read_only_files_and_stdin_and_changes_nothing() {
    let dir = repo(Some("cloud-cli-service"), &[(".gitignore", GITIGNORE)]);
    let d = dir.path();
    let gi = d.join(".gitignore");
    let mut perms = std::fs::metadata(&gi).unwrap_or_else(|e| panic!("{e}")).permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&gi, perms.clone()).unwrap_or_else(|e| panic!("{e}"));
    let out = run_in(d, &["check", "--fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).trim_end(), "tokenwise: error: cannot fix `.gitignore`: the file is read-only");
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&gi, perms).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(changes(d), "");

    let cfg = read(d, "dbt_cloud.yml");
    let mut child = Command::new(bin())
        .args(["check", "--fix", "--stdin-filename", "dbt_cloud.yml", "-"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(cfg.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("read from stdin"), "{}", stderr(&out));
    assert_eq!(changes(d), "");
}

#[test]
fn overprivileged_grants_are_narrowed_only_with_unsafe_fixes() {
    let dir = repo(Some("tf-partner-admin"), &[]);
    let d = dir.path();
    let safe = run_in(d, &["check", "--diff"]);
    assert_eq!((safe.status.code(), stdout(&safe)), (Some(0), String::new()));
    assert!(stderr(&safe).contains("1 unsafe fix available with --unsafe-fixes"), "{}", stderr(&safe));
    let patch = stdout(&run_in(d, &["check", "--diff", "--unsafe-fixes"]));
    assert!(applies(d, &patch), "{patch}");
    assert_eq!(changes(d), "");
    let fixed = run_in(d, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stdout(&fixed));
    let tf = read(d, "integrations/hightouch.tf");
    assert!(tf.starts_with("# NOT OK: the Hightouch integration's token"), "comments stay: {tf}");
    assert!(hcl_edit::parser::parse_body(&tf).is_ok(), "{tf}");
    // Hightouch documents one read-only set.
    assert_eq!(
        changed_lines(&changes(d)),
        ["-    permission_set = \"account_admin\"", "+    permission_set = \"readonly\""]
    );
}

#[test]
fn a_grant_narrowed_to_two_documented_sets_gets_a_block_for_each() {
    const TABLEAU: &str = "# NOT OK: the Tableau token is an Account Admin.\nresource \"dbtcloud_service_token\" \"tableau\" {\n  name = \"Tableau\"\n  service_token_permissions {\n    permission_set = \"account_admin\"\n    all_projects   = true\n  }\n}\n";
    let dir = repo(None, &[("integrations/tableau.tf", TABLEAU)]);
    let d = dir.path();
    let fixed = run_in(d, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stdout(&fixed));
    let tf = read(d, "integrations/tableau.tf");
    assert!(hcl_edit::parser::parse_body(&tf).is_ok(), "{tf}");
    assert_eq!(
        changed_lines(&changes(d)),
        [
            "-    permission_set = \"account_admin\"",
            "+    permission_set = \"semantic_layer_only\"",
            "+    all_projects   = true",
            "+  }",
            "+  service_token_permissions {",
            "+    permission_set = \"metadata_only\"",
        ]
    );
}

const DEPLOY: &str = "name: Deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }} # keep this comment\n    steps:\n      - run: dbt-cloud job run --job-id 114\n";
const NIGHTLY: &str = "name: Nightly\non:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  nightly:\n    runs-on: ubuntu-latest\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_SERVICE_TOKEN }}\n    steps:\n      - run: dbt-cloud job run --job-id 115\n";

#[test]
fn a_workflow_is_pointed_at_the_service_token_secret_the_repository_uses() {
    let dir = repo(None, &[(".github/workflows/deploy.yml", DEPLOY), (".github/workflows/nightly.yml", NIGHTLY)]);
    let d = dir.path();
    let before = run_in(d, &["check"]);
    assert_eq!(codes(&before), ["TW101"], "{}", stdout(&before));
    let patch = stdout(&run_in(d, &["check", "--diff", "--unsafe-fixes"]));
    assert!(applies(d, &patch), "{patch}");
    let fixed = run_in(d, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!((fixed.status.code(), codes(&fixed)), (Some(0), vec![]), "{}", stdout(&fixed));
    assert_eq!(
        changed_lines(&changes(d)),
        [
            "-      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }} # keep this comment",
            "+      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_SERVICE_TOKEN }} # keep this comment",
        ]
    );
}

#[test]
fn no_service_secret_is_guessed_when_accounts_differ() {
    let nightly = NIGHTLY.replace("--job-id 115", "--job-id 115 --account-id 2");
    let deploy = DEPLOY.replace("--job-id 114", "--job-id 114 --account-id 1");
    let dir = repo(None, &[(".github/workflows/deploy.yml", &deploy), (".github/workflows/nightly.yml", &nightly)]);
    let v = json(dir.path(), &["check", "--format", "json"]);
    let titles: Vec<&str> =
        v["findings"][0]["fixes"].as_array().into_iter().flatten().filter_map(|f| f["title"].as_str()).collect();
    assert!(titles.iter().all(|t| !t.contains("DBT_CLOUD_SERVICE_TOKEN`")), "{titles:?}");
}

/// The sets of every `permission_set = "…"` line of some HCL, which must parse.
fn sets_of(hcl: &str) -> Vec<String> {
    assert!(hcl_edit::parser::parse_body(hcl).is_ok(), "not valid HCL:\n{hcl}");
    hcl.lines()
        .filter_map(|l| l.trim().strip_prefix("permission_set = \""))
        .map(|s| s.trim_end_matches('"').to_owned())
        .collect()
}

fn advised(args: &[&str]) -> Vec<String> {
    let v = json(&root(), &[&["advise", "--format", "json"], args].concat());
    v["permission_sets"][0]["sets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// `advise --for` at the first finding of `code` in `fixture`, and that finding's fix content.
fn resource_for(fixture: &str, code: &str) -> (String, String) {
    let d = root().join("fixtures").join(fixture);
    let v = json(&d, &["check", "--format", "json"]);
    let f = v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {fixture}"));
    let at = format!("{}:{}", f["path"].as_str().unwrap_or(""), f["line"]);
    let out = run_in(&d, &["advise", "--for", &at]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let content = f["fixes"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|x| x["content"].as_str())
        .unwrap_or_else(|| panic!("no service token fix: {f}"))
        .to_owned();
    (stdout(&out), content)
}

#[test]
fn the_service_token_for_a_job_trigger_has_job_runner_as_advise_says() {
    let (advise, content) = resource_for("gha-deploy-pat", "TW101");
    assert!(advise.ends_with(&content), "advise --for prints the fix:\n{advise}");
    assert_eq!(sets_of(&content), advised(&["--workflow", "production", "--integration", "GitHub Actions"]));
    assert_eq!(sets_of(&content), ["job_runner"]);
    assert!(content.contains("resource \"dbtcloud_service_token\" \"deploy\""), "{content}");
    assert!(content.contains("job 114"), "{content}");
    assert!(!content.contains("dbtu_") && !content.contains("dbtc_"), "{content}");
}

#[test]
fn the_service_token_for_a_partner_has_its_documented_sets() {
    let (_, content) = resource_for("tf-partner-pat", "TW102");
    assert_eq!(sets_of(&content), advised(&["--workflow", "partner-integration", "--integration", "Hightouch"]));
    assert_eq!(sets_of(&content), ["readonly"]);
}

#[test]
fn the_service_token_for_the_semantic_layer_has_the_semantic_layer_sets() {
    let (_, content) = resource_for("semantic-layer-jdbc-pat", "TW102");
    assert_eq!(sets_of(&content), advised(&["--workflow", "partner-integration", "--integration", "Tableau"]));
    assert_eq!(sets_of(&content), ["semantic_layer_only", "metadata_only"]);
}

const MAIN_TF: &str = "terraform {\n  required_providers {\n    dbtcloud = {\n      source = \"dbt-labs/dbtcloud\"\n    }\n    github = {\n      source = \"integrations/github\"\n    }\n  }\n}\n\nprovider \"dbtcloud\" {\n  token = var.dbt_cloud_service_token\n}\n";

#[test]
fn with_a_dbt_cloud_terraform_root_the_service_token_is_an_unsafe_new_file_with_its_secret() {
    let dir = repo(None, &[(".github/workflows/deploy.yml", DEPLOY), ("infra/main.tf", MAIN_TF)]);
    let d = dir.path();
    let patch = stdout(&run_in(d, &["check", "--diff", "--unsafe-fixes"]));
    assert!(patch.contains("+++ b/infra/dbt_cloud_token_deploy.tf"), "{patch}");
    assert!(applies(d, &patch), "{patch}");
    let out = run_in(d, &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(out.status.code(), Some(1), "the workflow still reads the PAT: {}", stdout(&out));
    let tf = read(d, "infra/dbt_cloud_token_deploy.tf");
    assert_eq!(sets_of(&tf), ["job_runner"]);
    assert!(tf.contains("resource \"github_actions_secret\""), "{tf}");
    assert!(tf.contains("plaintext_value = dbtcloud_service_token.deploy.token_string"), "{tf}");
    assert_eq!(read(d, ".github/workflows/deploy.yml"), DEPLOY);
    // The next run offers no second token, but the switch to the secret the new one fills.
    let patch = stdout(&run_in(d, &["check", "--diff", "--unsafe-fixes"]));
    assert!(!patch.contains("dbtcloud_service_token"), "{patch}");
    assert!(patch.contains("+      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_SERVICE_TOKEN }}"), "{patch}");
    assert!(applies(d, &patch), "{patch}");
}

#[test]
fn add_ignore_comments_each_finding_in_its_files_syntax_and_refuses_json() {
    let dir = repo(Some("partner-config-pat"), &[]);
    let d = dir.path();
    let json_before = read(d, "integrations/catalog.json");
    let out = run_in(d, &["check", "--add-ignore", "reviewed\nby the data team"]);
    assert_eq!(out.status.code(), Some(1), "a finding was left without a comment");
    assert!(
        stderr(&out)
            .contains("no ignore comment added for 1 finding in `integrations/catalog.json`: JSON has no comments"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(d, "integrations/catalog.json"), json_before);
    let diff = changes(d);
    // tokenwise: ignore[TW002] -- test input
    assert_eq!(changed_lines(&diff), ["+  # tokenwise: ignore[TW102] -- reviewed by the data team"], "{diff}");
    let after = run_in(d, &["check"]);
    assert_eq!(codes(&after), ["TW102"], "only the JSON finding remains: {}", stdout(&after));
}

#[test]
fn add_ignore_uses_slashes_in_javascript_and_one_comment_per_line() {
    let dir = repo(Some("js-built-user-endpoint-service"), &[]);
    let d = dir.path();
    let out = run_in(d, &["check", "--add-ignore", "rotating"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let added = changed_lines(&changes(d));
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(
        added[0].starts_with("+")
            && added[0].trim_start_matches(['+', ' ']).starts_with("// tokenwise: ignore[TW104] -- rotating"),
        "{added:?}"
    );
    let xml = repo(Some("semantic-layer-jdbc-pat"), &[]);
    let out = run_in(xml.path(), &["check", "--add-ignore", "rotating"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let added = changed_lines(&changes(xml.path()));
    assert_eq!(added.len(), 1, "two findings on one line share a comment: {added:?}");
    assert!(added[0].contains("<!-- tokenwise: ignore[TW102,TW201] -- rotating -->"), "{added:?}");
    assert_eq!(codes(&run_in(xml.path(), &["check"])), Vec::<String>::new());
    assert_eq!(codes(&run_in(d, &["check"])), Vec::<String>::new());
}

/// Every fixture: the diff of all fixes applies and writes nothing, and `--fix --unsafe-fixes`
/// never fails and writes no token (no added line holds a `dbtu_`/`dbtc_` literal).
#[test]
fn every_fixture_fixes_cleanly_and_no_fix_writes_a_token() {
    let token = regex::Regex::new(r"dbt[uc]_[A-Za-z0-9_-]{20,}").unwrap_or_else(|e| panic!("{e}"));
    let mut fixed = 0;
    for fixture in common::fixtures() {
        let name = fixture.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = repo(Some(&name), &[]);
        let d = dir.path();
        let diff = run_in(d, &["check", "--diff", "--unsafe-fixes"]);
        assert_ne!(diff.status.code(), Some(2), "{name}: {}", stderr(&diff));
        let patch = stdout(&diff);
        if patch.is_empty() {
            continue;
        }
        assert!(applies(d, &patch), "{name}:\n{patch}");
        assert_eq!(changes(d), "", "{name}: --diff wrote");
        let out = run_in(d, &["check", "--fix", "--unsafe-fixes"]);
        assert_ne!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let status = stdout(&git(d, &["status", "--porcelain"]));
        assert!(!status.is_empty(), "{name}: --fix wrote nothing");
        git(d, &["add", "-A"]);
        let written = stdout(&git(d, &["diff", "--cached", "--no-color"]));
        for line in changed_lines(&written).iter().filter(|l| l.starts_with('+')) {
            assert!(!token.is_match(line), "{name}: a fix wrote a token: {line}");
        }
        fixed += 1;
    }
    assert!(fixed >= 5, "only {fixed} fixtures had fixes");
}

#[test]
fn a_gitlab_pipeline_gets_its_token_as_a_project_variable() {
    let tf = MAIN_TF.replace(
        "github = {\n      source = \"integrations/github\"",
        "gitlab = {\n      source = \"gitlabhq/gitlab\"",
    );
    let dir = repo(Some("gitlab-ci-pat"), &[("infra/main.tf", &tf)]);
    let v = json(dir.path(), &["check", "--format", "json"]);
    let f = v["findings"].as_array().into_iter().flatten().find(|f| f["code"] == "TW101");
    let content = f
        .and_then(|f| f["fixes"].as_array())
        .into_iter()
        .flatten()
        .find_map(|x| x["content"].as_str())
        .unwrap_or_else(|| panic!("no service token fix: {v}"));
    assert_eq!(sets_of(content), ["job_runner"]);
    assert!(content.contains("resource \"gitlab_project_variable\""), "{content}");
    assert!(content.contains("key       = \"DBT_CLOUD_SERVICE_TOKEN\""), "{content}");
    assert!(!content.contains("github_actions_secret"), "{content}");
}

/// `--diff` applies and writes nothing; `--fix` leaves only the `remaining` codes and changes
/// exactly `lines`.
fn fixed_by_remedy(fixture: &str, remaining: &[&str], lines: &[&str]) {
    let dir = repo(Some(fixture), &[]);
    let d = dir.path();
    let diff = run_in(d, &["check", "--diff"]);
    assert_eq!(diff.status.code(), Some(1), "{fixture}: {}", stderr(&diff));
    let patch = stdout(&diff);
    assert!(applies(d, &patch), "{fixture}: {patch}");
    assert_eq!(changes(d), "", "{fixture}: --diff writes nothing");
    let fixed = run_in(d, &["check", "--fix"]);
    assert_eq!(codes(&fixed), remaining, "{fixture}: {}", stdout(&fixed));
    assert_eq!(changed_lines(&changes(d)), lines, "{fixture}");
}

#[test]
fn a_retiring_host_is_replaced_by_the_one_account_host_the_repository_shows() {
    fixed_by_remedy(
        "retiring-access-url",
        &[],
        &[
            "-DBT_HOST=cloud.getdbt.com",
            "+DBT_HOST=ab123.us1.dbt.com",
            "+  host_url = \"https://ab123.us1.dbt.com/api\"",
            "-  host_url   = \"https://cloud.getdbt.com/api\"",
            "+  host_url   = \"https://ab123.us1.dbt.com/api\"",
            "-  \"https://emea.dbt.com/api/v2/accounts/1/jobs/2/run/\"",
            "+  \"https://ab123.us1.dbt.com/api/v2/accounts/1/jobs/2/run/\"",
            "-    base_url = \"https://cloud.getdbt.com/api/v2/accounts/1/jobs/2/run/\"",
            "+    base_url = \"https://ab123.us1.dbt.com/api/v2/accounts/1/jobs/2/run/\"",
        ],
    );
}

#[test]
fn an_output_of_a_token_string_is_marked_sensitive() {
    fixed_by_remedy("exposed-token-output", &[], &["+  sensitive = true", "+  sensitive = true"]);
}

#[test]
fn a_misspelt_permission_set_is_renamed_and_an_unassignable_one_left_to_a_person() {
    fixed_by_remedy(
        "unassignable-permission-set",
        &["TW303"],
        &["-    permission_set = \"job_runer\"", "+    permission_set = \"job_runner\""],
    );
}

#[test]
fn unused_ignore_entries_are_taken_out_and_an_empty_comment_goes_with_its_line() {
    let dir = repo(Some("tw002-unused-suppression"), &[]);
    let d = dir.path();
    let diff = run_in(d, &["check", "--diff"]);
    let patch = stdout(&diff);
    assert!(applies(d, &patch), "{patch}");
    let fixed = run_in(d, &["check", "--fix"]);
    assert_eq!(codes(&fixed), ["TW101"], "only the PAT is left: {}", stdout(&fixed));
    let changed = changed_lines(&changes(d));
    // Spelt in two pieces, so that these lines hold no ignore comment of their own.
    let i = "tokenwise: ignore";
    let want = [
        format!("-      # {i}[TW101] -- migrating to a service token in DATA-412"),
        format!("-      # {i}[TW10l] -- migrating in DATA-413"),
        format!("-      # {i}[TW101, hardcoded-token] -- reviewed"),
        format!("+      # {i}[TW101] -- reviewed"),
        format!("-rm -rf target/ # {i}[TW201] -- old token, rotated"),
        "+rm -rf target/".to_owned(),
    ];
    assert_eq!(changed, want);
    // The kept entry still suppresses its finding, and nothing is left to fix.
    let again = run_in(d, &["check", "--diff"]);
    assert_eq!((again.status.code(), stdout(&again)), (Some(0), String::new()), "{}", stderr(&again));
}

#[test]
fn a_fix_that_drops_an_entry_never_writes_or_shows_a_token() {
    // A fake token typed into an ignore comment.
    let token = "dbtu_Qv7Rk2Lp9Xw4Tz8Nm3Bc6Hd1Fg5Js0YaUe7Io4Wq2";
    // tokenwise: ignore[TW002] -- test input
    let script = format!("#!/bin/sh\necho hi # tokenwise: ignore[{token}]\n");
    let dir = repo(None, &[("run.sh", &script)]);
    let d = dir.path();
    let out = run_in(d, &["check", "--format", "json", "."]);
    let text = stdout(&out);
    assert!(text.contains("\"TW002\""), "{text}");
    assert!(!text.contains(token), "{text}");
    let diff = run_in(d, &["check", "--diff"]);
    assert!(!stdout(&diff).contains(token), "{}", stdout(&diff));
    let fixed = run_in(d, &["check", "--fix"]);
    assert!(!format!("{}{}", stdout(&fixed), stderr(&fixed)).contains(token));
    assert_eq!(read(d, "run.sh"), "#!/bin/sh\necho hi\n");
}

/// A fix that writes HCL (`sensitive = true`, `host_url = …`, a copied permissions block) is
/// not offered for Terraform's JSON syntax: every fix applied there leaves valid JSON.
#[test]
fn fixes_in_terraform_json_leave_valid_json() {
    let dir = repo(Some("tfjson-cdktf-pat"), &[]);
    let rel = "cdktf.out/stacks/prod/cdk.tf.json";
    let out = run_in(dir.path(), &["check", "--fix", "--unsafe-fixes", "--format", "concise", "."]);
    let text = read(dir.path(), rel);
    serde_json::from_str::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}\n{}", stdout(&out), stderr(&out)));
    assert!(!text.contains("sensitive = true") && !text.contains("host_url ="), "{text}");
    // The findings that have no JSON fix remain.
    let remaining = codes(&out);
    for code in ["TW204", "TW501"] {
        assert!(remaining.iter().any(|c| c == code), "{code} remains: {remaining:?}");
    }
}
