//! The check the token-type mismatch rules (TW101–TW105) share: a use whose token type does not
//! fit its workflow, reported at the reference that shows the type.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::fix::service_token::Repo;
use crate::model::{ClassifiedUse, TokenType, Workflow};

/// The spec of a mismatch rule: `t` used in `w` breaks it.
pub const fn spec(code: &'static str, name: &'static str, t: TokenType, w: Workflow) -> Spec {
    Spec { code, name, slots: &[], mismatch: Some((t, w)), check }
}

/// [`check`], then `attach` adds fixes to each finding it made, given the use it is about and
/// what the repository holds (gathered once, only when there is a finding).
pub fn check_then(rule: Rule, input: &Input, out: &mut Vec<Finding>, attach: fn(&ClassifiedUse, &Repo, &mut Finding)) {
    let mut made: Vec<(usize, Finding)> = Vec::new();
    each(rule, input, |i, f| made.push((i, f)));
    if made.is_empty() {
        return;
    }
    let repo = Repo::of(input);
    for (i, mut f) in made {
        if let Some(cu) = input.uses.get(i) {
            attach(cu, &repo, &mut f);
        }
        out.push(f);
    }
}

/// The least-privilege service token, written for a personal token's workflow.
pub fn attach_service_token(cu: &ClassifiedUse, repo: &Repo, f: &mut Finding) {
    f.fixes.extend(crate::fix::service_token::fix(cu, repo));
}

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    each(rule, input, |_, f| out.push(f));
}

/// Each finding of the rule, with the index of the use it is about.
fn each(rule: Rule, input: &Input, mut found: impl FnMut(usize, Finding)) {
    let Some((t, w)) = rule.spec().mismatch else { return };
    for (i, cu) in input.uses.iter().enumerate() {
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
        found(i, finding(rule, draft));
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
