//! The dbt Cloud CLI's `dbt_cloud.yml`: `token-value` (and the legacy `api-key`) of each project.

use super::Ctx;
use super::literal_fact;
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::Fact;
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
            // The reference is the value itself, without its quotes, as for every other rule.
            let raw = ctx.text(value.span.start, value.span.end);
            let inner = raw.trim_matches(['"', '\'']);
            let start = value.span.start + raw.find(inner).unwrap_or(0);
            let at = ctx.loc(start, start + inner.len());
            let mut u = TokenUse::new(at, literal::mask(inner).into_owned(), format!("Cloud CLI `{key}`"));
            u.saw(Fact::CloudCliConfig { key: key.to_owned() });
            // A placeholder (`dbtc_xxxxxxxx`, `dbtu_<your token>`) is not a token, whatever its
            // prefix: it says nothing about the type of the token that will replace it.
            if let Some(lit) = literal::find(text, &ctx.policy.signals).first() {
                u.literal = true;
                u.saw_type_at(literal_fact(lit.prefix()), at);
            }
            uses.push(u);
        }
    }
    uses
}
