//! Postman collections and environments: developmental work by definition.

use super::Ctx;
use super::literal_fact;
use crate::classify::names::is_dbt_token_name;
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::Fact;
use crate::model::fact::TypeFact;
use crate::tree::{Node, NodeKind};

/// Postman exports carry `_postman_id`, a `getpostman.com` schema, or `_postman_variable_scope`.
pub fn is_postman(doc: &Node) -> bool {
    doc.get("_postman_variable_scope").is_some()
        || doc.get("info").is_some_and(|i| {
            i.get("_postman_id").is_some()
                || i.get("schema").and_then(Node::as_str).is_some_and(|s| s.contains("getpostman.com"))
        })
}

/// Whether a file's bytes may be a Postman export, without parsing it: the markers
/// [`is_postman`] looks for occur in its text. A large JSON file that is not one is data.
pub fn sniff(bytes: &[u8]) -> bool {
    [b"_postman_id".as_slice(), b"getpostman.com", b"_postman_variable_scope"]
        .iter()
        .any(|m| memchr::memmem::find(bytes, m).is_some())
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let what = if doc.get("_postman_variable_scope").is_some() { "Postman environment" } else { "Postman collection" };
    // The user-context endpoints this collection calls, if any.
    let user_endpoint = signals.user_endpoints.find(&ctx.src.text).map(|m| m.as_str().to_owned());
    let mut uses = Vec::new();
    let mut stack = vec![doc];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Map(entries) => {
                // `{"key": "dbt_token", "value": "…"}` in `values`, `variable`, `header`, `auth.bearer`.
                let key = n.get("key").and_then(Node::as_str);
                if let (Some(key), Some(value)) = (key, n.get("value"))
                    && let Some(u) = value_use(ctx, key, value, what, user_endpoint.as_deref())
                {
                    uses.push(u);
                }
                stack.extend(entries.iter().map(|(_, v)| v).rev());
            }
            NodeKind::Seq(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    uses
}

fn value_use(ctx: &Ctx, key: &str, value: &Node, what: &str, user_endpoint: Option<&str>) -> Option<TokenUse> {
    let signals = &ctx.policy.signals;
    let text = value.as_str()?;
    let lit = literal::find(text, signals).into_iter().next();
    // `{{dbt_pat}}` in a header or bearer value names the variable that holds the token.
    let var = text.split("{{").nth(1).and_then(|r| r.split("}}").next()).map(str::trim);
    let named = is_dbt_token_name(key, signals) || var.is_some_and(|v| is_dbt_token_name(v, signals));
    if lit.is_none() && !named {
        return None;
    }
    let at = ctx.loc(value.span.start, value.span.end);
    let reference = match var {
        Some(v) if lit.is_none() => format!("{{{{{v}}}}}"),
        _ if text.trim().is_empty() => key.to_owned(),
        _ => literal::mask(text).into_owned(),
    };
    let mut u = TokenUse::new(at, reference, format!("{what} value `{key}`"));
    u.saw(Fact::RequestCollection { what: what.to_owned() });
    if let Some(ep) = user_endpoint {
        u.saw(Fact::CollectionCallsUserEndpoint { endpoint: ep.to_owned() });
    }
    if let Some(lit) = lit {
        u.literal = true;
        u.saw_type_at(literal_fact(lit.prefix()), at);
    }
    for name in [Some(key), var].into_iter().flatten() {
        u.saw_type(TypeFact::Name { called: "name".to_owned(), name: name.to_owned() });
    }
    Some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sniff_finds_every_marker_is_postman_reads() {
        assert!(sniff(br#"{"info": {"_postman_id": "1", "name": "dbt"}}"#));
        assert!(sniff(br#"{"info": {"schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}}"#));
        assert!(sniff(br#"{"_postman_variable_scope": "environment", "values": []}"#));
        assert!(!sniff(br#"{"values": [{"key": "dbt_pat", "value": "x"}]}"#));
    }
}
