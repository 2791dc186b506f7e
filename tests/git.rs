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
