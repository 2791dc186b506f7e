//! Bitbucket Pipelines (`bitbucket-pipelines.yml`): repository and deployment variables that
//! carry dbt Cloud tokens into step scripts and pipe variables.

use super::Ctx;
use super::ci::{self, Dialect, Item, Pipeline, declared_trigger};
use crate::model::TokenUse;
use crate::model::fact::{Event, EventKind};
use crate::model::fact::{Runs, Trigger};
use crate::tree::{Node, NodeKind};

/// A file that does not parse, read as text for its variable references.
pub fn extract_text(ctx: &Ctx) -> Vec<TokenUse> {
    ci::extract_text(ctx, Dialect::Shell, "Bitbucket Pipelines", "variable")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut p = Pipeline::new(Dialect::Shell, "variable");
    let root = p.scope("the pipelines", declared_trigger("Bitbucket Pipelines", &[], None), None);
    let pipelines = doc.get("pipelines");
    if let Some(default) = pipelines.and_then(|n| n.get("default")) {
        let every_push = Event::new(EventKind::Push, "every push");
        steps(&mut p, root, default, &declared_trigger("Bitbucket Pipelines", &[every_push], None));
    }
    for (section, kind, trigger) in [
        ("branches", EventKind::Push, "push to"),
        ("tags", EventKind::Tag, "tags"),
        ("bookmarks", EventKind::Push, "bookmarks"),
        ("pull-requests", EventKind::PullRequest, "pull requests from"),
    ] {
        for (k, list) in pipelines.and_then(|n| n.get(section)).map(Node::entries).unwrap_or_default() {
            let part = Event::new(kind, format!("{trigger} `{}`", k.as_str().unwrap_or("")));
            steps(&mut p, root, list, &declared_trigger("Bitbucket Pipelines", &[part], None));
        }
    }
    for (k, list) in pipelines.and_then(|n| n.get("custom")).map(Node::entries).unwrap_or_default() {
        let name = k.as_str().unwrap_or("");
        let trigger = Trigger {
            what: format!("Bitbucket custom pipeline `{name}`"),
            runs: Runs::ByHandOrSchedule,
            environment: None,
        };
        steps(&mut p, root, list, &trigger);
    }
    // Step definitions (`definitions: steps: - step: &deploy`) run wherever they are used.
    if let Some(defs) = doc.get("definitions").and_then(|d| d.get("steps")) {
        let trigger = Trigger {
            what: "Bitbucket Pipelines step definition".to_owned(),
            runs: Runs::WhenUsed { by: "the pipelines that use it".to_owned() },
            environment: None,
        };
        steps(&mut p, root, defs, &trigger);
    }
    ci::uses(ctx, p)
}

/// The steps of one pipeline: plain steps, `parallel:` groups and `stage:`s.
fn steps(p: &mut Pipeline, root: usize, list: &Node, trigger: &Trigger) {
    for item in list.items() {
        if let Some(step) = item.get("step") {
            step_items(p, root, step, trigger, None);
        }
        let parallel = item.get("parallel");
        let nested = parallel.and_then(|n| n.get("steps")).or(parallel);
        if let Some(nested) = nested {
            steps(p, root, nested, trigger);
        }
        if let Some(stage) = item.get("stage") {
            let deployment = stage.get("deployment").and_then(Node::as_str);
            for s in stage.get("steps").map(Node::items).unwrap_or_default() {
                if let Some(step) = s.get("step") {
                    step_items(p, root, step, trigger, deployment);
                }
            }
        }
    }
}

fn step_items(p: &mut Pipeline, root: usize, step: &Node, trigger: &Trigger, stage_deployment: Option<&str>) {
    let label = match step.get("name").and_then(Node::as_str) {
        Some(name) => format!("step `{name}`"),
        None => "a step".to_owned(),
    };
    let deployment = step.get("deployment").and_then(Node::as_str).or(stage_deployment);
    let mut evidence = trigger.clone();
    if let Some(env) = deployment {
        evidence.environment = Some((label.clone(), env.to_owned()));
    }
    let scope = p.scope(label.clone(), evidence, Some(root));
    for key in ["script", "after-script"] {
        let Some(lines) = step.get(key) else { continue };
        for line in lines.items() {
            match &line.kind {
                NodeKind::Map(_) => {
                    let pipe = line.get("pipe").and_then(Node::as_str).unwrap_or("a pipe");
                    let vars = line.get("variables");
                    for (k, v) in vars.map(Node::entries).unwrap_or_default() {
                        let (Some(key), Some(_)) = (k.as_str(), v.as_str()) else { continue };
                        let sink = format!("variable `{key}` of pipe `{pipe}` in {label}");
                        p.items.push(Item::Input { scope, key: key.to_owned(), value: v.span, sink });
                    }
                }
                _ => p.scripts(scope, Some(line), &format!("`{key}:` of {label}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;
    use crate::source::SourceFile;

    fn uses_of(text: &str) -> Vec<TokenUse> {
        let src = SourceFile::new("bitbucket-pipelines.yml".into(), "bitbucket-pipelines.yml".into(), text.into());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        let docs = crate::parse::yaml::parse(text).unwrap_or_else(|e| panic!("the test input must parse: {e:?}"));
        docs.iter().flat_map(|d| extract(&ctx, d)).collect()
    }

    #[test]
    fn parallel_steps_and_pipes_are_read() {
        let uses = uses_of(concat!(
            "pipelines:\n",
            "  branches:\n",
            "    main:\n",
            "      - parallel:\n",
            "          - step:\n",
            "              script: [\"dbt-cloud job run --api-token $DBT_CLOUD_PAT\"]\n",
            "      - step:\n",
            "          deployment: production\n",
            "          script:\n",
            "            - pipe: acme/dbt-cloud-run:1.0.0\n",
            "              variables:\n",
            "                DBT_CLOUD_TOKEN: $DBT_SVC_TOKEN\n",
        ));
        let refs: Vec<&str> = uses.iter().map(|u| u.reference.as_str()).collect();
        assert_eq!(refs, ["$DBT_SVC_TOKEN", "$DBT_CLOUD_PAT"]);
        assert!(
            crate::classify::workflow::hints(&uses[0].facts)[0]
                .evidence
                .text
                .ends_with("deploys to environment `production`")
        );
    }
}
