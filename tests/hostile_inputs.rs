//! Hostile inputs that steer a run, end to end: a repository's ignore files, config and rule
//! packs, and the files and stdin named on the command line. None may hang a scan, exhaust
//! memory, read (or quote) a file outside the repository, or hide a committed token; config
//! mistakes are clear errors. Every run has a watchdog and a memory cap, so a regression fails
//! the test instead of hanging or swapping the machine. Inputs are made in temporary folders.

#![cfg(unix)]

mod common;

use common::{bin, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

// Fake tokens (random bodies).
const PAT: &str = "dbtu_8xMz0HF-T1BNQjA7sB0hS17prPXQSzP21OB0DAfCcHO1oQDE7U";
const SVC: &str = "dbtc_rzV-sHXRQ7vqQAimwat4ESDkzKE7H931zjMMJrGm-BzXwCOTfW";

/// A run still going after this is a hang.
const LIMIT: Duration = Duration::from_secs(120);

/// Address space allowed to a run, in KiB: far above what a scan needs, far below what reading
/// an endless file costs.
const MEMORY_KIB: u64 = 2 << 20;

/// A throwaway repository (a `.git` folder marks its root).
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    p
}

fn link(target: impl AsRef<Path>, at: &Path) {
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::os::unix::fs::symlink(target, at).unwrap_or_else(|e| panic!("{}: {e}", at.display()));
}

fn fifo(at: &Path) {
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    let made = Command::new("mkfifo").arg(at).status().is_ok_and(|s| s.success());
    assert!(made, "mkfifo {}", at.display());
}

/// Writes a run's stdin, in its own thread.
type Feed = Box<dyn FnOnce(&mut dyn std::io::Write) + Send>;

/// How to run tokenwise: in `dir`, with extra environment and optional stdin content.
struct Run<'a> {
    dir: &'a Path,
    args: &'a [&'a str],
    env: Vec<(&'a str, PathBuf)>,
    stdin: Option<Feed>,
    memory_kib: u64,
}

impl<'a> Run<'a> {
    fn new(dir: &'a Path, args: &'a [&'a str]) -> Self {
        Run { dir, args, env: Vec::new(), stdin: None, memory_kib: MEMORY_KIB }
    }

    /// Run under the memory cap (`ulimit -v`, then `exec`, so the watchdog holds tokenwise
    /// itself); a run longer than [`LIMIT`] is killed and fails the test.
    fn go(self) -> Output {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", self.memory_kib))
            .arg(bin())
            .args(self.args)
            .current_dir(self.dir)
            .env("NO_COLOR", "1")
            .env_remove("CI")
            .stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"));
        let feed = match (self.stdin, child.stdin.take()) {
            (Some(f), Some(mut pipe)) => Some(std::thread::spawn(move || f(&mut pipe))),
            _ => None,
        };
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
        let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
                break status;
            }
            if started.elapsed() > LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("tokenwise {:?} still running after {LIMIT:?}: it hangs", self.args);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(f) = feed {
            let _ = f.join();
        }
        Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Run::new(dir, args).go()
}

/// The findings of a `concise` report: (path, code).
fn findings(out: &Output) -> Vec<(String, String)> {
    let re = regex::Regex::new(r"^(.*):\d+:\d+: (TW\d{3}) ").unwrap_or_else(|e| panic!("{e}"));
    let mut f: Vec<(String, String)> =
        stdout(out).lines().filter_map(|l| re.captures(l).map(|c| (c[1].to_owned(), c[2].to_owned()))).collect();
    f.sort();
    f
}

fn tw201(paths: &[&str]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = paths.iter().map(|p| ((*p).to_owned(), "TW201".to_owned())).collect();
    f.sort();
    f
}

/// A finished scan: exit 0 or 1, not a crash or a usage error.
fn assert_finished(out: &Output) {
    assert!(matches!(out.status.code(), Some(0 | 1)), "status {:?}\n{}", out.status, stderr(out));
}

/// A usage error (exit 2) whose message starts with `message`.
fn assert_error(out: &Output, message: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with(&format!("tokenwise: error: {message}")), "expected `{message}`, got:\n{err}");
}

