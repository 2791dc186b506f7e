//! Dagster Components YAML (`defs.yaml`: a component `type` and its `attributes`): a token
//! attribute templated from the environment (`token: "{{ env.DBT_CLOUD_TOKEN }}"`,
//! `workspace: {token: …}`) is read as `DbtCloudWorkspace(token=EnvVar(…))` in Python is.

use super::Ctx;
use super::values;
use crate::classify::names::{is_dbt_token_name, words};
use crate::model::TokenUse;
use crate::model::fact::OrchestratorPart;
use crate::tree::{Node, NodeKind};

/// How deep attributes are walked.
const MAX_DEPTH: usize = 8;

/// A component definition: `defs.yaml` by name, or any YAML with a dotted component `type` and
/// an `attributes` map.
pub fn is_component(path: &str, doc: &Node) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let typed = doc.get("type").and_then(Node::as_str).is_some_and(|t| t.contains('.'));
    let attrs = doc.get("attributes").is_some_and(|a| matches!(a.kind, NodeKind::Map(_)));
    attrs && (typed || file == "defs.yaml" || file == "defs.yml")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let component = doc.get("type").and_then(Node::as_str).unwrap_or("");
    // A dbt component's token attributes carry a dbt Cloud token whatever the variable is named;
    // another component's only when the variable's name says so.
    let dbt_component = words(component).iter().any(|w| w.starts_with("dbt"));
    let token_args: Vec<&String> = s
        .ecosystems
        .orchestrators
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case("dagster"))
        .flat_map(|o| o.token_args.iter())
        .collect();
    let mut found = Vec::new();
    if let Some(attrs) = doc.get("attributes") {
        walk(attrs, 0, &mut |key, v| {
            let token_key = token_args.iter().any(|t| t.eq_ignore_ascii_case(key));
            let dbt = (dbt_component && token_key) || is_dbt_token_name(key, s);
            for r in values::refs(ctx, v.span.start, v.span.end, false) {
                found.push((key.to_owned(), r));
            }
            if dbt && !found.iter().any(|(k, _)| k == key) {
                for r in values::refs(ctx, v.span.start, v.span.end, true) {
                    // A bare string under a token key is a literal or a placeholder: only a
                    // template or a literal token is a use.
                    if r.name.is_some() || r.literal.is_some() {
                        found.push((key.to_owned(), r));
                    }
                }
            }
        });
    }
    let shown = component.rsplit('.').next().unwrap_or(component);
    found
        .into_iter()
        .map(|(key, r)| {
            let mut u = values::token_use(ctx, &r, &key, format!("attribute `{key}` of Dagster component `{shown}`"));
            u.facts = super::orchestrator::orchestrator_facts(ctx, "Dagster", OrchestratorPart::Component);
            u
        })
        .collect()
}

fn walk<'a>(node: &'a Node, depth: usize, f: &mut dyn FnMut(&str, &'a Node)) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in node.entries() {
        match v.kind {
            NodeKind::Scalar { .. } => f(k.as_str().unwrap_or(""), v),
            _ => walk(v, depth + 1, f),
        }
    }
    for item in node.items() {
        walk(item, depth + 1, f);
    }
}
