//! The Astro CLI's `airflow_settings.yaml`: dbt Cloud connections (`conn_password`) and Variables
//! of the local Airflow that `astro dev start` runs. Astronomer documents the file as local-only
//! (kept out of deploys), so it is a developer's setup: developmental.

use super::Ctx;
use super::values::{self, Role};
use crate::classify::names::is_dbt_token_name;
use crate::model::TokenUse;
use crate::model::fact::{Basis, Fact};
use crate::tree::Node;

pub fn is_settings(path: &str, signals: &crate::policy::Signals) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    signals.ecosystems.airflow_settings_files.contains(&file)
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let role = Role::Local(format!(
        "`{path}` configures the local Airflow of the Astro CLI (`astro dev start`), not a deployment"
    ));
    let hint = Fact::Runs { role, basis: Basis::Config };
    let Some(airflow) = doc.get("airflow") else { return Vec::new() };
    let mut uses = Vec::new();
    for conn in airflow.get("connections").map(Node::items).unwrap_or_default() {
        let conn_type = conn.get("conn_type").and_then(Node::as_str).unwrap_or("").to_lowercase();
        if !signals.ecosystems.airflow_conn_types.contains(&conn_type) {
            continue;
        }
        let id = conn.get("conn_id").and_then(Node::as_str).unwrap_or("");
        let Some(pw) = conn.get("conn_password") else { continue };
        for r in values::refs(ctx, pw.span.start, pw.span.end, true) {
            let mut u = values::token_use(ctx, &r, id, format!("`conn_password` of Airflow connection `{id}`"));
            if r.reference.is_empty() {
                u.reference = format!("connection `{id}`");
            }
            u.airflow_conn = Some(crate::model::AirflowConn::Defines(id.to_ascii_lowercase()));
            u.saw(hint.clone());
            uses.push(u);
        }
    }
    for var in airflow.get("variables").map(Node::items).unwrap_or_default() {
        let name = var.get("variable_name").and_then(Node::as_str).unwrap_or("");
        let Some(value) = var.get("variable_value") else { continue };
        for r in values::refs(ctx, value.span.start, value.span.end, is_dbt_token_name(name, signals)) {
            let mut u = values::token_use(ctx, &r, name, format!("Airflow Variable `{name}`"));
            u.saw(hint.clone());
            uses.push(u);
        }
    }
    uses
}
