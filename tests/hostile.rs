//! Hostile input, end to end: malformed, huge, deep, binary, oddly named, looping or
//! unreadable files never crash or hang a scan, never print a secret, and never hide the
//! findings in the well-formed files around them. Inputs are generated at test time.

mod common;
mod inprocess;

use common::{bin, stderr, stdout};
use inprocess::{assert_ratio, costs, pipeline};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokenwise::source::SourceFile;

// Fake tokens (random bodies), planted in the generated files.
const PAT: &str = "dbtu_8xMz0HF-T1BNQjA7sB0hS17prPXQSzP21OB0DAfCcHO1oQDE7U";
const SVC: &str = "dbtc_rzV-sHXRQ7vqQAimwat4ESDkzKE7H931zjMMJrGm-BzXwCOTfW";
const PAT2: &str = "dbtu_jpDhqAlwE_vulqndnxOapJdxhnAAy7x8OI64BZ51rAuNYzwT6b";
const SVC2: &str = "dbtc_pQaC1eB7-g3QbRGuCn3irwdRNG-uU73_PueppU2xmg3dIDpOrB";
const PAT3: &str = "dbtu_n3nI3uDapzW05wFLJT5oZYKODETD17NKy7gGWAH0rOKrlC7JLF";
const SVC3: &str = "dbtc_XKx9UdWirm2PyjGeHy3vy8Ii7pmIqXmCEvLrXnqR0QQEcJWrIv";
const PAT4: &str = "dbtu_GBq2yqqDGdo21e8tJU7SL95eKxX-U_UuiIzx47Paso2gKkk97A";
const TOKENS: [&str; 7] = [PAT, SVC, PAT2, SVC2, PAT3, SVC3, PAT4];

/// A throwaway repository (a `.git` folder stops config discovery there).
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

/// Run tokenwise in `dir`; a run still going after `limit` is killed and fails the test. The
/// limit only turns a hang into a failure: how costs grow is checked in-process, by comparing
/// inputs of different sizes, never against a clock (absolute timings: `bench/hostile.sh`).
fn run(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"));
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(out.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let err = read(err.map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tokenwise {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap_or_default(), stderr: err.join().unwrap_or_default() }
}

/// Far above any run's time, even of a debug build on a loaded machine.
const LIMIT: Duration = Duration::from_secs(900);

/// A finding in the concise format: (path, line, column, code).
type Line = (String, usize, usize, String);

fn concise(out: &Output) -> Vec<Line> {
    let re = regex::Regex::new(r"^(.*):(\d+):(\d+): (TW\d{3}) ").unwrap_or_else(|e| panic!("{e}"));
    stdout(out)
        .lines()
        .filter_map(|l| {
            let c = re.captures(l)?;
            let n = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse().unwrap_or(0));
            Some((c[1].to_owned(), n(2), n(3), c[4].to_owned()))
        })
        .collect()
}

/// Exit 0 or 1: a finished scan, whatever it found.
fn assert_finished(out: &Output) {
    assert!(matches!(out.status.code(), Some(0 | 1)), "status {:?}\n{}", out.status, stderr(out));
}

fn has(found: &[Line], path: &str, code: &str) -> bool {
    found.iter().any(|(p, _, _, c)| p == path && c == code)
}

/// Where `text`'s byte `offset` is, as tokenwise reports it (1-based line and column).
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    SourceFile::new(PathBuf::from("x"), "x".into(), text.to_vec()).line_col(offset)
}

/// The parser's own error offset for a file, to check TW001 points there.
fn parser_offset(path: &str, text: &str) -> usize {
    use tokenwise::extract::{Ctx, terraform};
    use tokenwise::kind::{self, FileKind};
    match kind::of_path(path) {
        FileKind::Terraform | FileKind::TerraformVars => {
            let src = SourceFile::new(PathBuf::from(path), path.into(), text.as_bytes().to_vec());
            let ctx = Ctx { file: 0, src: &src, policy: tokenwise::policy::builtin() };
            terraform::extract(&ctx, kind::of_path(path)).err().map(|e| e.offset)
        }
        FileKind::Json | FileKind::TerraformJson => tokenwise::parse::json::parse(text).err().map(|e| e.offset),
        FileKind::Terragrunt => {
            let src = SourceFile::new(PathBuf::from(path), path.into(), text.as_bytes().to_vec());
            let ctx = Ctx { file: 0, src: &src, policy: tokenwise::policy::builtin() };
            tokenwise::extract::terragrunt::extract(&ctx).err().map(|e| e.offset)
        }
        _ => tokenwise::parse::yaml::parse(text).err().map(|e| e.offset),
    }
    .unwrap_or_else(|| panic!("{path} parses"))
}

