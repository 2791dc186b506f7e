//! Git-aware scans, end to end, on real repositories built in a temp folder with the system's
//! `git`: tracked files are scanned even when ignored, `--diff-base` reports only what a branch
//! adds, `history` finds tokens in past commits; and the scanned repository never changes.
//! Tokens are made at run time, so this repository holds none.

mod common;

use common::{bin, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A fake token per seed and type: deterministic, distinct, random-looking.
fn token(prefix: &str, seed: u64) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let body: String = (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect();
    format!("{prefix}{body}")
}

fn pat(seed: u64) -> String {
    token("dbtu_", seed)
}

/// Run `git` in `dir` with a fixed identity and clock, and no user or system config.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main"])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-03-01T12:00:00Z")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("these tests build repositories with the system's `git`, which cannot run: {e}"));
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new repository in a temp folder.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    git(dir.path(), &["init", "--quiet"]);
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "--quiet", "--allow-empty", "-m", message]);
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"))
}

/// The paths of the TW201 findings in a concise report, sorted.
fn hardcoded_paths(out: &Output) -> Vec<String> {
    let mut paths: Vec<String> = stdout(out)
        .lines()
        .filter(|l| l.contains(": TW201 "))
        .filter_map(|l| l.split(':').next().map(str::to_owned))
        .collect();
    paths.sort();
    paths
}

/// What `git status` and the refs say about a repository: must be the same after a scan.
fn state(dir: &Path) -> String {
    let status = git(dir, &["status", "--porcelain", "--ignored", "--untracked-files=all"]);
    let refs = git(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]);
    let head = git(dir, &["rev-parse", "HEAD"]);
    format!("{status}\n{refs}\n{head}")
}

#[test]
fn a_tracked_file_is_scanned_even_when_ignored_and_an_untracked_ignored_one_is_not() {
    let dir = repo();
    let root = dir.path();
    write(root, ".gitignore", "logs/\n*.env\n");
    write(root, "logs/airflow/task.log", &format!("[2024-03-01] export DBT_CLOUD_TOKEN={}\n", pat(1)));
    write(root, "deploy/prod.env", &format!("DBT_CLOUD_TOKEN={}\n", pat(2)));
    git(root, &["add", "-f", "logs/airflow/task.log", "deploy/prod.env", ".gitignore"]);
    commit(root, "logs and env committed anyway");
    // Untracked and ignored: skipped, also inside the folder that is entered for its tracked file.
    write(root, "logs/airflow/other.log", &format!("token={}\n", pat(3)));
    write(root, "logs/untracked/x.log", &format!("token={}\n", pat(4)));
    write(root, "deploy/local.env", &format!("DBT_CLOUD_TOKEN={}\n", pat(5)));
    let before = state(root);

    let out = run(root, &["check", "--format", "concise", "."]);
    assert_eq!(hardcoded_paths(&out), ["deploy/prod.env", "logs/airflow/task.log"], "{}{}", stdout(&out), stderr(&out));
    let out = run(root, &["check", "--format", "concise", "deploy"]);
    assert_eq!(hardcoded_paths(&out), ["deploy/prod.env"], "{}", stdout(&out));
    let out = run(&root.join("deploy"), &["check", "--format", "concise"]);
    assert_eq!(hardcoded_paths(&out), ["prod.env"], "a walk from inside the work tree: {}", stdout(&out));
    let out = run(root, &["check", "--format", "concise", "--no-ignore", "."]);
    assert_eq!(
        hardcoded_paths(&out),
        [
            "deploy/local.env",
            "deploy/prod.env",
            "logs/airflow/other.log",
            "logs/airflow/task.log",
            "logs/untracked/x.log"
        ]
    );
    assert_eq!(state(root), before, "the scan changed the repository");
}

#[test]
fn outside_a_work_tree_ignore_rules_apply_as_before() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    write(root, ".ignore", "*.env\n");
    write(root, "prod.env", &format!("DBT_CLOUD_TOKEN={}\n", pat(2)));
    write(root, "ok.sh", &format!("export DBT_CLOUD_TOKEN={}\n", pat(3)));
    let out = run(root, &["check", "--format", "concise", "."]);
    assert_eq!(hardcoded_paths(&out), ["ok.sh"], "{}", stdout(&out));
}

