//! A developer's own MCP client configs (`.cursor/mcp.json`, `.vscode/mcp.json`, `.mcp.json`,
//! `claude_desktop_config.json`): the dbt token the developer's MCP servers run with. They act
//! for that developer: developmental. (A deployed MCP server others use is read from its
//! Kubernetes or compose manifest instead.)

use super::Ctx;
use super::overlap::Cover;
use super::values::{self, Role, ValueRef};
use crate::classify::names::words;
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::{Basis, Fact};
use crate::policy::Signals;
use crate::tree::Node;

/// An MCP client config: by file name, or by an `mcpServers` map anywhere else.
pub fn is_mcp_config(path: &str, doc: &Node, signals: &Signals) -> bool {
    is_mcp_name(path, signals) || doc.entries().iter().any(|(k, _)| k.as_str() == Some("mcpServers"))
}

pub fn is_mcp_name(path: &str, signals: &Signals) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    signals.ecosystems.mcp_configs.contains(&file)
}

/// The map of server definitions (`mcpServers`, `servers`, or VS Code's `mcp.servers`).
fn servers<'a>(doc: &'a Node, signals: &Signals) -> Option<&'a Node> {
    let keys = &signals.ecosystems.mcp_server_keys;
    let find = |n: &'a Node| {
        n.entries()
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|k| keys.contains(&k.to_ascii_lowercase())))
            .map(|(_, v)| v)
    };
    find(doc).or_else(|| doc.get("mcp").and_then(find))
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let role =
        Role::Local(format!("`{path}` configures the developer's own MCP client: the server acts for that developer"));
    let hint = Fact::Runs { role, basis: Basis::Config };
    let mut uses: Vec<TokenUse> = Vec::new();
    for (name, def) in servers(doc, signals).map(Node::entries).unwrap_or_default() {
        let server = name.as_str().unwrap_or("");
        let dbt_server = is_dbt_server(ctx, server, def);
        let first = uses.len();
        for (field, what) in [("env", "environment variable"), ("headers", "header")] {
            for (k, v) in def.get(field).map(Node::entries).unwrap_or_default() {
                let Some(key) = k.as_str() else { continue };
                let credential = field == "env" || key.eq_ignore_ascii_case("authorization");
                let dbt = values::dbt_key(key, &[], signals)
                    || (dbt_server && credential && (field == "headers" || values::dbt_key(key, &["dbt"], signals)));
                for r in values::refs(ctx, v.span.start, v.span.end, dbt) {
                    let mut u = values::token_use(ctx, &r, key, format!("{what} `{key}` of MCP server `{server}`"));
                    u.saw(hint.clone());
                    uses.push(u);
                }
            }
        }
        // A token passed on the command line (`"args": ["--token", "dbtu_…"]`).
        // Only this server's entries can hold its literals (servers do not overlap, nor do
        // literals): one index, not a pass over every use so far per literal.
        let text = ctx.text(def.span.start, def.span.end);
        let entries =
            Cover::new(uses.get(first..).unwrap_or_default().iter().map(|u| (u.at.span.start, u.at.span.end)));
        for lit in literal::find(text, signals) {
            let (s, e) = (def.span.start + lit.start, def.span.start + lit.end);
            if entries.contains(s, e) {
                continue;
            }
            let r = ValueRef {
                start: s,
                end: e,
                reference: literal::mask_token(ctx.text(s, e)),
                literal: Some(lit.prefix()),
                name: None,
            };
            let mut u = values::token_use(ctx, &r, "", format!("argument of MCP server `{server}`"));
            u.saw(hint.clone());
            uses.push(u);
        }
    }
    uses
}

/// Whether a server definition is dbt's (`dbt-mcp`, a dbt host URL, a `dbt` server name).
fn is_dbt_server(ctx: &Ctx, name: &str, def: &Node) -> bool {
    let text = ctx.text(def.span.start, def.span.end);
    let mut names = vec![name, def.get("command").and_then(Node::as_str).unwrap_or("")];
    names.extend(def.get("args").map(Node::items).unwrap_or_default().iter().filter_map(Node::as_str));
    ctx.policy.signals.hosts.is_match(text) || names.iter().any(|s| words(s).iter().any(|w| w == "dbt"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};

    #[test]
    fn policy_examples_hold() {
        let s = &builtin().signals;
        let ex = builtin().examples.get("developer_files").and_then(|d| d.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("developer_files examples"));
        for p in raw_list(&ex, "mcp_config") {
            assert!(is_mcp_name(&p, s), "{p}");
        }
        for p in raw_list(&ex, "other") {
            assert!(!is_mcp_name(&p, s), "{p}");
        }
    }
}
