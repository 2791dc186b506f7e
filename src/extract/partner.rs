//! Partner integration configs (Hightouch, Census, Datafold, Semantic Layer consumers, catalog and
//! observability tools): YAML and JSON whose path or keys name a partner and that hand it a dbt
//! Cloud token.

use super::Ctx;
use super::values;
use crate::classify::names::partner_in;
use crate::model::TokenUse;
use crate::model::fact::{Fact, PartnerNamedBy};
use crate::tree::{Node, NodeKind};

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let path = ctx.src.display.as_str();
    let partner = partner_in(path, &ctx.policy.signals).map(|p| hint(&p.name, PartnerNamedBy::Path(path.to_owned())));
    let mut uses = Vec::new();
    walk(ctx, doc, &mut Vec::new(), partner.as_ref(), &mut uses);
    uses
}

fn hint(partner: &str, named_by: PartnerNamedBy) -> Fact {
    Fact::PartnerConfig { partner: partner.to_owned(), named_by }
}

fn walk<'a>(ctx: &Ctx, n: &'a Node, keys: &mut Vec<&'a str>, partner: Option<&Fact>, uses: &mut Vec<TokenUse>) {
    match &n.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                let Some(key) = k.as_str() else { continue };
                let own = partner
                    .is_none()
                    .then(|| partner_in(key, &ctx.policy.signals))
                    .flatten()
                    .map(|p| hint(&p.name, PartnerNamedBy::Key(key.to_owned())));
                let partner = partner.or(own.as_ref());
                if matches!(v.kind, NodeKind::Scalar { .. }) {
                    scalar(ctx, key, v, keys, partner, uses);
                } else {
                    keys.push(key);
                    walk(ctx, v, keys, partner, uses);
                    keys.pop();
                }
            }
        }
        NodeKind::Seq(items) => {
            let key = keys.last().copied().unwrap_or("");
            for item in items {
                if matches!(item.kind, NodeKind::Scalar { .. }) {
                    let parents = keys.get(..keys.len().saturating_sub(1)).unwrap_or(&[]).to_vec();
                    scalar(ctx, key, item, &parents, partner, uses);
                } else {
                    walk(ctx, item, keys, partner, uses);
                }
            }
        }
        _ => {}
    }
}

fn scalar(ctx: &Ctx, key: &str, v: &Node, keys: &[&str], partner: Option<&Fact>, uses: &mut Vec<TokenUse>) {
    let Some(partner) = partner else { return };
    let dbt = values::dbt_key(key, keys, &ctx.policy.signals);
    for r in values::refs(ctx, v.span.start, v.span.end, dbt) {
        let dotted = keys.iter().chain(std::iter::once(&key)).copied().collect::<Vec<_>>().join(".");
        let mut u = values::token_use(ctx, &r, key, format!("`{dotted}` of a partner integration's configuration"));
        u.saw(partner.clone());
        uses.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;
    use crate::source::SourceFile;
    use std::path::PathBuf;

    fn refs(path: &str, text: &str) -> Vec<String> {
        let src = SourceFile::new(PathBuf::from(path), path.to_owned(), text.as_bytes().to_vec());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        let docs = crate::parse::yaml::parse(text).unwrap_or_else(|e| panic!("the test input must parse: {e:?}"));
        docs.iter().flat_map(|d| extract(&ctx, d)).map(|u| u.reference).collect()
    }

    #[test]
    fn a_partner_named_by_path_or_key() {
        assert_eq!(refs("census/dbt.yml", "dbt_cloud:\n  api_key: ${TOKEN}\n"), ["${TOKEN}"]);
        assert_eq!(refs("config/sync.yml", "datafold:\n  dbt:\n    token: ${X}\n"), ["${X}"]);
        // No partner, or no dbt token: nothing.
        assert!(refs("config/sync.yml", "dbt_cloud:\n  api_key: ${TOKEN}\n").is_empty());
        assert!(refs("hex/x.yml", "hex:\n  api_key: ${HEX_KEY}\n  columns: [dbtc_flag]\n").is_empty());
    }
}
