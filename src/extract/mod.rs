//! Extraction: from one parsed file to the token uses it contains, one extractor per ecosystem.

pub mod access_url;
pub mod airflow_conn;
pub mod airflow_settings;
pub mod azure_pipelines;
pub mod bitbucket_pipelines;
pub mod ci;
pub mod circleci;
pub mod cloud_cli;
pub mod code;
pub mod compose;
pub mod dagster_components;
pub mod deploy;
pub mod devcontainer;
pub mod dotenv;
pub mod github_actions;
pub mod gitlab_ci;
pub mod jenkins;
pub mod kubernetes;
pub mod mcp;
pub mod notebook;
pub mod orchestrator;
pub mod overlap;
pub mod partner;
pub mod postman;
pub mod pulumi;
pub mod runs;
pub mod scope_tree;
pub mod script;
pub mod secrets;
pub mod semantic_layer;
pub mod snowflake;
pub mod terraform;
pub mod terraform_json;
pub mod terragrunt;
pub mod values;

use crate::kind::FileKind;
use crate::literal::{self, Literal};
use crate::model::{Loc, TokenUse};
use crate::parse::{json, yaml};
use crate::policy::Policy;
use crate::source::SourceFile;
use crate::tree::{Node, ParseError};
use std::collections::HashSet;

/// Everything one file contributes to the scan.
#[derive(Debug, Default)]
pub struct FileFacts {
    pub uses: Vec<TokenUse>,
    /// Real-looking literal tokens anywhere in the file (TW201).
    pub literals: Vec<Literal>,
    /// Why the file could not be parsed (TW001).
    pub parse_error: Option<ParseError>,
    /// Terraform declarations, resolved across files later.
    pub terraform: Option<terraform::TfFile>,
    /// A Makefile: kept so that a CI step's `make target` can be followed into its recipe.
    pub makefile: bool,
    /// 40-hex values written as the value of a name (legacy user API keys among them, TW202).
    pub hex_values: Vec<secrets::HexValue>,
    /// The file is a dbt credential cache by name and place (TW203).
    pub cache: Option<secrets::CacheFile>,
    /// dbt Cloud hosts written in a configuration or code file (not prose) (TW501).
    pub hosts: Vec<access_url::HostMention>,
    /// The file sets the environment variable that gives the Terraform provider its host.
    pub sets_host_env: bool,
    /// The file holds a suppression comment: kept so that one that suppresses nothing is seen
    /// (TW002).
    pub suppressions: bool,
    /// What the file was read as, where its kind leaves it open (a YAML file read as Helm
    /// values, a JSON file as a Postman collection), for `--show-files`; empty otherwise.
    pub reader: &'static str,
    /// Calls the code makes to endpoints whose meaning does not depend on the workflow: the
    /// service-token endpoints (TW106), the endpoints that are gone (TW202).
    pub endpoint_calls: Vec<EndpointCall>,
}

/// A dbt Cloud endpoint the code calls, written whole or built from parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointCall {
    pub kind: EndpointKind,
    /// The endpoint as matched (`/api/v3/accounts/1/service-tokens`).
    pub endpoint: String,
    /// The URL or the expression that builds it.
    pub span: crate::tree::Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointKind {
    /// Creates or manages service tokens.
    ServiceTokens,
    /// Went away (the legacy user API key rotation).
    Retired,
}

impl FileFacts {
    /// True when the file yields nothing for the later stages: it is then not kept.
    pub fn is_empty(&self) -> bool {
        self.uses.is_empty()
            && self.literals.is_empty()
            && self.parse_error.is_none()
            && self.terraform.is_none()
            && !self.makefile
            && self.hex_values.is_empty()
            && self.endpoint_calls.is_empty()
            && self.cache.is_none()
            && !self.hosts.iter().any(|h| h.retiring)
            && !self.sets_host_env
            && !self.suppressions
    }

    /// Point every location in the facts at `file` (see [`TokenUse::relocate`]).
    pub fn relocate(&mut self, file: usize) {
        for u in &mut self.uses {
            u.relocate(file);
        }
        for t in self.terraform.iter_mut().flat_map(|tf| &mut tf.service_tokens) {
            for g in &mut t.grants {
                g.at.file = file;
            }
        }
    }
}

