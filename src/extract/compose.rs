//! docker-compose files: the environment of each service, and who runs it (a custom app or
//! agent: partner integration; an orchestrator: production; a local dev stack: developmental).

use super::Ctx;
use super::values::{self, Deployed, Role, ValueRef};
use crate::classify::names::{dev_segment, is_dbt_token_name};
use crate::model::TokenUse;
use crate::model::fact::{Basis, Fact};
use crate::policy::Signals;
use crate::tree::{Node, NodeKind};

/// `docker-compose.yml`, `compose.prod.yaml`, `docker-compose-dev.yml`, by name.
pub fn is_compose_name(path: &str, signals: &Signals) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = file.split('.').next().unwrap_or("");
    let is_yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    is_yaml
        && signals
            .ecosystems
            .compose_files
            .iter()
            .any(|f| stem == f || stem.starts_with(&format!("{f}-")) || stem.starts_with(&format!("{f}_")))
}

/// A compose file: its name says so and it declares `services`.
pub fn is_compose(path: &str, doc: &Node, signals: &Signals) -> bool {
    is_compose_name(path, signals) && doc.get("services").is_some_and(|s| matches!(s.kind, NodeKind::Map(_)))
}

/// The word of a compose file's name or path that marks a developer's local stack.
pub fn dev_stack(path: &str, signals: &Signals) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let words = &signals.ecosystems.compose_dev_words;
    file.split(['.', '-', '_'])
        .find(|w| words.iter().any(|d| d == w))
        .map(str::to_owned)
        .or_else(|| dev_segment(path, signals))
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let dev = dev_stack(path, signals);
    let dirs: Vec<String> = path.split('/').rev().skip(1).map(str::to_lowercase).collect();
    let in_deploy_folder = dirs.iter().any(|d| signals.ecosystems.deployed_segments.contains(d));
    // Services, and `x-…` extension blocks whose shared environment services merge in.
    let mut blocks: Vec<(&str, &Node)> = Vec::new();
    for (k, v) in doc.get("services").map(Node::entries).unwrap_or_default() {
        blocks.push((k.as_str().unwrap_or(""), v));
    }
    for (k, v) in doc.entries() {
        if let Some(name) = k.as_str().filter(|n| n.starts_with("x-")) {
            blocks.push((name, v));
        }
    }
    let mut uses = Vec::new();
    for (service, def) in blocks {
        let Some(env) = def.get("environment") else { continue };
        let image = def.get("image").and_then(Node::as_str).unwrap_or("");
        let pairs = env_pairs(ctx, env);
        let airflow_conn = pairs.iter().any(|p| {
            let prefix = &signals.ecosystems.airflow_conn_prefix;
            !prefix.is_empty() && p.key.to_ascii_uppercase().starts_with(prefix.as_str())
        });
        // A service built from the working tree, outside a deployment folder, is a local stack.
        let built_here = def.get("build").is_some() && image.is_empty() && !in_deploy_folder;
        let role = match (&dev, values::deployed_kind(&[image, service], signals)) {
            (Some(word), _) => Role::Local(format!(
                "`{path}` starts a developer's local stack (`{word}`): service `{service}` acts for that developer"
            )),
            (None, _) if built_here => Role::Local(format!(
                "compose service `{service}` is built from the working tree (`build:`, no `image:`): a developer's local stack"
            )),
            (None, Deployed::Orchestrator(name)) => {
                Role::Orchestrator(format!("compose service `{service}` runs {name}: an orchestrator"))
            }
            (None, Deployed::App) if airflow_conn => Role::Orchestrator(format!(
                "compose service `{service}` defines an Airflow connection: an orchestrator"
            )),
            (None, Deployed::Agent(_)) => {
                Role::Agent(format!("compose service `{service}` runs an MCP server or AI agent others use"))
            }
            (None, Deployed::App) => {
                Role::App(format!("compose service `{service}` is a service the team deploys: a custom app"))
            }
        };
        let hint = Fact::Runs { role, basis: Basis::Config };
        for EnvPair { key, key_span, value } in pairs {
            let dbt = is_dbt_token_name(&key, signals);
            let refs = match value {
                Some((vs, ve)) => {
                    values::airflow_conn_refs(ctx, &key, vs, ve).unwrap_or_else(|| values::refs(ctx, vs, ve, dbt))
                }
                // `- DBT_CLOUD_PAT` passes the variable through from the host.
                None if dbt => vec![ValueRef {
                    start: key_span.0,
                    end: key_span.1,
                    reference: key.clone(),
                    literal: None,
                    name: None,
                }],
                None => Vec::new(),
            };
            for r in refs {
                let mut u = values::token_use(
                    ctx,
                    &r,
                    &key,
                    format!("environment variable `{key}` of compose service `{service}`"),
                );
                u.saw(hint.clone());
                uses.push(u);
            }
        }
    }
    uses
}

