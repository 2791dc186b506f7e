//! Semantic Layer JDBC URLs (`jdbc:arrow-flight-sql://semantic-layer.<host>:443?environmentId=…
//! &token=…`) in any text file: the token a BI tool connects to dbt's Semantic Layer with.

use super::Ctx;
use super::overlap::Overlaps;
use super::values;
use crate::classify::names::partner_in;
use crate::model::TokenUse;
use crate::model::fact::Fact;

/// Add the tokens of every Semantic Layer JDBC URL in the file. A token another extractor
/// already reports (a URL in a Kubernetes env value) is the same use: it gets the evidence.
pub fn extract(ctx: &Ctx, uses: &mut Vec<TokenUse>) {
    let eco = &ctx.policy.signals.ecosystems;
    if eco.jdbc_prefix.is_empty() {
        return;
    }
    let text = ctx.src.text.as_str();
    // Most files hold no JDBC URL: look for the prefix before copying the text.
    let prefix = eco.jdbc_prefix.as_str();
    if !text.contains(prefix) && !text.contains(prefix.to_ascii_uppercase().as_str()) {
        return;
    }
    let lower = text.to_ascii_lowercase();
    // The other extractors' uses, indexed once: a file of many URLs stays linear.
    let others = Overlaps::new(uses.iter().map(|u| (u.at.span.start, u.at.span.end)));
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|t| t.find(&eco.jdbc_prefix)) {
        let start = from + i;
        let host = start + eco.jdbc_prefix.len();
        from = host;
        if !lower.get(host..).is_some_and(|h| h.starts_with("semantic-layer.")) {
            continue;
        }
        let len = text
            .get(host..)
            .and_then(|t| t.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')' | ']')))
            .unwrap_or(text.len() - host);
        let end = host + len;
        // URLs do not overlap: a use added for an earlier URL cannot be this URL's.
        let this_url = uses.len();
        for (vs, ve) in token_params(&lower, host, end, &eco.jdbc_token_params) {
            let hint = partner_hint(ctx);
            // Only a literal or a variable reference is a token; a placeholder word is not.
            let refs = values::refs(ctx, vs, ve, true).into_iter().filter(|r| r.literal.is_some() || r.name.is_some());
            for r in refs {
                let added = uses.get(this_url..).unwrap_or_default();
                let same = others.first(r.start, r.end).or_else(|| {
                    added.iter().position(|u| u.at.span.start < r.end && r.start < u.at.span.end).map(|i| this_url + i)
                });
                if let Some(u) = same.and_then(|i| uses.get_mut(i)) {
                    u.saw(hint.clone());
                    continue;
                }
                let mut u = values::token_use(ctx, &r, "", "`token` of a Semantic Layer JDBC URL");
                u.saw(hint.clone());
                uses.push(u);
            }
        }
        from = end.max(from);
    }
}

/// The value spans of the token parameters of the URL at `start..end` (`?token=`, `&token=`,
/// and `&amp;token=` in XML).
fn token_params(lower: &str, start: usize, end: usize, params: &[String]) -> Vec<(usize, usize)> {
    let url = lower.get(start..end).unwrap_or("");
    let mut out = Vec::new();
    for p in params {
        let pat = format!("{p}=");
        let mut from = 0;
        while let Some(i) = url.get(from..).and_then(|u| u.find(&pat)) {
            let at = from + i;
            from = at + pat.len();
            if !matches!(url.as_bytes().get(at.wrapping_sub(1)), Some(b'?' | b'&' | b';')) {
                continue;
            }
            let vs = at + pat.len();
            let ve = url.get(vs..).and_then(|v| v.find('&')).map_or(url.len(), |j| vs + j);
            if vs < ve {
                out.push((start + vs, start + ve));
            }
        }
    }
    out
}

/// The integration a JDBC URL belongs to: the BI file type, else the path, else the Semantic
/// Layer itself.
fn partner_hint(ctx: &Ctx) -> Fact {
    let s = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let partner = s
        .ecosystems
        .bi_files
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, p)| p.clone())
        .or_else(|| partner_in(path, s).map(|p| p.name.clone()));
    Fact::SemanticLayerJdbc { partner }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};
    use crate::source::SourceFile;
    use std::path::PathBuf;

    fn uses(path: &str, text: &str) -> Vec<TokenUse> {
        let src = SourceFile::new(PathBuf::from(path), path.to_owned(), text.as_bytes().to_vec());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        let mut out = Vec::new();
        extract(&ctx, &mut out);
        out
    }

    #[test]
    fn policy_examples_hold() {
        let ex = builtin().examples.get("semantic_layer").and_then(|d| d.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("semantic_layer examples"));
        for url in raw_list(&ex, "jdbc") {
            assert_eq!(uses("bi/x.tds", &format!("<connection url='{url}'/>")).len(), 1, "{url}");
        }
        for url in raw_list(&ex, "not_jdbc") {
            assert!(uses("bi/x.tds", &format!("url: {url}\n")).is_empty(), "{url}");
        }
    }

    #[test]
    fn tableau_file_names_the_partner() {
        // tokenwise: ignore[TW102] -- test input
        let text = "jdbc:arrow-flight-sql://semantic-layer.cloud.getdbt.com:443?environmentId=1&token=${DBT_PAT}";
        let u = uses("bi/orders.tds", text);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].reference, "${DBT_PAT}");
        assert!(crate::classify::workflow::hints(&u[0].facts)[0].evidence.text.contains("Tableau"));
    }
}
