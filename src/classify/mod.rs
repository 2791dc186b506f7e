//! Classification: one workflow and one token type per use, from the facts seen about it, in
//! the SPEC's order of precedence. `workflow` is the table of what each fact means.

pub mod deployed;
pub mod names;
pub mod secrets;
pub mod token_type;
pub mod workflow;

use crate::model::fact::{Fact, Seen};
use crate::model::{
    Classification, Confidence, Evidence, TokenType, TokenUse, TypeHint, TypeSource, Workflow, WorkflowHint,
};
use crate::policy::Signals;

/// Decide a use's workflow and token type.
pub fn classify(u: &TokenUse, signals: &Signals) -> Classification {
    let linked = u.facts.iter().any(|s| matches!(s.fact, Fact::RunByCi { .. }));
    // A CI step that runs the file is the file's workflow evidence (production, as its
    // triggers say): it beats a guess from the path (`tests/`, `dev/`), never the project's own
    // globs or what the code itself does (a user-context endpoint it calls).
    let facts: Vec<Seen> =
        u.facts.iter().filter(|s| !(linked && matches!(s.fact, Fact::DevPathSegment { .. }))).cloned().collect();
    let mut c = decide(u, &workflow::hints(&facts), &token_type::hints(&u.type_facts, signals));
    if let Some(shown) = shown_at_ci_link(&facts, c.workflow, linked) {
        c.type_shown_here = shown;
    }
    c
}

/// Whether a problem of a use linked to a CI step is shown here (`None`: no link is involved).
/// A file a CI step runs, judged as production like the step, leaves the problem to the CI
/// reference; one whose own code says more (a user-context endpoint) shows it here. A CI
/// variable whose workflow comes only from the code it reaches leaves the problem to that code.
fn shown_at_ci_link(facts: &[Seen], w: Workflow, linked: bool) -> Option<bool> {
    let mut giving = facts.iter().filter(|s| workflow::workflow_of(&s.fact) == w).peekable();
    if giving.peek().is_some() && giving.all(|s| matches!(s.fact, Fact::InCodeItRuns { .. })) {
        return Some(false);
    }
    linked.then_some(w != Workflow::Production)
}

/// Decide from the workflow and type hints the use's facts give.
fn decide(u: &TokenUse, hints: &[WorkflowHint], type_hints: &[TypeHint]) -> Classification {
    // The most specific workflow wins (Workflow's order is the SPEC's precedence); among hints
    // for the same workflow, the most confident one speaks.
    let workflow_hint = hints.iter().min_by(|a, b| a.workflow.cmp(&b.workflow).then(b.confidence.cmp(&a.confidence)));
    let (workflow, wconf) =
        workflow_hint.map(|h| (h.workflow, h.confidence)).unwrap_or((Workflow::Unknown, Confidence::Low));

    // The strongest type evidence wins; a use's own evidence beats evidence inherited from
    // another use at the same strength.
    let type_hint = type_hints
        .iter()
        .filter(|h| h.token_type != TokenType::Unknown)
        .max_by(|a, b| a.source.cmp(&b.source).then(b.inherited.cmp(&a.inherited)));
    let (token_type, tconf, shown_here) = match type_hint {
        Some(h) => {
            let conf = match h.source {
                TypeSource::Literal | TypeSource::Definition => Confidence::High,
                TypeSource::Name => Confidence::Medium,
            };
            (h.token_type, conf, !h.inherited)
        }
        None => (TokenType::Unknown, Confidence::Low, true),
    };

    let mut evidence = Vec::new();
    if let Some(h) = workflow_hint {
        evidence.push(prefixed("workflow", &h.evidence));
        // Where a value flows on to (a Terraform variable, a provider) is part of the story.
        for other in hints.iter().filter(|o| o.workflow == h.workflow && o.evidence != h.evidence).take(1) {
            evidence.push(prefixed("workflow", &other.evidence));
        }
    }
    if let Some(h) = type_hint {
        evidence.push(prefixed("token", &h.evidence));
        // Agreeing evidence of another kind strengthens the case; show it too.
        for other in type_hints {
            if other.token_type == h.token_type && other.source != h.source && evidence.len() < 4 {
                evidence.push(prefixed("token", &other.evidence));
            }
        }
    } else if !u.declaration {
        evidence.push(Evidence::new("token: nothing says whether this is a personal or a service token"));
    }
    let mut seen = std::collections::HashSet::new();
    evidence.retain(|e| seen.insert(e.text.clone()));
    let confidence = if token_type == TokenType::Unknown { wconf } else { wconf.min(tconf).max(Confidence::Low) };
    // Confidence reflects the type evidence first: a literal or a description is high even on
    // a path-derived workflow.
    let confidence =
        if tconf == Confidence::High && wconf >= Confidence::Medium { Confidence::High } else { confidence };
    Classification { workflow, token_type, confidence, evidence, type_shown_here: shown_here }
}

