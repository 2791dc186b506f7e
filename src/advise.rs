//! `advise`: which token type (and narrowest permission sets) a workflow should use, and why.

use crate::classify::names::partner_in;
use crate::model::Workflow;
use crate::policy::{Partner, Policy};
use serde::Serialize;

const AUTH_DOCS: &str = "https://docs.getdbt.com/docs/dbt-apis/authentication";
const SERVICE_TOKEN_DOCS: &str = "https://docs.getdbt.com/docs/dbt-apis/service-tokens";
const PAT_DOCS: &str = "https://docs.getdbt.com/docs/dbt-apis/user-tokens";
const CLOUD_CLI_DOCS: &str = "https://docs.getdbt.com/reference/dbt_cloud.yml";
const TERRAFORM_DOCS: &str = "https://registry.terraform.io/providers/dbt-labs/dbtcloud/latest/docs";

/// The CI/CD systems tokenwise reads (SPEC §3), with the other names users call them by.
const CI_SYSTEMS: [(&str, &[&str]); 6] = [
    ("GitHub Actions", &["github", "gha"]),
    ("GitLab CI", &["gitlab"]),
    ("Azure Pipelines", &["azure", "azure_devops", "ado"]),
    ("CircleCI", &["circle"]),
    ("Bitbucket Pipelines", &["bitbucket"]),
    ("Jenkins", &[]),
];

/// Infrastructure as code that manages dbt Cloud through the dbt-labs provider.
const IAC_TOOLS: [(&str, &[&str]); 2] = [("Terraform", &["tf", "opentofu", "tofu"]), ("Pulumi", &[])];

/// The resources the provider docs say need an Account Admin service token: the only reason
/// production Terraform should hold `account_admin`.
const ACCOUNT_ADMIN_RESOURCES: [&str; 4] = [
    "dbtcloud_group_partial_permissions",
    "dbtcloud_partial_notification",
    "dbtcloud_scim_group_permissions",
    "dbtcloud_scim_group_partial_permissions",
];

/// What `advise` answers: the token type and, for service tokens, the sets per use.
#[derive(Debug, Serialize)]
pub struct Advice {
    pub version: u32,
    pub workflow: &'static str,
    /// The integration or production tool asked about, by its canonical name.
    pub integration: Option<String>,
    /// `service` or `personal`.
    pub token_type: &'static str,
    /// Empty for personal access tokens: they carry their user's permissions.
    pub permission_sets: Vec<Grant>,
    pub notes: Vec<String>,
    pub why: &'static str,
    pub references: Vec<String>,
}

/// The permission sets one kind of use needs.
#[derive(Debug, Serialize)]
pub struct Grant {
    /// The use the sets are for.
    #[serde(rename = "for")]
    pub purpose: String,
    /// The sets, as the Terraform provider's `permission_set` values; empty when they depend
    /// on what the tool manages (then `detail` says how to choose).
    pub sets: Vec<String>,
    pub detail: Option<String>,
    /// The page that documents the sets (`none found` when no vendor or dbt page does), and the
    /// date it was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
}

impl Grant {
    fn new(purpose: impl Into<String>, sets: &[&str], detail: Option<&str>) -> Self {
        Grant {
            purpose: purpose.into(),
            sets: sets.iter().map(|s| (*s).to_owned()).collect(),
            detail: detail.map(str::to_owned),
            source: None,
            checked: None,
        }
    }
}

/// The kinds of production automation, whose needs differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ToolKind {
    Ci,
    Orchestrator,
    Iac,
}

/// A production tool `--integration` can name.
struct Tool {
    name: String,
    keywords: Vec<String>,
    kind: ToolKind,
}

/// `advise` as printed: aligned text wrapped to `width` columns, or JSON with `json`.
pub fn run(
    workflow: &str,
    integration: Option<&str>,
    json: bool,
    width: usize,
    policy: &Policy,
) -> Result<String, String> {
    let advice = advise(workflow, integration, policy)?;
    Ok(if json { to_json(&advice) } else { wrap(&text(&advice), width) })
}