// ---- A repository's own files: ignore files, config, rule packs ----

/// A repository with a token in `a.yml` and one more in `<sub>/t.yml` next to a hostile ignore
/// file made by `plant`: the scan ends, the hostile file is not read, both tokens are reported.
fn hostile_ignore_file(sub: &str, plant: impl FnOnce(&Path)) -> Output {
    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    write(dir.path(), &format!("{sub}/t.yml"), format!("token: {SVC}\n"));
    plant(&dir.path().join(sub));
    let out = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_finished(&out);
    assert_eq!(findings(&out), tw201(&["a.yml", &format!("{sub}/t.yml")]), "{}", stderr(&out));
    out
}

#[test]
fn a_gitignore_linked_to_dev_zero_is_not_followed() {
    let out = hostile_ignore_file("z", |d| link("/dev/zero", &d.join(".gitignore")));
    assert_eq!(
        stderr(&out),
        "tokenwise: warning: z/.gitignore is a symbolic link: not followed (nor does git follow it), its rules do not apply\n"
    );
}

#[test]
fn a_gitignore_linked_to_proc_pagemap_is_not_followed() {
    let out = hostile_ignore_file("p", |d| link("/proc/self/pagemap", &d.join(".gitignore")));
    assert!(stderr(&out).contains("p/.gitignore is a symbolic link: not followed"), "{}", stderr(&out));
}

#[test]
fn a_fifo_ignore_file_does_not_block_the_walk() {
    let out = hostile_ignore_file("f", |d| fifo(&d.join(".ignore")));
    assert_eq!(stderr(&out), "tokenwise: warning: f/.ignore is not a regular file: not read, its rules do not apply\n");
}

#[test]
fn an_oversized_or_linked_ignore_file_is_not_read_and_hides_nothing() {
    // A link inside the repository is not followed either (git does not follow it), and an
    // ignore file over the cap is not read: both mean more is scanned, never less.
    let out = hostile_ignore_file("l", |d| {
        write(d, "real-rules", "*.yml\n");
        link("real-rules", &d.join(".gitignore"));
    });
    assert!(stderr(&out).contains("l/.gitignore is a symbolic link"), "{}", stderr(&out));
    let out = hostile_ignore_file("big", |d| {
        write(d, ".gitignore", format!("*.yml\n{}", "#\n".repeat(600_000)));
    });
    assert!(stderr(&out).contains("big/.gitignore is larger than 1 MiB: not read"), "{}", stderr(&out));
    // A regular ignore file still works.
    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    write(dir.path(), "skip/t.yml", format!("token: {SVC}\n"));
    write(dir.path(), ".gitignore", "skip/\n");
    let out = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(findings(&out), tw201(&["a.yml"]));
    assert_eq!(stderr(&out), "");
}

/// Run `check .` in a repository holding a token, with `plant` making its config files.
fn with_config(plant: impl FnOnce(&Path)) -> Output {
    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    plant(dir.path());
    run(dir.path(), &["check", "--format", "concise", "."])
}

