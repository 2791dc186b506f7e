//! `advise`: which token type (and narrowest permission sets) a workflow should use, and why.

use crate::classify::names::partner_in;
use crate::model::Workflow;
use crate::policy::Policy;

const AUTH_DOCS: &str = "https://docs.getdbt.com/docs/dbt-cloud-apis/authentication";

pub fn run(workflow: &str, integration: Option<&str>, policy: &Policy) -> Result<String, String> {
    let w = Workflow::parse(workflow).filter(|w| *w != Workflow::Unknown).ok_or_else(|| {
        format!(
            "unknown workflow `{workflow}`; use one of: production, partner-integration, cloud-cli, dev-script, user-context-endpoint"
        )
    })?;
    let partner = match integration {
        Some(name) => Some(partner_in(name, &policy.signals).ok_or_else(|| {
            let known: Vec<&str> = policy.signals.partners.iter().map(|p| p.name.as_str()).collect();
            format!("unknown integration `{name}`; known: {}", known.join(", "))
        })?),
        None => None,
    };
    let (token, sets, why) = match w {
        Workflow::Production => (
            "service token",
            "Job Runner (`job_runner`) to trigger jobs; Job Admin (`job_admin`) to manage them; Account Admin only for Terraform that manages account-level resources".to_owned(),
            "production automation must not depend on one person: a service token belongs to the account, carries explicit permission sets and survives people leaving",
        ),
        Workflow::PartnerIntegration => (
            "service token",
            match partner {
                Some(p) => format!("{} needs only {}", p.name, p.needs.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" + ")),
                None => "the narrowest sets the integration documents: `semantic_layer_only` + `metadata_only` for Semantic Layer consumers, `metadata_only` for catalogs and observability, `job_runner` for tools that trigger runs".to_owned(),
            },
            "the integration's token is stored in a third party's system; scope it to least privilege so a leak exposes only what the integration needs",
        ),
        Workflow::CloudCli => (
            "personal access token",
            "none: a PAT inherits your own permissions".to_owned(),
            "the Cloud CLI works in the context of a user (your development credentials, your runs); download dbt_cloud.yml from your account and never commit it",
        ),
        Workflow::DevScript => (
            "personal access token",
            "none: a PAT inherits your own permissions".to_owned(),
            "developmental work (a script being tested, staging Terraform, Postman) is yours; switch to a service token when the work goes to production",
        ),
        Workflow::UserContextEndpoint => (
            "personal access token",
            "none: the endpoint acts for the user whose PAT is sent".to_owned(),
            "endpoints that act for a user (their development credentials, the GitHub installations lookup) reject service tokens, even Account Admin ones",
        ),
        Workflow::Unknown => unreachable_workflow(),
    };
    Ok(format!(
        "workflow:        {}\nuse:             {token}\npermission sets: {sets}\nwhy:             {why}\nreference:       {AUTH_DOCS}\n",
        w.as_str()
    ))
}

fn unreachable_workflow() -> (&'static str, String, &'static str) {
    ("unknown", String::new(), "")
}
