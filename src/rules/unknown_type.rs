//! TW401: a token use whose type could not be inferred (off by default).

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::model::{TokenType};

pub const SPEC: Spec = Spec { code: "TW401", name: "unknown-token-type", slots: &["workflow"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    for cu in input.uses {
        if cu.class.token_type != TokenType::Unknown || cu.usage.declaration {
            continue;
        }
        let draft = Draft {
            at: cu.usage.at,
            subject: Some(cu.usage.at),
            workflow: Some(cu.class.workflow),
            token_type: Some(TokenType::Unknown),
            confidence: cu.class.confidence,
            evidence: cu.class.evidence.clone(),
            vars: vec![("workflow", cu.class.workflow.as_str().to_owned())],
            help: None,
            key: vec![fingerprint::of_use(&cu.usage, input.files.get(cu.usage.at.file))],
        };
        out.push(finding(rule, draft));
    }
}