#[test]
fn a_config_linked_outside_the_repository_is_refused_unread() {
    let out = with_config(|d| link("/dev/zero", &d.join(".tokenwise.yml")));
    assert_error(&out, "config file `.tokenwise.yml` is a link to outside the repository: not read");
    // A file elsewhere on the machine: never read, so never quoted in an error.
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let private = write(elsewhere.path(), "private.yml", "private_key_material: 1\n");
    let out = with_config(|d| link(&private, &d.join(".tokenwise.yml")));
    assert_error(&out, "config file `.tokenwise.yml` is a link to outside the repository: not read");
    assert!(!stderr(&out).contains("private_key_material"), "{}", stderr(&out));
    // A link within the repository is fine.
    let out = with_config(|d| {
        write(d, "conf/tokenwise.yml", "rules: {TW201: off}\n");
        link("conf/tokenwise.yml", &d.join(".tokenwise.yml"));
    });
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn rule_packs_outside_the_repository_or_endless_are_refused_unread() {
    let elsewhere = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let private = write(elsewhere.path(), "pack.yml", "private_key_material: 1\n");
    let absolute = format!("rule-packs: ['{}']\n", private.display());
    let out = with_config(|d| drop(write(d, ".tokenwise.yml", &absolute)));
    assert_error(
        &out,
        &format!(".tokenwise.yml:1: rule pack `{}` is outside the repository: not read", private.display()),
    );
    assert!(!stderr(&out).contains("private_key_material"), "{}", stderr(&out));
    // A pack in the folder above the repository.
    let top = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(top.path(), "pack.yml", "private_key_material: 1\n");
    write(top.path(), "repo/.git/HEAD", "");
    write(top.path(), "repo/.tokenwise.yml", "rule-packs: [../pack.yml]\n");
    let out = run(&top.path().join("repo"), &["check", "."]);
    assert_error(&out, ".tokenwise.yml:1: rule pack `../pack.yml` is outside the repository: not read");
    assert!(!stderr(&out).contains("private_key_material"));
    let out = with_config(|d| {
        write(d, ".tokenwise.yml", "rule-packs: [packs/zero.yml]\n");
        link("/dev/zero", &d.join("packs/zero.yml"));
    });
    assert_error(&out, ".tokenwise.yml:1: rule pack `packs/zero.yml` is outside the repository: not read");
    let out = with_config(|d| {
        write(d, ".tokenwise.yml", "rule-packs: [pipe.yml]\n");
        fifo(&d.join("pipe.yml"));
    });
    assert_error(&out, "rule pack `pipe.yml` is not a regular file");
}

#[test]
fn a_config_that_is_a_fifo_or_too_large_is_an_error_not_a_hang() {
    let out = with_config(|d| fifo(&d.join(".tokenwise.yml")));
    assert_error(&out, "config file `.tokenwise.yml` is not a regular file");
    let out = with_config(|d| drop(write(d, ".tokenwise.yml", "#\n".repeat(600_000))));
    assert_error(&out, "config file `.tokenwise.yml` is larger than 1 MiB, the limit for a config file");
    let out = with_config(|d| {
        write(d, ".tokenwise.yml", "rule-packs: [big.yml]\n");
        write(d, "big.yml", "#\n".repeat(600_000));
    });
    assert_error(&out, "rule pack `big.yml` is larger than 1 MiB, the limit for a rule pack");
}

// ---- Rules from outside the repository ----

#[test]
fn ignore_rules_outside_the_repository_hide_nothing() {
    let top = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = top.path().join("home");
    // The user's global excludes, both where git looks by default and where a config names it.
    write(&home, ".config/git/ignore", "*.yml\n");
    write(&home, "global-excludes", "*.env\n");
    write(&home, ".gitconfig", format!("[core]\n\texcludesFile = {}\n", home.join("global-excludes").display()));
    // A folder above the repository, and the repository's local excludes.
    write(top.path(), ".ignore", "*.yml\n*.env\n");
    write(top.path(), ".gitignore", "*.yml\n");
    let repo = top.path().join("repo");
    write(&repo, ".git/info/exclude", "*.tf\n");
    write(&repo, "a.yml", format!("token: {PAT}\n"));
    write(&repo, ".env", format!("DBT_CLOUD_TOKEN={SVC}\n"));
    write(&repo, "main.tf", format!("provider \"dbtcloud\" {{\n  token = \"{PAT}\"\n}}\n"));
    let args = ["check", "--format", "concise", "--select", "TW201", "."];
    let mut run = Run::new(&repo, &args);
    run.env = vec![("HOME", home.clone()), ("XDG_CONFIG_HOME", home.join(".config"))];
    let out = run.go();
    assert_finished(&out);
    assert_eq!(findings(&out), tw201(&[".env", "a.yml", "main.tf"]), "{}", stderr(&out));
}

#[test]
fn outside_a_repository_nothing_above_the_scanned_folder_applies() {
    let top = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(top.path(), ".gitignore", "*.yml\n");
    write(top.path(), ".ignore", "*.yml\n");
    write(top.path(), ".tokenwise.yml", "rules: {TW201: off}\nexclude: ['*.yml']\n");
    write(top.path(), "plain/a.yml", format!("token: {PAT}\n"));
    write(top.path(), "plain/sub/b.yml", format!("token: {SVC}\n"));
    let plain = top.path().join("plain");
    let out = run(&plain, &["check", "--format", "concise", "."]);
    assert_finished(&out);
    assert_eq!(findings(&out), tw201(&["a.yml", "sub/b.yml"]), "{}", stderr(&out));
    // Named from the folder above, the scanned folder is still the boundary.
    let out = run(top.path(), &["check", "--format", "concise", "plain/sub/b.yml", "plain"]);
    assert_eq!(findings(&out), tw201(&["plain/a.yml", "plain/sub/b.yml"]), "{}", stderr(&out));
    // Inside a repository, the rules of its root still apply to a subfolder scanned alone.
    let dir = repo();
    write(dir.path(), ".gitignore", "/sub/skip.yml\n");
    write(dir.path(), "sub/skip.yml", format!("token: {PAT}\n"));
    write(dir.path(), "sub/keep.yml", format!("token: {SVC}\n"));
    let out = run(&dir.path().join("sub"), &["check", "--format", "concise", "."]);
    assert_eq!(findings(&out), tw201(&["keep.yml"]), "{}", stderr(&out));
}

// ---- Files and stdin named on the command line ----

#[test]
fn an_endless_or_fifo_baseline_or_config_is_refused_at_once() {
    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    fifo(&dir.path().join("pipe"));
    let out = run(dir.path(), &["check", "--baseline", "/dev/zero", "."]);
    assert_error(&out, "baseline `/dev/zero` is not a regular file");
    let out = run(dir.path(), &["check", "--baseline", "pipe", "."]);
    assert_error(&out, "baseline `pipe` is not a regular file");
    let out = run(dir.path(), &["check", "--config", "pipe", "."]);
    assert_error(&out, "config file `pipe` is not a regular file");
    // A baseline over the cap is refused before it is read (a sparse file: no disk used).
    let big = std::fs::File::create(dir.path().join("big.json")).unwrap_or_else(|e| panic!("{e}"));
    big.set_len(65 << 20).unwrap_or_else(|e| panic!("{e}"));
    let out = run(dir.path(), &["check", "--baseline", "big.json", "."]);
    assert_error(&out, "baseline `big.json` is larger than 64 MiB, the limit for a baseline");
}

#[test]
fn stdin_over_the_size_limit_is_streamed_in_bounded_memory() {
    // 48 MiB on stdin under a 48 MiB address-space cap: only a bounded read gets through it.
    const FILL: usize = 48 << 20;
    let dir = repo();
    let args = ["check", "--format", "concise", "--stdin-filename", "big.yml", "--max-file-size", "1000", "-"];
    let mut run = Run::new(dir.path(), &args);
    run.memory_kib = 48 << 10;
    run.stdin = Some(Box::new(|pipe| {
        let block = vec![b'a'; 1 << 20];
        for _ in 0..FILL >> 20 {
            if pipe.write_all(&block).is_err() {
                return;
            }
        }
        let _ = pipe.write_all(format!(" {PAT}\n").as_bytes());
    }));
    let out = run.go();
    assert_finished(&out);
    assert_eq!(
        stdout(&out).lines().next(),
        Some(format!("big.yml:1:{}: TW201 personal access token committed in the file", FILL + 2).as_str())
    );
    assert!(stderr(&out).contains("file larger than the limit"), "{}", stderr(&out));
}

/// Make `rel/` under `base` a chain of `levels` folders of 200-character names with `file` at
/// the bottom, built from the bottom up by renames so no call needs the whole path.
fn deep_chain(base: &Path, rel: &str, levels: usize, file: (&str, &str)) -> usize {
    let seg = "d".repeat(200);
    let mut prev = base.join("chain-0");
    write(&prev, file.0, file.1);
    for i in 1..=levels {
        let next = base.join(format!("chain-{i}"));
        std::fs::create_dir(&next).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&prev, next.join(&seg)).unwrap_or_else(|e| panic!("{e}"));
        prev = next;
    }
    std::fs::rename(&prev, base.join(rel)).unwrap_or_else(|e| panic!("{e}"));
    rel.len() + levels * (seg.len() + 1) + 1 + file.0.len()
}

