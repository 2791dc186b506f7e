//! Property tests over every parser entry point and the per-file pipeline: on any input, no
//! panic, and every span and offset lies within the text (on a character boundary where the
//! text is sliced). The cargo-fuzz targets under `fuzz/` explore the same entry points longer.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::path::PathBuf;
use tokenwise::extract::{Ctx, extract, terraform};
use tokenwise::kind::{self, FileKind};
use tokenwise::literal;
use tokenwise::policy::builtin;
use tokenwise::source::SourceFile;
use tokenwise::tree::{Node, Span};

const CASES: u32 = 256;

/// Pieces of YAML, JSON, HCL and scripts, so that generated inputs reach past the first error.
const FRAGMENTS: &[&str] = &[
    "\n",
    "\r\n",
    "\t",
    " ",
    "  ",
    "- ",
    ": ",
    ":",
    ",",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "'",
    "\\",
    "#",
    "//",
    "/*",
    "*/",
    "&a ",
    "*a",
    "!!str ",
    "|",
    ">-",
    "---\n",
    "...\n",
    "? ",
    "%{",
    "${",
    "$${",
    "<<EOF\n",
    "EOF\n",
    "=",
    "=>",
    "é",
    "—",
    "\u{feff}",
    "\u{0}",
    "true",
    "null",
    "-1.5e3",
    "\\u00e9",
    "\\ud83d",
    "on:\n  push:\n",
    "jobs:\n  deploy:\n    env:\n      ",
    "DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}",
    "steps:\n  - run: ",
    "provider \"dbtcloud\" {\n",
    "token = var.dbt_pat\n",
    "variable \"dbt_pat\" {\n",
    "description = \"PAT\"\n",
    "resource \"dbtcloud_service_token\" \"t\" {\n",
    "token_string",
    "module \"m\" {\n  source = \"./m\"\n",
    "\"key\": ",
    "\"value\"",
    "{\"info\": {\"_postman_id\": \"x\"}, \"item\": [",
    "Authorization: Bearer ",
    "https://cloud.getdbt.com/api/v2/accounts/1/credentials/",
    "token-value: ",
    "dbt-cloud:\n",
    "dbtu_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a",
    "dbtc_Lq4Rz8Wx1Vb7Nc3Ty6Hg0Kd5Fs9Jm2Pa8Ue4Io1Q",
    "dbtu_",
    "export DBT_TOKEN=",
    "os.environ[\"DBT_PAT\"]",
    "requests.post(",
    "headers={\"Authorization\": ",
    "TF_VAR_dbt_pat: ${{ secrets.X }}",
    "script:\n  - ",
    "pipeline {\n",
    "withCredentials([string(",
];

/// Text made of fragments and arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..96).prop_map(|v| v.concat())
}

/// Bytes: arbitrary ones, or the UTF-8 of generated text with a few bytes flipped.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1024),
        (text(), proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3)).prop_map(|(t, flips)| {
            let mut b = t.into_bytes();
            for (at, v) in flips {
                if !b.is_empty() {
                    let i = at % b.len();
                    b[i] = v;
                }
            }
            b
        }),
    ]
}

/// Run a property with the workers' stack size (parsers recurse up to their depth limits) and
/// a fixed seed, so a failure is the same on every run.
fn check<S, F>(make: fn() -> S, test: F)
where
    S: Strategy + 'static,
    S::Value: std::fmt::Debug,
    F: Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
{
    let worker = std::thread::Builder::new().stack_size(16 << 20).spawn(move || {
        let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        runner.run(&make(), test).map_err(|e| e.to_string())
    });
    match worker.map(|w| w.join()) {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => panic!("{e}"),
        Ok(Err(_)) => panic!("the property test thread panicked"),
        Err(e) => panic!("cannot start the property test thread: {e}"),
    }
}

fn within(text: &str, span: Span) -> Result<(), TestCaseError> {
    prop_assert!(span.start <= span.end && text.get(span.start..span.end).is_some(), "span {span:?} in {}", text.len());
    Ok(())
}

fn tree_within(text: &str, node: &Node) -> Result<(), TestCaseError> {
    within(text, node.span)?;
    for (k, v) in node.entries() {
        tree_within(text, k)?;
        tree_within(text, v)?;
    }
    for item in node.items() {
        tree_within(text, item)?;
    }
    Ok(())
}

