//! A dbt project's own repository, where nearly every file mentions dbt without holding a
//! token: what is parsed, what is data, and what the scan keeps in memory.

use std::path::Path;
use std::sync::Arc;
use tokenwise::scan::{Options, Scan};

// tokenwise: ignore[TW201] -- a fake token for the tests
const PAT: &str = "dbtu_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a";

/// A production workflow with a PAT: one TW101.
const DEPLOY: &str = "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n    steps:\n      - run: dbt-cloud job run\n";

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, text).unwrap_or_else(|e| panic!("{rel}: {e}"));
}

fn scan(dir: &Path) -> Scan {
    let opts = Options {
        paths: vec![dir.to_path_buf()],
        no_ignore: false,
        threads: 2,
        max_parse_bytes: tokenwise::read::DEFAULT_MAX_FILE_SIZE,
        stdin: None,
        config: Arc::new(tokenwise::config::Settings::default()),
        progress: false,
        show_files: false,
    };
    tokenwise::scan::run(&opts, tokenwise::policy::builtin())
}

/// The findings as (file name under the root, line, column, code), sorted.
fn findings(dir: &Path, scan: &Scan) -> Vec<(String, usize, usize, String)> {
    let mut out: Vec<_> = scan
        .findings
        .iter()
        .map(|f| {
            let src = &scan.files[f.at.file];
            let (line, col) = src.line_col(f.at.span.start);
            // By the file's own path: its display name depends on the working directory.
            let name = src.path.strip_prefix(dir).map_or_else(|_| src.display.clone(), |p| p.display().to_string());
            (name, line, col, f.code().to_owned())
        })
        .collect();
    out.sort();
    out
}

/// A project of `models` SQL models and as many property files, all mentioning dbt, one
/// property file that does not parse, and one workflow with a token.
fn project(models: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    for i in 0..models {
        write(root, &format!("models/m{i}.sql"), "select {{ dbt_utils.generate_surrogate_key(['id']) }} as sk\n");
        write(
            root,
            &format!("models/_m{i}.yml"),
            "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: id\n        tests:\n          - dbt_expectations.expect_column_values_to_be_of_type:\n              column_type: varchar\n",
        );
        write(
            root,
            &format!("scripts/h{i}.py"),
            "# helpers for the dbt project\nimport os\nroot = os.path.dirname(__file__)\n",
        );
    }
    write(root, "models/_broken.yml", "version: 2\nmodels:\n\t- name: dbt_thing\n");
    write(root, ".github/workflows/deploy.yml", DEPLOY);
    dir
}

#[test]
fn files_that_mention_dbt_without_a_token_keyword_are_neither_parsed_nor_kept() {
    let (small, large) = (project(10), project(40));
    let (a, b) = (scan(small.path()), scan(large.path()));
    // Only the workflow yields anything: memory does not follow the files that yield nothing.
    assert_eq!(a.files.len(), 1, "{:?}", a.files.iter().map(|f| &f.display).collect::<Vec<_>>());
    assert_eq!(b.files.len(), 1);
    assert_eq!(b.files_scanned, 3 * 40 + 2);
    // A property file that does not parse is not a token file: no TW001.
    let expected = vec![(".github/workflows/deploy.yml".to_owned(), 9, 28, "TW101".to_owned())];
    assert_eq!(findings(small.path(), &a), expected);
    assert_eq!(findings(large.path(), &b), expected);
}

#[test]
fn the_same_files_with_a_token_keyword_are_parsed() {
    let dir = project(2);
    let root = dir.path();
    write(root, "models/_broken.yml", "version: 2\nmodels:\n\t- name: dbt_token\n");
    write(root, "scripts/trigger.py", "import os\ntoken = os.environ[\"DBT_CLOUD_PAT\"]\n");
    let s = scan(root);
    let found = findings(root, &s);
    assert!(found.contains(&("models/_broken.yml".to_owned(), 3, 2, "TW001".to_owned())), "{found:?}");
    let uses: Vec<&str> = s.uses.iter().map(|u| u.usage.reference.as_str()).collect();
    assert!(uses.contains(&"DBT_CLOUD_PAT"), "{uses:?}");
}

#[test]
fn dbt_artifacts_cassettes_and_large_data_are_searched_for_literals_only() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    // Shaped like a partner config holding a token reference: read as configuration, each of
    // these would be a token use (and the cassette, which does not parse, a TW001).
    let partner = "{\"hightouch\": {\"dbt_cloud_pat\": \"${DBT_CLOUD_PAT}\"}}";
    let metadata = "\"metadata\": {\"dbt_schema_version\": \"https://schemas.getdbt.com/dbt/manifest/v12.json\"}";
    write(root, "state/manifest.json", &format!("{{{metadata}, \"nodes\": {partner},\n\"raw_code\": \"{PAT}\"}}\n"));
    write(
        root,
        "tests/cassettes/runs.yaml",
        &format!("interactions:\n- request:\n    headers: {{Authorization: [Token {PAT}]}}\n\tbroken: dbt_token\n"),
    );
    write(
        root,
        "hightouch/export.json",
        &format!(
            "{{\"rows\": [{}0], \"hightouch\": {{\"dbt_cloud_pat\": \"${{DBT_CLOUD_PAT}}\"}}}}\n",
            "1,".repeat(600_000)
        ),
    );
    let s = scan(root);
    assert_eq!(
        findings(root, &s),
        vec![
            ("state/manifest.json".to_owned(), 2, 14, "TW201".to_owned()),
            ("tests/cassettes/runs.yaml".to_owned(), 3, 37, "TW201".to_owned()),
        ]
    );
    // The committed literals are uses of their own; nothing read as configuration is.
    assert!(
        s.uses.iter().all(|u| u.usage.literal),
        "{:?}",
        s.uses.iter().map(|u| &u.usage.reference).collect::<Vec<_>>()
    );
    assert_eq!(s.uses.len(), 2);
}

#[test]
fn a_large_postman_export_is_still_read_as_one() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let filler = "{\"key\": \"some_setting\", \"value\": \"a value that is not a secret\"},".repeat(20_000);
    write(
        root,
        "postman/env.json",
        &format!(
            "{{\"_postman_variable_scope\": \"environment\", \"values\": [{filler}{{\"key\": \"dbt_pat\", \"value\": \"{{{{dbt_pat}}}}\"}}]}}\n"
        ),
    );
    // The same entries in a file of the same size that is no Postman export: data.
    write(
        root,
        "hightouch/rows.json",
        &format!("{{\"values\": [{filler}{{\"key\": \"dbt_pat\", \"value\": \"{{{{dbt_pat}}}}\"}}]}}\n"),
    );
    let s = scan(root);
    let uses: Vec<(&str, &str)> = s
        .uses
        .iter()
        .map(|u| (s.files[u.usage.at.file].display.rsplit('/').next().unwrap_or(""), u.usage.reference.as_str()))
        .collect();
    assert_eq!(uses, vec![("env.json", "{{dbt_pat}}")]);
}
