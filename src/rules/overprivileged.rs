//! TW301: a partner integration's service token granted more than the integration needs.

use super::{Draft, Finding, Input, Rule, Spec, finding};
use crate::model::{Evidence, TokenType, Workflow};

pub const SPEC: Spec = Spec { code: "TW301", name: "overprivileged-integration-token", slots: &["integration", "grant"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    for cu in input.uses {
        let u = &cu.usage;
        let Some(integration) = &u.integration else { continue };
        let broad: Vec<String> = u
            .grants
            .iter()
            .filter_map(|g| {
                let set = g.permission_set.to_lowercase();
                if s.broad_permissions.contains(&set) {
                    Some(format!("`{}`", g.permission_set))
                } else if g.all_projects && s.write_permissions.contains(&set) {
                    Some(format!("`{}` on all projects", g.permission_set))
                } else {
                    None
                }
            })
            .collect();
        if broad.is_empty() {
            continue;
        }
        let needs = s
            .partners
            .iter()
            .find(|p| &p.name == integration)
            .map(|p| p.needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" + "))
            .unwrap_or_else(|| "`metadata_only`".to_owned());
        let first = u.grants.iter().find(|g| {
            let set = g.permission_set.to_lowercase();
            s.broad_permissions.contains(&set) || (g.all_projects && s.write_permissions.contains(&set))
        });
        let mut evidence = cu.class.evidence.clone();
        if let Some(g) = first {
            evidence.push(Evidence::at(format!("grant: permission set `{}`", g.permission_set), g.at));
        }
        let draft = Draft {
            at: first.map(|g| g.at).unwrap_or(u.at),
            workflow: Some(Workflow::PartnerIntegration),
            token_type: Some(TokenType::Service),
            confidence: cu.class.confidence,
            evidence,
            vars: vec![("integration", integration.clone()), ("grant", broad.join(", "))],
            help: Some(format!(
                "{integration} needs only {needs}: replace the broad grant with those permission sets, limited to the projects the integration reads"
            )),
            key: format!("{}\u{1f}{}", u.reference, broad.join(",")),
        };
        out.push(finding(rule, draft));
    }
}