/// One `environment:` entry: the key, its span, and the value's span (none for `- KEY`, which
/// passes the host's variable through).
struct EnvPair {
    key: String,
    key_span: (usize, usize),
    value: Option<(usize, usize)>,
}

/// The `environment:` entries of a service, as a map (`KEY: value`) or a list (`- KEY=value`,
/// `- KEY`).
fn env_pairs(ctx: &Ctx, env: &Node) -> Vec<EnvPair> {
    let mut out = Vec::new();
    for (k, v) in env.entries() {
        let Some(key) = k.as_str() else { continue };
        let value = match &v.kind {
            NodeKind::Scalar { value, .. } if !value.is_empty() => Some((v.span.start, v.span.end)),
            _ => None,
        };
        out.push(EnvPair { key: key.to_owned(), key_span: (k.span.start, k.span.end), value });
    }
    for item in env.items() {
        let raw = ctx.text(item.span.start, item.span.end);
        let (s, e) = values::trim_quotes(raw);
        let inner = raw.get(s..e).unwrap_or("");
        let base = item.span.start + s;
        match inner.find('=') {
            Some(eq) => {
                let key = inner.get(..eq).unwrap_or("").trim();
                let value = (base + eq + 1 < base + inner.len()).then_some((base + eq + 1, base + inner.len()));
                out.push(EnvPair { key: key.to_owned(), key_span: (base, base + key.len()), value });
            }
            None => {
                out.push(EnvPair { key: inner.trim().to_owned(), key_span: (base, base + inner.len()), value: None })
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};
    use crate::source::SourceFile;
    use std::path::PathBuf;

    #[test]
    fn list_entries_locate_the_value() {
        let text = "services:\n  api:\n    image: acme/api\n    environment:\n      - \"DBT_CLOUD_TOKEN=${DBT_PAT}\"\n      - DBT_SVC_TOKEN\n      - NPM_TOKEN=${NPM_TOKEN}\n";
        let src = SourceFile::new(
            PathBuf::from("deploy/compose.yaml"),
            "deploy/compose.yaml".into(),
            text.as_bytes().to_vec(),
        );
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        let docs = crate::parse::yaml::parse(text).unwrap_or_else(|e| panic!("the test input must parse: {e:?}"));
        let u = extract(&ctx, &docs[0]);
        let spans: Vec<&str> = u.iter().map(|u| &text[u.at.span.start..u.at.span.end]).collect();
        assert_eq!(spans, ["${DBT_PAT}", "DBT_SVC_TOKEN"]);
    }

    #[test]
    fn policy_examples_hold() {
        let s = &builtin().signals;
        let ex = builtin().examples.get("deployments").and_then(|d| d.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("deployments examples"));
        for p in raw_list(&ex, "compose") {
            assert!(is_compose_name(&p, s), "{p}");
            assert!(dev_stack(&p, s).is_none(), "{p} is not a dev stack");
        }
        for p in raw_list(&ex, "compose_dev") {
            assert!(is_compose_name(&p, s), "{p}");
            assert!(dev_stack(&p, s).is_some(), "{p} is a dev stack");
        }
        for p in raw_list(&ex, "not_compose") {
            assert!(!is_compose_name(&p, s), "{p}");
        }
    }
}
