//! The dbt Cloud CLI's `dbt_cloud.yml`: `token-value` (and the legacy `api-key`) of each project.

use super::Ctx;
use super::literal_evidence;
use crate::literal;
use crate::model::{Confidence, Evidence, TokenUse, TypeSource, Workflow};
use crate::tree::Node;

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    for project in doc.get("projects").map(Node::items).unwrap_or_default() {
        for key in ["token-value", "api-key"] {
            let Some(value) = project.get(key) else { continue };
            let Some(text) = value.as_str() else { continue };
            if text.trim().is_empty() {
                continue;
            }
            let at = ctx.loc(value.span.start, value.span.end);
            let raw = ctx.text(value.span.start, value.span.end);
            let mut u = TokenUse::new(
                at,
                literal::mask(raw.trim_matches(['"', '\''])).into_owned(),
                format!("Cloud CLI `{key}`"),
            );
            u.workflow(
                Workflow::CloudCli,
                Confidence::High,
                Evidence::new(format!("`{key}` in `dbt_cloud.yml` configures the dbt Cloud CLI")),
            );
            if let Some(lit) = literal::find(text, &ctx.policy.signals).first() {
                u.literal = true;
                u.token_type(lit.token_type, TypeSource::Literal, literal_evidence(lit.token_type, at));
            } else if text.starts_with(&ctx.policy.signals.personal_prefix)
                || text.starts_with(&ctx.policy.signals.service_prefix)
            {
                // A placeholder with a real prefix (`dbtc_your_token`) still says the intended type.
                let t = if text.starts_with(&ctx.policy.signals.personal_prefix) {
                    crate::model::TokenType::Personal
                } else {
                    crate::model::TokenType::Service
                };
                u.token_type(t, TypeSource::Literal, literal_evidence(t, at));
            }
            uses.push(u);
        }
    }
    uses
}