fn prefixed(kind: &str, e: &Evidence) -> Evidence {
    Evidence { text: format!("{kind}: {}", e.text), at: e.at }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::tree::Span;

    fn classify_with(workflows: &[(Workflow, Confidence)], types: &[(TokenType, TypeSource, bool)]) -> Classification {
        let u = TokenUse::new(Loc { file: 0, span: Span::new(0, 1) }, "x", "sink");
        let hints: Vec<WorkflowHint> = workflows
            .iter()
            .map(|(w, c)| WorkflowHint { workflow: *w, confidence: *c, evidence: Evidence::new(w.as_str()) })
            .collect();
        let type_hints: Vec<TypeHint> = types
            .iter()
            .map(|(t, s, inherited)| TypeHint {
                token_type: *t,
                source: *s,
                evidence: Evidence::new("t"),
                inherited: *inherited,
            })
            .collect();
        decide(&u, &hints, &type_hints)
    }

    #[test]
    fn precedence_most_specific_workflow_wins() {
        let table = [
            (vec![Workflow::Production, Workflow::UserContextEndpoint], Workflow::UserContextEndpoint),
            (vec![Workflow::Production, Workflow::DevScript], Workflow::DevScript),
            (vec![Workflow::DevScript, Workflow::PartnerIntegration], Workflow::PartnerIntegration),
            (vec![Workflow::PartnerIntegration, Workflow::CloudCli], Workflow::CloudCli),
            (vec![], Workflow::Unknown),
        ];
        for (hints, want) in table {
            let hs: Vec<_> = hints.iter().map(|w| (*w, Confidence::Medium)).collect();
            assert_eq!(classify_with(&hs, &[]).workflow, want, "{hints:?}");
        }
    }

    #[test]
    fn literal_beats_definition_beats_name() {
        let u = classify_with(
            &[],
            &[
                (TokenType::Service, TypeSource::Name, false),
                (TokenType::Personal, TypeSource::Literal, false),
                (TokenType::Service, TypeSource::Definition, false),
            ],
        );
        assert_eq!(u.token_type, TokenType::Personal);
        let u = classify_with(
            &[],
            &[(TokenType::Service, TypeSource::Name, false), (TokenType::Personal, TypeSource::Definition, false)],
        );
        assert_eq!(u.token_type, TokenType::Personal);
    }

    #[test]
    fn no_evidence_is_unknown_and_inherited_is_not_shown_here() {
        assert_eq!(classify_with(&[], &[]).token_type, TokenType::Unknown);
        let c = classify_with(&[], &[(TokenType::Personal, TypeSource::Name, true)]);
        assert_eq!(c.token_type, TokenType::Personal);
        assert!(!c.type_shown_here);
    }

    #[test]
    fn confidence_follows_the_evidence() {
        let lit = classify_with(
            &[(Workflow::Production, Confidence::High)],
            &[(TokenType::Personal, TypeSource::Literal, false)],
        );
        assert_eq!(lit.confidence, Confidence::High);
        let name = classify_with(
            &[(Workflow::Production, Confidence::High)],
            &[(TokenType::Personal, TypeSource::Name, false)],
        );
        assert_eq!(name.confidence, Confidence::Medium);
        let path =
            classify_with(&[(Workflow::DevScript, Confidence::Low)], &[(TokenType::Service, TypeSource::Name, false)]);
        assert_eq!(path.confidence, Confidence::Low);
    }
}
