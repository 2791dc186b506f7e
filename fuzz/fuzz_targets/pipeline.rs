//! Fuzz target: one file through the whole pipeline (`--stdin-filename`: extract, resolve,
//! classify, rules) and every renderer: no panic, and no literal token body in any output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenwise::render;
use tokenwise::scan::{self, Options};

const PATHS: &[&str] = &[
    "infra/prod/main.tf",
    ".github/workflows/deploy.yml",
    ".dbt/dbt_cloud.yml",
    ".gitlab-ci.yml",
    "postman/collection.json",
    "scripts/run.py",
    "Jenkinsfile",
    "dags/dbt.py",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let name = PATHS[usize::from(selector) % PATHS.len()];
    // Each input masked as its own run would mask it (the tokens learnt by one scan are kept
    // for the process's later scans otherwise, and the set would grow with every input).
    tokenwise::known::forget();
    let opts = Options {
        paths: Vec::new(),
        no_ignore: false,
        threads: 1,
        max_parse_bytes: 8 * 1024 * 1024,
        stdin: Some((name.to_owned(), rest.to_vec())),
        config: Default::default(),
        progress: false,
    };
    let scan = scan::run(&opts, tokenwise::policy::builtin());
    let report = tokenwise::report::build(&scan, |f, _| Some(f.severity), None);
    let outputs = [
        render::pretty::render(&report, false, 80),
        render::concise::render(&report),
        render::json::render(&report),
        render::sarif::render(&report),
        render::github::render(&report),
        render::gitlab::render(&report),
        render::junit::render(&report),
        tokenwise::inventory::table(&report),
        tokenwise::inventory::json(&report),
        tokenwise::inventory::markdown(&report),
        tokenwise::inventory::html(&report),
    ];
    // Every literal the scan found must be masked wherever it is printed.
    for src in &scan.files {
        for lit in tokenwise::literal::find(&src.text, &tokenwise::policy::builtin().signals) {
            let body = src.text.get(lit.start + 5..lit.end).unwrap_or("");
            for out in &outputs {
                assert!(!out.contains(body), "a token body is printed");
            }
        }
    }
});
