//! GitHub Actions workflows and composite actions: secrets and variables that carry dbt Cloud
//! tokens into `env:`, `with:` and `run:`.

use super::{Ctx, ci, find_expr_refs};
use crate::classify::names::{is_dbt_token_name, is_other_credential, type_from_name};
use crate::literal;
use crate::model::{Confidence, Evidence, Flow, TokenType, TokenUse, TypeSource, Workflow};
use crate::tree::{Node, NodeKind};
use std::collections::HashMap;

/// A `run:` script and the job it belongs to.
struct RunScript<'a> {
    job: String,
    node: &'a Node,
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let trigger = describe_triggers(doc.get("on"));
    let mut runs = Vec::new();
    let mut scopes: Vec<Scope> = Vec::new();
    if let Some(env) = doc.get("env") {
        scopes.push(("workflow".into(), "env", env, None, None));
    }
    for (job_key, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        let job_name = job_key.as_str().unwrap_or("").to_owned();
        let environment = job
            .get("environment")
            .and_then(|e| e.as_str().or_else(|| e.get("name").and_then(Node::as_str)))
            .map(str::to_owned);
        for (key, label) in [("env", "env"), ("secrets", "secrets"), ("with", "with")] {
            if let Some(n) = job.get(key) {
                let action = if label == "with" { uses_of(job) } else { None };
                scopes.push((job_name.clone(), label, n, environment.clone(), action));
            }
        }
        collect_steps(job.get("steps"), &job_name, environment.as_ref(), &mut scopes, &mut runs);
    }
    // Composite actions keep their steps under `runs:`.
    if let Some(steps) = doc.get("runs").and_then(|r| r.get("steps")) {
        collect_steps(Some(steps), "composite action", None, &mut scopes, &mut runs);
    }

    let mut uses = Vec::new();
    let endpoint_runs = EndpointRuns::new(ctx, &runs);
    for (job, label, map, environment, action) in &scopes {
        for (k, v) in map.entries() {
            let key = k.as_str().unwrap_or("");
            let (env, action) = (environment.as_deref(), action.as_deref());
            entry_uses(ctx, job, label, key, v, env, &trigger, &endpoint_runs, action, &mut uses);
        }
    }
    for run in &runs {
        inline_run_uses(ctx, run, &trigger, &mut uses);
    }
    uses
}

/// A map of entries that become environment variables or inputs: (job, `env`/`secrets`/`with`,
/// the map, the job's environment, the action or reusable workflow a `with:` map configures).
type Scope<'a> = (String, &'static str, &'a Node, Option<String>, Option<String>);

fn collect_steps<'a>(
    steps: Option<&'a Node>,
    job: &str,
    environment: Option<&String>,
    scopes: &mut Vec<Scope<'a>>,
    runs: &mut Vec<RunScript<'a>>,
) {
    for step in steps.map(Node::items).unwrap_or_default() {
        if let Some(env) = step.get("env") {
            scopes.push((job.to_owned(), "env", env, environment.cloned(), None));
        }
        if let Some(with) = step.get("with") {
            scopes.push((job.to_owned(), "with", with, environment.cloned(), uses_of(step)));
        }
        if let Some(run) = step.get("run") {
            runs.push(RunScript { job: job.to_owned(), node: run });
        }
    }
}

/// The `uses:` of a step or a job: what its `with:` map configures.
fn uses_of(n: &Node) -> Option<String> {
    n.get("uses").and_then(Node::as_str).map(str::to_owned)
}

/// The `run:` scripts that call a user-context endpoint, indexed by the variables they read:
/// judging each `env:` entry is a lookup, not a pass over every script of the workflow.
struct EndpointRuns<'a> {
    /// Each such script: its job, its text, and the endpoint match (offsets into the file).
    runs: Vec<(&'a str, &'a str, usize, usize)>,
    /// (job, variable) → the scripts of that job reading the variable, in order.
    by_job: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// variable → every script reading it, in order.
    by_var: HashMap<&'a str, Vec<usize>>,
}

impl<'a> EndpointRuns<'a> {
    fn new(ctx: &'a Ctx, runs: &'a [RunScript]) -> Self {
        let mut index = EndpointRuns { runs: Vec::new(), by_job: HashMap::new(), by_var: HashMap::new() };
        for run in runs {
            let script = ctx.text(run.node.span.start, run.node.span.end);
            let Some(m) = ctx.policy.signals.user_endpoints.find(script) else { continue };
            let i = index.runs.len();
            index.runs.push((run.job.as_str(), script, run.node.span.start + m.start(), run.node.span.start + m.end()));
            let mut read: Vec<&str> = read_names(script).collect();
            read.sort_unstable();
            read.dedup();
            for name in read {
                index.by_job.entry((run.job.as_str(), name)).or_default().push(i);
                index.by_var.entry(name).or_default().push(i);
            }
        }
        index
    }

