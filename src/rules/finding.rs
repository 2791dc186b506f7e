//! A finding: what a rule decides about one place, completed from the rule's texts.

use super::Rule;
use crate::model::{Confidence, Evidence, Loc, Severity, TokenType, Workflow};

/// One reported problem.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    pub at: Loc,
    pub workflow: Option<Workflow>,
    pub token_type: Option<TokenType>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    pub help: String,
    /// The content the fingerprint is keyed on (never a secret: literals are hashed).
    pub fingerprint_key: String,
}

impl Finding {
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }

    pub fn name(&self) -> &'static str {
        self.rule.name()
    }
}

/// The pieces of a finding a rule decides; the rest comes from the rule's texts.
pub struct Draft {
    pub at: Loc,
    pub workflow: Option<Workflow>,
    pub token_type: Option<TokenType>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    /// A value for each of the rule's `{slot}`s ([`super::Spec::slots`]).
    pub vars: Vec<(&'static str, String)>,
    pub help: Option<String>,
    pub key: String,
}

/// The finding of `rule` a draft describes.
pub fn finding(rule: Rule, d: Draft) -> Finding {
    let texts = rule.texts();
    debug_assert!(
        d.vars.iter().map(|(k, _)| *k).eq(rule.spec().slots.iter().copied()),
        "{} fills {:?}, its message has {:?}",
        rule.code(),
        d.vars,
        rule.spec().slots
    );
    let mut message = texts.message.clone();
    for (k, v) in &d.vars {
        message = message.replace(&format!("{{{k}}}"), v);
    }
    Finding {
        rule,
        severity: texts.severity,
        message,
        at: d.at,
        workflow: d.workflow,
        token_type: d.token_type,
        confidence: d.confidence,
        evidence: d.evidence,
        help: d.help.unwrap_or_else(|| texts.help.clone()),
        fingerprint_key: format!("{}\u{1f}{}", rule.code(), d.key),
    }
}
