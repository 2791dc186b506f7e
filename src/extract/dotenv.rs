//! `.env` files: a developer's local settings, or the environment of a service the team deploys.

use super::Ctx;
use super::overlap::Cover;
use super::values::{self, Deployed, Role, ValueRef};
use crate::classify::names::is_dbt_token_name;
use crate::literal::Literal;
use crate::model::TokenUse;
use crate::model::fact::{Basis, Fact};
use crate::policy::Signals;

/// `.env`, `.env.local`, `app.env`, `.envrc`.
pub fn is_env_file(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    file.starts_with(".env") || file.ends_with(".env")
}

/// Who reads an env file: a developer (a local file, wherever it sits), or a deployed service
/// (a file in a deployment folder); anything else is a developer's.
pub fn role(path: &str, signals: &Signals) -> (Role, Basis) {
    let eco = &signals.ecosystems;
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if eco.local_env_files.contains(&file) {
        return (Role::Local(format!("`{file}` is a developer's local environment file")), Basis::Config);
    }
    // A production env file (`.env.production`) is what a deployed service reads, wherever it
    // sits: a developer's own settings are `.env` or `.env.local`.
    if eco.deployed_env_files.contains(&file) {
        let role = match values::deployed_kind(&[path], signals) {
            Deployed::Orchestrator(name) => Role::Orchestrator(format!(
                "`{file}` is the production environment of a deployed {name} (orchestrator)"
            )),
            Deployed::Agent(_) => {
                Role::Agent(format!("`{file}` is the production environment of a deployed MCP server or AI agent"))
            }
            Deployed::App => {
                Role::App(format!("`{file}` is the production environment of an app the team deploys: a custom app"))
            }
        };
        return (role, Basis::Config);
    }
    let dirs: Vec<String> = path.split('/').rev().skip(1).map(str::to_lowercase).collect();
    if let Some(seg) = dirs.iter().find(|d| eco.deployed_segments.contains(d)) {
        let role = match values::deployed_kind(&[path], signals) {
            Deployed::Orchestrator(name) => {
                Role::Orchestrator(format!("`{path}` is the environment of a deployed {name} (orchestrator)"))
            }
            Deployed::Agent(_) => Role::Agent(format!(
                "`{path}` is the environment of a deployed MCP server or AI agent others use (folder `{seg}`)"
            )),
            Deployed::App => Role::App(format!(
                "`{path}` is the environment of a service the team deploys (folder `{seg}`): a custom app"
            )),
        };
        return (role, Basis::NameOnly);
    }
    (Role::Local(format!("`{file}` is a local environment file for development")), Basis::Config)
}

pub fn extract(ctx: &Ctx, literals: &[Literal]) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let (role, basis) = role(path, signals);
    let text = ctx.src.text.as_str();
    let mut uses = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some((key, key_start, vs, ve)) = assignment(line) else { continue };
        let (key_start, vs, ve) = (start + key_start, start + vs, start + ve);
        let conn = values::airflow_conn_refs(ctx, key, vs, ve);
        let airflow = conn.is_some();
        let refs = match conn {
            Some(refs) => refs,
            None if vs == ve && is_dbt_token_name(key, signals) => vec![ValueRef {
                start: key_start,
                end: key_start + key.len(),
                reference: key.to_owned(),
                literal: None,
                name: None,
            }],
            None => values::refs(ctx, vs, ve, is_dbt_token_name(key, signals)),
        };
        // An Airflow connection in a deployed service's environment is the orchestrator's.
        let role = match &role {
            Role::App(_) | Role::Agent(_) if airflow => Role::Orchestrator(format!(
                "`{key}` defines an Airflow connection of a deployed Airflow (orchestrator)"
            )),
            r => r.clone(),
        };
        for r in refs {
            let mut u = values::token_use(ctx, &r, key, format!("`{key}` in `{path}`"));
            u.saw(Fact::Runs { role: role.clone(), basis });
            uses.push(u);
        }
    }
    // Tokens outside any `KEY=value` line are still configured here.
    let covered = Cover::new(uses.iter().map(|u| (u.at.span.start, u.at.span.end)));
    for lit in literals {
        if covered.contains(lit.start, lit.end) {
            continue;
        }
        let r = ValueRef {
            start: lit.start,
            end: lit.end,
            reference: lit.masked(&ctx.src.text),
            literal: Some(lit.prefix()),
            name: None,
        };
        let mut u = values::token_use(ctx, &r, "", format!("literal in `{path}`"));
        u.saw(Fact::Runs { role: role.clone(), basis });
        uses.push(u);
    }
    uses
}

/// A `KEY=value` line (optionally `export KEY=value`): the key, its offset, and the value's span
/// without quotes or a trailing comment.
fn assignment(line: &str) -> Option<(&str, usize, usize, usize)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let lead = body.len() - body.trim_start().len();
    let mut rest = body.get(lead..)?;
    let mut key_start = lead;
    if let Some(r) = rest.strip_prefix("export ") {
        key_start += rest.len() - r.trim_start().len();
        rest = r.trim_start();
    }
    if rest.starts_with('#') {
        return None;
    }
    let eq = rest.find('=')?;
    let key = rest.get(..eq)?.trim_end();
    let valid = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !valid {
        return None;
    }
    let vstart = key_start + eq + 1;
    let value = body.get(vstart..)?;
    // A quoted value ends at its closing quote, an unquoted one at ` #` (a comment).
    let lead = value.len() - value.trim_start().len();
    let value = match value.trim_start().chars().next() {
        Some(q @ ('"' | '\'')) => {
            let close = value.get(lead + 1..).and_then(|v| v.find(q)).map_or(value.len(), |j| lead + 1 + j + 1);
            value.get(..close).unwrap_or(value)
        }
        _ => value.split(" #").next().unwrap_or(value),
    };
    let (s, e) = values::trim_quotes(value);
    Some((key, key_start, vstart + s, vstart + e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};

    #[test]
    fn policy_examples_hold() {
        let s = &builtin().signals;
        let ex = builtin().examples.get("deployments").and_then(|d| d.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("deployments examples"));
        for p in raw_list(&ex, "deployed_env") {
            assert!(is_env_file(&p), "{p}");
            assert!(matches!(role(&p, s).0, Role::App(_)), "{p} should be a deployed app's");
        }
        for p in raw_list(&ex, "local_env") {
            assert!(is_env_file(&p), "{p}");
            assert!(matches!(role(&p, s).0, Role::Local(_)), "{p} should be local");
        }
    }

    #[test]
    fn assignments() {
        let line = "export DBT_CLOUD_PAT=\"abc\" # mine\n";
        let (k, ks, vs, ve) = assignment(line).unwrap_or_default();
        assert_eq!(k, "DBT_CLOUD_PAT");
        assert_eq!(&line[ks..ks + k.len()], "DBT_CLOUD_PAT");
        assert_eq!(&line[vs..ve], "abc");
        let line = "DBT_TOKEN=abc # comment";
        let (_, _, vs, ve) = assignment(line).unwrap_or_default();
        assert_eq!(&line[vs..ve], "abc");
        assert!(assignment("# DBT_TOKEN=x").is_none());
        assert!(assignment("not an assignment").is_none());
        let (_, _, vs, ve) = assignment("DBT_TOKEN=").unwrap_or_default();
        assert_eq!(vs, ve);
    }
}
