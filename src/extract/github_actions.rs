//! GitHub Actions workflows and composite actions: secrets and variables that carry dbt Cloud
//! tokens into `env:`, `with:` and `run:`.

use super::ci::{self, Dialect, Item, Pipeline};
use super::{Ctx, find_expr_refs};
use crate::classify::names::is_dbt_token_name;
use crate::model::TokenUse;
use crate::model::fact::Fact;
use crate::model::fact::TypeFact;
use crate::model::fact::{Event, EventKind};
use crate::tree::{Node, NodeKind};

/// Read a workflow or a composite action into the CI engine's model: the workflow, its jobs and
/// their steps are scopes; `env:` maps, `secrets:` passed to reusable workflows and the inputs of
/// dbt Cloud actions are definitions; `with:` inputs of other actions and `run:` scripts are text
/// that may read a token.
pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let (what, parts) = describe_triggers(doc.get("on"));
    let mut p = Pipeline::new(Dialect::GithubActions, "secret");
    let root = p.scope("the workflow", ci::declared_trigger(what, &parts, None), None);
    env(&mut p, root, doc.get("env"), "the workflow");
    workdir(&mut p, root, doc.get("defaults").and_then(|d| d.get("run")));
    for (job_key, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        let name = job_key.as_str().unwrap_or("");
        let label = format!("job `{name}`");
        let environment =
            job.get("environment").and_then(|e| e.as_str().or_else(|| e.get("name").and_then(Node::as_str)));
        let trigger = ci::declared_trigger(what, &parts, environment.map(|e| (label.as_str(), e)));
        let scope = p.scope(label.clone(), trigger, Some(root));
        env(&mut p, scope, job.get("env"), &label);
        workdir(&mut p, scope, job.get("defaults").and_then(|d| d.get("run")));
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
    let mut uses = ci::uses(ctx, p);
    uses.extend(action_inputs(ctx, doc));
    uses
}

/// `core.getInput('NAME')` and `INPUT_NAME` reads in an action's code: the action's input
/// `NAME` (one name however it is read: `INPUT_` plus the name in capitals, as the runner sets
/// it). The action runs in the workflows that call it.
pub fn code_inputs(ctx: &Ctx, uses: &mut Vec<TokenUse>) {
    let s = &ctx.policy.signals;
    for u in uses.iter_mut() {
        if u.reference.len() > 6 && u.reference.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("input_")) {
            u.saw(Fact::ActionCodeReadsInput);
        }
    }
    for m in get_input_pattern().captures_iter(&ctx.src.text) {
        let Some(name) = m.get(1) else { continue };
        let n = name.as_str();
        if !is_dbt_token_name(n, s) || crate::classify::names::is_other_credential(n, s) {
            continue;
        }
        let at = ctx.loc(name.start(), name.end());
        let mut u = TokenUse::new(
            at,
            format!("INPUT_{}", n.to_ascii_uppercase().replace(' ', "_")),
            format!("input `{n}` of the action, read by its code"),
        );
        u.saw_type_at(TypeFact::Name { called: "input name".to_owned(), name: n.to_owned() }, at);
        u.saw(Fact::ActionCodeReadsInput);
        uses.push(u);
    }
}

fn get_input_pattern() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r#"\bgetInput\s*\(\s*["'`]([A-Za-z0-9_ -]+)["'`]"#))
}

/// Words of an input's description that say it configures the dbt Cloud CLI.
const CLOUD_CLI_PHRASES: [&str; 2] = ["cloud cli", "dbt_cloud.yml"];

/// An action's own definition (`action.yml` with `inputs:` and `runs:`): each input that takes a
/// dbt Cloud token, by its name or its description, is where the token is defined. Its type is
/// what its description says (SPEC §4: a definition's own description), else its name; an input
/// for the Cloud CLI is a Cloud CLI use, any other runs in the workflows that call the action.
fn action_inputs(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    if doc.get("runs").is_none() {
        return Vec::new();
    }
    let mut uses = Vec::new();
    for (k, v) in doc.get("inputs").map(Node::entries).unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        let description = v.get("description").and_then(Node::as_str).unwrap_or("");
        let lower = description.to_lowercase();
        let described = lower.contains("dbt")
            && (lower.contains("token") || lower.contains("api key") || lower.contains("apikey"))
            && !lower.contains("token name");
        if crate::classify::names::is_other_credential(name, s) || !(is_dbt_token_name(name, s) || described) {
            continue;
        }
        let at = ctx.loc(k.span.start, k.span.end);
        let mut u = TokenUse::new(at, format!("inputs.{name}"), format!("input `{name}` of the action"));
        // The definition's own description speaks first (SPEC §4), else its name.
        let description_then_name = TypeFact::FirstOf(vec![
            TypeFact::Description { called: "input".to_owned(), name: name.to_owned(), text: description.to_owned() },
            TypeFact::Name { called: "input name".to_owned(), name: name.to_owned() },
        ]);
        u.saw_type_at(description_then_name, at);
        if let Some(p) = CLOUD_CLI_PHRASES.iter().find(|p| lower.contains(*p)) {
            u.saw(Fact::ActionInputForCloudCli { input: name.to_owned(), phrase: (*p).to_owned() });
        } else {
            u.saw(Fact::ActionInput);
        }
        uses.push(u);
    }
    uses
}

/// An `env:` map: each entry defines an environment variable of its scope.
fn env(p: &mut Pipeline, scope: usize, map: Option<&Node>, label: &str) {
    p.entries(scope, map, |k| format!("environment variable `{k}` of {label}"));
}

/// The `working-directory:` of a step or of `defaults.run`: where its scripts start.
fn workdir(p: &mut Pipeline, scope: usize, node: Option<&Node>) {
    if let Some(dir) = node.and_then(|n| n.get("working-directory")).and_then(Node::as_str) {
        p.set_workdir(scope, dir);
    }
}

/// Each step is a scope of its job: its `env:` reaches its own `run:` only.
fn steps(p: &mut Pipeline, job: usize, list: Option<&Node>, label: &str) {
    for step in list.map(Node::items).unwrap_or_default() {
        let trigger = p.scopes.get(job).map(|s| s.trigger.clone()).unwrap_or_default();
        let scope = p.scope(p.label(job).to_owned(), trigger, Some(job));
        env(p, scope, step.get("env"), label);
        workdir(p, scope, Some(step));
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
        u.saw(Fact::ExampleWorkflow { folder: folder.clone() });
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
fn describe_triggers(on: Option<&Node>) -> (&'static str, Vec<Event>) {
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
                    let event = trigger_name(name);
                    parts.push(Event::new(event.kind, format!("{} to {list}", event.name)));
                }
            }
        }
        NodeKind::Alias => {}
    }
    ("GitHub Actions workflow", parts)
}

fn trigger_name(t: &str) -> Event {
    match t {
        "push" => Event::new(EventKind::Push, "push"),
        "pull_request" | "pull_request_target" => Event::new(EventKind::PullRequest, "pull request"),
        "schedule" => Event::new(EventKind::Schedule, "a schedule"),
        "workflow_dispatch" => Event::new(EventKind::Manual, "manual dispatch"),
        "workflow_call" => Event::new(EventKind::Upstream, "a call from another workflow"),
        other => Event::new(EventKind::Other, format!("`{other}`")),
    }
}
