//! What tokenwise prints when the repository or the command line is hostile: a finding far to
//! the right of a minified line, names holding control characters or workflow commands, names
//! that differ only in bytes a lossy conversion would merge, a stdout that cannot be written,
//! tokens pasted as arguments, absurd thread counts and conflicting options.

mod common;

use common::{bin, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output, Stdio};

// tokenwise: ignore[TW201] -- fake tokens (random bodies) planted in generated files
const PAT: &str = "dbtu_Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXaZx8";
const PAT2: &str = "dbtu_9HkQw2ErTy7UiOp3AsDf6GhJk1LzXc5VbNm8QwErTy4U"; // tokenwise: ignore[TW201]

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn write(dir: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"))
}

const CHECK_FORMATS: [&str; 7] = ["pretty", "concise", "json", "sarif", "github", "gitlab", "junit"];

#[test]
fn a_finding_past_column_65535_renders_in_every_format() {
    let dir = repo();
    let pad = "x".repeat(70_000);
    write(dir.path(), "postman/env.json", format!("{{\"a\": \"{pad}\", \"token\": \"{PAT}\"}}"));
    write(dir.path(), "deploy/.env", format!("A={pad} DBT_CLOUD_TOKEN={PAT}\n"));
    for format in CHECK_FORMATS {
        let out = run(dir.path(), &["check", "--format", format, "."]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(!stderr(&out).contains("internal error"), "{format}: {}", stderr(&out));
        assert!(!text.contains(&PAT[5..25]), "{format} prints the token");
        if format == "pretty" {
            // The snippet is a window around the token, not the 70,000-character line.
            assert!(text.len() < 8_000, "{}", text.len());
            assert!(text.contains(&format!("[postman/env.json:1:{}]", pad.len() + 21)), "{text}");
            assert!(text.lines().all(|l| l.chars().count() < 400), "{text}");
        }
    }
}

#[test]
fn pretty_columns_count_characters() {
    let dir = repo();
    write(dir.path(), "deploy/.env", format!("# é😀\nNOTE=ééé DBT_CLOUD_TOKEN={PAT}\n"));
    let pretty = stdout(&run(dir.path(), &["check", "--format", "pretty", "."]));
    let concise = stdout(&run(dir.path(), &["check", "--format", "concise", "."]));
    assert!(concise.contains("deploy/.env:2:26:"), "{concise}");
    assert!(pretty.contains("[deploy/.env:2:26]"), "{pretty}");
}

/// Bytes that must never reach a terminal or a CI log raw.
fn has_raw_control(s: &str) -> bool {
    s.chars().any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c))
}