/// A push-to-main deploy workflow whose API token comes from the secret `secret`.
fn workflow(name: &str, secret: &str) -> String {
    format!(
        "name: {name}
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      DBT_CLOUD_API_TOKEN: ${{{{ secrets.{secret} }}}}
    steps:
      - name: Run the production job
        run: |
          curl -sf -X POST -H \"Authorization: Token $DBT_CLOUD_API_TOKEN\" \\
            https://ab12.us1.dbt.com/api/v2/accounts/1/jobs/2/run/
"
    )
}

/// A repository whose `main` has one misuse (deploy.yml), and a branch `feature`, checked out,
/// that adds another (release.yml). After the branch point `main` fixes deploy.yml: the base is
/// the merge base, not `main`'s tip, so the branch's copy of deploy.yml is not new.
fn pull_request() -> tempfile::TempDir {
    let dir = repo();
    let root = dir.path();
    write(root, ".github/workflows/deploy.yml", &workflow("Deploy", "DBT_CLOUD_PAT"));
    write(root, "README.md", "# analytics\n");
    commit(root, "deploy with a PAT");
    git(root, &["checkout", "--quiet", "-b", "feature"]);
    write(root, ".github/workflows/release.yml", &workflow("Release", "DBT_RELEASE_PAT"));
    commit(root, "release too");
    git(root, &["checkout", "--quiet", "main"]);
    write(root, ".github/workflows/deploy.yml", &workflow("Deploy", "DBT_CLOUD_SERVICE_TOKEN"));
    commit(root, "deploy with a service token");
    git(root, &["checkout", "--quiet", "feature"]);
    dir
}

#[test]
fn diff_base_reports_only_what_the_branch_adds_in_every_format() {
    let dir = pull_request();
    let root = dir.path();
    let before = state(root);
    let all = run(root, &["check", "--format", "concise", "."]);
    assert_eq!(stdout(&all).matches(": TW101 ").count(), 2, "{}", stdout(&all));

    let new = "release.yml";
    let old = "deploy.yml";
    for format in ["concise", "pretty", "json", "sarif", "github", "gitlab", "junit"] {
        let out = run(root, &["check", "--format", format, "--diff-base", "main", "."]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {text}{}", stderr(&out));
        assert!(text.contains(new), "{format}: {text}");
        assert!(!text.contains(old), "{format}: the base's finding is reported: {text}");
        let count = match format {
            "concise" => text.matches(": TW101 ").count(),
            "pretty" => text.matches("TW101(").count(),
            "json" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(v["summary"]["in_base"], 1, "{text}");
                assert_eq!(v["summary"]["findings"], 1, "{text}");
                v["findings"].as_array().map_or(0, Vec::len)
            }
            "sarif" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
                v["runs"][0]["results"].as_array().map_or(0, Vec::len)
            }
            "gitlab" => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
                v.as_array().map_or(0, Vec::len)
            }
            "github" => text.lines().filter(|l| l.starts_with("::error ")).count(),
            "junit" => text.matches("<failure ").count(),
            _ => unreachable!(),
        };
        assert_eq!(count, 1, "{format}: {text}");
        if matches!(format, "concise" | "pretty") {
            assert!(text.contains("1 already in the diff base."), "{format}: {text}");
        }
    }
    // A path argument scans the same part of the base.
    let out = run(root, &["check", "--format", "concise", "--diff-base", "main", ".github"]);
    assert_eq!(stdout(&out).matches(": TW101 ").count(), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("1 already in the diff base."), "{}", stdout(&out));
    assert_eq!(state(root), before, "the scan changed the repository");
}

