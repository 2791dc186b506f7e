//! Tokens committed in hostile forms, end to end: escaped the way each format escapes, glued to
//! an escape, in UTF-16, in base64, with a placeholder word inside a random body, split across
//! string pieces, cut at a `-` into a variable name. Every form a format decodes to a token is
//! reported as TW201 where it is written, and no output of any command or format holds a token
//! or any 20-character piece of its body. Tokens are generated at run time.

mod common;

use common::{bin, stderr, stdout};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A random-looking token body of `len` characters, the same for the same seed.
fn body(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// A token of the given prefix (`dbtu` or `dbtc`) with a fresh body.
fn token(prefix: &str, seed: u64) -> String {
    format!("{prefix}_{}", body(seed, 48))
}

/// `text` with every character written `\u00XX`.
fn all_escaped(text: &str) -> String {
    text.bytes().map(|b| format!("\\u{b:04x}")).collect()
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut units: Vec<u16> = if bom { vec![0xFEFF] } else { Vec::new() };
    units.extend(text.encode_utf16());
    units.iter().flat_map(|u| if little { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
}

/// One planted file: its path, its bytes, and where its TW201 must be (1-based line and column
/// in characters), if it must have one.
struct Planted {
    path: &'static str,
    bytes: Vec<u8>,
    tw201: Option<(usize, usize)>,
}

/// The line and column of the first `marker` in `text`.
fn at(text: &str, marker: &str) -> (usize, usize) {
    let i = text.find(marker).unwrap_or_else(|| panic!("{marker} not in {text}"));
    let before = &text[..i];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// A file reported at `marker`.
fn reported(path: &'static str, text: String, marker: &str) -> Planted {
    let tw201 = Some(at(&text, marker));
    Planted { path, bytes: text.into_bytes(), tw201 }
}

/// Every form, and the tokens planted (whose pieces no output may hold).
fn forms() -> (Vec<Planted>, Vec<String>) {
    let mut tokens: Vec<String> = Vec::new();
    // A fresh token, with `word` over its body from the 16th character on.
    let mut next_with = |prefix: &str, word: &str| {
        let mut t = token(prefix, tokens.len() as u64 + 1);
        t.replace_range(20..20 + word.len(), word);
        tokens.push(t.clone());
        t
    };
    let mut out = Vec::new();
    // Escapes their format decodes: YAML, JSON, HCL, notebooks (JSON around Python).
    let t = next_with("dbtu", "");
    out.push(reported("yaml/hex.yml", format!("name: app\ntoken: \"\\x64{}\"\n", &t[1..]), "\\x64"));
    let t = next_with("dbtu", "");
    out.push(reported("yaml/unicode.yml", format!("token: \"\\u0064{}\"\n", &t[1..]), "\\u0064"));
    let t = next_with("dbtc", "");
    out.push(reported("yaml/underscore.yml", format!("token: \"dbtc\\u005f{}\"\n", &t[5..]), "dbtc\\u005f"));
    let t = next_with("dbtu", "");
    out.push(reported("yaml/long.yml", format!("token: \"\\U00000064{}\"\n", &t[1..]), "\\U00000064"));
    let t = next_with("dbtu", "");
    out.push(reported("json/unicode.json", format!("{{\"token\": \"\\u0064{}\"}}\n", &t[1..]), "\\u0064"));
    let t = next_with("dbtc", "");
    let text = format!("{{\n  \"token\": \"{}\"\n}}\n", all_escaped(&t));
    out.push(reported("json/every_char.json", text, "\\u0064"));
    let t = next_with("dbtc", "");
    out.push(reported("infra/unicode.tf", format!("locals {{\n  token = \"\\u0064{}\"\n}}\n", &t[1..]), "\\u0064"));
    let t = next_with("dbtu", "");
    out.push(reported(
        "infra/underscore.tf",
        format!("locals {{\n  token = \"dbtu\\u005f{}\"\n}}\n", &t[5..]),
        "dbtu\\u005f",
    ));
    let notebook = |source: String, outputs: String| {
        format!(
            "{{\"cells\": [{{\"cell_type\": \"code\", \"execution_count\": 1, \"metadata\": {{}}, \"source\": [{source}], \"outputs\": [{outputs}]}}], \"metadata\": {{}}, \"nbformat\": 4, \"nbformat_minor\": 5}}\n"
        )
    };
    let t = next_with("dbtu", "");
    let text = notebook(format!("\"import requests\\n\", \"TOKEN = \\\"\\u0064{}\\\"\\n\"", &t[1..]), String::new());
    out.push(reported("notebooks/json_escape.ipynb", text, "\\u0064"));
    let t = next_with("dbtu", "");
    let text = notebook(format!("\"TOKEN = \\\"\\\\x64{}\\\"\\n\"", &t[1..]), String::new());
    out.push(reported("notebooks/python_escape.ipynb", text, "\\\\x64"));
    // Glued after an escape: a JSON line break, a URL-encoded `=`, a terminal colour.
    let t = next_with("dbtc", "");
    out.push(reported("json/newline.json", format!("{{\"message\": \"first line\\n{t}\"}}\n"), &t));
    let t = next_with("dbtc", "");
    out.push(reported("web/query.py", format!("URL = \"https://example.com/api?a=1&token%3D{t}\"\n"), &t));
    let t = next_with("dbtu", "");
    let output =
        format!("{{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": [\"\\u001b[0;31m{t}\\u001b[0m\\n\"]}}");
    let text = notebook("\"print(1)\\n\"".to_owned(), output);
    out.push(reported("notebooks/ansi.ipynb", text, &t));
    // UTF-16, as PowerShell's `>` writes it (little-endian with a mark), and the other orders.
    for (path, little, bom) in [
        ("win/le_bom.ps1", true, true),
        ("win/be_bom.ps1", false, true),
        ("win/le.ps1", true, false),
        ("win/be.ps1", false, false),
    ] {
        let t = next_with("dbtu", "");
        let text = format!("# settings\r\n$env:DBT_CLOUD_TOKEN = \"{t}\"\r\n");
        let tw201 = Some(at(&text, &t));
        out.push(Planted { path, bytes: utf16(&text, little, bom), tw201 });
    }
    // Files whose only mention of dbt is escaped: the prefilter keeps them.
    let t = next_with("dbtu", "");
    let escaped: String = t[..5].bytes().map(|b| format!("\\x{b:02x}")).collect();
    let text = format!("#!/bin/sh\ncurl -H \"Authorization: Token $'{escaped}{}'\" https://example.com\n", &t[5..]);
    out.push(reported("scripts/ansi_c.sh", text, "\\x64"));
    let t = next_with("dbtc", "");
    out.push(reported("notes/url.txt", format!("see https://example.com/?t=%64{}\n", &t[1..]), "%64"));
    let t = next_with("dbtu", "");
    out.push(reported("scripts/octal.sh", format!("T=$'\\144{}'\n", &t[1..]), "\\144"));
    let t = next_with("dbtu", "");
    out.push(reported("scripts/quoted.sh", format!("T=$'\\x64'{}\n", &t[1..]), "\\x64"));
    // An escape inside the body.
    let t = next_with("dbtc", "");
    let text = format!("T = \"{}\\x{:02x}{}\"\n", &t[..20], t.as_bytes()[20], &t[21..]);
    out.push(reported("scripts/mid.py", text, "dbtc_"));
    // Random bodies that hold a placeholder word, in any case.
    for (path, word) in [("words/here.env", "here"), ("words/your.env", "YOUR"), ("words/fake.env", "Fake")] {
        let t = next_with("dbtu", word);
        out.push(reported(path, format!("DBT_CLOUD_TOKEN={t}\n"), &t));
    }
    // A Kubernetes Secret's base64 `data:`, read by a custom app (TW102 shows its snippet).
    let t = next_with("dbtu", "");
    let value = base64(t.as_bytes());
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secrets\ndata:\n  api-key: {value}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: report-app\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: acme/report-app:1\n          env:\n            - name: DBT_CLOUD_TOKEN\n              valueFrom:\n                secretKeyRef: {{name: app-secrets, key: api-key}}\n"
    );
    out.push(reported("k8s/app.yaml", text, &value));
    // A base64 token, and the tail of its encoding again on the next line (a wrapped paste):
    // the tail is not a token by itself, and still never printed.
    let t = next_with("dbtu", "");
    let value = base64(t.as_bytes());
    let tail = value[19..].to_owned();
    out.push(reported("notes/readme.md", format!("dbt Cloud token: {value}\n{tail}\n"), &value));
    let wrapped_tail = format!("-----{tail}");
    // Not reported, never printed: a token split into string pieces, beside a reported one
    // whose snippet shows them.
    let (a, b, c) = (next_with("dbtu", ""), next_with("dbtc", ""), next_with("dbtu", ""));
    let text =
        format!("A = \"\".join([\"{}\", \"{}\"])\nC = \"{c}\"\nB = \"dbtc_\" + \"{}\"\n", &a[..22], &a[22..], &b[5..]);
    out.push(reported("scripts/join.py", text, &c));
    // A token cut at a `-` into a variable name, in a pipeline read as text (it does not
    // parse): the name's tail reaches the inventory without the prefix.
    let t = next_with("dbtc", "");
    let (head, tail) = t.split_at(24);
    let text = format!(
        "stages: [deploy]\ndeploy:\n  stage: deploy\n  script:\n    - export TF_VAR_x_{head}-{tail}=$DBT_CLOUD_PAT\n\t- terraform apply\n"
    );
    out.push(reported(".gitlab-ci.yml", text, head));
    // Secrets without a prefix where a token goes: a legacy 40-hex key in a Cloud CLI config and
    // a token from before the prefixes in a provider block. Not literals (TW201 needs a prefix),
    // still never printed. Their "prefix" here is a filler that `leaks` skips.
    let hex: String =
        body(7_001, 80).bytes().map(|b| b"0123456789abcdef"[(b % 16) as usize] as char).take(40).collect();
    let text = format!("version: \"1\"\nprojects:\n  - project-id: \"5001\"\n    api-key: \"{hex}\"\n");
    out.push(Planted { path: "cli/dbt_cloud.yml", bytes: text.into_bytes(), tw201: None });
    tokens.push(format!("-----{hex}"));
    tokens.push(wrapped_tail);
    let old = body(7_002, 48);
    let text = format!(
        "terraform {{\n  required_providers {{\n    dbtcloud = {{ source = \"dbt-labs/dbtcloud\" }}\n  }}\n}}\nprovider \"dbtcloud\" {{\n  token = \"{old}\"\n}}\n"
    );
    out.push(Planted { path: "infra/main.tf", bytes: text.into_bytes(), tw201: None });
    tokens.push(format!("-----{old}"));
    (out, tokens)
}

fn plant(dir: &Path, forms: &[Planted]) {
    std::fs::create_dir(dir.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    for f in forms {
        let p = dir.join(f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, &f.bytes).unwrap_or_else(|e| panic!("{}: {e}", f.path));
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Wide enough that `pretty` shows the planted lines whole (narrow runs are checked apart).
        .env("COLUMNS", "120")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"))
}

/// The 20-character pieces of the tokens' bodies found in `text`.
fn leaks(text: &str, tokens: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tokens {
        let body = &t[5..];
        if text.contains(t.as_str()) {
            out.push(format!("{t} whole"));
        }
        for i in 0..=body.len() - 20 {
            let piece = &body[i..i + 20];
            if let Some(at) = text.find(piece) {
                let (mut from, mut to) = (at.saturating_sub(60), (at + 40).min(text.len()));
                while !text.is_char_boundary(from) {
                    from -= 1;
                }
                while !text.is_char_boundary(to) {
                    to += 1;
                }
                let around = &text[from..to];
                out.push(format!("{piece} (of {}…, at {at}: {around:?})", &t[..9]));
                break;
            }
        }
    }
    out
}

/// TW201 findings of a JSON report, as (path, line, column).
fn tw201(json: &str) -> Vec<(String, usize, usize)> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    doc["findings"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|f| f["code"] == "TW201")
                .map(|f| {
                    let n = |k: &str| f[k].as_u64().unwrap_or(0) as usize;
                    (f["path"].as_str().unwrap_or("").to_owned(), n("line"), n("column"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_committed_form_is_tw201_where_it_is_written() {
    let (forms, _) = forms();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    plant(dir.path(), &forms);
    let out = run(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = tw201(&stdout(&out));
    let mut missing = Vec::new();
    for f in &forms {
        if let Some((line, col)) = f.tw201 {
            let here: Vec<_> = found.iter().filter(|(p, _, _)| p == f.path).collect();
            if !here.iter().any(|&&(_, l, c)| (l, c) == (line, col)) {
                missing.push(format!("{} at {line}:{col}, found {here:?}", f.path));
            }
        }
    }
    assert!(missing.is_empty(), "not reported where written:\n{}", missing.join("\n"));
}

#[test]
fn a_utf16_file_too_large_to_parse_is_streamed_as_utf8() {
    // Streamed files are searched for plain tokens only; UTF-16 ones are read as UTF-8 first.
    let t = token("dbtu", 99);
    let text = format!("{}$env:DBT_CLOUD_TOKEN = \"{t}\"\r\n", "# padding line\r\n".repeat(200));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let forms = [Planted { path: "win/big.ps1", bytes: utf16(&text, true, true), tw201: None }];
    plant(dir.path(), &forms);
    let out = run(dir.path(), &["check", "--format", "json", "--max-file-size", "1000", "."]);
    let (line, col) = at(&text, &t);
    assert_eq!(tw201(&stdout(&out)), [("win/big.ps1".to_owned(), line, col)], "{}", stderr(&out));
    assert_eq!(leaks(&format!("{}{}", stdout(&out), stderr(&out)), &[t]), Vec::<String>::new());
}

#[test]
fn no_output_of_any_command_or_format_holds_a_planted_token() {
    let (forms, tokens) = forms();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    plant(root, &forms);
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["pretty", "concise", "json", "sarif", "github", "gitlab", "junit"] {
        runs.push(vec!["check", "--format", format, "--select", "ALL"]);
    }
    for format in ["table", "json", "markdown", "html"] {
        runs.push(vec!["inventory", "--format", format]);
    }
    runs.push(vec!["check", "--write-baseline", "baseline.json"]);
    // A narrow terminal clips and wraps differently: masking holds at every width.
    for columns in ["40", "80"] {
        let out = Command::new(bin())
            .args(["check", "--format", "pretty", "--select", "ALL"])
            .current_dir(root)
            .env("NO_COLOR", "1")
            .env("COLUMNS", columns)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(leaks(&text, &tokens), Vec::<String>::new(), "pretty at {columns} columns prints a secret");
    }
    let mut shown = 0;
    for args in &runs {
        let out = run(root, args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(leaks(&text, &tokens), Vec::<String>::new(), "{args:?} prints a secret");
        if args.contains(&"pretty") {
            // The snippets show the forms that are masked but not reported.
            assert!(text.contains("TW102") && text.contains("api-key: base64:dbtu_…"), "{text}");
            assert!(text.contains("A = \"\".join([\"dbtu_…") && text.contains("B = \"dbtc_\" + \"…"), "{text}");
            shown += 1;
        }
        if args.contains(&"table") {
            assert!(text.contains("→ `…"), "the cut name is shown masked: {text}");
            shown += 1;
        }
    }
    assert_eq!(shown, 2);
    let baseline = std::fs::read_to_string(root.join("baseline.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(leaks(&baseline, &tokens), Vec::<String>::new(), "the baseline holds a secret");
    let out = run(root, &["check", "--baseline", "baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
