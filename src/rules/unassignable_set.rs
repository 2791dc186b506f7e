//! TW303: a service token granted a permission set that cannot be assigned to service tokens
//! (`fusion_admin`), or one that does not exist (a misspelling: the closest valid name is named).

use super::{Draft, Finding, Input, Remedy, Rule, Spec, finding, fingerprint};
use crate::model::{Confidence, Evidence, TokenType};

pub const SPEC: Spec =
    Spec { code: "TW303", name: "unassignable-permission-set", slots: &["set", "reason"], mismatch: None, check };

/// Most edits between a misspelt set and the name it is taken for.
const MAX_EDITS: usize = 3;

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    for cu in input.uses.iter().filter(|u| u.usage.declaration) {
        for g in &cu.usage.grants {
            let set = g.permission_set.trim().to_ascii_lowercase();
            // An expression (`var.permission_set`, an interpolation) is not a name to judge.
            if set.is_empty() || !set.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                continue;
            }
            let (reason, closest, help) = if s.unassignable_permissions.contains(&set) {
                (
                    "cannot be assigned to service tokens".to_owned(),
                    None,
                    format!("dbt does not assign `{set}` to service tokens: grant the set the token's work needs instead (Account Admin to manage the account, Job Admin for jobs)"),
                )
            } else if s.known_permissions.contains(&set) {
                continue;
            } else {
                let closest = closest(&set, &s.known_permissions);
                let help = match &closest {
                    Some(c) => format!("did you mean `{c}`? dbt rejects a permission set it does not know"),
                    None => "use one of dbt's permission sets (`tokenwise explain TW303` lists them)".to_owned(),
                };
                ("is not a dbt permission set".to_owned(), closest, help)
            };
            let draft = Draft {
                at: g.at,
                subject: Some(cu.usage.at),
                workflow: Some(cu.class.workflow),
                token_type: Some(TokenType::Service),
                confidence: Confidence::High,
                evidence: vec![Evidence::at(format!("grant: permission set `{}`", g.permission_set), g.at)],
                vars: vec![("set", g.permission_set.clone()), ("reason", reason)],
                help: Some(help),
                key: vec![fingerprint::of_use(&cu.usage, input.files.get(cu.usage.at.file)), set.clone()],
            };
            let mut f = finding(rule, draft);
            f.remedy = Some(Remedy::RenamePermissionSet { value: g.at, with: closest });
            out.push(f);
        }
    }
}

/// The known name fewest edits away from `set`, if it is close enough and the only one that close.
fn closest(set: &str, known: &[String]) -> Option<String> {
    let mut best: Vec<(usize, &String)> = known.iter().map(|k| (crate::suggest::distance(set, k), k)).collect();
    best.sort();
    let (d, name) = *best.first()?;
    let tie = best.get(1).is_some_and(|(d2, _)| *d2 == d);
    (d <= MAX_EDITS.min(set.len() / 2) && !tie).then(|| name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_set_is_named_when_it_is_close() {
        let known: Vec<String> = crate::policy::builtin().signals.known_permissions.clone();
        assert_eq!(closest("job_runer", &known).as_deref(), Some("job_runner"));
        assert_eq!(closest("metadata", &known).as_deref(), None, "`metadata` is 5 edits from `metadata_only`");
        assert_eq!(closest("acount_admin", &known).as_deref(), Some("account_admin"));
        assert_eq!(closest("xyz", &known), None);
        assert_eq!(crate::suggest::distance("kitten", "sitting"), 3);
    }

    #[test]
    fn every_documented_set_is_known() {
        let s = &crate::policy::builtin().signals;
        for set in ["account_viewer", "analyst_read", "cost_management_viewer", "job_creator", "scim_only", "notification_manager", "member"] {
            assert!(s.known_permissions.iter().any(|k| k == set), "{set}");
        }
        assert!(s.unassignable_permissions.iter().any(|k| k == "fusion_admin"));
        assert!(!s.narrow_permissions.iter().any(|k| k == "account_viewer"), "account_viewer reads audit logs");
    }
}