/// Each line wrapped between words to `width` columns, continued two columns right of the
/// labels' column (so a wrapped item stays apart from the next); a word longer than the room
/// (a URL) is kept whole.
fn wrap(text: &str, width: usize) -> String {
    let indent = " ".repeat(LABEL_WIDTH + 2);
    let opts = crate::cli_options::wrap_options(width.max(LABEL_WIDTH + 20)).subsequent_indent(&indent);
    text.lines().flat_map(|l| textwrap::wrap(l, &opts)).map(|l| format!("{l}\n")).collect()
}

/// Columns of the labels (`permission sets: `) that the text is aligned after.
const LABEL_WIDTH: usize = 17;

pub fn advise(workflow: &str, integration: Option<&str>, policy: &Policy) -> Result<Advice, String> {
    // `--integration` alone: a partner's advice, or a production tool's.
    let workflow = match (workflow, integration) {
        ("", Some(name)) if find_partner(name, policy).is_some() => Workflow::PartnerIntegration.as_str(),
        ("", Some(name)) if find_tool(name, &production_tools(policy)).is_some() => Workflow::Production.as_str(),
        ("", Some(name)) => {
            let partners = policy.signals.partners.iter().map(|p| p.name.as_str());
            let tools = production_tools(policy);
            let known: Vec<&str> = partners.chain(tools.iter().map(|t| t.name.as_str())).collect();
            return Err(format!("unknown integration `{name}`; known: {}", known.join(", ")));
        }
        (w, _) => w,
    };
    let w = Workflow::parse(workflow).filter(|w| *w != Workflow::Unknown).ok_or_else(|| {
        let known = Workflow::ALL.iter().filter(|w| **w != Workflow::Unknown).map(|w| w.as_str());
        format!(
            "unknown workflow `{workflow}`{}; use one of: production, partner-integration, cloud-cli, dev-script, user-context-endpoint",
            crate::suggest::hint(workflow, known)
        )
    })?;
    let tools = production_tools(policy);
    match (w, integration) {
        (Workflow::PartnerIntegration, Some(name)) => match find_partner(name, policy) {
            Some(p) => Ok(partner_advice(Some(p))),
            None if find_tool(name, &tools).is_some() => {
                Err(format!("`{name}` is production automation, not a partner integration: use --workflow production"))
            }
            None => {
                let known: Vec<&str> = policy.signals.partners.iter().map(|p| p.name.as_str()).collect();
                Err(format!("unknown integration `{name}`; known: {}", known.join(", ")))
            }
        },
        (Workflow::PartnerIntegration, None) => Ok(partner_advice(None)),
        (Workflow::Production, Some(name)) => match find_tool(name, &tools) {
            Some(t) => Ok(production_advice(&tools, Some(t), policy)),
            None if find_partner(name, policy).is_some() => {
                Err(format!("`{name}` is a partner integration: use --workflow partner-integration"))
            }
            None => {
                let known: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                Err(format!("unknown production tool `{name}`; known: {}", known.join(", ")))
            }
        },
        (Workflow::Production, None) => Ok(production_advice(&tools, None, policy)),
        (_, Some(_)) => {
            Err(format!("--integration applies to --workflow partner-integration or production, not `{}`", w.as_str()))
        }
        (_, None) => Ok(personal_advice(w)),
    }
}

/// Names compared without case, spaces or punctuation: `Power BI`, `power_bi` and `PowerBI` agree.
fn norm(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The partner named by its name, one of its keywords, or a phrase that mentions one.
fn find_partner<'a>(name: &str, policy: &'a Policy) -> Option<&'a Partner> {
    let n = norm(name);
    if n.is_empty() {
        return None;
    }
    let partners = &policy.signals.partners;
    partners
        .iter()
        .find(|p| norm(&p.name) == n)
        .or_else(|| partners.iter().find(|p| p.keywords.iter().any(|k| norm(k) == n)))
        .or_else(|| partner_in(name, &policy.signals))
}

