//! Extraction: from one parsed file to the token uses it contains, one extractor per ecosystem.

pub mod azure_pipelines;
pub mod bitbucket_pipelines;
pub mod ci;
pub mod circleci;
pub mod cloud_cli;
pub mod github_actions;
pub mod gitlab_ci;
pub mod jenkins;
pub mod orchestrator;
pub mod postman;
pub mod script;
pub mod terraform;
pub mod values;

use crate::kind::FileKind;
use crate::literal::{self, Literal};
use crate::model::{Loc, TokenUse};
use crate::parse::{json, yaml};
use crate::policy::Policy;
use crate::source::SourceFile;
use crate::tree::{Node, ParseError};

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
    let mut facts = FileFacts { literals: literal::find(&ctx.src.text, &ctx.policy.signals), ..FileFacts::default() };
    match kind {
        FileKind::Terraform | FileKind::TerraformVars => match terraform::extract(ctx, kind) {
            Ok((tf, uses)) => {
                facts.terraform = Some(tf);
                facts.uses = uses;
            }
            Err(e) => facts.parse_error = Some(e),
        },
        FileKind::GithubActions
        | FileKind::CloudCli
        | FileKind::Yaml
        | FileKind::GitlabCi
        | FileKind::AzurePipelines
        | FileKind::CircleCi
        | FileKind::BitbucketPipelines => match yaml::parse(&ctx.src.text) {
            Ok(docs) => facts.uses = yaml_uses(ctx, kind, &docs),
            Err(e) => {
                // A workflow that does not parse still runs nowhere, but its secrets are still
                // wired: read it as text so no finding is lost behind the TW001.
                if kind == FileKind::GithubActions {
                    facts.uses = github_actions::extract_text(ctx);
                }
                if kind != FileKind::Yaml || !is_template(&ctx.src.text) {
                    facts.parse_error = Some(e);
                }
            }
        },
        FileKind::Json => match json::parse(&ctx.src.text) {
            Ok(doc) => facts.uses = json_uses(ctx, &doc),
            Err(e) if !is_template(&ctx.src.text) => facts.parse_error = Some(e),
            Err(_) => {}
        },
        FileKind::Script => facts.uses = script::extract(ctx, &facts.literals),
        FileKind::Jenkins => facts.uses = jenkins::extract(ctx),
        FileKind::Other => {}
    }
    facts
}

/// Helm, Jinja and Go templates are not YAML or JSON until rendered: a parse failure there is
/// expected, not a finding (their literal tokens are still searched).
fn is_template(text: &str) -> bool {
    text.contains("{{-") || text.contains("{{ .") || text.contains("{{.") || text.contains("{%")
}

fn yaml_uses(ctx: &Ctx, kind: FileKind, docs: &[Node]) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    for doc in docs {
        match kind {
            FileKind::GithubActions => uses.extend(github_actions::extract(ctx, doc)),
            FileKind::CloudCli => uses.extend(cloud_cli::extract(ctx, doc)),
            FileKind::GitlabCi => uses.extend(gitlab_ci::extract(ctx, doc)),
            FileKind::AzurePipelines => uses.extend(azure_pipelines::extract(ctx, doc)),
            FileKind::CircleCi => uses.extend(circleci::extract(ctx, doc)),
            FileKind::BitbucketPipelines => uses.extend(bitbucket_pipelines::extract(ctx, doc)),
            FileKind::Yaml if gitlab_ci::is_included_file(&ctx.src.display, doc) => {
                uses.extend(gitlab_ci::extract(ctx, doc))
            }
            _ => {}
        }
    }
    uses
}

fn json_uses(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    if postman::is_postman(doc) {
        return postman::extract(ctx, doc);
    }
    Vec::new()
}

/// The first `${{ secrets.NAME }}`-style reference to a dbt token in a CI value, as
/// (context, name, byte start, byte end) into the file.
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
