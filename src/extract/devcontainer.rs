//! Dev containers (`.devcontainer/devcontainer.json`, JSON with comments): each `secrets` entry
//! is a value the developer is asked for when the container (a Codespace) is created, typed by
//! its `description` and `documentationUrl`. The container is the developer's own environment:
//! the scripts it runs (`postCreateCommand` and the other lifecycle commands, anything under
//! `.devcontainer/`) read that value.

use super::Ctx;
use crate::classify::names::is_dbt_token_name;
use crate::model::fact::{Basis, Fact, Role, Seen, Trigger, TypeFact};
use crate::model::{Flow, RunTarget, StepRun, TokenUse};
use crate::tree::{Node, NodeKind};

/// The lifecycle commands of a dev container: each runs in it, with its secrets.
const COMMANDS: [&str; 5] =
    ["initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand"];

/// Whether a JSON file is a dev container's configuration.
pub fn is_devcontainer(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "devcontainer.json" || name == ".devcontainer.json"
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let runs = lifecycle_runs(ctx, doc);
    let mut uses = Vec::new();
    for (k, v) in doc.get("secrets").map(Node::entries).unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        let description = v.get("description").and_then(Node::as_str).unwrap_or("");
        let url = v.get("documentationUrl").and_then(Node::as_str).unwrap_or("");
        let lower = description.to_lowercase();
        let described = lower.contains("dbt") && lower.contains("token");
        if crate::classify::names::is_other_credential(name, s) || !(is_dbt_token_name(name, s) || described) {
            continue;
        }
        let at = ctx.loc(k.span.start, k.span.end);
        let mut u = TokenUse::new(at, format!("secrets.{name}"), format!("dev container secret `{name}`"));
        // The description speaks first, then the documentation page, then the name.
        let said = TypeFact::FirstOf(vec![
            TypeFact::Description { called: "secret".to_owned(), name: name.to_owned(), text: description.to_owned() },
            TypeFact::DocumentationPage { name: name.to_owned(), url: url.to_owned() },
            TypeFact::Name { called: "secret name".to_owned(), name: name.to_owned() },
        ]);
        u.saw_type_at(said, at);
        u.facts.push(Seen::new(Fact::Runs {
            role: Role::Local("a dev container asks the developer for its secrets: developmental work".to_owned()),
            basis: Basis::Config,
        }));
        let trigger = Trigger::default();
        u.flow = Some(Flow::StepEnv { var: name.to_owned(), runs: runs.clone(), trigger, developer: true });
        uses.push(u);
    }
    uses
}

/// What the container's lifecycle commands run, and its own folder.
fn lifecycle_runs(ctx: &Ctx, doc: &Node) -> Vec<StepRun> {
    let folder = ctx.src.display.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let own = folder.rsplit('/').next().unwrap_or(folder);
    let mut out = Vec::new();
    if own == ".devcontainer" {
        let at = ctx.loc(0, 0);
        out.push(StepRun { target: RunTarget::Dir(".devcontainer".into()), command: "the dev container".into(), at });
    }
    for key in COMMANDS {
        let Some(v) = doc.get(key) else { continue };
        // A string, a list of words, or a map of named commands.
        let commands: Vec<&Node> = match &v.kind {
            NodeKind::Scalar { .. } => vec![v],
            NodeKind::Seq(_) => vec![v],
            NodeKind::Map(entries) => entries.iter().map(|(_, c)| c).collect(),
            NodeKind::Alias => Vec::new(),
        };
        for c in commands {
            let text = match &c.kind {
                NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(" "),
                _ => c.as_str().unwrap_or("").to_owned(),
            };
            for r in super::runs::runs(&text, "") {
                let command = text.get(r.start..r.end).unwrap_or("").to_owned();
                out.push(StepRun { target: r.target, command, at: ctx.loc(c.span.start, c.span.end) });
            }
        }
    }
    out
}
