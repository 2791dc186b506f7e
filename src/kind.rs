//! What kind of file a path is, which decides the parser and the extractor.

/// The file kinds tokenwise reads. Anything not listed is scanned as text for literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `*.tf`
    Terraform,
    /// `*.tfvars`
    TerraformVars,
    /// `*.tf.json` and `*.tfvars.json`: Terraform's JSON syntax (what CDKTF synthesizes).
    TerraformJson,
    /// `terragrunt.hcl`: the inputs Terragrunt gives a Terraform module.
    Terragrunt,
    /// `.github/workflows/*.yml` and `action.yml` composite actions.
    GithubActions,
    /// `dbt_cloud.yml`, the Cloud CLI's configuration.
    CloudCli,
    /// `.gitlab-ci.yml`, `*.gitlab-ci.yml` and YAML under `.gitlab/ci/` (other included files
    /// are recognised by content).
    GitlabCi,
    /// `azure-pipelines*.yml`, `*.azure-pipelines.yml` and YAML under `.azure-pipelines/`.
    AzurePipelines,
    /// YAML under `.circleci/`.
    CircleCi,
    /// `bitbucket-pipelines.yml`.
    BitbucketPipelines,
    /// `Jenkinsfile`, `Jenkinsfile.*`, `*.jenkinsfile`.
    Jenkins,
    /// Other YAML.
    Yaml,
    /// JSON (Postman collections and environments are recognised by content).
    Json,
    /// Shell, Python, JavaScript, `.env`, Makefiles and other code: read as text.
    Script,
    /// `*.sql` holding Snowflake DDL (secrets, external-access routines); other SQL (dbt models)
    /// is dropped by the prefilter, or kept for its literals only.
    Sql,
    /// Data, never configuration: dbt artifacts (`manifest.json`, `catalog.json`, …), recorded
    /// HTTP cassettes and large JSON/YAML files (see [`of_file`]). Literal tokens only.
    Data,
    /// Prose and everything else: literal tokens only.
    Other,
}

/// Artifacts only dbt writes, known by their name alone. The others (`manifest.json`,
/// `catalog.json`, `run_results.json`, `sources.json`) have names other tools use too, and are
/// known by the metadata dbt writes first in each (see [`of_file`]).
const ARTIFACTS: [&str; 3] = ["semantic_manifest.json", "graph_summary.json", "partial_parse.msgpack"];

/// The key dbt writes at the start of every artifact: `{"metadata": {"dbt_schema_version": …`.
const ARTIFACT_MARK: &[u8] = b"\"dbt_schema_version\"";

/// Folders of recorded HTTP interactions (vcrpy, VCR, Betamax).
const CASSETTE_DIRS: [&str; 3] = ["cassettes", "vcr_cassettes", "cassette"];

/// JSON or YAML larger than this is data (exports, fixtures, schemas), unless it is a Postman
/// export or a notebook: configuration files are far smaller.
pub const DATA_BYTES: usize = 1 << 20;

/// Folders of vendored dependencies: their code is someone else's, searched for literals only.
const VENDOR_DIRS: [&str; 5] = ["vendor", "third_party", "node_modules", "bower_components", "site-packages"];

/// Code larger than this is looked at for minification (see [`is_bundle`]): hand-written
/// code this large is rare, bundles are common.
const BUNDLE_BYTES: usize = 64 << 10;

/// Mean bytes per line above which code is a minified bundle: hand-written code averages well
/// under 100, a bundle is one or a few lines of hundreds of kilobytes.
const BUNDLE_LINE_BYTES: usize = 1_000;

/// Bytes read from the start of a file to tell a cassette by its first key.
const SNIFF: usize = 4096;