/// Configs recognised by their name alone (compose files, Helm values, Pulumi programs, Astro
/// settings, MCP client configs, env files): parsed whenever they mention dbt, like pipelines.
pub fn is_named_config(path: &str, s: &crate::policy::Signals) -> bool {
    pulumi::is_pulumi(path, s)
        || airflow_settings::is_settings(path, s)
        || compose::is_compose_name(path, s)
        || kubernetes::is_helm_values(path, s)
        || mcp::is_mcp_name(path, s)
        || dotenv::is_env_file(path)
}

/// Context an extractor needs about the file it reads.
pub struct Ctx<'a> {
    pub file: usize,
    pub src: &'a SourceFile,
    pub policy: &'a Policy,
}

impl Ctx<'_> {
    pub fn loc(&self, start: usize, end: usize) -> Loc {
        Loc { file: self.file, span: crate::tree::Span::new(start, end) }
    }

    /// The source text of a span.
    pub fn text(&self, start: usize, end: usize) -> &str {
        self.src.text.get(start..end).unwrap_or("")
    }
}

/// Read one file: find literals, parse it by kind and run its extractor.
pub fn extract(ctx: &Ctx, kind: FileKind) -> FileFacts {
    let mut facts =
        FileFacts { literals: literal::find_all(&ctx.src.text, &ctx.policy.signals), ..FileFacts::default() };
    facts.suppressions = crate::ignore_comment::mentions(ctx.src.text.as_bytes());
    match kind {
        FileKind::Terraform | FileKind::TerraformVars => match terraform::extract(ctx, kind) {
            Ok((tf, uses)) => {
                facts.terraform = Some(tf);
                facts.uses = uses;
            }
            Err(e) => facts.parse_error = Some(e),
        },
        FileKind::TerraformJson => {
            match json::parse(&ctx.src.text).and_then(|doc| terraform_json::extract(ctx, &doc)) {
                Ok(tf) => facts.terraform = Some(tf),
                Err(e) => facts.parse_error = Some(e),
            }
        }
        FileKind::Terragrunt => match terragrunt::extract(ctx) {
            Ok(tf) => facts.terraform = Some(tf),
            Err(e) => facts.parse_error = Some(e),
        },
        FileKind::GithubActions
        | FileKind::CloudCli
        | FileKind::Yaml
        | FileKind::GitlabCi
        | FileKind::AzurePipelines
        | FileKind::CircleCi
        | FileKind::BitbucketPipelines => match yaml::parse(&ctx.src.text) {
            Ok(docs) => {
                (facts.reader, facts.uses) = yaml_uses(ctx, kind, &docs);
                if kind != FileKind::CloudCli {
                    deploy::mark_ci_deploys(ctx, &mut facts.uses);
                }
            }
            Err(e) => {
                // A pipeline that does not parse still runs nowhere, but its secrets are still
                // wired: read it as text so no finding is lost behind the TW001.
                facts.uses = match kind {
                    FileKind::GithubActions => github_actions::extract_text(ctx),
                    FileKind::GitlabCi => gitlab_ci::extract_text(ctx),
                    FileKind::AzurePipelines => azure_pipelines::extract_text(ctx),
                    FileKind::CircleCi => circleci::extract_text(ctx),
                    FileKind::BitbucketPipelines => bitbucket_pipelines::extract_text(ctx),
                    _ => Vec::new(),
                };
                if kind != FileKind::Yaml || !is_template(&ctx.src.text) {
                    facts.parse_error = Some(e);
                }
            }
        },
        FileKind::Json => match json::parse(&ctx.src.text) {
            Ok(doc) => (facts.reader, facts.uses) = json_uses(ctx, &doc),
            Err(e) if !is_template(&ctx.src.text) => facts.parse_error = Some(e),
            Err(_) => {}
        },
        // Env files have their own judgement.
        FileKind::Script if dotenv::is_env_file(&ctx.src.display) => {
            facts.reader = "dotenv file";
            facts.uses = dotenv::extract(ctx, &facts.literals);
        }
        FileKind::Script => {
            facts.uses = script_uses(ctx, &facts.literals);
            facts.endpoint_calls = script::endpoint_calls(ctx);
        }
        FileKind::Jenkins => facts.uses = jenkins::extract(ctx),
        FileKind::Sql => {
            facts.reader = "Snowflake SQL";
            facts.uses = snowflake::extract(ctx, &facts.literals);
        }
        FileKind::Other | FileKind::Data => {}
    }
    facts.makefile = runs::is_makefile(&ctx.src.display);
    // Semantic Layer JDBC URLs can sit in any text file (BI datasources, app configs, docs).
    semantic_layer::extract(ctx, &mut facts.uses);
    let s = &ctx.policy.signals;
    facts.hex_values = secrets::hex_values(&ctx.src.text)
        .into_iter()
        .filter(|v| crate::classify::secrets::is_legacy_key(v, kind, &ctx.src.text, s))
        .collect();
    if !matches!(kind, FileKind::Other | FileKind::Data) {
        let urls = &s.access_urls;
        let python = code::Lang::of_file(&ctx.src.display, &ctx.src.text) == Some(code::Lang::Python);
        facts.hosts = access_url::mentions(&ctx.src.text, &urls.retiring, urls.account.as_ref(), python);
        facts.sets_host_env = urls.host_env.iter().any(|e| ctx.src.text.contains(e.as_str()));
    }
    if let Some(name) = secrets::is_cache_path(&ctx.src.display, &s.cache_files) {
        facts.cache = Some(secrets::CacheFile { name, secrets: secrets::cache_secrets(&ctx.src.text) });
    }
    facts
}