fn find_tool<'a>(name: &str, tools: &'a [Tool]) -> Option<&'a Tool> {
    let n = norm(name);
    if n.is_empty() {
        return None;
    }
    tools.iter().find(|t| norm(&t.name) == n || t.keywords.iter().any(|k| norm(k) == n))
}

fn production_tools(policy: &Policy) -> Vec<Tool> {
    let fixed = |list: &[(&str, &[&str])], kind| -> Vec<Tool> {
        list.iter()
            .map(|(name, keywords)| Tool {
                name: (*name).to_owned(),
                keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
                kind,
            })
            .collect()
    };
    let mut tools = fixed(&CI_SYSTEMS, ToolKind::Ci);
    tools.extend(policy.signals.ecosystems.orchestrators.iter().map(|o| Tool {
        name: o.name.clone(),
        keywords: o.keywords.clone(),
        kind: ToolKind::Orchestrator,
    }));
    tools.extend(fixed(&IAC_TOOLS, ToolKind::Iac));
    tools
}

fn names_of(tools: &[Tool], kind: ToolKind) -> String {
    tools.iter().filter(|t| t.kind == kind).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn quoted(items: &[impl AsRef<str>]) -> String {
    items.iter().map(|i| format!("`{}`", i.as_ref())).collect::<Vec<_>>().join(", ")
}

fn production_advice(tools: &[Tool], tool: Option<&Tool>, policy: &Policy) -> Advice {
    let wanted = |kind| tool.is_none_or(|t| t.kind == kind);
    let label = |kind| tool.map(|t| t.name.clone()).unwrap_or_else(|| names_of(tools, kind));
    let mut grants = Vec::new();
    let mut notes = Vec::new();
    let need = &policy.signals.production;
    let sets = |v: &[String]| v.to_vec();
    let source = (!need.source.is_empty()).then(|| need.source.clone());
    let checked = (!need.checked.is_empty()).then(|| need.checked.clone());
    let sourced = |purpose: String, sets: Vec<String>, detail: Option<String>| Grant {
        purpose,
        sets,
        detail,
        source: source.clone(),
        checked: checked.clone(),
    };
    let trigger = quoted(&need.trigger_jobs);
    let manage = quoted(&need.manage_jobs);
    let mut references = vec![AUTH_DOCS.to_owned(), SERVICE_TOKEN_DOCS.to_owned()];
    if wanted(ToolKind::Ci) {
        grants.push(sourced(
            format!("CI/CD pipelines that trigger dbt Cloud jobs ({})", label(ToolKind::Ci)),
            sets(&need.trigger_jobs),
            Some(format!(
                "{manage} instead only if the pipeline creates or edits jobs; {trigger} is also the minimum for state-aware CI with `DBT_CLOUD_TOKEN`"
            )),
        ));
    }
    if wanted(ToolKind::Orchestrator) {
        grants.push(sourced(
            format!("orchestrators that trigger jobs and wait for their runs ({})", label(ToolKind::Orchestrator)),
            sets(&need.trigger_jobs),
            Some(format!("{manage} instead only if the orchestrator also manages the jobs")),
        ));
    }
    if wanted(ToolKind::Iac) {
        let who = tool.map(|t| t.name.clone()).unwrap_or_else(|| IAC_TOOLS.map(|(n, _)| n).join(" or "));
        grants.push(sourced(format!("{who} triggering jobs"), sets(&need.trigger_jobs), None));
        grants.push(sourced(
            format!("{who} managing jobs and their environments"),
            sets(&need.manage_jobs),
            Some("on the projects it manages only".into()),
        ));
        grants.push(Grant::new(
            format!("{who} managing projects, connections and credentials"),
            &[],
            Some("the narrowest sets that cover the resources it manages, on those projects only"),
        ));
        grants.push(sourced(
            format!("{who} creating service tokens (`dbtcloud_service_token`)"),
            sets(&need.manage_service_tokens),
            Some("only Account Admin writes service tokens, and a personal access token cannot create them (dbt answers 400)".into()),
        ));
        grants.push(sourced(
            format!("{who} managing groups, SSO and IP rules ({})", quoted(&need.identity_resources)),
            sets(&need.manage_identity),
            Some(format!(
                "enough for users, groups, licenses, SSO and IP restrictions ({} can do it too)",
                quoted(&need.manage_service_tokens)
            )),
        ));
        grants.push(Grant::new(
            format!("{who} managing {}", quoted(&ACCOUNT_ADMIN_RESOURCES)),
            &["account_admin"],
            Some("the provider docs require Account Admin for these resources; grant it only to the configuration that manages them"),
        ));
        notes.push(format!(
            "a personal access token is right, on an aliased provider used for nothing else, where the provider docs say a user is needed: {}, a `dbtcloud_repository` with `git_clone_strategy = \"deploy_token\"` (GitLab) or fed by the GitHub App installations lookup; a repository with `github_app` and a known installation id, or `deploy_key`, works with a service token",
            quoted(&policy.signals.user_context_resources)
        ));
        notes.push("staging and dev Terraform run by a person use that person's PAT (dev-script)".into());
        references.push(TERRAFORM_DOCS.to_owned());
    }
    if !need.limited_plans.is_empty() {
        let plans = need.limited_plans.join(" and ");
        let cite = format!(" {}", cited(SERVICE_TOKEN_DOCS, checked.as_deref()));
        notes.push(format!(
            "on {plans} plans a service token can hold only {}: none of the sets above is available there{cite}",
            quoted(&need.limited_plan_sets)
        ));
    }
    Advice {
        version: 1,
        workflow: Workflow::Production.as_str(),
        integration: tool.map(|t| t.name.clone()),
        token_type: "service",
        permission_sets: grants,
        notes,
        why: "production automation must not depend on one person: a service token belongs to the account, carries explicit permission sets and keeps working when people leave",
        references,
    }
}

/// A partner's sources, in `(source: …, checked …)` form.
fn cited(source: &str, checked: Option<&str>) -> String {
    match checked {
        Some(date) => format!("(source: {source}, checked {date})"),
        None => format!("(source: {source})"),
    }
}

fn partner_grants(p: &Partner) -> Vec<Grant> {
    let checked = p.checked.clone();
    let Some(source) = p.source.clone() else {
        // A partner the project's config adds: its sets are the project's word.
        return vec![Grant {
            purpose: p.name.clone(),
            sets: p.needs.clone(),
            detail: None,
            source: None,
            checked: None,
        }];
    };
    let cite = cited(&source, checked.as_deref());
    let detail = match (&p.documented, p.needs.is_empty()) {
        (Some(d), true) => format!(
            "{d}; no permission set documented {cite}: ask the vendor, and start from the narrowest read-only set it works with"
        ),
        (None, true) => format!(
            "no {} or dbt page found that names a permission set {cite}: ask the vendor, and start from the narrowest read-only set it works with",
            p.name
        ),
        (Some(d), false) => format!("{d} {cite}"),
        (None, false) => cite,
    };
    let mut grants = vec![Grant {
        purpose: p.name.clone(),
        sets: p.needs.clone(),
        detail: Some(detail),
        source: Some(source.clone()),
        checked: checked.clone(),
    }];
    if !p.team_plan.is_empty() {
        grants.push(Grant {
            purpose: format!("{} on legacy Team plans", p.name),
            sets: p.team_plan.clone(),
            detail: None,
            source: Some(source),
            checked,
        });
    }
    grants
}

fn partner_advice(partner: Option<&Partner>) -> Advice {
    let grants = match partner {
        Some(p) => partner_grants(p),
        None => vec![
            Grant::new(
                "Semantic Layer consumers (Google Sheets, Tableau, Power BI, Hex, …)",
                &["semantic_layer_only", "metadata_only"],
                Some(
                    "dbt: generate a service token with Semantic Layer Only and Metadata Only (https://docs.getdbt.com/docs/cloud-integrations/avail-sl-integrations, checked 2026-12-01)",
                ),
            ),
            Grant::new("catalogs that read the Discovery API (DataHub, …)", &["metadata_only"], None),
            Grant::new(
                "tools that read jobs and runs (Atlan, Datafold, Hightouch, …)",
                &[],
                Some("the sets each vendor documents differ: ask with --integration NAME"),
            ),
        ],
    };
    let mut references = vec![AUTH_DOCS.to_owned(), SERVICE_TOKEN_DOCS.to_owned()];
    references.extend(partner.and_then(Partner::source_page).map(str::to_owned));
    Advice {
        version: 1,
        workflow: Workflow::PartnerIntegration.as_str(),
        integration: partner.map(|p| p.name.clone()),
        token_type: "service",
        permission_sets: grants,
        notes: vec!["scope the sets to the projects the integration reads, not all projects".into()],
        why: "the integration's token is stored in a third party's system; scope it to least privilege so a leak exposes only what the integration needs",
        references,
    }
}

fn personal_advice(w: Workflow) -> Advice {
    let (why, note, doc): (&'static str, &str, &'static str) = match w {
        Workflow::CloudCli => (
            "the Cloud CLI works in the context of a user (your development credentials, your runs)",
            "download dbt_cloud.yml from your account's CLI settings and never commit it",
            CLOUD_CLI_DOCS,
        ),
        Workflow::UserContextEndpoint => (
            "endpoints that act for a user (their development credentials, the GitHub installations lookup) reject service tokens, even Account Admin ones",
            "send the PAT of the user the request acts for",
            PAT_DOCS,
        ),
        _ => (
            "developmental work (a script being tested, staging Terraform, Postman) is yours",
            "switch to a service token when the work goes to production",
            PAT_DOCS,
        ),
    };
    Advice {
        version: 1,
        workflow: w.as_str(),
        integration: None,
        token_type: "personal",
        permission_sets: vec![],
        notes: vec!["none to choose: a PAT inherits its user's permissions".into(), note.into()],
        why,
        references: vec![AUTH_DOCS.to_owned(), doc.to_owned()],
    }
}

fn text(a: &Advice) -> String {
    const INDENT: &str = "                 ";
    let mut out = format!("workflow:        {}", a.workflow);
    if let Some(i) = &a.integration {
        out.push_str(&format!(" ({i})"));
    }
    let token =
        if a.token_type == "service" { "service token (`dbtc_…`)" } else { "personal access token (`dbtu_…`)" };
    out.push_str(&format!("\nuse:             {token}\n"));
    for (i, g) in a.permission_sets.iter().enumerate() {
        let head = if i == 0 { "permission sets: " } else { INDENT };
        let sets = set_list(&g.sets);
        let line = match (sets.is_empty(), &g.detail) {
            (false, Some(d)) => format!("{}: {sets}; {d}", g.purpose),
            (false, None) => format!("{}: {sets}", g.purpose),
            (true, Some(d)) => format!("{}: {d}", g.purpose),
            (true, None) => g.purpose.clone(),
        };
        out.push_str(&format!("{head}{line}\n"));
    }
    for (i, n) in a.notes.iter().enumerate() {
        out.push_str(&format!("{}{n}\n", if i == 0 { "note:            " } else { INDENT }));
    }
    out.push_str(&format!("why:             {}\n", a.why));
    for (i, r) in a.references.iter().enumerate() {
        out.push_str(&format!("{}{r}\n", if i == 0 { "reference:       " } else { INDENT }));
    }
    out
}

fn set_list(sets: &[String]) -> String {
    sets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" + ")
}

