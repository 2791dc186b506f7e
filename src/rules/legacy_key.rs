//! TW202: a committed legacy user API key (40 hex characters, no prefix) as the value of a dbt
//! token name: a leaked credential that no longer works.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::model::{Confidence, Evidence, Loc};
use crate::tree::Span;

pub const SPEC: Spec = Spec { code: "TW202", name: "legacy-user-api-key", slots: &["name"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(src) = input.files.get(file) else { continue };
        for v in &facts.hex_values {
            let Some(key) = src.text.get(v.start..v.end) else { continue };
            let at = Loc { file, span: Span::new(v.start, v.end) };
            let draft = Draft {
                at,
                subject: Some(at),
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![Evidence::at(
                    format!("token: 40 hex characters without a prefix as the value of `{}` is a legacy user API key", v.name),
                    at,
                )],
                vars: vec![("name", v.name.clone())],
                help: None,
                key: vec![fingerprint::literal_hash(key)],
            };
            out.push(finding(rule, draft));
        }
    }
}