/// Code: the orchestrator APIs speak first and the generic reading adds only the references
/// they did not cover (one use per token reference).
fn script_uses(ctx: &Ctx, literals: &[Literal]) -> Vec<TokenUse> {
    let mut uses = deploy::command_uses(ctx);
    uses.extend(orchestrator::extract(ctx));
    let lines: HashSet<usize> = uses.iter().map(|u| ctx.src.line_col(u.at.span.start).0).collect();
    let refs: HashSet<String> = uses.iter().map(|u| u.reference.clone()).collect();
    for u in script::extract(ctx, literals) {
        if !lines.contains(&ctx.src.line_col(u.at.span.start).0) && !refs.contains(&u.reference) {
            uses.push(u);
        }
    }
    github_actions::code_inputs(ctx, &mut uses);
    // Function code (a Cloud Function, a Lambda) is an app the team deploys: a custom app, unless
    // the project's own path globs say what the file is.
    let signals = &ctx.policy.signals;
    if crate::classify::names::configured_path(&ctx.src.display, signals).is_none()
        && let Some(f) = crate::classify::deployed::function_code(&ctx.src.display, &ctx.src.text, signals)
    {
        for u in &mut uses {
            u.saw(f.clone());
        }
    }
    uses
}

/// YAML recognised by name or shape: Pulumi, Astro CLI settings, docker-compose, Kubernetes
/// manifests, Helm values.
fn config_yaml_uses(ctx: &Ctx, docs: &[Node]) -> Option<(&'static str, Vec<TokenUse>)> {
    let s = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let first = docs.first()?;
    if crate::classify::deployed::is_function_manifest(path, &ctx.src.text, s) {
        return Some((
            "function deployment manifest",
            docs.iter().flat_map(|d| deploy::manifest_uses(ctx, d)).collect(),
        ));
    }
    if dagster_components::is_component(path, first) {
        return Some(("Dagster component", dagster_components::extract(ctx, first)));
    }
    if pulumi::is_pulumi(path, s) {
        return Some(("Pulumi config", pulumi::extract(ctx, first)));
    }
    if airflow_settings::is_settings(path, s) {
        return Some(("Astro CLI settings", airflow_settings::extract(ctx, first)));
    }
    if compose::is_compose(path, first, s) {
        return Some(("Docker Compose", compose::extract(ctx, first)));
    }
    if docs.iter().any(kubernetes::is_manifest) {
        return Some(("Kubernetes manifest", kubernetes::extract(ctx, docs)));
    }
    if kubernetes::is_helm_values(path, s) {
        return Some(("Helm values", kubernetes::extract_helm_values(ctx, first)));
    }
    None
}

/// Helm, Jinja and Go templates are not YAML or JSON until rendered: a parse failure there is
/// expected, not a finding (their literal tokens are still searched).
fn is_template(text: &str) -> bool {
    text.contains("{{-") || text.contains("{{ .") || text.contains("{{.") || text.contains("{%")
}

