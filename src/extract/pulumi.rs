//! Pulumi YAML programs and stack configs (`Pulumi.yaml`, `Pulumi.<stack>.yaml`): dbt Cloud
//! service tokens declared with their permission sets (judged by TW301), and the token the dbt
//! Cloud provider is configured with.

use super::Ctx;
use super::values;
use crate::classify::names::{partner_in, words};
use crate::model::fact::{DevMark, Fact};
use crate::model::fact::{IntegrationShownBy, TypeFact};
use crate::model::{Grant, TokenUse};
use crate::policy::Signals;
use crate::tree::{Node, NodeKind};

/// `Pulumi.yaml`, `Pulumi.<stack>.yaml`.
pub fn is_pulumi(path: &str, signals: &Signals) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let is_yaml = file.ends_with(".yaml") || file.ends_with(".yml");
    is_yaml && signals.ecosystems.pulumi_files.iter().any(|p| file.split('.').next() == Some(p.as_str()))
}

/// The stack a file configures (`Pulumi.dev.yaml` → `dev`).
fn stack(path: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = file.split('.').collect();
    (parts.len() > 2).then(|| parts[1..parts.len() - 1].join("."))
}

/// Pulumi applies without a person: production, unless the stack or the path is a dev one.
fn base_workflow(path: &str, signals: &Signals) -> Fact {
    let dev_stack = stack(path).filter(|s| words(s).iter().any(|w| signals.dev_segments.contains(w)));
    let dev = dev_stack
        .map(DevMark::Stack)
        .or_else(|| crate::classify::names::dev_segment(path, signals).map(DevMark::PathSegment));
    Fact::Infrastructure { tool: "Pulumi".to_owned(), dev }
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let base = base_workflow(path, signals);
    let resources = doc.get("resources").map(Node::entries).unwrap_or_default();
    let mut uses = Vec::new();
    for (k, def) in resources {
        let Some(logical) = k.as_str() else { continue };
        let rtype = def.get("type").and_then(Node::as_str).unwrap_or("");
        if !signals.ecosystems.pulumi_service_token_types.contains(&rtype.to_lowercase()) {
            continue;
        }
        let props = def.get("properties");
        let display = props.and_then(|p| p.get("name")).and_then(Node::as_str);
        let mut u = TokenUse::new(
            ctx.loc(k.span.start, k.span.end),
            format!("resources.{logical}"),
            "service token declared in Pulumi",
        );
        u.declaration = true;
        u.saw_type(TypeFact::DeclaredBy { resource: rtype.to_string() });
        u.grants = grants(ctx, props);
        match integration(ctx, logical, display, resources) {
            Some((name, shown_by)) => {
                u.saw(Fact::ServiceTokenFor { integration: name.clone(), shown_by });
                u.integration = Some(name);
            }
            None => u.saw(base.clone()),
        }
        uses.push(u);
    }
    // The provider's token: `config: {dbtcloud:token: …}` (a value, `{value: …}`, or `{secure: …}`).
    for (k, v) in doc.get("config").map(Node::entries).unwrap_or_default() {
        let Some(key) = k.as_str() else { continue };
        if !signals.ecosystems.pulumi_provider_token_keys.contains(&key.to_lowercase()) {
            continue;
        }
        let value = match &v.kind {
            NodeKind::Scalar { .. } => Some(v),
            _ => v.get("value").or_else(|| v.get("secure")),
        };
        let Some(value) = value else { continue };
        for r in values::refs(ctx, value.span.start, value.span.end, true) {
            let mut u =
                values::token_use(ctx, &r, key, format!("Pulumi config `{key}` (the dbt Cloud provider's token)"));
            u.saw(base.clone());
            uses.push(u);
        }
    }
    uses
}

/// `serviceTokenPermissions: [{permissionSet: …, allProjects: …}]`.
fn grants(ctx: &Ctx, props: Option<&Node>) -> Vec<Grant> {
    let perms = props.and_then(|p| p.get("serviceTokenPermissions")).map(Node::items).unwrap_or_default();
    perms
        .iter()
        .filter_map(|p| {
            let set = p.get("permissionSet")?;
            let (s, e) = values::trim_quotes(ctx.text(set.span.start, set.span.end));
            let writable = p.get("writableEnvironmentCategories").map(Node::items).unwrap_or_default();
            Some(Grant {
                permission_set: set.as_str()?.to_owned(),
                all_projects: p.get("allProjects").and_then(Node::as_str) == Some("true"),
                writable_environments: writable.iter().filter_map(Node::as_str).map(str::to_lowercase).collect(),
                at: ctx.loc(set.span.start + s, set.span.start + e),
            })
        })
        .collect()
}

/// The partner a declared token is for: its name says so, or a partner's resource receives its
/// `${name.tokenString}`.
fn integration(
    ctx: &Ctx,
    logical: &str,
    display: Option<&str>,
    resources: &[(Node, Node)],
) -> Option<(String, IntegrationShownBy)> {
    let s = &ctx.policy.signals;
    if let Some(p) = partner_in(logical, s).or_else(|| display.and_then(|d| partner_in(d, s))) {
        return Some((p.name.clone(), IntegrationShownBy::NameMentions));
    }
    let needle = format!("${{{logical}.tokenString}}");
    for (k, def) in resources {
        let holder = k.as_str().unwrap_or("");
        let rtype = def.get("type").and_then(Node::as_str).unwrap_or("");
        let package = rtype.split(':').next().unwrap_or("");
        if package.starts_with("dbt") || !ctx.text(def.span.start, def.span.end).contains(&needle) {
            continue;
        }
        if let Some(p) = partner_in(package, s).or_else(|| partner_in(holder, s)) {
            let shown_by = IntegrationShownBy::PassedTo { holder: holder.to_owned(), rtype: Some(rtype.to_owned()) };
            return Some((p.name.clone(), shown_by));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};

    #[test]
    fn policy_examples_hold() {
        let s = &builtin().signals;
        let ex = builtin().examples.get("pulumi").and_then(|d| d.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("pulumi examples"));
        for p in raw_list(&ex, "program") {
            assert!(is_pulumi(&p, s), "{p}");
        }
        for p in raw_list(&ex, "other") {
            assert!(!is_pulumi(&p, s), "{p}");
        }
        assert_eq!(stack("infra/Pulumi.dev.yaml").as_deref(), Some("dev"));
        assert_eq!(stack("Pulumi.yaml"), None);
    }
}
