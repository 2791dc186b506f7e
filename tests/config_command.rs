//! `tokenwise config schema` and `config show`, `tokenwise completions`: the JSON Schema holds
//! for every config the repository ships and rejects what the loader rejects.

mod common;

use common::{root, run_in, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokenwise::tree::{Node, NodeKind};

/// A YAML document as JSON (every scalar a string, as the config loader reads them).
fn to_json(n: &Node) -> Value {
    match &n.kind {
        NodeKind::Scalar { value, .. } => Value::String(value.clone()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => {
            Value::Object(entries.iter().map(|(k, v)| (k.as_str().unwrap_or("").to_owned(), to_json(v))).collect())
        }
        NodeKind::Alias => Value::Null,
    }
}

fn yaml(text: &str) -> Value {
    let docs = tokenwise::parse::yaml::parse(text).unwrap_or_else(|e| panic!("{e:?}"));
    docs.first().map(to_json).unwrap_or(Value::Object(Default::default()))
}

fn validator() -> jsonschema::Validator {
    let out = run_in(&root(), &["config", "schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let shipped = std::fs::read_to_string(root().join("schema/tokenwise.schema.json")).unwrap_or_default();
    assert_eq!(printed, serde_json::from_str::<Value>(&shipped).unwrap_or_default(), "prints the shipped schema");
    jsonschema::draft7::new(&printed).unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

fn configs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            configs(&p, out);
        } else if p.file_name().is_some_and(|n| n == ".tokenwise.yml") {
            out.push(p);
        }
    }
}

#[test]
fn every_shipped_config_holds_to_the_schema() {
    let v = validator();
    let mut files = Vec::new();
    configs(&root().join("fixtures"), &mut files);
    files.push(root().join(".tokenwise.yml"));
    assert!(files.len() > 10, "{files:?}");
    for f in &files {
        let doc = yaml(&std::fs::read_to_string(f).unwrap_or_default());
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {}", f.display(), errors.join("\n"));
    }
    // The README's example config.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let example = readme.split("```yaml\n# .tokenwise.yml\n").nth(1).and_then(|s| s.split("```").next()).unwrap_or("");
    assert!(example.contains("per-path:"), "{example}");
    let errors: Vec<String> = v.iter_errors(&yaml(example)).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "README example: {}", errors.join("\n"));
    // Every rule code and name may be a key.
    for r in tokenwise::rules::Rule::ALL {
        let doc = yaml(&format!("rules:\n  {}: off\n  {}: note\n", r.code(), r.name()));
        assert!(v.is_valid(&doc), "{}", r.code());
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let v = validator();
    for bad in [
        "rulez: {TW101: off}\n",
        "rules: {TW101: loud}\n",
        "exclude: vendor\n",
        "classify: {production-path: [jobs/**]}\n",
        "classify: {partners: [{keywords: [x]}]}\n",
        "per-path: {legacy/**: {TW101: quiet}}\n",
    ] {
        assert!(!v.is_valid(&yaml(bad)), "{bad}");
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(".tokenwise.yml"), bad).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run_in(dir.path(), &["check", "."]).status.code(), Some(2), "the loader rejects {bad}");
    }
}

#[test]
fn config_show_names_the_config_the_levels_and_the_matching_globs() {
    let dir = root().join("fixtures/config-per-path");
    let out = stdout(&run_in(&dir, &["config", "show", "legacy/providers.tf"]));
    assert!(out.contains("config:   .tokenwise.yml\n"), "{out}");
    assert!(out.lines().any(|l| l.contains("TW101") && l.contains("off") && l.contains("(config)")), "{out}");
    let out = stdout(&run_in(&dir, &["config", "show", "infra/providers.tf"]));
    assert!(out.lines().any(|l| l.contains("TW101") && l.contains("error") && l.contains("(default)")), "{out}");
    assert!(out.lines().any(|l| l.contains("TW401") && l.contains("off")), "{out}");

    let out = stdout(&run_in(
        &root().join("fixtures/config-production-paths-pat"),
        &["config", "show", "jobs/nightly_refresh.py"],
    ));
    assert!(out.contains("classify: production-paths `jobs/**`"), "{out}");
    let out = stdout(&run_in(&root().join("fixtures/config-exclude"), &["config", "show", "vendor"]));
    assert!(out.contains("excluded: yes, by `vendor`"), "{out}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    let out = stdout(&run_in(dir.path(), &["config", "show"]));
    assert!(out.contains("config:   none (the built-in defaults)"), "{out}");
    let missing = run_in(dir.path(), &["config", "show", "nope"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, mark) in [
        ("bash", "_tokenwise()"),
        ("zsh", "#compdef tokenwise"),
        ("fish", "complete -c tokenwise"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run_in(&root(), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(mark), "{shell}: {text}");
        assert!(text.contains("extend-select") && text.contains("inventory"), "{shell}");
    }
    assert_eq!(run_in(&root(), &["completions", "tcsh"]).status.code(), Some(2));
}
