//! Credentials without a `dbtc_`/`dbtu_` prefix (legacy user API keys, the tokens of credential
//! caches) are masked in every output: each check format, each inventory format, the baseline.

mod common;

use common::{root, run_in, stderr, stdout};

/// The secrets the two fixtures commit.
const SECRETS: [&str; 7] = [
    "7f3c9a1be04d28c6f5a9e7b1d3c08e4a6b2f9d51",
    "c41e9b07d2a8f35e6b1c09d4a7e2f83b5d6c1a90",
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyOjQyIiwiYWNjb3VudCI6MTIzNDV9.Qm9ndXNTaWduYXR1cmVGb3JUZXN0c09ubHkxMjM0NTY",
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IlJlZnJlc2gifQ.eyJzdWIiOiJ1c2VyOjQyIiwianRpIjoiYWJjIn0.UmVmcmVzaFNpZ25hdHVyZUZha2U5ODc2NTQzMjE",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY3A6NDIifQ.TWNwU2lnbmF0dXJlRmFrZTAwMDAxMTEx",
    "mcp-r3fresh-7Hq2Lx9Pz4Kw",
    "eyJzdWIiOiJ1c2VyOjQyIiwiYWNjb3VudCI6MTIzNDV9",
];

/// Every 14-character piece of a secret found in `text`.
fn leaks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in SECRETS {
        for i in 0..=s.len() - 14 {
            let piece = &s[i..i + 14];
            if text.contains(piece) {
                out.push(format!("{piece} (of {}…)", &s[..6]));
                break;
            }
        }
    }
    out
}

#[test]
fn legacy_keys_and_cached_tokens_are_masked_in_every_output() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for fixture in ["legacy-user-api-key", "credential-cache"] {
        copy(&root().join("fixtures").join(fixture), &dir.path().join(fixture));
    }
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["pretty", "concise", "json", "sarif", "github", "gitlab", "junit"] {
        runs.push(vec!["check", "--format", format, "--select", "ALL", "."]);
    }
    for format in ["table", "json", "markdown", "html"] {
        runs.push(vec!["inventory", "--format", format, "."]);
    }
    runs.push(vec!["check", "--write-baseline", "baseline.json", "."]);
    for args in &runs {
        let out = run_in(dir.path(), args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(leaks(&text), Vec::<String>::new(), "{args:?} prints a secret:\n{text}");
        if args.contains(&"pretty") {
            // The snippets are there, masked to the last four characters.
            assert!(text.contains("…9d51") && text.contains("…1a90"), "{text}");
            assert!(text.contains("TW202") && text.contains("TW203"), "{text}");
        }
    }
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(leaks(&baseline), Vec::<String>::new(), "the baseline holds a secret");
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
