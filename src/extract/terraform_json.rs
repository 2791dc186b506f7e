//! Terraform's JSON syntax (`*.tf.json`, `*.tfvars.json`; what CDKTF synthesizes into
//! `cdktf.out/stacks/<stack>/cdk.tf.json`): the same declarations as `.tf`, read from the JSON
//! tree, so `resolve::terraform` and every Terraform rule treat both syntaxes alike and a module
//! may mix them.
//!
//! In JSON a block type maps to an object (or an array of objects) keyed by its labels, and an
//! expression is a string holding a template (`"${var.dbt_token}"`). Each expression keeps the
//! span and source text of its JSON value, quotes included as in HCL, so references are found by
//! the same searches and findings point into the file.

use super::Ctx;
use super::terraform::{
    CI_SECRET_RESOURCES, TfCiSecret, TfExpr, TfFile, TfHttp, TfModule, TfOutput, TfPartnerAttr, TfProvider, TfResource,
    TfServiceToken, TfTokenStringRef, TfVariable, is_service_token_type, service_token_refs,
};
use crate::model::Grant;
use crate::tree::{Node, NodeKind, ParseError};

/// The key Terraform's JSON syntax reserves for comments, in any object (CDKTF writes its
/// metadata there).
const COMMENT: &str = "//";

