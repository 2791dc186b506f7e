//! CircleCI (`.circleci/config.yml`): project variables, contexts and job `environment:` that
//! carry dbt Cloud tokens into `run:` steps.

use super::Ctx;
use super::ci::{self, Dialect, Item, Pipeline, add, declared_trigger, strings, ticked};
use crate::model::TokenUse;
use crate::model::fact::{Event, EventKind};
use crate::model::fact::{Runs, Trigger};
use crate::tree::{Node, NodeKind};
use std::collections::{HashMap, HashSet};

/// How the workflows run one job: when, and with which contexts.
#[derive(Default)]
struct JobRuns<'a> {
    parts: Vec<Event>,
    contexts: Vec<&'a Node>,
}

/// A file that does not parse, read as text for its environment variable references.
pub fn extract_text(ctx: &Ctx) -> Vec<TokenUse> {
    ci::extract_text(ctx, Dialect::Shell, "CircleCI pipeline", "environment variable")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut p = Pipeline::new(Dialect::Shell, "environment variable");
    let root = p.scope("the configuration", declared_trigger("CircleCI pipeline", &[], None), None);
    let runs = workflow_runs(doc);
    // By job name: a config of many jobs and workflows stays linear.
    let mut by_job: HashMap<&str, Vec<&JobRuns>> = HashMap::new();
    for (name, r) in &runs {
        by_job.entry(name.as_str()).or_default().push(r);
    }
    let mut names: HashSet<&str> = HashSet::new();
    for (k, job) in doc.get("jobs").map(Node::entries).unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        names.insert(name);
        let scope = job_scope(&mut p, root, name, &by_job);
        let label = format!("job `{name}`");
        p.entries(scope, job.get("environment"), |k| format!("environment variable `{k}` of {label}"));
        steps(&mut p, scope, job.get("steps"), &label);
    }
    // Jobs from orbs are run by workflows without a definition here; their contexts still count.
    for (name, _) in &runs {
        if !names.contains(name.as_str()) {
            job_scope(&mut p, root, name, &by_job);
        }
    }
    for (k, cmd) in doc.get("commands").map(Node::entries).unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        let label = format!("command `{name}`");
        let evidence = Trigger {
            what: format!("CircleCI {label}"),
            runs: Runs::WhenUsed { by: "the jobs that use it".to_owned() },
            environment: None,
        };
        let scope = p.scope(label.clone(), evidence, Some(root));
        steps(&mut p, scope, cmd.get("steps"), &label);
    }
    ci::uses(ctx, p)
}

/// The scope of one job, its triggers gathered from every workflow that runs it, with the
/// contexts those workflows give it.
fn job_scope(p: &mut Pipeline, root: usize, name: &str, runs: &HashMap<&str, Vec<&JobRuns>>) -> usize {
    let label = format!("job `{name}`");
    let mut parts = Vec::new();
    let mut contexts = Vec::new();
    let mut seen = HashSet::new();
    for r in runs.get(name).into_iter().flatten() {
        // `add`, with a set: a job run by thousands of workflows stays linear.
        for part in &r.parts {
            if seen.insert(part.name.as_str()) {
                parts.push(part.clone());
            }
        }
        contexts.extend(r.contexts.iter().copied());
    }
    let scope = p.scope(label.clone(), declared_trigger(&format!("CircleCI {label}"), &parts, None), Some(root));
    for c in contexts {
        let Some(context) = c.as_str() else { continue };
        p.items.push(Item::Source {
            scope,
            key: None,
            name: context.to_owned(),
            at: c.span,
            kind: "context",
            sink: format!("environment of {label}"),
        });
    }
    scope
}

fn steps(p: &mut Pipeline, scope: usize, steps: Option<&Node>, label: &str) {
    for step in steps.map(Node::items).unwrap_or_default() {
        let Some(run) = step.get("run") else {
            // An orb command (`- dbt-cloud/run-job: {…}`): its scalar parameters.
            for (k, params) in step.entries() {
                let command = k.as_str().unwrap_or("");
                for (pk, pv) in params.entries() {
                    let (Some(key), Some(_)) = (pk.as_str(), pv.as_str()) else { continue };
                    let sink = format!("parameter `{key}` of `{command}` in {label}");
                    p.items.push(Item::Input { scope, key: key.to_owned(), value: pv.span, sink });
                }
            }
            continue;
        };
        let sink = format!("`run:` step of {label}");
        match &run.kind {
            NodeKind::Map(_) => {
                p.scripts(scope, run.get("command"), &sink);
                p.entries(scope, run.get("environment"), |k| {
                    format!("environment variable `{k}` of a step of {label}")
                });
            }
            _ => p.scripts(scope, Some(run), &sink),
        }
    }
}