#[test]
fn files_deeper_than_path_max_are_scanned() {
    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    let len = deep_chain(dir.path(), "deep", 30, ("t.yml", &format!("token: {SVC}\n")));
    assert!(len > 6000, "deeper than PATH_MAX");
    let out = run(dir.path(), &["check", "--format", "concise", "."]);
    assert_finished(&out);
    assert_eq!(stderr(&out), "", "nothing skipped");
    let f = findings(&out);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0], ("a.yml".to_owned(), "TW201".to_owned()));
    assert!(f[1].0.starts_with("deep/ddd") && f[1].0.ends_with("/t.yml") && f[1].0.len() == len, "{}", f[1].0);
}

#[test]
fn overlapping_path_arguments_scan_each_file_once() {
    let dir = repo();
    write(dir.path(), "dup/f.sh", format!("export DBT_CLOUD_TOKEN={PAT}\n"));
    write(dir.path(), "other.yml", "x: 1\n");
    let out = run(dir.path(), &["check", "--format", "json", ".", "dup", "dup/../dup/f.sh", "./dup/f.sh"]);
    assert_finished(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths, ["dup/f.sh"], "{report}");
    assert_eq!(report["summary"]["files_scanned"], 2, "{report}");
    // An explicit file is still scanned where the folder's rules ignore it, and only once.
    write(dir.path(), ".gitignore", "dup/\n");
    let out = run(dir.path(), &["check", "--format", "concise", ".", "dup/f.sh", "dup/../dup/f.sh"]);
    assert_eq!(findings(&out), tw201(&["dup/f.sh"]), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("in 3 files.\n"), "`.gitignore`, `other.yml`, `dup/f.sh`: {}", stdout(&out));
}