pub fn extract(ctx: &Ctx, doc: &Node) -> Result<TfFile, ParseError> {
    if !matches!(doc.kind, NodeKind::Map(_)) {
        return Err(ParseError::syntax(doc.span.start, "Terraform JSON must be an object"));
    }
    let mut tf = TfFile { json: true, ..TfFile::default() };
    if ctx.src.display.to_ascii_lowercase().ends_with(".tfvars.json") {
        for (k, v) in pairs(doc) {
            tf.assignments.push((key(k), expr(ctx, v)));
        }
        return Ok(tf);
    }
    for (k, v) in pairs(doc) {
        match key(k).as_str() {
            "terraform" => terraform(v, &mut tf),
            "provider" => providers(ctx, v, &mut tf),
            "variable" => {
                for (name, body) in labelled(v) {
                    tf.variables.push(TfVariable {
                        name: key(name),
                        description: body.get("description").map(value),
                        at: name.span,
                    });
                }
            }
            "output" => {
                for (name, body) in labelled(v) {
                    let Some(val) = body.get("value") else { continue };
                    tf.outputs.push(TfOutput {
                        name: key(name),
                        value: expr(ctx, val),
                        sensitive: body.get("sensitive").is_some_and(is_true),
                        at: name.span,
                        block: body.span,
                    });
                }
            }
            "locals" => {
                for body in objects(v) {
                    for (name, val) in pairs(body) {
                        tf.locals.push((key(name), expr(ctx, val)));
                    }
                }
            }
            "module" => {
                for (name, body) in labelled(v) {
                    let name = key(name);
                    let mut m = TfModule {
                        name: name.clone(),
                        source: body.get("source").map(value).unwrap_or_default(),
                        inputs: Vec::new(),
                        providers: Vec::new(),
                    };
                    for (input, val) in pairs(body) {
                        match key(input).as_str() {
                            "providers" => m.providers = pairs(val).map(|(i, o)| (key(i), reference(o))).collect(),
                            "source" | "version" | "count" | "for_each" | "depends_on" => {}
                            other => m.inputs.push((other.to_owned(), expr(ctx, val))),
                        }
                    }
                    token_string_refs(ctx, body, &format!("module.{name}"), &mut tf);
                    tf.modules.push(m);
                }
            }
            ident @ ("resource" | "data") => {
                for (rtype, named) in labelled(v) {
                    for (name, body) in labelled(named) {
                        resource(ctx, ident == "data", &key(rtype), &key(name), name, body, &mut tf);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(tf)
}

fn resource(ctx: &Ctx, data: bool, rtype: &str, name: &str, label: &Node, body: &Node, tf: &mut TfFile) {
    let holder = format!("{rtype}.{name}");
    if data && rtype == "http" {
        http_call(ctx, body, name, tf);
    }
    if !data && is_service_token_type(rtype) {
        tf.service_tokens.push(service_token(ctx, body, name, label));
    }
    token_string_refs(ctx, body, &holder, tf);
    if !data
        && !rtype.starts_with("dbt")
        && let Some(p) = crate::classify::names::partner_in(rtype, &ctx.policy.signals)
    {
        partner_attrs(ctx, body, None, &holder, &p.name, tf);
    }
    if let Some((_, name_attr, value_attr)) = CI_SECRET_RESOURCES.iter().find(|(t, _, _)| *t == rtype)
        && let (Some(secret), Some(val)) = (body.get(name_attr).and_then(Node::as_str), body.get(value_attr))
    {
        tf.ci_secrets.push(TfCiSecret { name: secret.to_owned(), resource: holder.clone(), value: expr(ctx, val) });
    }
    let provider = body.get("provider").map(reference);
    // Quoted as HCL writes a literal, so that the resolver tells a literal strategy from one
    // computed at plan time (`"${var.strategy}"`) the same way for both syntaxes.
    let clone_strategy = body.get("git_clone_strategy").map(|v| {
        let mut e = expr(ctx, v);
        if matches!(v.kind, NodeKind::Scalar { quoted: true, .. }) {
            e.text = format!("\"{}\"", e.text);
        }
        e
    });
    let installation_id = body.get("github_installation_id").map(|v| expr(ctx, v));
    tf.resources.push(TfResource {
        data,
        rtype: rtype.to_owned(),
        name: name.to_owned(),
        provider,
        clone_strategy,
        installation_id,
    });
}

/// `"provider": {"dbtcloud": {...}}`, or an array of configurations, the aliased ones among them.
fn providers(ctx: &Ctx, v: &Node, tf: &mut TfFile) {
    for (local, body) in labelled(v) {
        tf.providers.push(TfProvider {
            local: key(local),
            alias: body.get("alias").map(value),
            token: body.get("token").map(|t| expr(ctx, t)),
            host_url: body.get("host_url").map(|h| expr(ctx, h)),
            at: local.span,
        });
    }
}

/// `required_providers`, and the Terraform Cloud / remote backend workspaces.
fn terraform(v: &Node, tf: &mut TfFile) {
    for body in objects(v) {
        for rp in body.get("required_providers").into_iter().flat_map(objects) {
            for (local, req) in pairs(rp) {
                let source = match &req.kind {
                    NodeKind::Map(_) => req.get("source").and_then(Node::as_str),
                    _ => req.as_str(),
                };
                if let Some(source) = source {
                    tf.required.push((key(local), source.to_lowercase()));
                }
            }
        }
        let cloud = body.get("cloud").into_iter().flat_map(objects);
        let backends = body.get("backend").into_iter().flat_map(labelled).map(|(_, b)| b);
        for holder in cloud.chain(backends) {
            for ws in holder.get("workspaces").into_iter().flat_map(objects) {
                for k in ["name", "prefix"] {
                    tf.workspaces.extend(ws.get(k).and_then(Node::as_str).map(str::to_owned));
                }
                if let Some(tags) = ws.get("tags") {
                    let list = tags.items().iter().chain(tags.entries().iter().map(|(_, v)| v));
                    tf.workspaces.extend(list.filter_map(Node::as_str).map(str::to_owned));
                }
            }
        }
    }
}

fn http_call(ctx: &Ctx, body: &Node, name: &str, tf: &mut TfFile) {
    let (Some(url), Some(headers)) = (body.get("url"), body.get("request_headers")) else { return };
    let url = expr(ctx, url);
    for (k, v) in pairs(headers) {
        let lower = key(k).to_ascii_lowercase();
        if lower == "authorization" || lower.contains("token") {
            tf.http.push(TfHttp { name: name.to_owned(), url: url.clone(), header: expr(ctx, v) });
        }
    }
}

fn service_token(ctx: &Ctx, body: &Node, name: &str, label: &Node) -> TfServiceToken {
    let mut grants = Vec::new();
    for perm in body.get("service_token_permissions").into_iter().flat_map(objects) {
        if let Some(set) = perm.get("permission_set") {
            let e = expr(ctx, set);
            grants.push(Grant {
                permission_set: e.text.trim_matches('"').to_owned(),
                all_projects: perm.get("all_projects").is_some_and(is_true),
                // `"writable_environment_categories": ["all"]`.
                writable_environments: perm
                    .get("writable_environment_categories")
                    .map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_owned).collect())
                    .unwrap_or_default(),
                at: ctx.loc(e.span.start, e.span.end),
            });
        }
    }
    TfServiceToken {
        label: name.to_owned(),
        display_name: body.get("name").and_then(Node::as_str).map(str::to_owned),
        grants,
        at: label.span,
    }
}

/// Every value of a partner's resource, under the key nearest to it.
fn partner_attrs(ctx: &Ctx, node: &Node, at_key: Option<&str>, holder: &str, partner: &str, tf: &mut TfFile) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries.iter().filter(|(k, _)| k.as_str() != Some(COMMENT)) {
                partner_attrs(ctx, v, Some(&key(k)), holder, partner, tf);
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| partner_attrs(ctx, i, at_key, holder, partner, tf)),
        NodeKind::Scalar { .. } => tf.partner_attrs.push(TfPartnerAttr {
            holder: holder.to_owned(),
            partner: partner.to_owned(),
            key: at_key.unwrap_or_default().to_owned(),
            value: expr(ctx, node),
        }),
        NodeKind::Alias => {}
    }
}

fn token_string_refs(ctx: &Ctx, node: &Node, holder: &str, tf: &mut TfFile) {
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().for_each(|(_, v)| token_string_refs(ctx, v, holder, tf)),
        NodeKind::Seq(items) => items.iter().for_each(|i| token_string_refs(ctx, i, holder, tf)),
        NodeKind::Scalar { quoted: true, .. } => {
            for (label, start, end) in service_token_refs(&expr(ctx, node)) {
                tf.token_string_refs.push(TfTokenStringRef {
                    token_label: label,
                    holder: holder.to_owned(),
                    at: crate::tree::Span::new(start, end),
                });
            }
        }
        NodeKind::Scalar { .. } | NodeKind::Alias => {}
    }
}