#[test]
#[cfg(unix)]
fn names_never_inject_workflow_commands_or_terminal_escapes() {
    let dir = repo();
    // A file name that starts a new line with a workflow command, and one with ESC, BEL, CR, C1.
    write(dir.path(), "x\n::warning file=pwned::injected.env", format!("DBT_CLOUD_TOKEN={PAT}\n"));
    write(dir.path(), "deploy/\u{1b}]52;c;eA==\u{7}\r\u{9b}2J.env", format!("DBT_CLOUD_TOKEN={PAT2}\n"));
    // A job and an environment named with a terminal escape and a workflow command.
    write(
        dir.path(),
        ".github/workflows/d.yml",
        "on: push\njobs:\n  \"de\\e]52;c;eA==\\aploy\\u202e\":\n    runs-on: ubuntu-latest\n    environment: \"prod\\n::warning file=x::pwned\"\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n    steps:\n      - run: dbt-cloud job run\n",
    );
    let mut outputs = Vec::new();
    for format in CHECK_FORMATS {
        let out = run(dir.path(), &["check", "--format", format, "."]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        outputs.push((format!("check {format}"), stdout(&out)));
    }
    for format in ["table", "markdown", "json", "html"] {
        let out = run(dir.path(), &["inventory", "--format", format, "."]);
        outputs.push((format!("inventory {format}"), stdout(&out)));
    }
    for (what, text) in &outputs {
        // Machine formats carry bidirectional marks as text; what a terminal shows never does.
        let human = ["pretty", "concise", "github", "table", "markdown"].iter().any(|f| what.ends_with(f));
        let raw = if human { has_raw_control(text) } else { text.chars().any(|c| c.is_control() && c != '\n') };
        assert!(!raw, "{what} prints a raw control character: {text:?}");
        // The runner reads a workflow command from a line that starts with `::`.
        for line in text.lines().map(str::trim_start) {
            let command = line.starts_with("::error ") || line.starts_with("::notice ");
            assert!(!line.starts_with("::") || command && what == "check github", "{what}: {line:?}");
        }
    }
    let concise = &outputs[1].1;
    assert!(concise.contains("x\\n::warning file=pwned::injected.env:1:"), "{concise}");
    assert_eq!(concise.matches(": TW201 ").count(), 2, "{concise}");
    // A named path that does not exist is quoted escaped on stderr.
    let out = run(dir.path(), &["check", "no\u{1b}]52;such"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!has_raw_control(&stderr(&out)), "{:?}", stderr(&out));
}

#[test]
#[cfg(unix)]
fn names_a_lossy_conversion_would_merge_are_both_scanned_every_time() {
    use std::os::unix::ffi::OsStrExt;
    let dir = repo();
    write(dir.path(), "back\\slash.env", format!("DBT_CLOUD_TOKEN={PAT}\n"));
    write(dir.path(), "back/slash.env", format!("DBT_CLOUD_TOKEN={PAT2}\n"));
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.env");
    let utf8_replacement = "caf\u{fffd}.env";
    std::fs::write(dir.path().join(latin1), format!("DBT_CLOUD_TOKEN={PAT}\n")).unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), utf8_replacement, format!("DBT_CLOUD_TOKEN={PAT2}\n"));
    let first = stdout(&run(dir.path(), &["check", "-j", "4", "--format", "concise", "."]));
    assert_eq!(first.matches(": TW201 ").count(), 4, "{first}");
    assert!(first.contains("back\\slash.env:1:") && first.contains("back/slash.env:1:"), "{first}");
    assert!(first.contains("caf\\xe9.env:1:") && first.contains("caf\u{fffd}.env:1:"), "{first}");
    for _ in 0..8 {
        let again = stdout(&run(dir.path(), &["check", "-j", "4", "--format", "concise", "."]));
        assert_eq!(again, first, "the same tree gives the same report");
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_report_that_cannot_be_written_is_an_error() {
    let dir = repo();
    write(dir.path(), "deploy/.env", format!("DBT_CLOUD_TOKEN={PAT}\n"));
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap_or_else(|e| panic!("{e}"));
    let cases: Vec<Vec<&str>> = vec![
        vec!["check", "--format", "sarif", "."],
        vec!["check", "--format", "concise", "."],
        vec!["inventory", "--format", "json", "."],
        vec!["rules"],
        vec!["explain", "TW101"],
        vec!["advise", "--workflow", "production"],
    ];
    for args in cases {
        let out = Command::new(bin())
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("cannot write"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_closed_pipe_is_quiet() {
    let dir = repo();
    for i in 0..200 {
        write(dir.path(), &format!("deploy/{i}/.env"), format!("DBT_CLOUD_TOKEN={PAT}\n"));
    }
    let mut child = Command::new(bin())
        .args(["check", "--format", "concise", "."])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn tokens_on_the_command_line_are_masked() {
    let dir = repo();
    let named = format!("{PAT}.json");
    let cases: Vec<Vec<String>> = vec![
        vec!["check".into(), "--format".into(), PAT.into(), ".".into()],
        vec!["check".into(), format!("--{PAT}"), ".".into()],
        vec!["check".into(), "--fail-on".into(), PAT.into(), ".".into()],
        vec!["check".into(), "--write-baseline".into(), named.clone(), ".".into()],
        vec!["check".into(), "--baseline".into(), named.clone(), ".".into()],
        vec!["explain".into(), PAT.into()],
        vec!["advise".into(), "--workflow".into(), PAT.into()],
        vec!["check".into(), PAT.into()],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(dir.path(), &args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!all.contains(&PAT[5..25]), "{args:?} prints the token: {all}");
    }
}

#[test]
fn thread_counts_are_bounded() {
    let dir = repo();
    for n in ["1000000", "100000", "0", "-1"] {
        let out = run(dir.path(), &["check", "-j", n, "."]);
        assert_eq!(out.status.code(), Some(2), "-j {n}: {}", stderr(&out));
    }
    let out = run(dir.path(), &["check", "-j", "256", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn conflicting_options_are_refused() {
    let dir = repo();
    write(dir.path(), "b.json", "{\"version\": 1, \"findings\": []}");
    for args in [
        ["check", "--baseline", "b.json", "--write-baseline", "w.json", "."].as_slice(),
        ["check", "--output", "o.txt", "--write-baseline", "w.json", "."].as_slice(),
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
        assert!(!dir.path().join("w.json").exists() && !dir.path().join("o.txt").exists());
    }
}

#[test]
fn markdown_names_never_become_links() {
    let dir = repo();
    write(
        dir.path(),
        ".github/workflows/d.yml",
        "on: push\njobs:\n  \"a`https://evil.example/x`b\":\n    runs-on: ubuntu-latest\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n    steps:\n      - run: dbt-cloud job run\n",
    );
    let md = stdout(&run(dir.path(), &["inventory", "--format", "markdown", "."]));
    assert!(md.contains("evil.example"), "{md}");
    // Outside code spans, no URL is left for GitHub to link.
    for row in md.lines().filter(|l| l.contains("evil.example")) {
        let mut outside = String::new();
        let mut rest = row;
        while let Some(open) = rest.find('`') {
            outside.push_str(&rest[..open]);
            let fence = rest[open..].chars().take_while(|&c| c == '`').count();
            let after = &rest[open + fence..];
            let close = after.find(&"`".repeat(fence)).unwrap_or(after.len());
            rest = after.get(close + fence..).unwrap_or("");
        }
        outside.push_str(rest);
        assert!(!outside.contains("evil.example"), "a live link in: {row}");
    }
}
