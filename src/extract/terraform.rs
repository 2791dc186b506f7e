//! Terraform (`.tf`, `.tfvars`): the declarations that decide where a dbt Cloud token goes.
//!
//! Terraform's meaning spans files (variables in one, providers in another, modules in other
//! folders), so this extractor only records declarations; `resolve::terraform` turns them into
//! token uses once every file is read.

use super::Ctx;
use crate::kind::FileKind;
use crate::model::{Grant, TokenUse};
use crate::tree::{ParseError, Span};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

/// An expression: where it is and its source text.
#[derive(Clone, Debug)]
pub struct TfExpr {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct TfProvider {
    pub local: String,
    pub alias: Option<String>,
    pub token: Option<TfExpr>,
    /// `host_url`, when the block sets it.
    pub host_url: Option<TfExpr>,
    /// The block's label.
    pub at: Span,
}

#[derive(Clone, Debug)]
pub struct TfVariable {
    pub name: String,
    pub description: Option<String>,
    pub at: Span,
}

#[derive(Clone, Debug)]
pub struct TfModule {
    pub name: String,
    pub source: String,
    pub inputs: Vec<(String, TfExpr)>,
    /// `providers = { inner = outer.alias }`
    pub providers: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct TfResource {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub provider: Option<String>,
    /// `git_clone_strategy` (of a repository), as written: a literal or an expression.
    pub clone_strategy: Option<TfExpr>,
    /// `github_installation_id` (of a repository): a literal, a variable, or a lookup's result.
    pub installation_id: Option<TfExpr>,
}

/// A `data "http"` call: its URL and the header value that carries a token.
#[derive(Clone, Debug)]
pub struct TfHttp {
    pub name: String,
    pub url: TfExpr,
    pub header: TfExpr,
}

#[derive(Clone, Debug)]
pub struct TfServiceToken {
    pub label: String,
    pub display_name: Option<String>,
    pub grants: Vec<Grant>,
    pub at: Span,
}

/// A reference to `dbtcloud_service_token.X.token_string` inside another block.
#[derive(Clone, Debug)]
pub struct TfTokenStringRef {
    pub token_label: String,
    /// The enclosing block, as `type.name` or `module.name`.
    pub holder: String,
    pub at: Span,
}

/// An attribute of a partner's resource (`hightouch_source`, `census_source`, …): where a dbt
/// token handed to the partner would be written.
#[derive(Clone, Debug)]
pub struct TfPartnerAttr {
    /// The resource, as `type.name`.
    pub holder: String,
    pub partner: String,
    pub key: String,
    pub value: TfExpr,
}

/// An `output` block: its value and whether it is marked sensitive.
#[derive(Clone, Debug)]
pub struct TfOutput {
    pub name: String,
    pub value: TfExpr,
    pub sensitive: bool,
    /// The block's label, and the whole block.
    pub at: Span,
    pub block: Span,
}

/// Everything one Terraform file declares that matters for tokens.
#[derive(Clone, Debug, Default)]
pub struct TfFile {
    pub required: Vec<(String, String)>,
    pub providers: Vec<TfProvider>,
    pub variables: Vec<TfVariable>,
    pub modules: Vec<TfModule>,
    pub resources: Vec<TfResource>,
    pub http: Vec<TfHttp>,
    /// `name = value` at the top level of a `.tfvars` file.
    pub assignments: Vec<(String, TfExpr)>,
    pub service_tokens: Vec<TfServiceToken>,
    pub token_string_refs: Vec<TfTokenStringRef>,
    pub partner_attrs: Vec<TfPartnerAttr>,
    /// CI secrets and variables that Terraform itself sets (`github_actions_secret`,
    /// `gitlab_project_variable`, …), with the value expression.
    pub ci_secrets: Vec<TfCiSecret>,
    /// `locals { name = expr }`, so tokens can be followed through `local.name`.
    pub locals: Vec<(String, TfExpr)>,
    /// The Terraform Cloud / remote backend workspaces the configuration runs in: their names,
    /// name prefixes and tags (`cloud { workspaces { name = "dbt-staging" } }`).
    pub workspaces: Vec<String>,
    /// `output` blocks (TW204).
    pub outputs: Vec<TfOutput>,
    /// Written in Terraform's JSON syntax: a fix that writes HCL does not apply.
    pub json: bool,
    /// A `terragrunt.hcl`: the module it applies and the inputs it gives it.
    pub terragrunt: Option<TgConfig>,
}

/// What a `terragrunt.hcl` gives Terraform: `terraform { source = "…" }` and `inputs = { … }`.
#[derive(Clone, Debug, Default)]
pub struct TgConfig {
    /// The module's source as written, if the file names one (else the module is its folder).
    pub source: Option<String>,
    /// `inputs = { name = expr }`: each becomes the module's variable `name`.
    pub inputs: Vec<(String, TfExpr)>,
    /// `locals { name = expr }` of the file, which its inputs may read as `local.name`.
    pub locals: Vec<(String, TfExpr)>,
}

/// A CI secret managed by Terraform: its name and the value it is set to.
#[derive(Clone, Debug)]
pub struct TfCiSecret {
    pub name: String,
    pub resource: String,
    pub value: TfExpr,
}

/// Resources that set a CI system's secret or variable, with their name and value attributes.
pub const CI_SECRET_RESOURCES: &[(&str, &str, &str)] = &[
    ("github_actions_secret", "secret_name", "plaintext_value"),
    ("github_actions_environment_secret", "secret_name", "plaintext_value"),
    ("github_actions_organization_secret", "secret_name", "plaintext_value"),
    ("github_dependabot_secret", "secret_name", "plaintext_value"),
    ("gitlab_project_variable", "key", "value"),
    ("gitlab_group_variable", "key", "value"),
    ("circleci_context_environment_variable", "variable", "value"),
];

pub fn extract(ctx: &Ctx, kind: FileKind) -> Result<(TfFile, Vec<TokenUse>), ParseError> {
    let body = parse_body(&ctx.src.text)?;
    let mut tf = TfFile::default();
    if kind == FileKind::TerraformVars {
        for attr in body.attributes() {
            tf.assignments.push((attr.key.as_str().to_owned(), expr(ctx, &attr.value)));
        }
        return Ok((tf, Vec::new()));
    }
    for block in body.blocks() {
        let labels: Vec<String> = block.labels.iter().map(label).collect();
        let first = labels.first().cloned().unwrap_or_default();
        match block.ident.as_str() {
            "terraform" => {
                required_providers(&block.body, &mut tf);
                workspaces(ctx, &block.body, &mut tf);
            }
            "provider" => tf.providers.push(TfProvider {
                local: first,
                alias: string_attr(&block.body, "alias"),
                token: block.body.get_attribute("token").map(|a| expr(ctx, &a.value)),
                host_url: block.body.get_attribute("host_url").map(|a| expr(ctx, &a.value)),
                at: label_span(block).unwrap_or_default(),
            }),
            "output" => {
                if let Some(value) = block.body.get_attribute("value").map(|a| expr(ctx, &a.value)) {
                    let sensitive = block
                        .body
                        .get_attribute("sensitive")
                        .is_some_and(|a| expr(ctx, &a.value).text.trim() == "true");
                    let r = block.span().unwrap_or(0..0);
                    tf.outputs.push(TfOutput {
                        name: first,
                        value,
                        sensitive,
                        at: label_span(block).unwrap_or_default(),
                        block: Span::new(r.start, r.end),
                    });
                }
            }
            "locals" => {
                for attr in block.body.attributes() {
                    tf.locals.push((attr.key.as_str().to_owned(), expr(ctx, &attr.value)));
                }
            }
            "variable" => tf.variables.push(TfVariable {
                name: first,
                description: string_attr(&block.body, "description")
                    .or_else(|| block.body.get_attribute("description").map(|a| expr(ctx, &a.value).text)),
                at: label_span(block).unwrap_or_default(),
            }),
            "module" => {
                let mut m = TfModule {
                    name: first.clone(),
                    source: string_attr(&block.body, "source").unwrap_or_default(),
                    inputs: Vec::new(),
                    providers: Vec::new(),
                };
                for attr in block.body.attributes() {
                    let key = attr.key.as_str();
                    if key == "providers" {
                        m.providers = object_pairs(ctx, &attr.value);
                    } else if !matches!(key, "source" | "version" | "count" | "for_each" | "depends_on") {
                        m.inputs.push((key.to_owned(), expr(ctx, &attr.value)));
                    }
                }
                token_string_refs(ctx, &block.body, &format!("module.{first}"), &mut tf);
                tf.modules.push(m);
            }
            ident @ ("resource" | "data") => {
                let rtype = first;
                let name = labels.get(1).cloned().unwrap_or_default();
                let provider = block.body.get_attribute("provider").map(|a| expr(ctx, &a.value).text);
                if ident == "data" && rtype == "http" {
                    http_call(ctx, &block.body, &name, &mut tf);
                }
                if ident == "resource" && is_service_token_type(&rtype) {
                    tf.service_tokens.push(service_token(ctx, block, &name));
                }
                token_string_refs(ctx, &block.body, &format!("{rtype}.{name}"), &mut tf);
                if ident == "resource"
                    && !rtype.starts_with("dbt")
                    && let Some(p) = crate::classify::names::partner_in(&rtype, &ctx.policy.signals)
                {
                    partner_attrs(ctx, &block.body, &format!("{rtype}.{name}"), &p.name, &mut tf);
                }
                if let Some((_, name_attr, value_attr)) = CI_SECRET_RESOURCES.iter().find(|(t, _, _)| *t == rtype) {
                    let secret = string_attr(&block.body, name_attr);
                    let value = block.body.get_attribute(value_attr).map(|a| expr(ctx, &a.value));
                    if let (Some(secret), Some(value)) = (secret, value) {
                        tf.ci_secrets.push(TfCiSecret { name: secret, resource: format!("{rtype}.{name}"), value });
                    }
                }
                let clone_strategy = block.body.get_attribute("git_clone_strategy").map(|a| expr(ctx, &a.value));
                let installation_id = block.body.get_attribute("github_installation_id").map(|a| expr(ctx, &a.value));
                tf.resources.push(TfResource {
                    data: ident == "data",
                    rtype,
                    name,
                    provider,
                    clone_strategy,
                    installation_id,
                });
            }
            _ => {}
        }
    }
    Ok((tf, Vec::new()))
}

/// How many duplicate object keys one file may have renamed before its parse error stands.
const MAX_DUPLICATE_KEYS: usize = 64;

/// Parse a Terraform body. An object written with the same key twice (`object({ a = string,
/// a = string })`, a copy-paste slip Terraform itself accepts) is valid HCL syntax, but
/// hcl-edit rejects it, and the whole file (every variable's description, every provider) would
/// be lost behind one TW001. Such a key is renamed in a copy of the text to a fresh name of the
/// same length, so every span still points into the original file, and the copy is parsed again.
pub(super) fn parse_body(text: &str) -> Result<Body, ParseError> {
    let mut copy: Option<String> = None;
    let mut first_error: Option<ParseError> = None;
    for _ in 0..=MAX_DUPLICATE_KEYS {
        let current = copy.as_deref().unwrap_or(text);
        let e = match hcl_edit::parser::parse_body(current) {
            Ok(body) => return Ok(body),
            Err(e) => e,
        };
        let err = ParseError::syntax(e.location().offset(), e.message());
        let original = first_error.get_or_insert(err.clone()).clone();
        if !err.message.contains("redefined object key") {
            return Err(original);
        }
        match rename_key(current, err.offset) {
            Some(next) => copy = Some(next),
            None => return Err(original),
        }
    }
    Err(first_error.unwrap_or(ParseError::syntax(0, "too many duplicate object keys")))
}

/// `text` with the identifier (or quoted key) at `at` replaced by a same-length name found
/// nowhere in the text.
fn rename_key(text: &str, at: usize) -> Option<String> {
    let b = text.as_bytes();
    let start = if b.get(at) == Some(&b'"') { at + 1 } else { at };
    let len = b.get(start..)?.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-').count();
    if len == 0 {
        return None;
    }
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    // Enough candidates for any key: a one-letter key has 53, longer ones vastly more.
    let fresh = (0..4096usize).find_map(|n| {
        let mut name = vec![b'_'; len];
        let mut k = n;
        for slot in name.iter_mut().rev() {
            *slot = ALPHABET[k % ALPHABET.len()];
            k /= ALPHABET.len();
        }
        (k == 0).then(|| String::from_utf8(name).ok()).flatten().filter(|c| !text.contains(c.as_str()))
    })?;
    let mut out = String::with_capacity(text.len());
    out.push_str(text.get(..start)?);
    out.push_str(&fresh);
    out.push_str(text.get(start + len..)?);
    Some(out)
}

/// `dbtcloud_service_token`, and the legacy provider's `dbt_cloud_service_token`.
pub fn is_service_token_type(rtype: &str) -> bool {
    rtype.ends_with("_service_token") && rtype.starts_with("dbt")
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_owned(),
        BlockLabel::String(s) => s.value().clone(),
    }
}

fn label_span(block: &Block) -> Option<Span> {
    let r = match block.labels.first()? {
        BlockLabel::Ident(i) => i.span()?,
        BlockLabel::String(s) => s.span()?,
    };
    Some(Span::new(r.start, r.end))
}

pub(super) fn expr(ctx: &Ctx, e: &Expression) -> TfExpr {
    let r = e.span().unwrap_or(0..0);
    TfExpr { span: Span::new(r.start, r.end), text: ctx.text(r.start, r.end).to_owned() }
}

fn string_attr(body: &Body, key: &str) -> Option<String> {
    match &body.get_attribute(key)?.value {
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

fn object_pairs(ctx: &Ctx, e: &Expression) -> Vec<(String, String)> {
    let Expression::Object(obj) = e else { return Vec::new() };
    obj.iter()
        .map(|(k, v)| {
            let key = match k {
                ObjectKey::Ident(i) => i.as_str().to_owned(),
                ObjectKey::Expression(e) => expr(ctx, e).text.trim_matches('"').to_owned(),
            };
            (key, expr(ctx, v.expr()).text)
        })
        .collect()
}

/// `cloud { workspaces { name | tags } }` and `backend "remote" { workspaces { name | prefix } }`:
/// the workspace a configuration applies in names its environment as a folder would.
fn workspaces(ctx: &Ctx, body: &Body, tf: &mut TfFile) {
    let holders = body.get_blocks("cloud").chain(body.get_blocks("backend"));
    for holder in holders {
        for ws in holder.body.get_blocks("workspaces") {
            for key in ["name", "prefix"] {
                tf.workspaces.extend(string_attr(&ws.body, key));
            }
            if let Some(tags) = ws.body.get_attribute("tags") {
                let text = expr(ctx, &tags.value).text;
                // Tags are a list of strings, or (newer) a map of key = "value".
                tf.workspaces.extend(text.split('"').skip(1).step_by(2).map(str::to_owned));
            }
        }
    }
}

fn required_providers(body: &Body, tf: &mut TfFile) {
    for rp in body.get_blocks("required_providers") {
        for attr in rp.body.attributes() {
            let source = match &attr.value {
                Expression::Object(obj) => obj.iter().find_map(|(k, v)| {
                    let is_source = matches!(k, ObjectKey::Ident(i) if i.as_str() == "source");
                    match (is_source, v.expr()) {
                        (true, Expression::String(s)) => Some(s.value().clone()),
                        _ => None,
                    }
                }),
                Expression::String(s) => Some(s.value().clone()),
                _ => None,
            };
            if let Some(source) = source {
                tf.required.push((attr.key.as_str().to_owned(), source.to_lowercase()));
            }
        }
    }
}

fn http_call(ctx: &Ctx, body: &Body, name: &str, tf: &mut TfFile) {
    let Some(url) = body.get_attribute("url").map(|a| expr(ctx, &a.value)) else { return };
    let Some(headers) = body.get_attribute("request_headers") else { return };
    let Expression::Object(obj) = &headers.value else { return };
    for (k, v) in obj.iter() {
        let key = match k {
            ObjectKey::Ident(i) => i.as_str().to_owned(),
            ObjectKey::Expression(e) => expr(ctx, e).text.trim_matches('"').to_owned(),
        };
        let lower = key.to_ascii_lowercase();
        if lower == "authorization" || lower.contains("token") {
            tf.http.push(TfHttp { name: name.to_owned(), url: url.clone(), header: expr(ctx, v.expr()) });
        }
    }
}

fn service_token(ctx: &Ctx, block: &Block, name: &str) -> TfServiceToken {
    let mut grants = Vec::new();
    for perm in block.body.get_blocks("service_token_permissions") {
        let set = perm.body.get_attribute("permission_set");
        let all = perm
            .body
            .get_attribute("all_projects")
            .is_some_and(|a| matches!(&a.value, Expression::Bool(b) if *b.value()));
        // `writable_environment_categories = ["all"]`: the quoted values of the list.
        let writable = perm
            .body
            .get_attribute("writable_environment_categories")
            .map(|a| quoted_values(&expr(ctx, &a.value).text))
            .unwrap_or_default();
        if let Some(set) = set {
            let e = expr(ctx, &set.value);
            grants.push(Grant {
                permission_set: e.text.trim_matches('"').to_owned(),
                all_projects: all,
                writable_environments: writable,
                at: ctx.loc(e.span.start, e.span.end),
            });
        }
    }
    TfServiceToken {
        label: name.to_owned(),
        display_name: string_attr(&block.body, "name"),
        grants,
        at: label_span(block).unwrap_or_default(),
    }
}

fn partner_attrs(ctx: &Ctx, body: &Body, holder: &str, partner: &str, tf: &mut TfFile) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => tf.partner_attrs.push(TfPartnerAttr {
                holder: holder.to_owned(),
                partner: partner.to_owned(),
                key: attr.key.as_str().to_owned(),
                value: expr(ctx, &attr.value),
            }),
            Structure::Block(b) => partner_attrs(ctx, &b.body, holder, partner, tf),
        }
    }
}