/// A production workflow with a PAT: TW101 when it is read, wherever it sits.
const DEPLOY: &str = "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n    steps:\n      - run: dbt-cloud job run\n";

#[test]
fn malformed_files_are_tw001_at_the_parser_location_and_the_scan_goes_on() {
    let dir = repo();
    let broken = [
        (
            ".github/workflows/unterminated.yml",
            "on: push\njobs:\n  a:\n    env:\n      DBT_TOKEN: \"${{ secrets.DBT_PAT }}\n    steps: []\n",
        ),
        ("config/tabs.yml", "# dbt token settings\ndbt:\n\ttarget: prod\n"),
        ("config/bad-flow.yml", "dbt_token: [a, b\nother: 1\n"),
        ("infra/unterminated.tf", "provider \"dbtcloud\" {\n  token = \"unterminated\n}\n"),
        ("infra/comma.tf", "provider \"dbtcloud\" {\n  token = var.dbt_token,\n}\n"),
        ("postman/trailing.json", "{\"dbt_token\": [1, 2,,],\n \"x\": 1}\n"),
        ("postman/unterminated.json", "{\n  \"dbt_token\": \"abc\n}\n"),
        ("postman/tab.json", "{\n\t\"dbt_token\": [1 2]\n}\n"),
        ("infra/json/main.tf.json", "{\"provider\": {\"dbtcloud\": {\"token\" \"${var.dbt_token}\"}}}\n"),
        ("live/prod/dbt/terragrunt.hcl", "inputs = {\n  dbt_token = get_env(\"DBT_CLOUD_PAT\"\n}\n"),
    ];
    for (path, text) in broken {
        write(dir.path(), path, text);
    }
    write(dir.path(), ".github/workflows/deploy.yml", DEPLOY);
    write(dir.path(), "scripts/run.sh", format!("export DBT_CLOUD_TOKEN={SVC}\n"));
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    let found = concise(&out);
    for (path, text) in broken {
        let at = line_col(text.as_bytes(), parser_offset(path, text));
        let tw001: Vec<_> = found.iter().filter(|(p, _, _, c)| p == path && c == "TW001").collect();
        assert_eq!(tw001.len(), 1, "{path}: {found:?}");
        assert_eq!((tw001[0].1, tw001[0].2), at, "{path}");
    }
    assert!(has(&found, ".github/workflows/deploy.yml", "TW101"), "{found:?}");
    assert!(has(&found, "scripts/run.sh", "TW201"), "{found:?}");
    // The broken workflow's secret is still wired: its token use is still judged.
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_yaml_alias_bomb_is_never_expanded() {
    let dir = repo();
    // 10^30 nodes if expanded.
    let mut bomb = String::from(
        "a0: &a0 [\"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\", \"dbt\"]\n",
    );
    for i in 1..30 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let workflow = format!(
        "{bomb}on: push\njobs:\n  deploy:\n    env:\n      DBT_CLOUD_TOKEN: ${{{{ secrets.DBT_CLOUD_PAT }}}}\n      X: *a29\n    steps: [*a29, *a29]\n"
    );
    write(dir.path(), ".github/workflows/bomb.yml", &workflow);
    write(dir.path(), "config/bomb.yml", &bomb);
    write(dir.path(), ".dbt/dbt_cloud.yml", format!("{bomb}version: \"1\"\ncontext:\n  active-project: *a29\n"));
    write(dir.path(), ".gitlab-ci.yml", format!("{bomb}deploy:\n  script: *a29\n  variables: *a29\n"));
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    let found = concise(&out);
    assert!(has(&found, ".github/workflows/bomb.yml", "TW101"), "{found:?}");
    assert!(!found.iter().any(|(_, _, _, c)| c == "TW001"), "{found:?}");
    // Never expanded, not even in part: 4× the levels (10^400 → 10^1600 nodes if expanded) cost
    // about 4× as much.
    let bomb = |levels: usize| {
        let mut text = String::from("a0: &a0 [dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt]\n");
        for i in 1..levels {
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
        }
        let last = levels - 1;
        format!(
            "{text}on: push\njobs:\n  deploy:\n    env:\n      DBT_CLOUD_TOKEN: ${{{{ secrets.DBT_CLOUD_PAT }}}}\n      X: *a{last}\n    steps: [*a{last}]\n"
        )
    };
    let (small, large) = (bomb(400), bomb(1600));
    assert_eq!(pipeline(".github/workflows/bomb.yml", &large).1, 1);
    assert_ratio(
        "an alias bomb",
        costs([&small, &large], |text| {
            pipeline(".github/workflows/bomb.yml", text);
        }),
    );
}

#[test]
fn nesting_20000_levels_deep_is_tw001_not_a_stack_overflow() {
    let dir = repo();
    let n = 20_000;
    let files = [
        ("deep/flow.yml", format!("# dbt token\na: {}\n", "[".repeat(n))),
        ("deep/flow-closed.yml", format!("# dbt token\na: {}1{}\n", "[".repeat(n), "]".repeat(n))),
        ("deep/block.yml", format!("# dbt token\n{}x\n", "- ".repeat(n))),
        ("deep/mixed.yml", format!("# dbt token\n{}{}\n", "- ".repeat(200), "{a: ".repeat(n))),
        ("deep/list.tf", format!("# dbt\na = {}1{}\n", "[".repeat(n), "]".repeat(n))),
        ("deep/object.tf", format!("# dbt\na = {}1{}\n", "{a = ".repeat(n), "}".repeat(n))),
        ("deep/blocks.tf", format!("# dbt\n{}{}", "b {\n".repeat(n), "}\n".repeat(n))),
        ("deep/for.tf", format!("# dbt\na = {}1{}\n", "[for x in ".repeat(n), ": x]".repeat(n))),
        ("deep/template.tf", format!("# dbt\na = {}x{}\n", "\"${".repeat(n), "}\"".repeat(n))),
        ("deep/parens.tfvars", format!("# dbt\na = {}1{}\n", "(".repeat(n), ")".repeat(n))),
        ("deep/array.json", format!("{{\"dbt_token\": {}1{}}}\n", "[".repeat(n), "]".repeat(n))),
        ("deep/object.json", format!("{{\"dbt_token\": {}1{}}}\n", "{\"a\": ".repeat(n), "}".repeat(n))),
        ("deep/open.json", format!("// dbt token\n{}", "{\"a\": [".repeat(n))),
    ];
    for (path, text) in &files {
        write(dir.path(), path, text);
    }
    write(dir.path(), ".github/workflows/deploy.yml", DEPLOY);
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    let found = concise(&out);
    for (path, _) in &files {
        assert!(has(&found, path, "TW001"), "{path}: {found:?}");
    }
    assert!(has(&found, ".github/workflows/deploy.yml", "TW101"), "{found:?}");
}

#[test]
fn files_of_one_construct_repeated_stay_linear() {
    // Each of these once took time quadratic in the file's size.
    let dir = repo();
    let files = [
        ("notes/prefixes.txt", "dbtc_"),
        ("Jenkinsfile", "DBT_CLOUD_TOKEN=$DBT_PAT\n"),
        ("ci/Jenkinsfile.creds", "withCredentials([string(credentialsId: 'dbt', variable: 'DBT_TOKEN')])\n"),
        ("scripts/run.sh", "export DBT_CLOUD_TOKEN=$DBT_PAT\n"),
    ];
    let repeat = |unit: &str, bytes: usize| unit.repeat(bytes / unit.len());
    for (path, unit) in files {
        write(dir.path(), path, repeat(unit, 300_000));
        // 4× the bytes cost about 4× (quadratic: 16×), in the pipeline of that one file.
        let (small, large) = (repeat(unit, 75_000), repeat(unit, 300_000));
        assert_ratio(
            path,
            costs([&small, &large], |text| {
                pipeline(path, text);
            }),
        );
    }
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
}

#[test]
fn a_bom_and_crlf_line_endings_keep_lines_and_columns_exact() {
    let dir = repo();
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    write(dir.path(), ".github/workflows/crlf.yml", crlf(DEPLOY));
    write(dir.path(), ".github/workflows/lf.yml", DEPLOY);
    write(
        dir.path(),
        "scripts/.env",
        crlf(&format!("DBT_CLOUD_TOKEN={SVC}\n# tokenwise: ignore[TW201]\nDBT_OTHER={SVC2}\n")),
    );
    write(dir.path(), "infra/prod/main.tf", crlf(&format!("provider \"dbtcloud\" {{\n  token = \"{PAT}\"\n}}\n")));
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    let found = concise(&out);
    let at = |path: &str, code: &str| {
        found
            .iter()
            .find(|(p, _, _, c)| p == path && c == code)
            .map(|f| (f.1, f.2))
            .unwrap_or_else(|| panic!("{path} {code}: {found:?}"))
    };
    // `      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}`: the reference starts at column 28.
    assert_eq!(at(".github/workflows/crlf.yml", "TW101"), (9, 28));
    assert_eq!(at(".github/workflows/lf.yml", "TW101"), (9, 28));
    // The BOM is not a character: the token starts at column 17 of line 1.
    assert_eq!(at("scripts/.env", "TW201"), (1, 17));
    assert!(!found.contains(&("scripts/.env".into(), 3, 11, "TW201".into())), "suppressed across CRLF: {found:?}");
    assert!(found.contains(&("scripts/.env".into(), 3, 11, "TW105".into())), "{found:?}");
    assert_eq!(at("infra/prod/main.tf", "TW201"), (2, 12));
}

#[test]
fn a_latin1_terraform_file_still_yields_its_literal_on_the_right_line() {
    let dir = repo();
    let text = [
        b"# Configuraci\xf3n de producci\xf3n: \xa1no tocar!\nprovider \"dbtcloud\" {\n  # se\xf1al\n  token = \""
            .as_slice(),
        PAT.as_bytes(),
        b"\"\n}\n",
    ]
    .concat();
    write(dir.path(), "infra/prod/main.tf", &text);
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    let found = concise(&out);
    assert!(found.contains(&("infra/prod/main.tf".into(), 4, 12, "TW201".into())), "{found:?}");
    assert!(!has(&found, "infra/prod/main.tf", "TW001"), "{found:?}");
}

#[test]
fn binary_files_are_never_parsed_but_their_literals_are_found() {
    let dir = repo();
    let blob = [b"\x00\x01\x02\x03\xff\xfe binary\n\x1b[2J token=".as_slice(), SVC.as_bytes(), b"\x00\x9b\n"].concat();
    write(dir.path(), "data/blob.bin", &blob);
    // A binary file with a parser's extension is still not parsed.
    write(dir.path(), "config/blob.yml", [b"\x00: [dbt".as_slice(), b"\n: {"].concat());
    write(dir.path(), "data/clean.bin", b"\x00\x01dbt\x02");
    let out = run(dir.path(), &["check", "--format", "pretty", "."], LIMIT);
    assert_finished(&out);
    let text = stdout(&out);
    assert!(text.contains("[data/blob.bin:2:12]"), "{text}");
    assert!(!text.contains("TW001"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\0'), "control characters printed");
    assert!(text.contains("Found 1 finding (1 error)"), "{text}");
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_12_mb_single_line_json_with_a_token_at_its_end_is_fast() {
    let dir = repo();
    let mut json = String::from("{\"values\": [");
    while json.len() < 12_000_000 {
        json.push_str("{\"key\": \"some_setting\", \"value\": \"a value that is not a secret\", \"enabled\": true},");
    }
    let offset = json.len() + "{\"key\": \"DBT_CLOUD_TOKEN\", \"value\": \"".len();
    json.push_str(&format!("{{\"key\": \"DBT_CLOUD_TOKEN\", \"value\": \"{PAT}\"}}]}}"));
    write(dir.path(), "postman/big.json", &json);
    let expected = ("postman/big.json".to_owned(), 1, offset + 1, "TW201".to_owned());

    // Over the default limit: streamed, a warning, the literal found.
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_finished(&out);
    assert_eq!(concise(&out), vec![expected.clone()]);
    assert_eq!(
        stderr(&out),
        format!(
            "tokenwise: warning: postman/big.json: file larger than the limit: only literal tokens were searched ({} bytes, --max-file-size 8388608)\n",
            json.len()
        )
    );
    let pretty = stdout(&run(dir.path(), &["check", "--format", "pretty", "."], LIMIT));
    assert!(pretty.contains(&format!("[postman/big.json:1:{}]", offset + 1)), "{pretty}");
    assert!(pretty.len() < 10_000, "the snippet is an excerpt, not the line");

    // Under a raised limit: parsed, same finding, no warning.
    let out = run(dir.path(), &["check", "--max-file-size", "20000000", "."], LIMIT);
    assert_finished(&out);
    assert_eq!(concise(&out), vec![expected]);
    assert_eq!(stderr(&out), "");

    // Fast: a line 4× as long costs about 4× (quadratic: 16×), parsed in the pipeline.
    let line = |len: usize| {
        let mut json = String::from("{\"values\": [");
        while json.len() < len {
            json.push_str(
                "{\"key\": \"some_setting\", \"value\": \"a value that is not a secret\", \"enabled\": true},",
            );
        }
        json + &format!("{{\"key\": \"DBT_CLOUD_TOKEN\", \"value\": \"{PAT}\"}}]}}")
    };
    let (small, large) = (line(750_000), line(3_000_000));
    assert_eq!(pipeline("postman/big.json", &large).1, 1);
    assert_ratio(
        "a single-line JSON",
        costs([&small, &large], |text| {
            pipeline("postman/big.json", text);
        }),
    );
}

#[test]
fn max_file_size_stops_parsing_but_not_the_literal_search() {
    let dir = repo();
    let tf = format!("{}provider \"dbtcloud\" {{\n  token = \"{PAT}\"\n}}\n", "# padding\n".repeat(300));
    write(dir.path(), "infra/prod/main.tf", &tf);
    let parsed = concise(&run(dir.path(), &["check", "."], LIMIT));
    assert!(parsed.contains(&("infra/prod/main.tf".into(), 302, 11, "TW101".into())), "{parsed:?}");
    assert!(parsed.contains(&("infra/prod/main.tf".into(), 302, 12, "TW201".into())), "{parsed:?}");
    let out = run(dir.path(), &["check", "--max-file-size", "1000", "."], LIMIT);
    assert_eq!(concise(&out), vec![("infra/prod/main.tf".into(), 302, 12, "TW201".into())]);
    assert_eq!(
        stderr(&out),
        format!(
            "tokenwise: warning: infra/prod/main.tf: file larger than the limit: only literal tokens were searched ({} bytes, --max-file-size 1000)\n",
            tf.len()
        )
    );
    let bad = run(dir.path(), &["check", "--max-file-size", "lots", "."], LIMIT);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn stdin_content_gets_the_same_limits_as_files() {
    use std::io::Write;
    let dir = repo();
    let check = |name: &str, input: &[u8], extra: &[&str]| {
        let mut args = vec!["check", "--stdin-filename", name];
        args.extend(extra);
        args.push("-");
        let mut child = Command::new(bin())
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).unwrap_or_else(|e| panic!("{e}"));
        }
        child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
    };
    // Binary content is not parsed, whatever its name.
    let binary = [b"\x00\x01: [\n".as_slice(), b"token: ", PAT.as_bytes(), b"\n"].concat();
    let out = check(".github/workflows/x.yml", &binary, &[]);
    assert_eq!(concise(&out), vec![(".github/workflows/x.yml".into(), 2, 8, "TW201".into())]);
    // Over the limit: streamed, with the warning.
    let big = format!("{}provider \"dbtcloud\" {{\n  token = \"{PAT}\"\n}}\n", "# padding\n".repeat(300));
    let out = check("infra/prod/main.tf", big.as_bytes(), &["--max-file-size", "1000"]);
    assert_eq!(concise(&out), vec![("infra/prod/main.tf".into(), 302, 12, "TW201".into())]);
    assert!(stderr(&out).contains("infra/prod/main.tf: file larger than the limit"), "{}", stderr(&out));
}

/// A file name with spaces, non-ASCII letters and every character a format escapes.
const ODD: &str = "scripts/a dir/ünï & <co>,de:\"q\"%.py";

#[test]
fn odd_file_names_are_escaped_in_every_format() {
    let dir = repo();
    write(dir.path(), ODD, format!("TOKEN = \"{SVC}\"\n"));
    let report = |format: &str| {
        let out = run(dir.path(), &["check", "--format", format, "."], LIMIT);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["findings"][0]["path"], ODD);
    let sarif: serde_json::Value = serde_json::from_str(&report("sarif")).unwrap_or_else(|e| panic!("{e}"));
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "scripts/a%20dir/%C3%BCn%C3%AF%20%26%20%3Cco%3E%2Cde%3A%22q%22%25.py");
    let gitlab: serde_json::Value = serde_json::from_str(&report("gitlab")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gitlab[0]["location"]["path"], ODD);
    let github = report("github");
    assert!(github.starts_with("::error file=scripts/a dir/ünï & <co>%2Cde%3A\"q\"%25.py,line=1,col=10,"), "{github}");
    let junit = report("junit");
    assert!(junit.contains("file=\"scripts/a dir/ünï &amp; &lt;co&gt;,de:&quot;q&quot;%.py\""), "{junit}");
    assert!(!junit.contains("<co>"), "{junit}");
    assert!(report("concise").starts_with(&format!("{ODD}:1:10: TW201 ")));
}

#[test]
fn symlink_loops_and_dangling_links_are_skipped_or_warned() {
    let dir = repo();
    let root = dir.path();
    write(root, ".github/workflows/deploy.yml", DEPLOY);
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    };
    link("self.yml", "self.yml");
    link("b.tf", "a.tf");
    link("a.tf", "b.tf");
    link("nowhere.tf", "dangling.tf");
    link(".", "here");
    link("..", "up");
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("../..", root.join("sub/deeper/loop")).unwrap_or_else(|e| panic!("{e}"));
    // Walking a folder does not follow links.
    let out = run(root, &["check", "."], LIMIT);
    assert_finished(&out);
    assert!(has(&concise(&out), ".github/workflows/deploy.yml", "TW101"));
    assert_eq!(stderr(&out), "");
    // Named on the command line, each bad link is one warning, and the scan goes on.
    let out = run(root, &["check", "self.yml", "a.tf", "dangling.tf", "here", ".github"], LIMIT);
    assert_finished(&out);
    assert!(has(&concise(&out), ".github/workflows/deploy.yml", "TW101"));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(warnings.len(), 3, "{err}");
    for (w, name) in warnings.iter().zip(["a.tf", "dangling.tf", "self.yml"]) {
        assert!(w.starts_with(&format!("tokenwise: warning: {name}: cannot read: ")), "{err}");
    }
}

#[test]
fn unreadable_files_fifos_and_folders_warn_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo();
    let root = dir.path();
    write(root, ".github/workflows/deploy.yml", DEPLOY);
    let locked = write(root, "scripts/locked.sh", format!("DBT_CLOUD_TOKEN={SVC}\n"));
    write(root, "private/inner.sh", format!("DBT_CLOUD_TOKEN={SVC2}\n"));
    let fifo = root.join("scripts/pipe.yml");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{e}"))
    };
    set(&locked, 0o000);
    set(&root.join("private"), 0o000);
    // Root reads through permissions: then the "unreadable" file is simply scanned, and the
    // unreadable case is checked again as an unprivileged user, where `setpriv` can switch.
    let readable = std::fs::read(&locked).is_ok();
    let out = run(root, &["check", "."], LIMIT);
    let as_nobody = readable.then(|| {
        set(root, 0o755);
        let bin = bin();
        let bin = bin.to_str().unwrap_or_default();
        let args = ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "check", "."];
        Command::new("setpriv").args(args).current_dir(root).stdin(Stdio::null()).output().ok()
    });
    set(&root.join("private"), 0o755);
    set(&locked, 0o644);
    assert_finished(&out);
    let found = concise(&out);
    let err = stderr(&out);
    assert!(has(&found, ".github/workflows/deploy.yml", "TW101"), "{found:?}");
    let assert_warned = |out: &Output| {
        assert_finished(out);
        let err = stderr(out);
        assert!(err.contains("tokenwise: warning: scripts/locked.sh: cannot read: "), "{err}");
        assert!(err.lines().any(|l| l.contains("private")), "{err}");
        assert!(err.lines().all(|l| l.starts_with("tokenwise: warning: ")), "{err}");
        assert!(has(&concise(out), ".github/workflows/deploy.yml", "TW101"));
    };
    if readable {
        assert!(has(&found, "scripts/locked.sh", "TW201"), "{found:?}");
        assert!(has(&found, "private/inner.sh", "TW201"), "{found:?}");
        assert_eq!(err, "");
        if let Some(Some(out)) = as_nobody.filter(|o| o.as_ref().is_some_and(|o| o.status.code().is_some())) {
            assert_warned(&out);
        }
    } else {
        assert_warned(&out);
    }
    if made {
        // A FIFO found by the walk is not a file: skipped. Named, it is one warning; never a hang.
        let out = run(root, &["check", "scripts/pipe.yml", ".github"], LIMIT);
        assert_finished(&out);
        assert_eq!(stderr(&out), "tokenwise: warning: scripts/pipe.yml: not a regular file: skipped\n");
        assert!(has(&concise(&out), ".github/workflows/deploy.yml", "TW101"));
    }
}

