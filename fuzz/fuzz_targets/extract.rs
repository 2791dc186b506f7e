//! Fuzz target: reading one file of any kind (decode, literals, parse, extractor) never panics
//! and every location lies within the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use tokenwise::extract::{Ctx, extract};
use tokenwise::kind::{self, FileKind};
use tokenwise::source::SourceFile;

/// A path per kind, so that extractors that look at the path see a plausible one.
const PATHS: &[&str] = &[
    "infra/prod/main.tf",
    "env/prod.tfvars",
    "cdktf.out/stacks/prod/cdk.tf.json",
    "live/prod/dbt/terragrunt.hcl",
    ".github/workflows/deploy.yml",
    ".dbt/dbt_cloud.yml",
    ".gitlab-ci.yml",
    "azure-pipelines.yml",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    "Jenkinsfile",
    "config/settings.yml",
    "postman/collection.json",
    "scripts/run.py",
    "README.md",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let k: FileKind = kind::of_path(path);
    let src = SourceFile::new(PathBuf::from(path), path.to_owned(), rest.to_vec());
    let ctx = Ctx { file: 0, src: &src, policy: tokenwise::policy::builtin() };
    let len = src.text.len();
    let facts = extract(&ctx, k);
    for u in &facts.uses {
        assert!(u.at.span.start <= u.at.span.end && u.at.span.end <= len, "{:?}", u.at);
        let _ = src.line_col(u.at.span.end);
    }
    for l in &facts.literals {
        assert!(l.start <= l.end && l.end <= len);
    }
    if let Some(e) = &facts.parse_error {
        assert!(e.offset <= len);
    }
});