// ---- Config mistakes ----

#[test]
fn config_leniency_is_gone() {
    let cases = [
        ("rules:\n  TW201: off\n  TW201: error\n", ".tokenwise.yml:3: duplicate key `TW201` in `rules`"),
        (
            "rules:\n  hardcoded-token: off\n  TW201: error\n",
            ".tokenwise.yml:3: rule `TW201` is set twice in `rules`: as `TW201` and as `hardcoded-token` on line 2",
        ),
        (
            "exclude: a.yml\n",
            ".tokenwise.yml:1: `exclude` must be a list of strings, not a single string (write `[a.yml]`)",
        ),
        (
            "rule-packs: pack.yml\n",
            ".tokenwise.yml:1: `rule-packs` must be a list of strings, not a single string (write `[pack.yml]`)",
        ),
    ];
    for (config, message) in cases {
        let out = with_config(|d| drop(write(d, ".tokenwise.yml", config)));
        assert_error(&out, message);
    }
}

#[test]
fn two_hundred_thousand_globs_are_refused_before_compiling() {
    // Within the size cap (800 KB), so the count is what stops it, before any glob compiles
    // (the unit test `too_many_globs_are_refused_before_any_is_compiled` counts that work).
    let out = with_config(|d| drop(write(d, ".tokenwise.yml", format!("exclude:\n{}", "- a\n".repeat(200_000)))));
    assert_error(&out, ".tokenwise.yml:2: too many values at `exclude`: at most 10000 in one file");
}

#[test]
fn a_utf16_config_and_a_baseline_with_a_bom_are_read() {
    let utf16 = |text: &str| -> Vec<u8> {
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
    };
    let out = with_config(|d| drop(write(d, ".tokenwise.yml", utf16("rules:\n  TW201: off\n"))));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = with_config(|d| drop(write(d, ".tokenwise.yml", &utf16("rules:\n  TW201: off\n")[2..])));
    assert_error(&out, "config file `.tokenwise.yml` is not UTF-8 text (it holds NUL bytes");
    assert!(stderr(&out).trim_end().ends_with("save it as UTF-8"), "{}", stderr(&out));

    let dir = repo();
    write(dir.path(), "a.yml", format!("token: {PAT}\n"));
    let out = run(dir.path(), &["check", "--write-baseline", "b.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read(dir.path().join("b.json")).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "b.json", [b"\xEF\xBB\xBF".as_slice(), &text].concat());
    let out = run(dir.path(), &["check", "--format", "concise", "--baseline", "b.json", "."]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}
