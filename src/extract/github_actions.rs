//! GitHub Actions workflows and composite actions: secrets and variables that carry dbt Cloud
//! tokens into `env:`, `with:` and `run:`.

use super::ci::{self, Dialect, Item, Pipeline};
use super::{Ctx, find_expr_refs};
use crate::model::{Confidence, Evidence, TokenUse, Workflow};
use crate::tree::{Node, NodeKind};

/// Read a workflow or a composite action into the CI engine's model: the workflow, its jobs and
/// their steps are scopes; `env:` maps, `secrets:` passed to reusable workflows and the inputs of
/// dbt Cloud actions are definitions; `with:` inputs of other actions and `run:` scripts are text
/// that may read a token.
pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let (what, parts) = describe_triggers(doc.get("on"));
    let mut p = Pipeline::new(Dialect::GithubActions, "secret");
    let root = p.scope("the workflow", ci::trigger_evidence(what, &parts, None), None);
    env(&mut p, root, doc.get("env"), "the workflow");
    for (job_key, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        let name = job_key.as_str().unwrap_or("");
        let label = format!("job `{name}`");
        let environment =
            job.get("environment").and_then(|e| e.as_str().or_else(|| e.get("name").and_then(Node::as_str)));
        let trigger = ci::trigger_evidence(what, &parts, environment.map(|e| (label.as_str(), e)));
        let scope = p.scope(label.clone(), trigger, Some(root));
        env(&mut p, scope, job.get("env"), &label);
        for (k, v) in job.get("secrets").map(Node::entries).unwrap_or_default() {
            let Some(key) = k.as_str() else { continue };
            let sink = format!("secret `{key}` passed to the reusable workflow of {label}");
            p.items.push(Item::Entry {
                scope,
                key: key.to_owned(),
                value: v.span,
                description: None,
                sink,
                carries_token: false,
            });
        }
        steps(&mut p, scope, job.get("steps"), &label);
    }
    // Composite actions keep their steps under `runs:`.
    if let Some(list) = doc.get("runs").and_then(|r| r.get("steps")) {
        let scope = p.scope("the composite action", p.scopes[root].trigger.clone(), Some(root));
        steps(&mut p, scope, Some(list), "the composite action");
    }
    ci::uses(ctx, p)
}

/// An `env:` map: each entry defines an environment variable of its scope.
fn env(p: &mut Pipeline, scope: usize, map: Option<&Node>, label: &str) {
    p.entries(scope, map, |k| format!("environment variable `{k}` of {label}"));
}

/// Each step is a scope of its job: its `env:` reaches its own `run:` only.
fn steps(p: &mut Pipeline, job: usize, list: Option<&Node>, label: &str) {
    for step in list.map(Node::items).unwrap_or_default() {
        let trigger = p.scopes.get(job).map(|s| s.trigger.clone()).unwrap_or_else(|| Evidence::new(""));
        let scope = p.scope(p.label(job).to_owned(), trigger, Some(job));
        env(p, scope, step.get("env"), label);
        let action = step.get("uses").and_then(Node::as_str);
        for (k, v) in step.get("with").map(Node::entries).unwrap_or_default() {
            let Some(key) = k.as_str() else { continue };
            let sink = match action {
                Some(a) => format!("input `{key}` of `{a}`"),
                None => format!("input `{key}` of a step of {label}"),
            };
            // A dbt Cloud action's credential input carries a token whatever the secret is named.
            if action.is_some_and(is_dbt_action) && is_credential_input(key) {
                p.items.push(Item::Entry {
                    scope,
                    key: key.to_owned(),
                    value: v.span,
                    description: None,
                    sink,
                    carries_token: true,
                });
            } else {
                p.items.push(Item::Input { scope, key: key.to_owned(), value: v.span, sink });
            }
        }
        if let Some(run) = step.get("run") {
            p.scripts(scope, Some(run), &format!("`run:` script of {label}"));
        }
    }
}