/// The objects a block value stands for: the object itself, or each object of an array.
fn objects(v: &Node) -> Vec<&Node> {
    match &v.kind {
        NodeKind::Map(_) => vec![v],
        NodeKind::Seq(items) => items.iter().filter(|i| matches!(i.kind, NodeKind::Map(_))).collect(),
        _ => Vec::new(),
    }
}

/// An object's entries, comments left out.
fn pairs(v: &Node) -> impl Iterator<Item = (&Node, &Node)> {
    v.entries().iter().filter(|(k, _)| k.as_str() != Some(COMMENT)).map(|(k, v)| (k, v))
}

/// A labelled block's entries: (label, body) for each body, whether the label maps to one
/// object or to an array of them, across every object the block value stands for.
fn labelled(v: &Node) -> Vec<(&Node, &Node)> {
    objects(v)
        .into_iter()
        .flat_map(pairs)
        .flat_map(|(label, body)| objects(body).into_iter().map(move |b| (label, b)))
        .collect()
}

fn key(k: &Node) -> String {
    k.as_str().unwrap_or_default().to_owned()
}

/// A string's value, or the source of any other value.
fn value(v: &Node) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// A reference written as a string (`"provider": "dbtcloud.user"`), as HCL writes it bare.
fn reference(v: &Node) -> String {
    let s = v.as_str().unwrap_or_default().trim();
    s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).unwrap_or(s).trim().to_owned()
}

fn is_true(v: &Node) -> bool {
    matches!(&v.kind, NodeKind::Scalar { value, .. } if value == "true")
}