#[test]
fn an_empty_repository_is_clean() {
    let dir = repo();
    let out = run(dir.path(), &["check", "."], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "No findings in 0 files (0 token uses).\n");
    assert_eq!(stderr(&out), "");
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = run(empty.path(), &["inventory", "--format", "json"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error() {
    let dir = repo();
    let out = run(dir.path(), &["check", "nope"], LIMIT);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "tokenwise: error: path `nope` does not exist\n");
}

/// A repository with tokens in every place a report could quote them from.
fn planted() -> tempfile::TempDir {
    let dir = repo();
    let root = dir.path();
    write(
        root,
        ".dbt/dbt_cloud.yml",
        format!(
            "version: \"1\"\ncontext:\n  active-project: \"1\"\nprojects:\n  - project-id: \"1\"\n    account-host: cloud.getdbt.com\n    token-value: {SVC} # tokenwise: ignore[TW201]\n"
        ),
    );
    write(root, "infra/prod/main.tf", format!("provider \"dbtcloud\" {{\n  token = \"{PAT}\"\n}}\n"));
    write(
        root,
        "postman/env.json",
        format!("{{\"name\": \"dbt\", \"values\": [{{\"key\": \"token\", \"value\": \"{PAT2}\"}}]}}\n"),
    );
    // Broken files: the parse error must not quote the token.
    write(
        root,
        ".github/workflows/broken.yml",
        format!("on: push\njobs:\n  a:\n    env:\n      DBT_CLOUD_TOKEN: \"{SVC2}\n      X: *{PAT3}\n"),
    );
    write(root, "infra/prod/broken.tf", format!("provider \"dbtcloud\" {{\n  token = \"{PAT3}\" \"{SVC3}\"\n"));
    write(root, "postman/broken.json", format!("{{\"dbt\": \"{SVC3}\", {PAT4}}}\n"));
    // Tokens glued to a word are not reported, but still never printed (the snippet of the
    // finding between them shows both lines).
    write(
        root,
        "scripts/urls.py",
        format!("URL = \"https://x/?a=1&token%3D{PAT3}\"\nTOKEN = \"{SVC}\"\nMSG = \"line\\n{SVC3}\"\n"),
    );
    // A file whose name is a token.
    write(root, &format!("notes/{PAT4}.txt"), format!("dbt notes\nkey: {PAT4}\n"));
    write(root, &format!("{SVC3}/dbt_cloud.yml"), "version: [\n");
    // Streamed (over the size limit given below) and binary files.
    write(root, "infra/prod/big.tf", format!("{}token = \"{PAT2}\"\n", "# padding\n".repeat(400)));
    write(root, "data/blob.bin", [b"\x00dbt ".as_slice(), SVC.as_bytes(), b"\n"].concat());
    dir
}

/// Every run of 12 characters of a token body beyond its prefix, except the last four that
/// the mask shows.
fn leaks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in TOKENS {
        let body = &t[5..t.len() - 4];
        for i in 0..=body.len() - 12 {
            if text.contains(&body[i..i + 12]) {
                out.push(format!("{}… (from {i})", &body[i..i + 12]));
            }
        }
    }
    out
}

#[test]
fn no_output_prints_a_secret() {
    let dir = planted();
    let root = dir.path();
    let common = ["--max-file-size", "2000", "--no-ignore"];
    let mut runs: Vec<Vec<String>> = Vec::new();
    for format in ["pretty", "concise", "json", "sarif", "github", "gitlab", "junit"] {
        runs.push(vec!["check".into(), "--format".into(), format.into()]);
    }
    for format in ["table", "json"] {
        runs.push(vec!["inventory".into(), "--format".into(), format.into()]);
    }
    runs.push(vec!["check".into(), "--write-baseline".into(), "baseline.json".into()]);
    runs.push(vec!["check".into(), "--format".into(), "sarif".into(), "--output".into(), "out.sarif".into()]);
    // Errors and warnings name paths: name the token-named file and a missing one.
    runs.push(vec!["check".into(), format!("notes/{PAT4}.txt"), format!("{SVC3}/dbt_cloud.yml")]);
    runs.push(vec!["check".into(), format!("notes/{SVC2}")]);
    runs.push(vec!["explain".into(), PAT3.into()]);
    runs.push(vec!["check".into(), "--select".into(), SVC3.into()]);
    let mut findings = 0;
    for args in &runs {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        if all[0] != "explain" {
            all.splice(1..1, common);
        }
        let out = run(root, &all, LIMIT);
        assert!(matches!(out.status.code(), Some(0..=2)), "{args:?}: {:?}", out.status);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(leaks(&text), Vec::<String>::new(), "{args:?} prints a secret:\n{text}");
        findings += concise(&out).len();
    }
    assert!(findings > 0);
    for file in ["baseline.json", "out.sarif"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(leaks(&text), Vec::<String>::new(), "{file} holds a secret");
    }
    // The masked baseline still matches every finding, the token-named file's included.
    let out = run(root, &["check", "--max-file-size", "2000", "--no-ignore", "--baseline", "baseline.json"], LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let sarif = std::fs::read_to_string(root.join("out.sarif")).unwrap_or_default();
    let uris: Vec<&str> = sarif.lines().filter(|l| l.contains("\"uri\"")).collect();
    assert!(uris.iter().any(|u| u.contains("notes/dbtu_%E2%80%A6")), "{uris:?}");
    assert!(uris.iter().all(|u| u.is_ascii()), "{uris:?}");
    // The reports are still complete: every planted literal is a finding (or suppressed).
    let json = stdout(&run(root, &["check", "--format", "json", "--max-file-size", "2000", "."], LIMIT));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .map_or(Vec::new(), |f| f.iter().filter(|f| f["code"] == "TW201").filter_map(|f| f["path"].as_str()).collect());
    for p in [
        "infra/prod/main.tf",
        "postman/env.json",
        ".github/workflows/broken.yml",
        "infra/prod/broken.tf",
        "postman/broken.json",
        "infra/prod/big.tf",
        "data/blob.bin",
    ] {
        assert!(paths.contains(&p), "{p}: {paths:?}");
    }
    assert!(paths.iter().any(|p| p.starts_with("notes/dbtu_…")), "{paths:?}");
    assert_eq!(doc["summary"]["suppressed"], 1);
}

#[test]
fn a_tree_of_every_hostile_input_finishes_and_keeps_the_real_findings() {
    let dir = planted();
    let root = dir.path();
    write(root, ".github/workflows/deploy.yml", DEPLOY);
    write(root, ".github/workflows/crlf.yml", format!("\u{feff}{}", DEPLOY.replace('\n', "\r\n")));
    write(root, "scripts/trigger.py", format!("import requests\nTOKEN = \"{SVC}\"\n"));
    write(root, "broken/tabs.yml", "# dbt token\na:\n\tb: 1\n");
    write(root, "broken/trailing.json", "{\"dbt_token\": [1,,],}\n");
    write(root, "broken/unterminated.tf", "# dbt\na = \"x\n");
    write(root, "deep/flow.yml", format!("# dbt token\n{}", "[".repeat(20_000)));
    write(root, "deep/list.tf", format!("# dbt\na = {}", "[".repeat(20_000)));
    write(root, "deep/array.json", format!("// dbt token\n{}", "[".repeat(20_000)));
    let mut bomb = String::from("a0: &a0 [dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt, dbt]\n");
    for i in 1..30 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    write(root, "config/bomb.yml", &bomb);
    write(root, "infra/latin1.tf", [b"# se\xf1al\ntoken = \"".as_slice(), PAT3.as_bytes(), b"\"\n"].concat());
    let mut big = String::from("{\"v\": [");
    while big.len() < 12_000_000 {
        big.push_str("\"filler filler filler filler\",");
    }
    big.push_str(&format!("\"{SVC2}\"]}}"));
    write(root, "postman/big.json", &big);
    write(root, ODD, format!("TOKEN = \"{PAT2}\"\n"));
    std::os::unix::fs::symlink("loop.yml", root.join("loop.yml")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("missing.tf", root.join("dangling.tf")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(".", root.join("here")).unwrap_or_else(|e| panic!("{e}"));
    let _ = Command::new("mkfifo").arg(root.join("scripts/pipe.sh")).status();
    std::fs::write(root.join("data/empty.tf"), "").unwrap_or_else(|e| panic!("{e}"));

    // Each kind of input is timed against a larger one of its kind elsewhere in this file and
    // in tests/scaling.rs; here, every format finishes with the findings.
    for format in ["concise", "pretty", "json", "sarif", "github", "gitlab", "junit"] {
        let out = run(root, &["check", "--format", format, "."], LIMIT);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(leaks(&text), Vec::<String>::new(), "{format} prints a secret");
        let err = stderr(&out);
        assert!(err.lines().all(|l| l.starts_with("tokenwise: warning: ")), "{err}");
        if format == "concise" {
            let found = concise(&out);
            for (path, code) in [
                (".github/workflows/deploy.yml", "TW101"),
                (".github/workflows/crlf.yml", "TW101"),
                ("scripts/trigger.py", "TW201"),
                ("infra/prod/main.tf", "TW101"),
                ("infra/prod/main.tf", "TW201"),
                ("infra/latin1.tf", "TW201"),
                ("postman/big.json", "TW201"),
                ("data/blob.bin", "TW201"),
                (ODD, "TW201"),
                ("broken/tabs.yml", "TW001"),
                ("broken/trailing.json", "TW001"),
                ("broken/unterminated.tf", "TW001"),
                ("deep/flow.yml", "TW001"),
                ("deep/list.tf", "TW001"),
                ("deep/array.json", "TW001"),
            ] {
                assert!(has(&found, path, code), "{path} {code}: {found:?}");
            }
            assert!(!has(&found, "config/bomb.yml", "TW001"), "{found:?}");
            assert!(err.contains("postman/big.json: file larger than the limit"), "{err}");
        }
    }
}