/// Whether a YAML file outside `.github/workflows/` is a GitHub Actions workflow by its shape:
/// triggers under `on:` and jobs that run somewhere (`runs-on:`), have steps, or call a reusable
/// workflow. Teams keep workflows to copy in example and template folders
/// (`example_cicd/deploy.yml`), and those copies are what runs.
pub fn is_workflow(doc: &Node) -> bool {
    let Some(jobs) = doc.get("jobs").filter(|j| matches!(j.kind, NodeKind::Map(_))) else { return false };
    doc.get("on").is_some()
        && jobs.entries().iter().any(|(_, job)| {
            job.get("runs-on").is_some()
                || matches!(job.get("steps").map(|s| &s.kind), Some(NodeKind::Seq(_)))
                || job.get("uses").and_then(Node::as_str).is_some_and(|u| u.contains(".github/workflows/"))
        })
}

/// A workflow recognised by its shape outside `.github/workflows/`. It is read like any
/// workflow; under an example, template or docs folder it does not run as it sits, but it is
/// written to be copied into `.github/workflows/` as is, so its uses are still reported (a
/// personal token in an example becomes a personal token in every copy), with low confidence
/// and the folder named as the reason.
pub fn extract_by_shape(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut uses = extract(ctx, doc);
    let signals = &ctx.policy.signals;
    let Some(folder) = crate::classify::names::example_segment(&ctx.src.display, signals) else { return uses };
    for u in &mut uses {
        for h in &mut u.workflow_hints {
            if h.workflow == Workflow::Production {
                h.confidence = Confidence::Low;
            }
        }
        let evidence = Evidence::new(format!(
            "folder `{folder}` holds an example workflow: it runs once copied into `.github/workflows/`"
        ));
        u.workflow(Workflow::Production, Confidence::Low, evidence);
    }
    uses
}

fn is_dbt_action(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower.contains("dbt-cloud") || lower.contains("dbt_cloud") || lower.contains("dbtc")
}

fn is_credential_input(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("token") || lower.contains("api_key") || lower.contains("apikey")
}

/// A workflow read as text, for files that do not parse: every `secrets.X`/`vars.X` reference
/// to a dbt token, judged as CI automation with the name on its line.
pub fn extract_text(ctx: &Ctx) -> Vec<TokenUse> {
    let whole = Node { kind: NodeKind::Alias, span: crate::tree::Span::new(0, ctx.src.text.len()) };
    let refs = find_expr_refs(ctx, &whole, &["secrets", "vars"])
        .into_iter()
        .map(|(prefix, name, start, end)| ci::TextRef {
            name,
            kind: if prefix == "secrets" { "secret" } else { "variable" },
            span: crate::tree::Span::new(start, end),
        })
        .collect();
    let read = ci::TextRead { system: "GitHub Actions workflow", noun: "workflow", variables: false };
    ci::text_uses(ctx, &read, refs)
}

/// What runs the workflow and its triggers, for the trigger evidence ("GitHub Actions workflow
/// runs on push to `main`, a schedule (CI/CD automation)").
fn describe_triggers(on: Option<&Node>) -> (&'static str, Vec<String>) {
    let Some(on) = on else { return ("GitHub Actions", Vec::new()) };
    let mut parts = Vec::new();
    match &on.kind {
        NodeKind::Scalar { value, .. } => parts.push(trigger_name(value)),
        NodeKind::Seq(items) => parts.extend(items.iter().filter_map(Node::as_str).map(trigger_name)),
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                let name = k.as_str().unwrap_or("");
                let branches: Vec<&str> =
                    v.get("branches").map(|b| b.items().iter().filter_map(Node::as_str).collect()).unwrap_or_default();
                if branches.is_empty() {
                    parts.push(trigger_name(name));
                } else {
                    let list = branches.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ");
                    parts.push(format!("{} to {list}", trigger_name(name)));
                }
            }
        }
        NodeKind::Alias => {}
    }
    ("GitHub Actions workflow", parts)
}

fn trigger_name(t: &str) -> String {
    match t {
        "push" => "push".to_owned(),
        "pull_request" | "pull_request_target" => "pull request".to_owned(),
        "schedule" => "a schedule".to_owned(),
        "workflow_dispatch" => "manual dispatch".to_owned(),
        "workflow_call" => "a call from another workflow".to_owned(),
        other => format!("`{other}`"),
    }
}