fn token_string_refs(ctx: &Ctx, body: &Body, holder: &str, tf: &mut TfFile) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let e = expr(ctx, &attr.value);
                for (label, start, end) in service_token_refs(&e) {
                    tf.token_string_refs.push(TfTokenStringRef {
                        token_label: label,
                        holder: holder.to_owned(),
                        at: Span::new(start, end),
                    });
                }
            }
            Structure::Block(b) => token_string_refs(ctx, &b.body, holder, tf),
        }
    }
}

/// The double-quoted strings of an expression (`["all", "production"]`), lowercase.
fn quoted_values(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).map(str::to_lowercase).collect()
}

/// `dbtcloud_service_token.NAME.token_string` references in an expression: (NAME, span).
pub fn service_token_refs(e: &TfExpr) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for rtype in ["dbtcloud_service_token.", "dbt_cloud_service_token."] {
        let mut from = 0;
        while let Some(i) = e.text.get(from..).and_then(|t| t.find(rtype)) {
            let start = from + i;
            let rest = e.text.get(start + rtype.len()..).unwrap_or("");
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
            let after = rest.get(name.len()..).unwrap_or("");
            let after = after.trim_start_matches(|c: char| c == '[' || c.is_ascii_digit() || c == ']' || c == '*');
            if !name.is_empty() && after.starts_with(".token_string") {
                let end = start + rtype.len() + (rest.len() - after.len()) + ".token_string".len();
                out.push((name, e.span.start + start, e.span.start + end));
            }
            from = start + rtype.len();
        }
    }
    out
}