    /// The scripts of `job` (of every job for the workflow's own `env:`) that read `key`.
    fn reading(&self, job: &str, key: &str) -> Vec<usize> {
        if self.runs.is_empty() {
            return Vec::new();
        }
        // A key of word characters is read where a name read equals it (see `read_names`).
        if !key.is_empty() && key.bytes().all(is_ident) {
            let found = if job == "workflow" { self.by_var.get(key) } else { self.by_job.get(&(job, key)) };
            return found.cloned().unwrap_or_default();
        }
        (0..self.runs.len())
            .filter(|&i| {
                self.runs
                    .get(i)
                    .is_some_and(|(j, script, _, _)| (*j == job || job == "workflow") && mentions_var(script, key))
            })
            .collect()
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every name a script reads as `mentions_var` sees it: the word after `$`, `{`, `.`, a quote
/// or `[`. A key of word characters is mentioned exactly when it is one of these.
fn read_names(script: &str) -> impl Iterator<Item = &str> {
    let bytes = script.as_bytes();
    bytes.iter().enumerate().filter(|&(_, b)| matches!(b, b'$' | b'{' | b'.' | b'\'' | b'"' | b'[')).filter_map(
        move |(i, _)| {
            let rest = bytes.get(i + 1..)?;
            let len = rest.iter().take_while(|&&b| is_ident(b)).count();
            script.get(i + 1..i + 1 + len).filter(|n| !n.is_empty())
        },
    )
}

fn is_dbt_action(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower.contains("dbt-cloud") || lower.contains("dbt_cloud") || lower.contains("dbtc")
}

#[allow(clippy::too_many_arguments)]
fn entry_uses(
    ctx: &Ctx,
    job: &str,
    label: &str,
    key: &str,
    value: &Node,
    environment: Option<&str>,
    trigger: &Evidence,
    runs: &EndpointRuns,
    action: Option<&str>,
    uses: &mut Vec<TokenUse>,
) {
    let signals = &ctx.policy.signals;
    let tf_var = key.strip_prefix("TF_VAR_");
    let key_is_dbt = is_dbt_token_name(key, signals)
        || tf_var.is_some_and(|v| is_dbt_token_name(v, signals))
        || action.is_some_and(|a| is_dbt_action(a) && is_credential_input(key));
    let sink = match (label, action) {
        ("with", Some(a)) => format!("input `{key}` of `{a}`"),
        ("secrets", _) => format!("secret `{key}` passed to the reusable workflow of job `{job}`"),
        _ => format!("environment variable `{key}` of {}", scope_name(job)),
    };
    for (prefix, name, start, end) in find_expr_refs(ctx, value, &["secrets", "vars"]) {
        if !(key_is_dbt || is_dbt_token_name(&name, signals)) || is_other_credential(&name, signals) {
            continue;
        }
        let mut u = TokenUse::new(ctx.loc(start, end), format!("{prefix}.{name}"), sink.clone());
        let kind = if prefix == "secrets" { "secret" } else { "variable" };
        if let Some((t, hint)) = type_from_name(&name, signals) {
            u.token_type(
                t,
                TypeSource::Name,
                Evidence::at(format!("{kind} name `{name}` says {} (`{hint}`)", t.as_str()), u.at),
            );
        }
        name_hint_from_key(&mut u, key, &name, signals);
        classify_ci(ctx, &mut u, job, key, environment, trigger, runs, tf_var);
        uses.push(u);
    }
    for lit in literal::find(ctx.text(value.span.start, value.span.end), signals) {
        let (start, end) = (value.span.start + lit.start, value.span.start + lit.end);
        let token = ctx.text(start, end);
        let mut u = TokenUse::new(ctx.loc(start, end), literal::mask_token(token), sink.clone());
        u.literal = true;
        u.token_type(lit.token_type, TypeSource::Literal, literal_evidence(lit.token_type, u.at));
        classify_ci(ctx, &mut u, job, key, environment, trigger, runs, tf_var);
        uses.push(u);
    }
}

fn name_hint_from_key(u: &mut TokenUse, key: &str, name: &str, signals: &crate::policy::Signals) {
    if key == name {
        return;
    }
    if let Some((t, hint)) = type_from_name(key, signals) {
        u.token_type(t, TypeSource::Name, Evidence::new(format!("name `{key}` says {} (`{hint}`)", t.as_str())));
    }
}

pub fn literal_evidence(t: TokenType, at: crate::model::Loc) -> Evidence {
    let prefix = if t == TokenType::Personal { "dbtu_" } else { "dbtc_" };
    Evidence::at(format!("literal `{prefix}` prefix says {}", t.as_str()), at)
}

fn is_credential_input(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("token") || lower.contains("api_key") || lower.contains("apikey")
}

fn scope_name(job: &str) -> String {
    match job {
        "workflow" => "the workflow".to_owned(),
        "composite action" => "the composite action".to_owned(),
        j => format!("job `{j}`"),
    }
}

#[allow(clippy::too_many_arguments)]
fn classify_ci(
    ctx: &Ctx,
    u: &mut TokenUse,
    job: &str,
    key: &str,
    environment: Option<&str>,
    trigger: &Evidence,
    runs: &EndpointRuns,
    tf_var: Option<&str>,
) {
    let mut ev = trigger.clone();
    if let Some(env) = environment {
        ev.text.push_str(&format!("; job `{job}` deploys to environment `{env}`"));
    }
    u.workflow(Workflow::Production, Confidence::High, ev);
    if let Some(var) = tf_var {
        u.flow = Some(Flow::TerraformVariable { name: var.to_owned() });
    }
    // A run script of the same job that sends this variable to a user-context endpoint.
    for i in runs.reading(job, key) {
        let Some(&(_, _, start, end)) = runs.runs.get(i) else { continue };
        u.workflow(
            Workflow::UserContextEndpoint,
            Confidence::High,
            Evidence::at(format!("sent to the user-context endpoint `{}`", ctx.text(start, end)), ctx.loc(start, end)),
        );
    }
}

/// Whether a script reads the environment variable `key` (`$KEY`, `${KEY}`, `env.KEY`).
pub fn mentions_var(script: &str, key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    let bytes = script.as_bytes();
    let mut from = 0;
    while let Some(i) = script.get(from..).and_then(|s| s.find(key)) {
        let start = from + i;
        let end = start + key.len();
        let before = start.checked_sub(1).and_then(|j| bytes.get(j)).copied();
        let after = bytes.get(end).copied();
        let ident = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if matches!(before, Some(b'$' | b'{' | b'.' | b'\'' | b'"' | b'[')) && !ident(after) {
            return true;
        }
        from = end;
    }
    false
}

fn inline_run_uses(ctx: &Ctx, run: &RunScript, trigger: &Evidence, uses: &mut Vec<TokenUse>) {
    let signals = &ctx.policy.signals;
    let script = ctx.text(run.node.span.start, run.node.span.end);
    // Once per script, not once per reference in it.
    let endpoint = signals.user_endpoints.find(script);
    for (prefix, name, start, end) in find_expr_refs(ctx, run.node, &["secrets", "vars"]) {
        if !is_dbt_token_name(&name, signals) {
            continue;
        }
        let mut u = TokenUse::new(
            ctx.loc(start, end),
            format!("{prefix}.{name}"),
            format!("`run:` script of {}", scope_name(&run.job)),
        );
        if let Some((t, hint)) = type_from_name(&name, signals) {
            u.token_type(
                t,
                TypeSource::Name,
                Evidence::at(format!("secret name `{name}` says {} (`{hint}`)", t.as_str()), u.at),
            );
        }
        u.workflow(Workflow::Production, Confidence::High, trigger.clone());
        if let Some(m) = endpoint {
            u.workflow(
                Workflow::UserContextEndpoint,
                Confidence::High,
                Evidence::new(format!("sent to the user-context endpoint `{}`", m.as_str())),
            );
        }
        uses.push(u);
    }
    for lit in literal::find(script, signals) {
        let (start, end) = (run.node.span.start + lit.start, run.node.span.start + lit.end);
        let mut u = TokenUse::new(
            ctx.loc(start, end),
            literal::mask_token(ctx.text(start, end)),
            format!("`run:` script of {}", scope_name(&run.job)),
        );
        u.literal = true;
        u.token_type(lit.token_type, TypeSource::Literal, literal_evidence(lit.token_type, u.at));
        u.workflow(Workflow::Production, Confidence::High, trigger.clone());
        uses.push(u);
    }
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

/// "CI workflow runs on push to `main`, schedule": the trigger evidence of a workflow.
fn describe_triggers(on: Option<&Node>) -> Evidence {
    let Some(on) = on else {
        return Evidence::new("GitHub Actions runs without a person (CI/CD automation)");
    };
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
    let text = if parts.is_empty() {
        "GitHub Actions workflow runs without a person (CI/CD automation)".to_owned()
    } else {
        format!("GitHub Actions workflow runs on {} (CI/CD automation)", parts.join(", "))
    };
    Evidence::new(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_mentions() {
        assert!(mentions_var("curl -H \"Authorization: Token $DBT_TOKEN\"", "DBT_TOKEN"));
        assert!(mentions_var("echo ${DBT_TOKEN}", "DBT_TOKEN"));
        assert!(mentions_var("os.environ['DBT_TOKEN']", "DBT_TOKEN"));
        assert!(!mentions_var("echo $DBT_TOKEN_OLD", "DBT_TOKEN"));
        assert!(!mentions_var("echo DBT_TOKEN", "DBT_TOKEN"));
    }

    #[test]
    fn a_word_key_is_mentioned_exactly_when_it_is_a_name_read() {
        let scripts = [
            "curl $DBT_TOKEN ${DBT_PAT} env.X os.environ['A_B'] x[\"Q\"] $$AB ${A}B .Z9 $DBT_TOKEN_OLD",
            "",
            "$",
            "a.b.c",
        ];
        for script in scripts {
            let read: Vec<&str> = read_names(script).collect();
            for key in ["DBT_TOKEN", "DBT_PAT", "X", "A_B", "Q", "AB", "A", "B", "Z9", "DBT", "OLD", "b", "c", "a"] {
                assert_eq!(mentions_var(script, key), read.contains(&key), "{key} in {script:?}");
            }
        }
    }
}
