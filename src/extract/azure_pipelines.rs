//! Azure Pipelines (`azure-pipelines.yml` and its templates): pipeline variables, variable
//! groups and `$(VAR)` macros that carry dbt Cloud tokens into steps' `env:`, scripts and task
//! inputs.

use super::Ctx;
use super::ci::{self, Dialect, Item, Pipeline, add, declared_trigger, strings, ticked};
use crate::model::TokenUse;
use crate::model::fact::{Event, EventKind};
use crate::model::fact::{Runs, Trigger};
use crate::tree::{Node, NodeKind};

/// Step keys whose value is an inline script.
const SCRIPT_STEPS: [&str; 4] = ["script", "bash", "pwsh", "powershell"];

/// A file that does not parse, read as text for its pipeline variable references.
pub fn extract_text(ctx: &Ctx) -> Vec<TokenUse> {
    ci::extract_text(ctx, Dialect::Azure, "Azure pipeline", "pipeline variable")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut p = Pipeline::new(Dialect::Azure, "pipeline variable");
    let parts = trigger_parts(doc);
    let template = parts.is_empty() && is_template(doc);
    let root_evidence = if template {
        Trigger {
            what: "Azure Pipelines template".to_owned(),
            runs: Runs::WhenUsed { by: "the pipelines that use it".to_owned() },
            environment: None,
        }
    } else {
        declared_trigger("Azure pipeline", &parts, None)
    };
    let root = p.scope("the pipeline", root_evidence.clone(), None);
    variables(&mut p, root, doc.get("variables"), "the pipeline");
    for stage in doc.get("stages").map(Node::items).unwrap_or_default() {
        if let Some(t) = stage.get("template").and_then(Node::as_str) {
            params(&mut p, root, stage.get("parameters"), &format!("template `{t}`"));
            continue;
        }
        let name = stage.get("stage").and_then(Node::as_str).unwrap_or("stage");
        let label = format!("stage `{name}`");
        let scope = p.scope(label.clone(), root_evidence.clone(), Some(root));
        variables(&mut p, scope, stage.get("variables"), &label);
        jobs(&mut p, scope, stage.get("jobs"), &parts, template);
    }
    jobs(&mut p, root, doc.get("jobs"), &parts, template);
    steps(&mut p, root, doc.get("steps"), "the pipeline");
    ci::uses(ctx, p)
}

fn jobs(p: &mut Pipeline, parent: usize, jobs: Option<&Node>, parts: &[Event], template: bool) {
    for job in jobs.map(Node::items).unwrap_or_default() {
        if let Some(t) = job.get("template").and_then(Node::as_str) {
            params(p, parent, job.get("parameters"), &format!("template `{t}`"));
            continue;
        }
        let (kind, name) = match (job.get("job"), job.get("deployment")) {
            (Some(j), _) => ("job", j.as_str().unwrap_or("job")),
            (None, Some(d)) => ("deployment job", d.as_str().unwrap_or("deployment")),
            (None, None) => continue,
        };
        let label = format!("{kind} `{name}`");
        let environment = job
            .get("environment")
            .and_then(|e| e.as_str().or_else(|| e.get("name").and_then(Node::as_str)))
            // `production.vm-01` names a resource inside environment `production`.
            .map(|e| e.split('.').next().unwrap_or(e).to_owned());
        let what = if template { "Azure Pipelines template" } else { "Azure pipeline" };
        let mut evidence = declared_trigger(what, parts, environment.as_deref().map(|e| (label.as_str(), e)));
        if template && parts.is_empty() {
            evidence.runs = Runs::WhenUsed { by: "the pipelines that use it".to_owned() };
        }
        let scope = p.scope(label.clone(), evidence, Some(parent));
        variables(p, scope, job.get("variables"), &label);
        let mut found = Vec::new();
        nested_steps(job, &mut found);
        for s in found {
            steps(p, scope, Some(s), &label);
        }
    }
}

/// Every `steps:` list inside a job: deployment jobs keep theirs under `strategy:` hooks.
fn nested_steps<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    for (k, v) in node.entries() {
        if k.as_str() == Some("steps") && matches!(v.kind, NodeKind::Seq(_)) {
            out.push(v);
        } else if matches!(v.kind, NodeKind::Map(_)) {
            nested_steps(v, out);
        }
    }
}

fn steps(p: &mut Pipeline, job: usize, steps: Option<&Node>, label: &str) {
    for step in steps.map(Node::items).unwrap_or_default() {
        // Each step is a scope of its job: its `env:` reaches its own scripts only, read from
        // its `workingDirectory:` (of the step or of its task's inputs).
        let trigger = p.scopes.get(job).map(|s| s.trigger.clone()).unwrap_or_default();
        let scope = p.scope(p.label(job).to_owned(), trigger, Some(job));
        let dir = step
            .get("workingDirectory")
            .or_else(|| step.get("inputs").and_then(|i| i.get("workingDirectory")))
            .and_then(Node::as_str);
        if let Some(dir) = dir {
            p.set_workdir(scope, dir);
        }
        for key in SCRIPT_STEPS {
            p.scripts(scope, step.get(key), &format!("`{key}:` step of {label}"));
        }
        p.entries(scope, step.get("env"), |k| format!("environment variable `{k}` of a step of {label}"));
        if let Some(task) = step.get("task").and_then(Node::as_str) {
            params(p, scope, step.get("inputs"), &format!("task `{task}` in {label}"));
            // `Bash@3` / `PythonScript@0` / `PowerShell@2` run a file of the repository, named
            // from the repository root (an inline `script:` input is read as a script above).
            let inputs = step.get("inputs");
            let file = ["filePath", "scriptPath"].iter().find_map(|k| inputs.and_then(|i| i.get(k))).filter(|_| {
                inputs
                    .and_then(|i| i.get("targetType").or_else(|| i.get("scriptSource")))
                    .and_then(Node::as_str)
                    .is_none_or(|t| !t.eq_ignore_ascii_case("inline"))
            });
            if let Some(f) = file
                && let Some(path) = f.as_str()
            {
                p.run_files.push((scope, path.to_owned(), f.span));
            }
        }
        if let Some(t) = step.get("template").and_then(Node::as_str) {
            params(p, scope, step.get("parameters"), &format!("template `{t}`"));
        }
    }
}