#[test]
fn yaml_parse_never_panics_and_spans_stay_in_the_text() {
    check(text, |t| match tokenwise::parse::yaml::parse(&t) {
        Ok(docs) => docs.iter().try_for_each(|d| tree_within(&t, d)),
        Err(e) => {
            prop_assert!(e.offset <= t.len());
            Ok(())
        }
    });
}

#[test]
fn json_parse_never_panics_and_spans_stay_in_the_text() {
    check(text, |t| match tokenwise::parse::json::parse(&t) {
        Ok(doc) => tree_within(&t, &doc),
        Err(e) => {
            prop_assert!(e.offset <= t.len());
            Ok(())
        }
    });
}

#[test]
fn terraform_extract_never_panics_and_spans_stay_in_the_text() {
    check(bytes, |b| {
        for (kind, name) in [(FileKind::Terraform, "infra/prod/main.tf"), (FileKind::TerraformVars, "prod.tfvars")] {
            let src = SourceFile::new(PathBuf::from(name), name.to_owned(), b.clone());
            let ctx = Ctx { file: 0, src: &src, policy: builtin() };
            let len = src.text.len();
            match terraform::extract(&ctx, kind) {
                Ok((tf, uses)) => {
                    for u in &uses {
                        prop_assert!(u.at.span.start <= u.at.span.end && u.at.span.end <= len);
                    }
                    let exprs = tf.providers.iter().filter_map(|p| p.token.as_ref());
                    for e in exprs.chain(tf.assignments.iter().map(|(_, e)| e)).chain(tf.locals.iter().map(|(_, e)| e))
                    {
                        prop_assert!(e.span.start <= e.span.end && e.span.end <= len);
                    }
                }
                Err(e) => prop_assert!(e.offset <= len),
            }
        }
        Ok(())
    });
}

/// A path of every kind, so each extractor runs.
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
    "dags/dbt_job.py",
    "README.md",
];

#[test]
fn every_path_covers_every_kind() {
    let mut kinds: Vec<String> = PATHS.iter().map(|p| format!("{:?}", kind::of_path(p))).collect();
    kinds.sort();
    kinds.dedup();
    // A new FileKind needs a path here (and in fuzz/fuzz_targets/extract.rs).
    assert_eq!(kinds.len(), 15, "{kinds:?}");
}

#[test]
fn extract_never_panics_on_any_bytes_of_any_kind() {
    check(bytes, |b| {
        for path in PATHS {
            let src = SourceFile::new(PathBuf::from(path), (*path).to_owned(), b.clone());
            let ctx = Ctx { file: 0, src: &src, policy: builtin() };
            let len = src.text.len();
            let facts = extract(&ctx, kind::of_path(path));
            for u in &facts.uses {
                prop_assert!(u.at.span.start <= u.at.span.end && u.at.span.end <= len, "{path}: {:?}", u.at);
                let _ = src.line_col(u.at.span.end);
            }
            for l in &facts.literals {
                within(&src.text, Span::new(l.start, l.end))?;
            }
            if let Some(e) = &facts.parse_error {
                prop_assert!(e.offset <= len);
            }
        }
        Ok(())
    });
}

/// Every literal as (line, column, end line, end column, token).
fn located(src: &SourceFile) -> Vec<(usize, usize, usize, usize, String)> {
    literal::find(&src.text, &builtin().signals)
        .into_iter()
        .map(|l| {
            let (a, b) = src.line_col(l.start);
            let (c, d) = src.line_col(l.end);
            (a, b, c, d, src.text.get(l.start..l.end).unwrap_or("").to_owned())
        })
        .collect()
}

#[test]
fn streamed_literals_match_a_whole_file_scan() {
    fn input() -> impl Strategy<Value = (String, usize)> {
        (text(), 128usize..700)
    }
    check(input, |(t, chunk)| {
        let whole = SourceFile::new(PathBuf::from("x"), "x".into(), t.clone().into_bytes());
        let streamed = tokenwise::read::stream(t.as_bytes(), &builtin().signals, chunk)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let excerpt = SourceFile::excerpt(PathBuf::from("x"), "x".into(), streamed.pieces);
        prop_assert_eq!(located(&excerpt), located(&whole));
        Ok(())
    });
}
