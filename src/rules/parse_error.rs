//! TW001: a file that should be scanned but cannot be parsed.

use super::{Draft, Finding, Input, Rule, Spec, finding};
use crate::model::{Confidence, Loc};
use crate::tree::Span;

pub const SPEC: Spec = Spec { code: "TW001", name: "parse-error", slots: &["detail"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(err) = &facts.parse_error else { continue };
        let Some(src) = input.files.get(file) else { continue };
        let offset = err.offset.min(src.text.len());
        let draft = Draft {
            at: Loc { file, span: Span::new(offset, offset) },
            subject: None,
            workflow: None,
            token_type: None,
            confidence: Confidence::High,
            evidence: vec![],
            vars: vec![("detail", crate::literal::mask(&err.message).into_owned())],
            help: None,
            // The kind of failure, not the parser's words, which change with its version.
            key: vec![err.kind.as_str().to_owned()],
        };
        out.push(finding(rule, draft));
    }
}