/// Task inputs and template parameters: an input named after a dbt token is a definition, any
/// other input is text that may read one.
fn params(p: &mut Pipeline, scope: usize, map: Option<&Node>, what: &str) {
    for (k, v) in map.map(Node::entries).unwrap_or_default() {
        let (Some(key), Some(_)) = (k.as_str(), v.as_str()) else { continue };
        p.items.push(Item::Input {
            scope,
            key: key.to_owned(),
            value: v.span,
            sink: format!("input `{key}` of {what}"),
        });
    }
}

/// `variables:` as a map, or as a list of `name`/`value` pairs, `group`s and `template`s.
fn variables(p: &mut Pipeline, scope: usize, node: Option<&Node>, label: &str) {
    let Some(node) = node else { return };
    if matches!(node.kind, NodeKind::Map(_)) {
        p.entries(scope, Some(node), |k| format!("variable `{k}` of {label}"));
        return;
    }
    for item in node.items() {
        if let (Some(name), Some(value)) = (item.get("name").and_then(Node::as_str), item.get("value")) {
            p.items.push(Item::Entry {
                scope,
                key: name.to_owned(),
                value: value.span,
                description: None,
                sink: format!("variable `{name}` of {label}"),
                carries_token: false,
            });
        } else if let Some(group) = item.get("group").filter(|g| g.as_str().is_some()) {
            let name = group.as_str().unwrap_or("").to_owned();
            p.items.push(Item::Source {
                scope,
                key: None,
                sink: format!("variables of {label}"),
                name,
                at: group.span,
                kind: "variable group",
            });
        }
    }
}

/// What `trigger:`, `pr:`, `schedules:` and pipeline resources say about when the pipeline runs.
fn trigger_parts(doc: &Node) -> Vec<Event> {
    let mut parts = Vec::new();
    match doc.get("trigger") {
        None if !is_template(doc) => {
            add(&mut parts, Event::new(EventKind::Push, "push to any branch (the default trigger)"))
        }
        None => {}
        Some(t) if t.as_str() == Some("none") => {}
        Some(t) if matches!(t.kind, NodeKind::Map(_)) => {
            let branches = strings(t.get("branches").and_then(|b| b.get("include")));
            if branches.is_empty() {
                add(&mut parts, Event::new(EventKind::Push, "push to any branch"));
            } else {
                add(&mut parts, Event::new(EventKind::Push, format!("push to {}", ticked(&branches))));
            }
            if t.get("tags").is_some() {
                add(&mut parts, Event::new(EventKind::Tag, "tags"));
            }
        }
        Some(t) => add(&mut parts, Event::new(EventKind::Push, format!("push to {}", ticked(&strings(Some(t)))))),
    }
    if doc.get("pr").is_some_and(|pr| pr.as_str() != Some("none")) {
        add(&mut parts, Event::new(EventKind::PullRequest, "pull requests"));
    }
    if !doc.get("schedules").map(Node::items).unwrap_or_default().is_empty() {
        add(&mut parts, Event::new(EventKind::Schedule, "a schedule"));
    }
    let resources = doc.get("resources").and_then(|r| r.get("pipelines")).map(Node::items).unwrap_or_default();
    if resources.iter().any(|r| r.get("trigger").is_some()) {
        add(&mut parts, Event::new(EventKind::Upstream, "another pipeline's completion"));
    }
    parts
}

/// A template (`parameters:` and no trigger of its own) runs wherever it is used.
fn is_template(doc: &Node) -> bool {
    doc.get("parameters").is_some()
        && ["trigger", "pr", "schedules", "pool", "name"].iter().all(|k| doc.get(k).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml;

    fn doc(text: &str) -> Node {
        yaml::parse(text)
            .ok()
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Node { kind: NodeKind::Alias, span: Default::default() })
    }

    #[test]
    fn triggers_say_when_the_pipeline_runs() {
        let d = doc("trigger:\n  branches:\n    include: [main]\npr: none\nschedules:\n  - cron: '0 3 * * *'\n");
        assert_eq!(crate::model::fact::names(&trigger_parts(&d)), ["push to `main`", "a schedule"]);
        assert_eq!(
            crate::model::fact::names(&trigger_parts(&doc("trigger: [main, release/*]\n"))),
            ["push to `main`, `release/*`"]
        );
        assert_eq!(crate::model::fact::names(&trigger_parts(&doc("trigger: none\npr: [main]\n"))), ["pull requests"]);
        assert_eq!(
            crate::model::fact::names(&trigger_parts(&doc("steps: []\n"))),
            ["push to any branch (the default trigger)"]
        );
        assert!(trigger_parts(&doc("parameters: []\nsteps: []\n")).is_empty());
        let kinds = |d: &Node| trigger_parts(d).iter().map(|e| e.kind).collect::<Vec<_>>();
        assert_eq!(kinds(&d), [EventKind::Push, EventKind::Schedule]);
        assert_eq!(kinds(&doc("trigger: none\npr: [main]\n")), [EventKind::PullRequest]);
    }
}
