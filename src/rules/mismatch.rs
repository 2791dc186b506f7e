//! The check the token-type mismatch rules (TW101–TW105) share: a use whose token type does not
//! fit its workflow, reported at the reference that shows the type.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::model::{TokenType, Workflow};

/// The spec of a mismatch rule: `t` used in `w` breaks it.
pub const fn spec(code: &'static str, name: &'static str, t: TokenType, w: Workflow) -> Spec {
    Spec { code, name, slots: &[], mismatch: Some((t, w)), check }
}

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let Some((t, w)) = rule.spec().mismatch else { return };
    for cu in input.uses {
        let c = &cu.class;
        if cu.usage.declaration || !c.type_shown_here || (c.token_type, c.workflow) != (t, w) {
            continue;
        }
        let draft = Draft {
            at: cu.usage.at,
            subject: Some(cu.usage.at),
            workflow: Some(c.workflow),
            token_type: Some(c.token_type),
            confidence: c.confidence,
            evidence: c.evidence.clone(),
            vars: vec![],
            help: None,
            key: vec![fingerprint::of_use(&cu.usage, input.files.get(cu.usage.at.file))],
        };
        out.push(finding(rule, draft));
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
            assert_eq!(Rule::for_mismatch(t, w).map(Rule::code), want, "{t:?} in {w:?}");
        }
    }
}
