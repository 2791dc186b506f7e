//! TW301: a partner integration's service token granted more than the integration needs.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::fix::{Edit, Fix};
use crate::model::{Evidence, Grant, TokenType, Workflow};

pub const SPEC: Spec = Spec { code: "TW301", name: "overprivileged-integration-token", slots: &["integration", "grant"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    for cu in input.uses {
        let u = &cu.usage;
        let Some(integration) = &u.integration else { continue };
        let partner = s.partners.iter().find(|p| &p.name == integration);
        // The sets the partner's page documents are what it needs, even on all projects.
        let documented = |set: &str| partner.is_some_and(|p| p.needs.iter().chain(&p.team_plan).any(|n| n == set));
        // Each grant too broad for an integration: a broad set, a write set on all projects,
        // or a set writable in all or production environments.
        let too_broad: Vec<(&Grant, String, Breadth)> = u
            .grants
            .iter()
            .filter_map(|g| {
                let set = g.permission_set.to_lowercase();
                let envs: Vec<&String> =
                    g.writable_environments.iter().filter(|e| s.broad_environment_categories.contains(e)).collect();
                if s.broad_permissions.contains(&set) {
                    Some((g, set, Breadth::Set))
                } else if !envs.is_empty() {
                    let envs = envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
                    Some((g, set, Breadth::Environments(envs)))
                } else if g.all_projects && s.write_permissions.contains(&set) && !documented(&set) {
                    Some((g, set, Breadth::AllProjects))
                } else {
                    None
                }
            })
            .collect();
        let Some((first, _, _)) = too_broad.first() else { continue };
        let broad: Vec<String> = too_broad
            .iter()
            .map(|(g, _, b)| match b {
                Breadth::AllProjects => format!("`{}` on all projects", g.permission_set),
                Breadth::Environments(envs) => format!("`{}` writable in {envs} environments", g.permission_set),
                Breadth::Set => format!("`{}`", g.permission_set),
            })
            .collect();
        let broad_sets: Vec<String> = too_broad
            .iter()
            .map(|(_, set, b)| match b {
                Breadth::AllProjects => format!("{set} on all projects"),
                Breadth::Environments(envs) => format!("{set} writable in {}", envs.replace('`', "")),
                Breadth::Set => set.clone(),
            })
            .collect();
        // An integration the policy does not list is judged as a catalog (read-only metadata).
        let need_sets: Vec<String> = partner.map(|p| p.needs.clone()).unwrap_or_else(|| vec!["metadata_only".to_owned()]);
        let needs = need_sets.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" + ");
        let only_environments = too_broad.iter().all(|(_, _, b)| matches!(b, Breadth::Environments(_)));
        let help = match (need_sets.is_empty(), partner.and_then(|p| p.source_page())) {
            _ if only_environments => format!(
                "remove {} from `writable_environment_categories` (an empty list is read-only everywhere): {integration}'s token should not write to production environments",
                s.broad_environment_categories.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(" and ")
            ),
            (true, _) => format!(
                "no {integration} or dbt page names the permission sets {integration} needs: replace the broad grant with the narrowest read-only set it works with (ask the vendor), limited to the projects it reads"
            ),
            (false, Some(page)) => format!(
                "{integration} documents {needs} ({page}): replace the broad grant with those permission sets, limited to the projects the integration reads"
            ),
            (false, None) => format!(
                "{integration} needs only {needs}: replace the broad grant with those permission sets, limited to the projects the integration reads"
            ),
        };
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
            help: Some(help),
            key: vec![fingerprint::of_use(u, input.files.get(u.at.file)), broad_sets.join(",")],
        };
        let mut f = finding(rule, draft);
        if let [(grant, _, Breadth::Set | Breadth::AllProjects)] = too_broad.as_slice() {
            f.fixes.extend(narrow(input, grant, grant.all_projects, integration, &need_sets));
        }
        out.push(f);
    }
}

/// Why a grant is too broad for an integration.
enum Breadth {
    /// The set itself (`account_admin`).
    Set,
    /// A write set on all projects.
    AllProjects,
    /// Writable in these environment categories (`` `all` ``).
    Environments(String),
}

/// Narrow the one broad grant to the sets the integration documents: its value becomes the
/// first set, and (in HCL) a copy of its `service_token_permissions` block follows for each
/// other set. Unsafe: the integration may use more than its documentation says.
fn narrow(input: &Input, grant: &Grant, all_projects: bool, integration: &str, needs: &[String]) -> Option<Fix> {
    let src = input.files.get(grant.at.file)?;
    let text = &src.text;
    let old = text.get(grant.at.span.start..grant.at.span.end)?;
    let (first, rest) = needs.split_first()?;
    // Copying a block is written for HCL: in Terraform's JSON syntax only a single set is a fix.
    if !rest.is_empty() && crate::kind::of_path(&src.display) == crate::kind::FileKind::TerraformJson {
        return None;
    }
    let mut edits = vec![crate::fix::replace_value(src, grant.at, first)];
    if !rest.is_empty() {
        // The block around the grant: from its keyword's line to the line of its closing brace.
        let head = text.get(..grant.at.span.start)?.rfind("service_token_permissions")?;
        let line_start = text.get(..head)?.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let open = head + text.get(head..)?.find('{')?;
        let mut depth = 0usize;
        let mut close = None;
        for (i, c) in text.get(open..)?.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close?;
        let line_end = text.get(close..)?.find('\n').map(|i| close + i + 1).unwrap_or(text.len());
        let block = text.get(line_start..line_end)?;
        let offset = grant.at.span.start - line_start;
        for set in rest {
            let mut copy = String::new();
            copy.push_str(block.get(..offset)?);
            copy.push_str(&crate::fix::replace_value(src, grant.at, set).text);
            copy.push_str(block.get(offset + old.len()..)?);
            if !copy.ends_with('\n') {
                copy.insert(0, '\n');
            }
            edits.push(Edit::insert(grant.at.file, line_end, copy));
        }
    }
    let sets = needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" + ");
    let scope = if all_projects { "; it stays on all projects: limit it to the projects the integration reads" } else { "" };
    Some(Fix::unsafe_(
        format!(
            "grant {sets} instead of `{}`, what {integration} documents{scope}; unsafe: check that the integration needs nothing more",
            grant.permission_set
        ),
        edits,
    ))
}