/// The uses of a YAML file, and what it was read as when its kind leaves that open (the first
/// document's reading, for a stream of several).
fn yaml_uses(ctx: &Ctx, kind: FileKind, docs: &[Node]) -> (&'static str, Vec<TokenUse>) {
    if kind == FileKind::Yaml
        && let Some(read) = config_yaml_uses(ctx, docs)
    {
        return read;
    }
    let mut uses = Vec::new();
    let mut reader = "";
    let mut read_as = |r: &'static str| {
        if reader.is_empty() {
            reader = r;
        }
    };
    for doc in docs {
        match kind {
            FileKind::GithubActions => uses.extend(github_actions::extract(ctx, doc)),
            FileKind::CloudCli => uses.extend(cloud_cli::extract(ctx, doc)),
            FileKind::GitlabCi => uses.extend(gitlab_ci::extract(ctx, doc)),
            FileKind::AzurePipelines => uses.extend(azure_pipelines::extract(ctx, doc)),
            FileKind::CircleCi => uses.extend(circleci::extract(ctx, doc)),
            FileKind::BitbucketPipelines => uses.extend(bitbucket_pipelines::extract(ctx, doc)),
            FileKind::Yaml if gitlab_ci::is_included_file(&ctx.src.display, doc) => {
                read_as("GitLab CI (by its shape)");
                uses.extend(gitlab_ci::extract(ctx, doc))
            }
            FileKind::Yaml if github_actions::is_workflow(doc) => {
                read_as("GitHub Actions (by its shape)");
                uses.extend(github_actions::extract_by_shape(ctx, doc))
            }
            FileKind::Yaml => {
                read_as("partner or app config (YAML)");
                uses.extend(partner::extract(ctx, doc))
            }
            _ => {}
        }
    }
    (reader, uses)
}

/// The uses of a JSON file, and what it was read as.
fn json_uses(ctx: &Ctx, doc: &Node) -> (&'static str, Vec<TokenUse>) {
    let s = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    if postman::is_postman(doc) {
        return ("Postman collection or environment", postman::extract(ctx, doc));
    }
    if devcontainer::is_devcontainer(path) {
        return ("dev container config", devcontainer::extract(ctx, doc));
    }
    if mcp::is_mcp_config(path, doc, s) {
        return ("MCP client config", mcp::extract(ctx, doc));
    }
    if notebook::is_notebook(path) {
        return ("Jupyter notebook", notebook::extract(ctx, doc));
    }
    ("partner or app config (JSON)", partner::extract(ctx, doc))
}

/// The first `${{ secrets.NAME }}`-style reference to a dbt token in a CI value, as
/// (context, name, byte start, byte end) into the file.
/// The fact a literal token's prefix is.
pub fn literal_fact(prefix: &str) -> crate::model::fact::TypeFact {
    crate::model::fact::TypeFact::Literal { prefix: prefix.to_owned() }
}

pub fn find_expr_refs(ctx: &Ctx, node: &Node, prefixes: &[&str]) -> Vec<(String, String, usize, usize)> {
    let text = ctx.text(node.span.start, node.span.end);
    let mut out = Vec::new();
    for prefix in prefixes {
        let pat = format!("{prefix}.");
        let mut from = 0;
        while let Some(i) = text.get(from..).and_then(|t| t.find(&pat)) {
            let start = from + i;
            let name_start = start + pat.len();
            let name_len = text
                .get(name_start..)
                .map(|t| t.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-').count())
                .unwrap_or(0);
            let preceded = start > 0
                && text
                    .as_bytes()
                    .get(start - 1)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.');
            if name_len > 0 && !preceded {
                let name = text.get(name_start..name_start + name_len).unwrap_or("").to_owned();
                out.push((
                    (*prefix).to_owned(),
                    name,
                    node.span.start + start,
                    node.span.start + name_start + name_len,
                ));
            }
            from = name_start;
        }
    }
    out.sort_by_key(|r| r.2);
    out
}

#[cfg(test)]
mod tests {
    use super::is_template;

    #[test]
    fn templates_are_recognised() {
        assert!(is_template("{{- if .Values.dbt.enabled }}\nenv: x\n{{- end }}"));
        assert!(is_template("{% for t in tokens %}"));
        assert!(!is_template("env:\n  DBT_TOKEN: ${{ secrets.DBT_TOKEN }}\n"));
    }
}
