//! A finding: what a rule decides about one place, completed from the rule's texts.

use super::Rule;
use crate::model::{Confidence, Evidence, Loc, Severity, TokenType, Workflow};

/// One reported problem.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    /// Where the finding is reported.
    pub at: Loc,
    /// The token use or literal it is about, where `inventory` lists it (a TW301 is reported at
    /// the grant of the token it is about); `None` for a finding about a whole file (TW001).
    pub subject: Option<Loc>,
    pub workflow: Option<Workflow>,
    pub token_type: Option<TokenType>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    pub help: String,
    /// What the finding is about besides its rule and path, as structure (never prose, never a
    /// secret: literals are hashed); its fingerprint is made of these ([`super::fingerprint`]).
    pub key: Vec<String>,
    /// Unique in its scan, stable across runs; set when every rule has run.
    pub fingerprint: String,
    /// What a fix of this finding would change, where the rule knows it.
    pub remedy: Option<Remedy>,
    /// Ways to fix it, best first; a rule attaches them with `f.fixes.push(Fix::safe(…))`.
    pub fixes: Vec<crate::fix::Fix>,
}

pub use crate::fix::remedy::Remedy;

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
    pub subject: Option<Loc>,
    pub workflow: Option<Workflow>,
    pub token_type: Option<TokenType>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    /// A value for each of the rule's `{slot}`s ([`super::Spec::slots`]).
    pub vars: Vec<(&'static str, String)>,
    pub help: Option<String>,
    /// What identifies the finding besides its rule and path ([`Finding::key`]).
    pub key: Vec<String>,
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
        subject: d.subject,
        workflow: d.workflow,
        token_type: d.token_type,
        confidence: d.confidence,
        evidence: d.evidence,
        help: d.help.unwrap_or_else(|| texts.help.clone()),
        key: d.key,
        fingerprint: String::new(),
        remedy: None,
        fixes: Vec::new(),
    }
}