#[test]
fn diff_base_errors_say_what_to_do() {
    let dir = pull_request();
    let root = dir.path();
    let out = run(root, &["check", "--diff-base", "origin/main", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`origin/main`: no such commit") && err.contains("git fetch origin main"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");

    let plain = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(plain.path(), "a.sh", "echo\n");
    let out = run(plain.path(), &["check", "--diff-base", "main", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not inside a git repository"), "{}", stderr(&out));

    // A shallow clone of the branch and of main's tip lacks their common ancestor.
    let clones = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("file://{}", root.display());
    git(clones.path(), &["clone", "--quiet", "--depth", "1", "--branch", "feature", &url, "shallow"]);
    let shallow = clones.path().join("shallow");
    git(&shallow, &["fetch", "--quiet", "--depth", "1", "origin", "main:refs/remotes/origin/main"]);
    let before = state(&shallow);
    let out = run(&shallow, &["check", "--diff-base", "origin/main", "."]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("shallow clone") && err.contains("git fetch --unshallow"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
    assert_eq!(state(&shallow), before);
    // Once the history is there, the same call works.
    git(&shallow, &["fetch", "--quiet", "--unshallow", "origin", "main:refs/remotes/origin/main"]);
    let out = run(&shallow, &["check", "--format", "concise", "--diff-base", "origin/main", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches(": TW101 ").count(), 1, "{}", stdout(&out));
}

/// `git` with the clock at day `day` of March 2024, so commits are ordered and dated.
fn commit_on(dir: &Path, day: u32, message: &str) {
    let date = format!("2024-03-{day:02}T12:00:00Z");
    git(dir, &["add", "-A"]);
    let out = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(["commit", "--quiet", "--allow-empty", "-m", message])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

#[test]
fn history_reports_a_deleted_token_at_the_commit_that_added_it() {
    let dir = repo();
    let root = dir.path();
    let (gone, kept, moved) = (pat(10), token("dbtc_", 11), pat(12));
    write(root, "README.md", "# jobs\n");
    commit_on(root, 1, "one");
    write(
        root,
        "scripts/run.sh",
        &format!("#!/bin/sh\nexport DBT_CLOUD_TOKEN={gone}\ncurl https://ab12.us1.dbt.com\n"),
    );
    commit_on(root, 2, "two: a PAT");
    write(root, "profiles/ci.yml", &format!("token: {kept}\n"));
    write(root, "notes.txt", &format!("old: {moved}\n"));
    commit_on(root, 3, "three: a service token");
    // The same token moved within its file, and copied to another: still the one of commit 3.
    write(root, "notes.txt", &format!("header\n\nold: {moved}\n"));
    write(root, "copy.txt", &format!("{moved}\n"));
    commit_on(root, 4, "four: moved");
    write(root, "scripts/run.sh", "#!/bin/sh\nexport DBT_CLOUD_TOKEN=\"$DBT_TOKEN\"\ncurl https://ab12.us1.dbt.com\n");
    commit_on(root, 5, "five: the PAT removed");
    let before = state(root);
    let two = git(root, &["rev-parse", "HEAD~3"]).trim().to_owned();
    let three = git(root, &["rev-parse", "HEAD~2"]).trim().to_owned();

    let out = run(root, &["history", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    let summary: Vec<(String, u64, String, String, bool)> = findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["commit"].as_str().unwrap_or("").to_owned(),
                f["author_date"].as_str().unwrap_or("").to_owned(),
                f["present_at_head"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    let day = |d: u32| format!("2024-03-{d:02}T12:00:00+00:00");
    assert_eq!(
        summary,
        [
            ("notes.txt".to_owned(), 1, three.clone(), day(3), true),
            ("profiles/ci.yml".to_owned(), 1, three, day(3), true),
            ("scripts/run.sh".to_owned(), 2, two.clone(), day(2), false),
        ],
        "{}",
        stdout(&out)
    );
    for f in &findings {
        assert_eq!(f["code"], "TW201");
        assert_eq!(f["fingerprint"].as_str().map(str::len), Some(32), "{f}");
    }
    assert_eq!(v["summary"]["commits"], 5);
    assert_eq!(v["summary"]["findings"], 3);
    assert_eq!(v["summary"]["present_at_head"], 2);

    // Every format names the commit and never prints a token.
    for format in ["concise", "pretty", "json", "sarif"] {
        let out = run(root, &["history", "--format", format]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        for t in [&gone, &kept, &moved] {
            assert!(!text.contains(t.as_str()), "{format} printed a token: {text}");
        }
        if format == "pretty" {
            assert!(text.contains(&format!("dbtu_…{}", &gone[gone.len() - 4..])), "masked in the snippet: {text}");
        }
        assert!(text.contains(&two[..10]), "{format}: {text}");
        assert!(text.contains("no longer at HEAD"), "{format}: {text}");
    }
    let sarif: serde_json::Value = serde_json::from_str(&stdout(&run(root, &["history", "--format", "sarif"])))
        .unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
    let results = sarif["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 3);
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["commit"] == two.as_str() && r["properties"]["present_at_head"] == false)
    );

    // A path narrows the files, --since the commits.
    let out = run(root, &["history", "--format", "json", "scripts"]);
    assert_eq!(json(&out)["findings"].as_array().map(Vec::len), Some(1), "{}", stdout(&out));
    // Before commit 3 is out of range: its token moving in notes.txt adds nothing, its copy to a
    // new file adds it there.
    let out = run(root, &["history", "--format", "json", "--since", "HEAD~2"]);
    let v = json(&out);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(1), "{}", stdout(&out));
    assert_eq!(v["findings"][0]["path"], "copy.txt");
    let out = run(root, &["history", "--format", "json", "--since", "HEAD"]);
    assert_eq!(json(&out)["findings"].as_array().map(Vec::len), Some(0), "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(0));
    let out = run(root, &["history", "--format", "json", "--since", "HEAD~3"]);
    assert_eq!(json(&out)["findings"].as_array().map(Vec::len), Some(2), "{}", stdout(&out));
    assert_eq!(state(root), before, "history changed the repository");
}

#[test]
fn history_walks_other_refs_with_all_and_honours_suppressions() {
    let dir = repo();
    let root = dir.path();
    write(root, "README.md", "# jobs\n");
    commit_on(root, 1, "one");
    git(root, &["checkout", "--quiet", "-b", "experiment"]);
    let side = pat(20);
    write(root, "try.py", &format!("TOKEN = \"{side}\"\n"));
    commit_on(root, 2, "a token on a branch");
    git(root, &["checkout", "--quiet", "main"]);
    let fake = pat(21);
    write(root, "tests/fake.py", &format!("# tokenwise: ignore[TW201] -- a fake token\nFAKE = \"{fake}\"\n"));
    // A binary file is searched like one on disk.
    let mut bin = vec![0u8, 1, 2, 3];
    bin.extend_from_slice(format!(" {} ", pat(22)).as_bytes());
    let p = root.join("blob.bin");
    std::fs::write(&p, bin).unwrap_or_else(|e| panic!("{e}"));
    commit_on(root, 3, "a suppressed fake token, a binary");
    let before = state(root);

    let out = run(root, &["history", "--format", "json"]);
    let v = json(&out);
    let paths: Vec<&str> =
        v["findings"].as_array().map(|a| a.iter().filter_map(|f| f["path"].as_str()).collect()).unwrap_or_default();
    assert_eq!(paths, ["blob.bin"], "{}", stdout(&out));
    assert_eq!(v["summary"]["suppressed"], 1);
    let out = run(root, &["history", "--format", "json", "--all"]);
    let v = json(&out);
    let paths: Vec<&str> =
        v["findings"].as_array().map(|a| a.iter().filter_map(|f| f["path"].as_str()).collect()).unwrap_or_default();
    assert_eq!(paths, ["blob.bin", "try.py"], "{}", stdout(&out));
    assert_eq!(v["findings"][1]["present_at_head"], false);
    assert_eq!(state(root), before, "history changed the repository");

    let plain = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = run(plain.path(), &["history"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not inside a git repository"), "{}", stderr(&out));
}

/// Fails when `text` holds any of `tokens` whole, or any 20 characters in a row of a token's
/// body: a mask may show the prefix and the last 4, never a piece that narrows the secret down.
fn assert_masked(what: &str, text: &str, tokens: &[&str]) {
    for t in tokens {
        assert!(!text.contains(t), "{what} printed a token whole: {text}");
        let body = t.get(5..).unwrap_or_default();
        for i in 0..=body.len().saturating_sub(20) {
            let piece = &body[i..i + 20];
            assert!(!text.contains(piece), "{what} printed a piece of a token ({piece}): {text}");
        }
    }
}

#[test]
fn no_output_of_check_diff_base_or_history_shows_a_token_or_a_piece_of_one() {
    let dir = repo();
    let root = dir.path();
    let (old, ignored, gone, new) = (pat(30), pat(31), token("dbtc_", 32), pat(33));
    write(root, ".gitignore", "*.log\n");
    write(root, "scripts/deploy.sh", &format!("export DBT_CLOUD_TOKEN={old}\n"));
    write(root, "airflow/task.log", &format!("[task] token={ignored}\n"));
    git(root, &["add", "-f", "airflow/task.log"]);
    write(root, "profiles.yml", &format!("token: {gone}\n"));
    commit_on(root, 1, "base");
    git(root, &["checkout", "--quiet", "-b", "feature"]);
    write(root, "profiles.yml", "token: \"{{ env_var('DBT_CLOUD_TOKEN') }}\"\n");
    write(root, "ci/run.py", &format!("TOKEN = \"{new}\"  # {new}\n"));
    commit_on(root, 2, "the branch");
    let tokens = [old.as_str(), ignored.as_str(), gone.as_str(), new.as_str()];
    let before = state(root);
    let all = ["concise", "pretty", "json", "sarif", "github", "gitlab", "junit"];
    for format in all {
        let out = run(root, &["check", "--format", format, "."]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(stdout(&out).contains("task.log"), "{format}: the tracked ignored log: {}", stdout(&out));
        assert_masked(&format!("check --format {format}"), &format!("{}{}", stdout(&out), stderr(&out)), &tokens);
        let out = run(root, &["check", "--format", format, "--diff-base", "main", "."]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("ci/run.py") && !stdout(&out).contains("deploy.sh"),
            "{format}: {}",
            stdout(&out)
        );
        assert_masked(&format!("--diff-base, {format}"), &format!("{}{}", stdout(&out), stderr(&out)), &tokens);
    }
    for format in ["concise", "pretty", "json", "sarif"] {
        let out = run(root, &["history", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(stdout(&out).contains("profiles.yml"), "{format}: the deleted token: {}", stdout(&out));
        assert_masked(&format!("history --format {format}"), &format!("{}{}", stdout(&out), stderr(&out)), &tokens);
    }
    assert_eq!(state(root), before, "a scan changed the repository");
}

#[test]
fn history_json_has_the_documented_shape() {
    let dir = repo();
    let root = dir.path();
    write(root, "a.sh", "echo\n");
    commit_on(root, 1, "one");
    write(root, "a.sh", &format!("export DBT_CLOUD_TOKEN={}\n", pat(40)));
    commit_on(root, 2, "two");
    let v = json(&run(root, &["history", "--format", "json"]));
    assert_eq!(v["version"], 1);
    let keys = |o: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = o.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["findings", "summary", "version"]);
    let f = &v["findings"][0];
    for key in ["code", "path", "line", "commit", "author_date", "present_at_head", "fingerprint"] {
        assert!(f.get(key).is_some(), "no `{key}` in {f}");
    }
    assert_eq!(f["code"], "TW201");
    assert_eq!(f["path"], "a.sh");
    assert_eq!(f["line"], 1);
    assert_eq!(f["commit"], git(root, &["rev-parse", "HEAD"]).trim());
    assert_eq!(f["author_date"], "2024-03-02T12:00:00+00:00");
    assert_eq!(f["present_at_head"], true);
    assert_eq!(f["token_type"], "personal");
    assert_eq!(keys(&v["summary"]), ["blobs_scanned", "commits", "findings", "present_at_head", "suppressed"]);
    assert_eq!(v["summary"]["commits"], 2);
    // The same history gives the same fingerprint on every run.
    let again = json(&run(root, &["history", "--format", "json"]));
    assert_eq!(again["findings"][0]["fingerprint"], f["fingerprint"]);
}

#[test]
fn history_errors_say_what_to_do() {
    let dir = repo();
    let root = dir.path();
    let out = run(root, &["history"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("commit something first"), "{}", stderr(&out));
    write(root, "a.sh", "echo\n");
    commit_on(root, 1, "one");
    let out = run(root, &["history", "--since", "origin/main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`origin/main`: no such commit") && stderr(&out).contains("git fetch"),
        "{}",
        stderr(&out)
    );

    // A shallow clone still walks what it has, and says what is missing.
    write(root, "a.sh", &format!("export DBT_CLOUD_TOKEN={}\n", pat(41)));
    commit_on(root, 2, "two: a token");
    write(root, "a.sh", "echo\n");
    commit_on(root, 3, "three: removed");
    let clones = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("file://{}", root.display());
    git(clones.path(), &["clone", "--quiet", "--depth", "1", &url, "shallow"]);
    let shallow = clones.path().join("shallow");
    let before = state(&shallow);
    let out = run(&shallow, &["history", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("shallow clone: only 1 commit") && err.contains("git fetch --unshallow"), "{err}");
    assert_eq!(state(&shallow), before);
    git(&shallow, &["fetch", "--quiet", "--unshallow"]);
    let out = run(&shallow, &["history", "--format", "json"]);
    assert_eq!(json(&out)["findings"][0]["present_at_head"], false, "{}", stdout(&out));
    assert!(!stderr(&out).contains("shallow"), "{}", stderr(&out));
}

#[test]
fn check_staged_reads_what_the_index_holds_not_the_work_tree() {
    let dir = repo();
    let root = dir.path();
    let (staged, unstaged, untracked) = (pat(50), pat(51), pat(52));
    write(root, "README.md", "# jobs\n");
    commit_on(root, 1, "one");
    // Staged with a token, then fixed only in the work tree: the commit would still hold it.
    write(root, "scripts/a.sh", &format!("export DBT_CLOUD_TOKEN={staged}\n"));
    git(root, &["add", "scripts/a.sh"]);
    write(root, "scripts/a.sh", "export DBT_CLOUD_TOKEN=\"$DBT_TOKEN\"\n");
    // Staged clean, a token added in the work tree afterwards: not part of the commit.
    write(root, "scripts/b.sh", "echo b\n");
    git(root, &["add", "scripts/b.sh"]);
    write(root, "scripts/b.sh", &format!("export DBT_CLOUD_TOKEN={unstaged}\n"));
    write(root, "scripts/new.sh", &format!("export DBT_CLOUD_TOKEN={untracked}\n"));
    let before = state(root);

    let files = ["scripts/a.sh", "scripts/b.sh", "scripts/new.sh"];
    let out = run(root, &[&["check", "--format", "concise"][..], &files].concat());
    assert_eq!(hardcoded_paths(&out), ["scripts/b.sh", "scripts/new.sh"], "the work tree: {}", stdout(&out));
    let out = run(root, &[&["check", "--format", "concise", "--staged"][..], &files].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(hardcoded_paths(&out), ["scripts/a.sh"], "the index: {}{}", stdout(&out), stderr(&out));
    assert_masked("check --staged", &stdout(&out), &[&staged]);
    // A folder stands for the staged files in it; from a subfolder, paths are named from there.
    let out = run(root, &["check", "--format", "concise", "--staged", "scripts"]);
    assert_eq!(hardcoded_paths(&out), ["scripts/a.sh"], "{}", stdout(&out));
    let out = run(&root.join("scripts"), &["check", "--format", "concise", "--staged"]);
    assert_eq!(hardcoded_paths(&out), ["a.sh"], "{}{}", stdout(&out), stderr(&out));
    let out = run(root, &["check", "--format", "concise", "--staged", "scripts/b.sh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(state(root), before, "--staged changed the repository");

    let plain = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(plain.path(), "a.sh", "echo\n");
    let out = run(plain.path(), &["check", "--staged", "a.sh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not inside a git repository"), "{}", stderr(&out));
}

/// The codes of a JSON report's findings.
fn codes_of(out: &Output) -> Vec<String> {
    let v = json(out);
    v["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(str::to_owned)).collect()
}

#[test]
fn unused_suppressions_are_judged_in_the_current_tree_only() {
    let dir = repo();
    let root = dir.path();
    let token = pat(30);
    write(root, "run.py", &format!("# tokenwise: ignore[TW10l] -- a typo\nTOKEN = \"{token}\"\n"));
    commit_on(root, 1, "a token, a misspelt ignore comment");
    write(root, "run.py", "# tokenwise: ignore[TW10l] -- a typo\nimport os\nTOKEN = os.environ[\"X\"]\n");
    commit_on(root, 2, "the token is gone, the comment stays");

    let now = run(root, &["check", "--format", "json", "."]);
    assert_eq!(codes_of(&now), ["TW002"], "{}", stdout(&now));
    // History reports the secrets of past versions, never their comments.
    let past = run(root, &["history", "--format", "json"]);
    assert_eq!(codes_of(&past), ["TW201"], "{}", stdout(&past));

    // A branch that leaves the comment alone adds no TW002; one that adds a stray comment does.
    git(root, &["checkout", "--quiet", "-b", "feature"]);
    write(root, "other.py", "import os\nT = os.environ[\"Y\"]\n");
    commit_on(root, 3, "unrelated");
    let base = run(root, &["check", "--format", "json", "--diff-base", "main", "."]);
    assert_eq!(codes_of(&base), Vec::<String>::new(), "{}", stdout(&base));
    // tokenwise: ignore[TW002] -- the test's own ignore comments
    write(root, "other.py", "import os\nT = os.environ[\"Y\"] # tokenwise: ignore[TW201]\n");
    commit_on(root, 4, "a stray comment");
    let base = run(root, &["check", "--format", "json", "--diff-base", "main", "."]);
    let v = json(&base);
    assert_eq!(codes_of(&base), ["TW002"], "{}", stdout(&base));
    assert_eq!(v["findings"][0]["path"], "other.py");
    assert_eq!(v["summary"]["in_base"], 1, "the old comment is the base's");
}
