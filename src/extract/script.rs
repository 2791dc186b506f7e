//! Shell, Python, JavaScript and other code read as text: environment variables that carry dbt
//! Cloud tokens, literal tokens, and the dbt Cloud endpoints the code calls.

use super::Ctx;
use super::github_actions::literal_evidence;
use crate::classify::names::{configured_path, dev_segment, is_dbt_token_name, type_from_name};
use crate::literal::{self, Literal};
use crate::model::{Confidence, Evidence, TokenUse, TypeSource, Workflow, WorkflowHint};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Reads of a named value: `$X`, `${X}`, `os.environ["X"]`, `getenv("X")`, `process.env.X`,
/// `ENV["X"]`, `$env:X`, `env.X`, and `X=` assignments.
pub(crate) fn name_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::pattern::constant(
            r#"(?x)
            (?:\$\{?|\$env:|\benv\.|process\.env\.|process\.env\[\s*['"]|environ(?:\.get)?\s*[\[(]\s*['"]|getenv\s*\(\s*['"]|ENV\s*\[\s*['"]|credentials\s*\(\s*['"])
            ([A-Za-z_][A-Za-z0-9_]*)
            |
            (?m:^[\t\x20]*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)[\t\x20]*=)
            "#,
        )
    })
}

pub fn extract(ctx: &Ctx, literals: &[Literal]) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let text = &ctx.src.text;
    let hints = file_workflow(ctx);
    let mut uses = Vec::new();
    // A hash set: a script reading 60k distinct names stays linear.
    let mut seen: HashSet<&str> = HashSet::new();
    for caps in name_pattern().captures_iter(text) {
        let Some(m) = caps.get(1).or_else(|| caps.get(2)) else { continue };
        let name = m.as_str();
        if seen.contains(name) || !is_dbt_token_name(name, signals) {
            continue;
        }
        seen.insert(name);
        let mut u = TokenUse::new(ctx.loc(m.start(), m.end()), name, "environment variable read by the code");
        if let Some((t, hint)) = type_from_name(name, signals) {
            u.token_type(
                t,
                TypeSource::Name,
                Evidence::at(format!("name `{name}` says {} (`{hint}`)", t.as_str()), u.at),
            );
        }
        u.workflow_hints = hints.clone();
        uses.push(u);
    }
    for lit in literals {
        let mut u = TokenUse::new(
            ctx.loc(lit.start, lit.end),
            literal::mask_token(ctx.text(lit.start, lit.end)),
            "literal in the code",
        );
        u.literal = true;
        u.token_type(lit.token_type, TypeSource::Literal, literal_evidence(lit.token_type, u.at));
        u.workflow_hints = hints.clone();
        uses.push(u);
    }
    uses
}

/// The workflow evidence of a whole script: user-context endpoints it calls, orchestrator
/// code, developmental paths.
fn file_workflow(ctx: &Ctx) -> Vec<WorkflowHint> {
    let signals = &ctx.policy.signals;
    let text = &ctx.src.text;
    let path = ctx.src.display.as_str();
    let mut hints = Vec::new();
    let mut push = |workflow, confidence, evidence| hints.push(WorkflowHint { workflow, confidence, evidence });
    if let Some(m) = signals.user_endpoints.find(text) {
        push(
            Workflow::UserContextEndpoint,
            Confidence::High,
            Evidence::at(
                format!("sends requests to the user-context endpoint `{}`", m.as_str()),
                ctx.loc(m.start(), m.end()),
            ),
        );
    }
    // The project's own path globs say what the file is, over every guess from its name.
    if let Some(h) = configured_path(path, signals) {
        push(h.workflow, h.confidence, h.evidence);
    } else if let Some(orch) = super::orchestrator::file_orchestrator(path, text, signals) {
        push(
            Workflow::Production,
            Confidence::High,
            Evidence::new(format!("{} code runs on a schedule without a person (orchestrator)", orch.name)),
        );
        // A staging deployment or a test of orchestrator code is developmental, as staging
        // Terraform is.
        if let Some(seg) = dev_segment(path, signals) {
            push(
                Workflow::DevScript,
                Confidence::Low,
                Evidence::new(format!("path segment `{seg}` marks developmental work")),
            );
        }
    } else if let Some(seg) = dev_segment(path, signals) {
        push(
            Workflow::DevScript,
            Confidence::Low,
            Evidence::new(format!("path segment `{seg}` marks developmental work")),
        );
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        name_pattern()
            .captures_iter(text)
            .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn reads_every_syntax() {
        assert_eq!(names("curl -H \"Token $DBT_PAT\""), ["DBT_PAT"]);
        assert_eq!(names("x = os.environ['DBT_CLOUD_PAT']"), ["x", "DBT_CLOUD_PAT"]);
        assert_eq!(names("os.getenv(\"DBT_TOKEN\")"), ["DBT_TOKEN"]);
        assert_eq!(names("process.env.DBT_TOKEN"), ["DBT_TOKEN"]);
        assert_eq!(names("export DBT_CLOUD_TOKEN=abc"), ["DBT_CLOUD_TOKEN"]);
        assert_eq!(
            names("withCredentials([string(credentialsId: 'x')]) credentials('DBT_SVC_TOKEN')"),
            ["DBT_SVC_TOKEN"]
        );
    }
}
