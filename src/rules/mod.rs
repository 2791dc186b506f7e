//! The rules: each judges classified uses (or raw file facts) and emits findings. Their texts
//! and default severities come from `rules/dbt-cloud.yml`.

mod hardcoded;
mod mismatch;
mod overprivileged;
mod parse_error;
mod unknown_type;

pub use hardcoded::literal_finding;
pub use mismatch::rule_for;

use crate::extract::FileFacts;
use crate::model::{ClassifiedUse, Confidence, Evidence, Finding, Loc, TokenType, Workflow};
use crate::policy::{Policy, RuleMeta};
use crate::source::SourceFile;

/// What the rules read.
pub struct Input<'a> {
    pub files: &'a [SourceFile],
    pub facts: &'a [FileFacts],
    pub uses: &'a [ClassifiedUse],
    pub policy: &'a Policy,
}

/// Run every rule; the caller filters by selection and severity.
pub fn run(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    parse_error::check(input, &mut out);
    mismatch::check(input, &mut out);
    hardcoded::check(input, &mut out);
    overprivileged::check(input, &mut out);
    unknown_type::check(input, &mut out);
    out
}

/// The pieces of a finding a rule decides; the rest comes from the rule's metadata.
pub struct Draft {
    pub at: Loc,
    pub workflow: Option<Workflow>,
    pub token_type: Option<TokenType>,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    pub vars: Vec<(&'static str, String)>,
    pub help: Option<String>,
    pub key: String,
}

/// Build a finding for rule `code` from a draft.
pub fn finding(policy: &'static Policy, code: &str, d: Draft) -> Option<Finding> {
    let meta: &'static RuleMeta = policy.rule(code)?;
    let mut message = meta.message.clone();
    for (k, v) in &d.vars {
        message = message.replace(&format!("{{{k}}}"), v);
    }
    Some(Finding {
        code: meta.code.as_str(),
        name: meta.name.as_str(),
        severity: meta.severity,
        message,
        at: d.at,
        workflow: d.workflow,
        token_type: d.token_type,
        confidence: d.confidence,
        evidence: d.evidence,
        help: d.help.unwrap_or_else(|| meta.help.clone()),
        fingerprint_key: format!("{code}\u{1f}{}", d.key),
    })
}