/// `data.http.NAME` references in an expression: the NAMEs.
pub fn http_refs(e: &TfExpr) -> Vec<String> {
    refs(e, "data.http.").into_iter().map(|(n, _, _)| n).collect()
}

/// `var.NAME` references in an expression: (NAME, span).
pub fn var_refs(e: &TfExpr) -> Vec<(String, usize, usize)> {
    refs(e, "var.")
}

/// `local.NAME` references in an expression: (NAME, span).
pub fn local_refs(e: &TfExpr) -> Vec<(String, usize, usize)> {
    refs(e, "local.")
}

fn refs(e: &TfExpr, prefix: &str) -> Vec<(String, usize, usize)> {
    let bytes = e.text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = e.text.get(from..).and_then(|t| t.find(prefix)) {
        let start = from + i;
        let boundary = start == 0
            || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_' || bytes[start - 1] == b'.');
        let name: String = e.text[start + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if boundary && !name.is_empty() {
            let end = start + prefix.len() + name.len();
            out.push((name, e.span.start + start, e.span.start + end));
        }
        from = start + prefix.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn te(text: &str) -> TfExpr {
        TfExpr { span: Span::new(10, 10 + text.len()), text: text.to_owned() }
    }

    #[test]
    fn finds_var_refs_with_spans() {
        let refs = var_refs(&te("format(\"Bearer %s\", var.dbt_pat)"));
        assert_eq!(refs, vec![("dbt_pat".to_owned(), 30, 41)]);
        assert!(var_refs(&te("local.var.x")).is_empty());
    }

    #[test]
    fn a_duplicate_object_key_does_not_lose_the_file() {
        let text = "variable \"dbt_token\" {\n  description = \"personal access token\"\n}\n\nvariable \"envs\" {\n  type = list(object({\n    a = optional(string)\n    b = string\n    a = optional(string)\n  }))\n}\n";
        assert!(hcl_edit::parser::parse_body(text).is_err(), "hcl-edit rejects duplicate keys");
        let body = parse_body(text).unwrap();
        let descs: Vec<_> = body.blocks().filter_map(|b| string_attr(&b.body, "description")).collect();
        assert_eq!(descs, ["personal access token"]);
        assert!(parse_body("variable \"x\" {\n  default = {\n").is_err(), "real errors stand");
    }

    #[test]
    fn finds_service_token_refs() {
        let refs = service_token_refs(&te("dbtcloud_service_token.hightouch.token_string"));
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].0, "hightouch");
        assert!(service_token_refs(&te("dbtcloud_service_token.x.id")).is_empty());
    }
}
