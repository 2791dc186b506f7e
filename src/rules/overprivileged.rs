//! TW301: a partner integration's service token granted more than the integration needs.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::model::{Evidence, Grant, TokenType, Workflow};

pub const SPEC: Spec = Spec { code: "TW301", name: "overprivileged-integration-token", slots: &["integration", "grant"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    for cu in input.uses {
        let u = &cu.usage;
        let Some(integration) = &u.integration else { continue };
        // Each grant too broad for an integration: a broad set, or a write set on all projects.
        let too_broad: Vec<(&Grant, String, bool)> = u
            .grants
            .iter()
            .filter_map(|g| {
                let set = g.permission_set.to_lowercase();
                if s.broad_permissions.contains(&set) {
                    Some((g, set, false))
                } else if g.all_projects && s.write_permissions.contains(&set) {
                    Some((g, set, true))
                } else {
                    None
                }
            })
            .collect();
        let Some((first, _, _)) = too_broad.first() else { continue };
        let broad: Vec<String> = too_broad
            .iter()
            .map(|(g, _, all)| match all {
                true => format!("`{}` on all projects", g.permission_set),
                false => format!("`{}`", g.permission_set),
            })
            .collect();
        let broad_sets: Vec<String> =
            too_broad.iter().map(|(_, set, all)| if *all { format!("{set} on all projects") } else { set.clone() }).collect();
        let needs = s
            .partners
            .iter()
            .find(|p| &p.name == integration)
            .map(|p| p.needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" + "))
            .unwrap_or_else(|| "`metadata_only`".to_owned());
        let mut evidence = cu.class.evidence.clone();
        evidence.push(Evidence::at(format!("grant: permission set `{}`", first.permission_set), first.at));
        let draft = Draft {
            at: first.at,
            subject: Some(u.at),
            workflow: Some(Workflow::PartnerIntegration),
            token_type: Some(TokenType::Service),
            confidence: cu.class.confidence,
            evidence,
            vars: vec![("integration", integration.clone()), ("grant", broad.join(", "))],
            help: Some(format!(
                "{integration} needs only {needs}: replace the broad grant with those permission sets, limited to the projects the integration reads"
            )),
            key: vec![fingerprint::of_use(u, input.files.get(u.at.file)), broad_sets.join(",")],
        };
        out.push(finding(rule, draft));
    }
}
