//! TW101–TW105: a token type that does not fit its workflow.

use super::{Draft, Input, finding};
use crate::model::{Finding, TokenType, Workflow};
use crate::policy::builtin;

/// The rule that a (type, workflow) pair breaks, if any.
pub fn rule_for(t: TokenType, w: Workflow) -> Option<&'static str> {
    match (t, w) {
        (TokenType::Personal, Workflow::Production) => Some("TW101"),
        (TokenType::Personal, Workflow::PartnerIntegration) => Some("TW102"),
        (TokenType::Service, Workflow::CloudCli) => Some("TW103"),
        (TokenType::Service, Workflow::UserContextEndpoint) => Some("TW104"),
        (TokenType::Service, Workflow::DevScript) => Some("TW105"),
        _ => None,
    }
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    for cu in input.uses {
        let c = &cu.class;
        if cu.usage.declaration || !c.type_shown_here {
            continue;
        }
        let Some(code) = rule_for(c.token_type, c.workflow) else { continue };
        let path = input.files.get(cu.usage.at.file).map(|f| f.display.as_str()).unwrap_or("");
        let draft = Draft {
            at: cu.usage.at,
            workflow: Some(c.workflow),
            token_type: Some(c.token_type),
            confidence: c.confidence,
            evidence: c.evidence.clone(),
            vars: vec![],
            help: None,
            key: format!("{path}\u{1f}{}\u{1f}{}", cu.usage.reference, cu.usage.sink),
        };
        out.extend(finding(builtin(), code, draft));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mismatch_has_its_rule_and_fits_are_silent() {
        use TokenType::{Personal, Service};
        use Workflow::{CloudCli, DevScript, PartnerIntegration, Production, UserContextEndpoint};
        let table = [
            (Personal, Production, Some("TW101")),
            (Personal, PartnerIntegration, Some("TW102")),
            (Service, CloudCli, Some("TW103")),
            (Service, UserContextEndpoint, Some("TW104")),
            (Service, DevScript, Some("TW105")),
            (Service, Production, None),
            (Service, PartnerIntegration, None),
            (Personal, CloudCli, None),
            (Personal, UserContextEndpoint, None),
            (Personal, DevScript, None),
            (TokenType::Unknown, Production, None),
            (Personal, Workflow::Unknown, None),
        ];
        for (t, w, want) in table {
            assert_eq!(rule_for(t, w), want, "{t:?} in {w:?}");
        }
    }
}