/// For every job a workflow runs: when (scheduled triggers, branch and tag filters) and with
/// which contexts.
fn workflow_runs(doc: &Node) -> Vec<(String, JobRuns<'_>)> {
    let mut out = Vec::new();
    for (k, wf) in doc.get("workflows").map(Node::entries).unwrap_or_default() {
        if k.as_str() == Some("version") {
            continue;
        }
        let mut wf_parts = Vec::new();
        if !wf.get("triggers").map(Node::items).unwrap_or_default().is_empty() {
            add(&mut wf_parts, Event::new(EventKind::Schedule, "a schedule"));
        }
        let scheduled = |n: Option<&Node>| n.is_some_and(|n| mentions(n, "scheduled_pipeline"));
        if scheduled(wf.get("when")) {
            add(&mut wf_parts, Event::new(EventKind::Schedule, "a schedule"));
        }
        for job in wf.get("jobs").map(Node::items).unwrap_or_default() {
            let (name, cfg) = match (&job.kind, job.entries().first()) {
                (NodeKind::Scalar { value, .. }, _) => (value.clone(), None),
                (NodeKind::Map(_), Some((k, v))) => (k.as_str().unwrap_or("").to_owned(), Some(v)),
                _ => continue,
            };
            let mut parts = wf_parts.clone();
            let filters = cfg.and_then(|c| c.get("filters"));
            let branches = strings(filters.and_then(|f| f.get("branches")).and_then(|b| b.get("only")));
            if !branches.is_empty() {
                add(&mut parts, Event::new(EventKind::Push, format!("push to {}", ticked(&branches))));
            }
            if filters.and_then(|f| f.get("tags")).and_then(|t| t.get("only")).is_some() {
                add(&mut parts, Event::new(EventKind::Tag, "tags"));
            }
            if parts.is_empty() {
                add(&mut parts, Event::new(EventKind::Push, "push to any branch"));
            }
            let contexts = match cfg.and_then(|c| c.get("context")) {
                Some(c) if matches!(c.kind, NodeKind::Seq(_)) => c.items().iter().collect(),
                Some(c) => vec![c],
                None => Vec::new(),
            };
            out.push((name, JobRuns { parts, contexts }));
        }
    }
    out
}

/// Whether any scalar under `node` contains `needle`.
fn mentions(node: &Node, needle: &str) -> bool {
    match &node.kind {
        NodeKind::Scalar { value, .. } => value.contains(needle),
        NodeKind::Seq(items) => items.iter().any(|n| mentions(n, needle)),
        NodeKind::Map(entries) => entries.iter().any(|(k, v)| mentions(k, needle) || mentions(v, needle)),
        NodeKind::Alias => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    #[test]
    fn workflows_say_when_and_with_what_jobs_run() {
        let text = concat!(
            "workflows:\n",
            "  version: 2\n",
            "  nightly:\n",
            "    triggers:\n",
            "      - schedule: {cron: '0 3 * * *', filters: {branches: {only: [main]}}}\n",
            "    jobs:\n",
            "      - deploy:\n",
            "          context: [dbt-cloud-pat, slack]\n",
            "  release:\n",
            "    jobs:\n",
            "      - build\n",
            "      - deploy:\n",
            "          context: dbt-cloud-pat\n",
            "          filters: {branches: {only: main}}\n",
        );
        let doc = yaml::parse(text)
            .ok()
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Node { kind: NodeKind::Alias, span: Default::default() });
        let runs = workflow_runs(&doc);
        let summary: Vec<(String, Vec<String>, usize)> =
            runs.iter().map(|(n, r)| (n.clone(), crate::model::fact::names(&r.parts), r.contexts.len())).collect();
        assert_eq!(
            summary,
            [
                ("deploy".to_owned(), vec!["a schedule".to_owned()], 2),
                ("build".to_owned(), vec!["push to any branch".to_owned()], 0),
                ("deploy".to_owned(), vec!["push to `main`".to_owned()], 1),
            ]
        );
    }
}