fn to_json(a: &Advice) -> String {
    format!("{}\n", serde_json::to_string_pretty(a).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    fn sets(a: &Advice) -> Vec<Vec<&str>> {
        a.permission_sets.iter().map(|g| g.sets.iter().map(String::as_str).collect()).collect()
    }

    #[test]
    fn partners_are_found_by_name_keyword_or_phrase() {
        let p = builtin();
        for (asked, canonical) in [
            ("Tableau", "Tableau"),
            ("power bi", "Power BI"),
            ("PowerBI", "Power BI"),
            ("Mode", "Mode"),
            ("google sheets", "Semantic Layer (Google Sheets)"),
            ("Monte-Carlo", "Monte Carlo"),
        ] {
            assert_eq!(find_partner(asked, p).map(|x| x.name.as_str()), Some(canonical), "{asked}");
        }
        assert!(find_partner("", p).is_none());
        assert!(find_partner("Airflow", p).is_none());
    }

    #[test]
    fn tableau_needs_the_semantic_layer_sets() {
        let a = advise("partner-integration", Some("Tableau"), builtin()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.token_type, "service");
        assert_eq!(sets(&a), [["semantic_layer_only", "metadata_only"]]);
    }

    #[test]
    fn production_tools_get_their_own_sets() {
        let p = builtin();
        let ci = advise("production", Some("github actions"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ci.integration.as_deref(), Some("GitHub Actions"));
        assert_eq!(sets(&ci), [["job_runner"]]);
        let airflow = advise("production", Some("airflow"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sets(&airflow), [["job_runner"]]);
        let tf = advise("production", Some("terraform"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            sets(&tf),
            [
                vec!["job_runner"],
                vec!["job_admin"],
                vec![],
                vec!["account_admin"],
                vec!["security_admin"],
                vec!["account_admin"]
            ]
        );
        assert!(tf.permission_sets[3].purpose.contains("dbtcloud_service_token"));
        assert!(tf.permission_sets[4].purpose.contains("dbtcloud_group"));
        assert!(tf.permission_sets[5].purpose.contains("dbtcloud_group_partial_permissions"));
        // Each set named from dbt's pages carries the page and the date it was checked.
        assert!(tf.permission_sets[3].source.as_deref().is_some_and(|s| s.contains("enterprise-permissions")));
        assert_eq!(tf.permission_sets[3].checked.as_deref(), Some("2026-12-01"));
        assert!(
            tf.notes.iter().any(|n| n.contains("Developer and Starter plans") && n.contains("`semantic_layer_only`"))
        );
        let all = advise("production", None, p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.permission_sets.len(), 8);
    }

    #[test]
    fn partners_get_the_sets_their_pages_document() {
        let p = builtin();
        let atlan = advise("partner-integration", Some("Atlan"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sets(&atlan), [vec!["job_viewer"], vec!["readonly"]]);
        assert_eq!(
            atlan.permission_sets[0].source.as_deref(),
            Some("https://docs.atlan.com/apps/connectors/etl-tools/dbt/how-tos/set-up-dbt-cloud")
        );
        assert!(atlan.references.iter().any(|r| r.contains("docs.atlan.com")));
        let datafold = advise("partner-integration", Some("datafold"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sets(&datafold), [vec!["developer"], vec!["member"]]);
        let hightouch = advise("partner-integration", Some("Hightouch"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sets(&hightouch), [vec!["readonly"]]);
        // No page names a set: none is asserted, and the advice says so.
        let mc = advise("partner-integration", Some("Monte Carlo"), p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sets(&mc), [Vec::<&str>::new()]);
        assert_eq!(mc.permission_sets[0].source.as_deref(), Some("none found"));
        assert!(mc.permission_sets[0].detail.as_deref().is_some_and(|d| d.contains("no Monte Carlo or dbt page")));
    }

    #[test]
    fn misplaced_and_unknown_names_are_errors() {
        let p = builtin();
        let e = advise("production", Some("Hightouch"), p).err().unwrap_or_default();
        assert!(e.contains("--workflow partner-integration"), "{e}");
        let e = advise("partner-integration", Some("Jenkins"), p).err().unwrap_or_default();
        assert!(e.contains("--workflow production"), "{e}");
        let e = advise("cloud-cli", Some("Tableau"), p).err().unwrap_or_default();
        assert!(e.contains("--integration applies to"), "{e}");
        let e = advise("production", Some("Nope"), p).err().unwrap_or_default();
        assert!(e.starts_with("unknown production tool `Nope`; known: GitHub Actions"), "{e}");
    }
}