/// A value as an expression: a string's template between its quotes (`${var.dbt_token}`, as
/// the reference is shown), any other value whole.
fn expr(ctx: &Ctx, v: &Node) -> TfExpr {
    let (mut start, mut end) = (v.span.start, v.span.end);
    if matches!(v.kind, NodeKind::Scalar { quoted: true, .. }) && end >= start + 2 {
        (start, end) = (start + 1, end - 1);
    }
    TfExpr { span: crate::tree::Span::new(start, end), text: ctx.text(start, end).to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn read(path: &str, text: &str) -> TfFile {
        let policy = crate::policy::builtin();
        let src = SourceFile::new(path.into(), path.into(), text.into());
        let ctx = Ctx { file: 0, src: &src, policy };
        let doc = crate::parse::json::parse(text).unwrap_or_else(|e| panic!("the test input must parse: {e:?}"));
        extract(&ctx, &doc).unwrap_or_else(|e| panic!("must read: {e:?}"))
    }

    #[test]
    fn reads_the_declarations_hcl_would_give() {
        let text = r#"{
  "//": {"metadata": {"stackName": "prod"}},
  "terraform": {"required_providers": {"dbt": {"source": "dbt-labs/dbtcloud"}}},
  "provider": {"dbt": [{"token": "${var.dbt_token}"}, {"alias": "user", "token": "${var.dbt_pat}", "host_url": "https://x.us1.dbt.com/api"}]},
  "variable": {"dbt_token": {"type": "string", "sensitive": true, "description": "service token"}},
  "resource": {"dbtcloud_repository": {"repo": {"provider": "dbt.user", "remote_url": "x"}},
               "dbtcloud_service_token": {"ci": {"name": "ci", "service_token_permissions": [{"permission_set": "job_admin", "all_projects": true}]}},
               "hightouch_source": {"h": {"configuration": {"api_token": "${dbtcloud_service_token.ci.token_string}"}}}},
  "module": {"jobs": {"source": "./jobs", "providers": {"dbtcloud": "dbt.user"}, "token": "${var.dbt_token}"}},
  "output": {"tok": {"value": "${dbtcloud_service_token.ci.token_string}"}},
  "locals": {"t": "${var.dbt_pat}"}
}"#;
        let tf = read("cdktf.out/stacks/prod/cdk.tf.json", text);
        assert!(tf.json);
        assert_eq!(tf.required, [("dbt".to_owned(), "dbt-labs/dbtcloud".to_owned())]);
        let p: Vec<_> = tf.providers.iter().map(|p| (p.local.as_str(), p.alias.as_deref())).collect();
        assert_eq!(p, [("dbt", None), ("dbt", Some("user"))]);
        let token = tf.providers[0].token.as_ref().map(|t| t.text.as_str());
        assert_eq!(token, Some("${var.dbt_token}"));
        let at = tf.providers[0].token.as_ref().map(|t| t.span.start).unwrap_or_default();
        assert_eq!(text.get(at..at + 4), Some("${va"), "spans point into the file");
        assert_eq!(tf.variables[0].description.as_deref(), Some("service token"));
        assert_eq!(tf.resources[0].provider.as_deref(), Some("dbt.user"));
        assert_eq!(tf.service_tokens[0].grants[0].permission_set, "job_admin");
        assert!(tf.service_tokens[0].grants[0].all_projects);
        assert_eq!(tf.modules[0].providers, [("dbtcloud".to_owned(), "dbt.user".to_owned())]);
        assert_eq!(tf.modules[0].inputs.len(), 1);
        assert!(!tf.outputs[0].sensitive);
        assert_eq!(tf.token_string_refs.len(), 1, "in resources, not in outputs");
        assert_eq!(tf.token_string_refs[0].holder, "hightouch_source.h");
        let keys: Vec<&str> = tf.partner_attrs.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["api_token"]);
        assert_eq!(tf.locals.len(), 1);
    }

    #[test]
    fn tfvars_json_are_assignments_and_other_json_is_an_error() {
        let tf = read("prod.tfvars.json", r#"{"dbt_token": "x", "//": "note"}"#);
        assert_eq!(tf.assignments.len(), 1);
        let policy = crate::policy::builtin();
        let src = SourceFile::new("x.tf.json".into(), "x.tf.json".into(), "[1]".into());
        let ctx = Ctx { file: 0, src: &src, policy };
        let doc = crate::parse::json::parse("[1]").unwrap_or_else(|e| panic!("{e:?}"));
        assert!(extract(&ctx, &doc).is_err());
    }
}