/// Classify a path (with `/` separators) by its name and place.
pub fn of_path(path: &str) -> FileKind {
    let file = path.rsplit('/').next().unwrap_or(path);
    // This runs for every file of a scan: a short name is lowercased on the stack.
    let mut small = [0u8; 64];
    let owned;
    let lower: &str = match small.get_mut(..file.len()) {
        Some(buf) => {
            buf.copy_from_slice(file.as_bytes());
            buf.make_ascii_lowercase();
            std::str::from_utf8(buf).unwrap_or_default()
        }
        None => {
            owned = file.to_ascii_lowercase();
            &owned
        }
    };
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if lower == "dbt_cloud.yml" || lower == "dbt_cloud.yaml" {
        return FileKind::CloudCli;
    }
    if lower.ends_with(".tf.json") || lower.ends_with(".tfvars.json") {
        return FileKind::TerraformJson;
    }
    if lower == "terragrunt.hcl" {
        return FileKind::Terragrunt;
    }
    match ext {
        "tf" => return FileKind::Terraform,
        "tfvars" => return FileKind::TerraformVars,
        _ => {}
    }
    if ARTIFACTS.contains(&lower) {
        return FileKind::Data;
    }
    if matches!(ext, "yml" | "yaml") {
        let in_workflows = path.contains(".github/workflows/");
        if in_workflows || lower == "action.yml" || lower == "action.yaml" {
            return FileKind::GithubActions;
        }
        return ci_yaml_kind(path, lower).unwrap_or_else(|| generic(path, FileKind::Yaml));
    }
    if matches!(ext, "json" | "jsonc" | "ipynb") {
        return generic(path, FileKind::Json);
    }
    if ext == "sql" {
        return FileKind::Sql;
    }
    if lower.starts_with("jenkinsfile") || lower.ends_with(".jenkinsfile") {
        return FileKind::Jenkins;
    }
    let script_ext = matches!(
        ext,
        "sh" | "bash"
            | "zsh"
            | "ksh"
            | "fish"
            | "py"
            | "ps1"
            | "psm1"
            | "js"
            | "mjs"
            | "cjs"
            | "ts"
            | "rb"
            | "go"
            | "java"
            | "kt"
            | "groovy"
            | "scala"
            | "r"
            | "env"
            | "cfg"
            | "ini"
            | "toml"
            | "properties"
            | "conf"
            | "mk"
            | "bat"
            | "cmd"
            | "http"
            | "rest"
    );
    let script_name = lower.starts_with(".env")
        || lower.ends_with(".env")
        || matches!(lower, "makefile" | "dockerfile" | "justfile" | "procfile");
    if script_ext || script_name {
        return FileKind::Script;
    }
    FileKind::Other
}

/// A YAML or JSON file of no known system: data when it sits in a cassette folder.
fn generic(path: &str, kind: FileKind) -> FileKind {
    let mut dirs = path.rsplit('/').skip(1);
    if dirs.any(|d| CASSETTE_DIRS.iter().any(|c| d.eq_ignore_ascii_case(c))) { FileKind::Data } else { kind }
}

/// Classify a file by its path and its content: YAML or JSON of no known system is data when
/// it is a dbt artifact (its metadata says `dbt_schema_version`), a recorded HTTP cassette
/// (its first key is `interactions` or `http_interactions`), or larger than [`DATA_BYTES`]
/// and neither a Postman export nor a notebook. Code is data when it is vendored or a bundle
/// (see [`is_bundle`]): nobody configures a token there, and parsing a few megabytes of
/// generated JavaScript costs more than the rest of a repository. Decided from a sniff of the
/// first bytes and one byte search, never a parse.
pub fn of_file(path: &str, bytes: &[u8]) -> FileKind {
    let mut kind = of_path(path);
    // A script without an extension (`bin/trigger`, `tools/run_job`) says its language in its
    // first line.
    if kind == FileKind::Other && crate::extract::code::Lang::of_shebang(bytes).is_some() {
        kind = FileKind::Script;
    }
    let head = bytes.get(..SNIFF).unwrap_or(bytes);
    let data = match kind {
        FileKind::Json if memchr::memmem::find(head, ARTIFACT_MARK).is_some() => true,
        FileKind::Yaml | FileKind::Json if is_cassette(head) => true,
        FileKind::Yaml => bytes.len() > DATA_BYTES,
        FileKind::Json => {
            bytes.len() > DATA_BYTES
                && !crate::extract::notebook::is_notebook(path)
                && !crate::extract::postman::sniff(bytes)
        }
        FileKind::Script => is_bundle(path, bytes),
        _ => false,
    };
    if data { FileKind::Data } else { kind }
}

/// Whether code is vendored or built rather than written here: under a folder of vendored
/// dependencies, named as minified (`app.min.js`), larger than [`DATA_BYTES`] (hand-written
/// code is far smaller; a bundle takes a parser seconds), or large with lines whose mean length
/// no hand-written code has.
fn is_bundle(path: &str, bytes: &[u8]) -> bool {
    let mut segments = path.rsplit('/');
    let file = segments.next().unwrap_or(path);
    let vendored = segments.any(|d| VENDOR_DIRS.iter().any(|v| d.eq_ignore_ascii_case(v)));
    let named = [".min.js", ".min.mjs", ".min.cjs"].iter().any(|ext| {
        file.len() > ext.len() && file.get(file.len() - ext.len()..).is_some_and(|e| e.eq_ignore_ascii_case(ext))
    });
    vendored
        || named
        || bytes.len() > DATA_BYTES
        || (bytes.len() > BUNDLE_BYTES
            && bytes.len() / (memchr::memchr_iter(b'\n', bytes).count() + 1) > BUNDLE_LINE_BYTES)
}

