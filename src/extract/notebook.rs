//! Jupyter notebooks (`.ipynb`): token reads and literal tokens in code cells, located inside the
//! JSON strings that hold each line. A person runs a notebook's cells: developmental.

use super::Ctx;
use super::values::{self, ValueRef};
use crate::classify::names::is_dbt_token_name;
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::{Fact, Seen};
use crate::tree::{Node, NodeKind};
use std::collections::HashSet;

pub fn is_notebook(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".ipynb")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let mut hints = vec![Seen::new(Fact::Notebook { path: path.to_owned() })];
    if let Some(m) = signals.user_endpoints.find(&ctx.src.text) {
        hints.push(Seen::at(Fact::CallsUserEndpoint { endpoint: m.as_str().to_owned() }, ctx.loc(m.start(), m.end())));
    }
    let mut uses: Vec<TokenUse> = Vec::new();
    // A hash set: a notebook reading many distinct names stays linear.
    let mut seen: HashSet<String> = HashSet::new();
    for cell in doc.get("cells").map(Node::items).unwrap_or_default() {
        // Markdown cells are prose: only their literal tokens count (TW201).
        if cell.get("cell_type").and_then(Node::as_str) != Some("code") {
            continue;
        }
        let lines: Vec<&Node> = match cell.get("source") {
            Some(n @ Node { kind: NodeKind::Scalar { .. }, .. }) => vec![n],
            Some(n) => n.items().iter().collect(),
            None => Vec::new(),
        };
        for line in lines {
            let raw = ctx.text(line.span.start, line.span.end);
            let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else { continue };
            let base = line.span.start + 1;
            let (code, map) = decode(inner);
            let at = |i: usize| base + map.get(i).copied().unwrap_or(inner.len());
            for caps in super::script::name_pattern().captures_iter(&code) {
                let Some(m) = caps.get(1).or_else(|| caps.get(2)) else { continue };
                let name = m.as_str();
                if seen.contains(name) || !is_dbt_token_name(name, signals) {
                    continue;
                }
                seen.insert(name.to_owned());
                let r = ValueRef {
                    start: at(m.start()),
                    end: at(m.end()),
                    reference: name.to_owned(),
                    literal: None,
                    name: Some(name.to_owned()),
                };
                let mut u = values::token_use(ctx, &r, "", "environment variable read by a notebook cell");
                u.facts = hints.clone();
                uses.push(u);
            }
            for lit in literal::find(&code, signals) {
                let r = ValueRef {
                    start: at(lit.start),
                    end: at(lit.end),
                    reference: literal::mask_token(code.get(lit.start..lit.end).unwrap_or("")),
                    literal: Some(lit.prefix()),
                    name: None,
                };
                let mut u = values::token_use(ctx, &r, "", "literal in a notebook cell");
                u.facts = hints.clone();
                uses.push(u);
            }
        }
    }
    uses
}

/// A JSON string's content decoded, with the offset in the raw text of each decoded byte (and
/// one past the end), so matches in the code can be located in the file.
fn decode(raw: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len() + 1);
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let decoded = if c == '\\' {
            match chars.next().map(|(_, e)| e) {
                Some('n') => '\n',
                Some('t') => '\t',
                Some('r') => '\r',
                Some('b') => '\u{8}',
                Some('f') => '\u{c}',
                Some('u') => {
                    let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, h)| h)).collect();
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
                }
                Some(other) => other,
                None => '\\',
            }
        } else {
            c
        };
        for _ in 0..decoded.len_utf8() {
            map.push(i);
        }
        out.push(decoded);
    }
    map.push(raw.len());
    (out, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_offsets_point_into_the_raw_string() {
        let raw = r#"token = os.environ[\"DBT_CLOUD_PAT\"]\n"#;
        let (code, map) = decode(raw);
        assert_eq!(code, "token = os.environ[\"DBT_CLOUD_PAT\"]\n");
        let i = code.find("DBT_CLOUD_PAT").unwrap_or(0);
        let j = i + "DBT_CLOUD_PAT".len();
        assert_eq!(&raw[map[i]..map[j]], "DBT_CLOUD_PAT");
        assert_eq!(map[code.len()], raw.len());
    }
}