/// Whether the first key of a YAML or JSON document is a cassette's list of interactions.
fn is_cassette(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut lines = head.split(|&b| b == b'\n').map(|l| l.trim_ascii());
    let Some(first) = lines.find(|l| !l.is_empty() && !l.starts_with(b"#") && *l != b"---") else { return false };
    let key = first.strip_prefix(b"{").map(<[u8]>::trim_ascii_start).unwrap_or(first);
    let key = match key.strip_prefix(b"\"") {
        Some(rest) => rest.split(|&b| b == b'"').next().unwrap_or_default(),
        None => key.split(|&b| b == b':').next().unwrap_or_default(),
    };
    // `{` alone on the first line: the key is on the next.
    if key.is_empty() && first == b"{" {
        return lines
            .find(|l| !l.is_empty())
            .is_some_and(|l| l.starts_with(b"\"interactions\"") || l.starts_with(b"\"http_interactions\""));
    }
    key == b"interactions" || key == b"http_interactions"
}

/// The CI system a YAML file configures, by its name and folder.
fn ci_yaml_kind(path: &str, lower: &str) -> Option<FileKind> {
    let dirs = || path.rsplit_once('/').map(|(d, _)| d.split('/')).into_iter().flatten();
    let stem = lower.rsplit_once('.').map(|(s, _)| s).unwrap_or(lower);
    let gitlab_ci = || dirs().zip(dirs().skip(1)).any(|pair| pair == (".gitlab", "ci"));
    if stem == ".gitlab-ci" || stem.ends_with(".gitlab-ci") || gitlab_ci() {
        return Some(FileKind::GitlabCi);
    }
    if stem.starts_with("azure-pipelines")
        || stem.ends_with(".azure-pipelines")
        || dirs().any(|d| d == ".azure-pipelines")
    {
        return Some(FileKind::AzurePipelines);
    }
    if dirs().any(|d| d == ".circleci") {
        return Some(FileKind::CircleCi);
    }
    if stem == "bitbucket-pipelines" {
        return Some(FileKind::BitbucketPipelines);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        assert_eq!(of_path("infra/main.tf"), FileKind::Terraform);
        assert_eq!(of_path("prod.tfvars"), FileKind::TerraformVars);
        assert_eq!(of_path("cdktf.out/stacks/prod/cdk.tf.json"), FileKind::TerraformJson);
        assert_eq!(of_path("envs/prod.tfvars.json"), FileKind::TerraformJson);
        assert_eq!(of_path("live/prod/dbt/terragrunt.hcl"), FileKind::Terragrunt);
        assert_eq!(of_path("package.json"), FileKind::Json);
        assert_eq!(of_path("live/env.hcl"), FileKind::Other);
        assert_eq!(of_path(".github/workflows/ci.yml"), FileKind::GithubActions);
        assert_eq!(of_path(".github/actions/run/action.yml"), FileKind::GithubActions);
        assert_eq!(of_path("x/.dbt/dbt_cloud.yml"), FileKind::CloudCli);
        assert_eq!(of_path("postman/env.json"), FileKind::Json);
        assert_eq!(of_path("scripts/run.sh"), FileKind::Script);
        assert_eq!(of_path(".env.local"), FileKind::Script);
        assert_eq!(of_path("Jenkinsfile"), FileKind::Jenkins);
        assert_eq!(of_path("README.md"), FileKind::Other);
    }

    #[test]
    fn dbt_artifacts_and_cassettes_are_data() {
        for path in ["target/semantic_manifest.json", "graph_summary.json", "target/partial_parse.msgpack"] {
            assert_eq!(of_path(path), FileKind::Data, "{path}");
        }
        let artifact =
            b"{\"metadata\": {\"dbt_schema_version\": \"https://schemas.getdbt.com/dbt/manifest/v12.json\"}}";
        for path in ["target/manifest.json", "state/prod/catalog.json", "run_results.json", "prod-state.json"] {
            assert_eq!(of_file(path, artifact), FileKind::Data, "{path}");
        }
        // A partner's `catalog.json` is configuration.
        assert_eq!(of_file("integrations/catalog.json", b"{\"monte_carlo\": {}}"), FileKind::Json);
        assert_eq!(of_path("tests/cassettes/api/get_runs.yaml"), FileKind::Data);
        assert_eq!(of_path("fixtures/vcr_cassettes/x.json"), FileKind::Data);
        assert_eq!(of_path("tests/cassettes/.github/workflows/ci.yml"), FileKind::GithubActions);
        assert_eq!(of_path("config/manifest.yml"), FileKind::Yaml);
    }

    #[test]
    fn cassettes_and_large_files_are_data_by_content() {
        assert_eq!(of_file("t/rec.yml", b"# recorded\n---\ninteractions:\n- request: {}\n"), FileKind::Data);
        assert_eq!(of_file("t/rec.json", b"{\"http_interactions\": []}"), FileKind::Data);
        assert_eq!(of_file("t/rec.json", b"{\n  \"interactions\": []\n}"), FileKind::Data);
        assert_eq!(of_file("t/rec.yml", b"version: 1\ninteractions: []\n"), FileKind::Yaml);
        let big = format!("{{\"rows\": [{}1]}}", "1,".repeat(DATA_BYTES));
        assert_eq!(of_file("data/rows.json", big.as_bytes()), FileKind::Data);
        assert_eq!(of_file("nb/x.ipynb", big.as_bytes()), FileKind::Json);
        let postman = big.replace("rows", "_postman_id");
        assert_eq!(of_file("api/collection.json", postman.as_bytes()), FileKind::Json);
        assert_eq!(
            of_file(".github/workflows/big.yml", "a: 1\n".repeat(DATA_BYTES).as_bytes()),
            FileKind::GithubActions
        );
        assert_eq!(of_file("config/x.yml", b"a: 1\n"), FileKind::Yaml);
    }

    #[test]
    fn minified_bundles_are_data_and_hand_written_code_is_not() {
        let bundle = format!("function a(e,t){{{}}}\n", "var x=process.env.DBT_CLOUD_TOKEN;".repeat(4_000));
        assert_eq!(of_file("webview/vendor/main.js", bundle.as_bytes()), FileKind::Data);
        assert_eq!(of_file("static/app.min.js", b"var a=1;"), FileKind::Data);
        // The same amount of code, one statement a line, is read as code.
        let code = "const token = process.env.DBT_CLOUD_TOKEN;\n".repeat(4_000);
        assert_eq!(of_file("scripts/trigger.js", code.as_bytes()), FileKind::Script);
        assert_eq!(of_file("scripts/min.js", b"var a=1;"), FileKind::Script);
        assert_eq!(of_file("webview/src/vendor/renderer.js", b"var a=1;\n"), FileKind::Data);
        assert_eq!(of_file("scripts/vendors.js", b"var a=1;\n"), FileKind::Script);
        let large = "const token = process.env.DBT_CLOUD_TOKEN;\n".repeat(DATA_BYTES / 40);
        assert_eq!(of_file("dist/renderer.js", large.as_bytes()), FileKind::Data);
    }

    #[test]
    fn ci_kinds_by_path() {
        assert_eq!(of_path(".gitlab-ci.yml"), FileKind::GitlabCi);
        assert_eq!(of_path("templates/deploy.gitlab-ci.yml"), FileKind::GitlabCi);
        assert_eq!(of_path(".gitlab/ci/dbt.yml"), FileKind::GitlabCi);
        assert_eq!(of_path(".gitlab/issue_templates/x.yml"), FileKind::Yaml);
        assert_eq!(of_path("azure-pipelines.yml"), FileKind::AzurePipelines);
        assert_eq!(of_path("ci/release.azure-pipelines.yaml"), FileKind::AzurePipelines);
        assert_eq!(of_path(".azure-pipelines/deploy.yml"), FileKind::AzurePipelines);
        assert_eq!(of_path(".circleci/config.yml"), FileKind::CircleCi);
        assert_eq!(of_path("bitbucket-pipelines.yml"), FileKind::BitbucketPipelines);
        assert_eq!(of_path("ci/Jenkinsfile.deploy"), FileKind::Jenkins);
        assert_eq!(of_path("jobs/release.jenkinsfile"), FileKind::Jenkins);
        assert_eq!(of_path("ci/deploy.yml"), FileKind::Yaml);
    }
}
