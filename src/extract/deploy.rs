//! Deployed functions and containers: the environment their deploy commands set
//! (`gcloud functions deploy --set-secrets DBT_TOKEN=…`) and their manifests declare
//! (`serverless.yml`, AWS SAM / CloudFormation templates). Either hands the token to an app the
//! team deploys: a custom app.

use super::Ctx;
use super::values::{self, ValueRef};
use crate::classify::deployed;
use crate::classify::names::is_dbt_token_name;
use crate::model::TokenUse;
use crate::model::fact::{Fact, FunctionManifest};
use crate::tree::{Node, NodeKind};
use std::collections::HashMap;

/// How deep a manifest is walked for environment entries.
const MAX_DEPTH: usize = 16;

/// `NAME=value` pairs after an environment flag of a deploy command, in any code file. A
/// command continued over `\\` lines is read as one.
pub fn command_uses(ctx: &Ctx) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let text = ctx.src.text.as_str();
    let mut uses = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |j| pos + j);
        let line = text.get(pos..line_end).unwrap_or("");
        let Some(command) = deployed::deploy_command(line, s) else {
            pos = line_end + 1;
            continue;
        };
        // The command with its continuation lines.
        let mut end = line_end;
        while text.get(pos..end).is_some_and(|t| t.trim_end().ends_with('\\')) && end < text.len() {
            end = memchr::memchr(b'\n', &text.as_bytes()[end + 1..]).map_or(text.len(), |j| end + 1 + j);
        }
        uses.extend(pairs(ctx, pos, end, command));
        pos = end + 1;
    }
    uses
}

/// The deploy command whose (possibly `\\`-continued) command line holds byte `pos`, if any.
pub fn command_at<'s>(text: &str, pos: usize, s: &'s crate::policy::Signals) -> Option<&'s str> {
    let bytes = text.as_bytes();
    let mut start = memchr::memrchr(b'\n', bytes.get(..pos)?).map_or(0, |i| i + 1);
    // Bounded: a command is not continued over more than this many lines.
    for _ in 0..64 {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(text.len(), |j| start + j);
        if let Some(c) = deployed::deploy_command(text.get(start..end)?, s) {
            return Some(c);
        }
        if start == 0 {
            return None;
        }
        let prev_start = memchr::memrchr(b'\n', &bytes[..start - 1]).map_or(0, |i| i + 1);
        if !text.get(prev_start..start - 1)?.trim_end().ends_with('\\') {
            return None;
        }
        start = prev_start;
    }
    None
}

/// A CI step that deploys a function or container hands the token to that app: its uses are
/// the deployed app's.
pub fn mark_ci_deploys(ctx: &Ctx, uses: &mut [TokenUse]) {
    let s = &ctx.policy.signals;
    // One answer per line: the uses of one long line (minified, repeated) read it once, not
    // once each.
    let mut by_line: HashMap<usize, Option<&str>> = HashMap::new();
    for u in uses.iter_mut() {
        let line = ctx.src.line_col(u.at.span.start).0;
        let command = *by_line.entry(line).or_insert_with(|| command_at(&ctx.src.text, u.at.span.start, s));
        if let Some(c) = command {
            u.saw(Fact::CiDeployStep { command: c.to_owned() });
        }
    }
}

/// The dbt token variables set in the command at `start..end`.
fn pairs(ctx: &Ctx, start: usize, end: usize, command: &str) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let text = ctx.text(start, end);
    let mut uses = Vec::new();
    let mut after_flag = false;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        // One word: up to whitespace; a quoted part stays inside the word.
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'\\') {
            i += 1;
        }
        let ws = i;
        let mut quote = None;
        while i < bytes.len() {
            match (quote, bytes[i]) {
                (None, b'"' | b'\'') => quote = Some(bytes[i]),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_ascii_whitespace() => break,
                _ => {}
            }
            i += 1;
        }
        let word = text.get(ws..i).unwrap_or("");
        let flag = word.split('=').next().unwrap_or("").to_ascii_lowercase();
        if s.ecosystems.functions.env_flags.contains(&flag) {
            after_flag = true;
            // `--set-env-vars=A=1,B=2`: the pairs follow the flag's own `=`.
            if let Some(eq) = word.find('=') {
                uses.extend(word_pairs(ctx, start + ws + eq + 1, start + i, command));
            }
            continue;
        }
        if word.starts_with('-') {
            after_flag = false;
            continue;
        }
        if after_flag {
            uses.extend(word_pairs(ctx, start + ws, start + i, command));
        }
    }
    uses
}

/// `A=1,B=$X` or `"Variables={A=1,B=2}"`: each dbt token name set, at its name.
fn word_pairs(ctx: &Ctx, start: usize, end: usize, command: &str) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let text = ctx.text(start, end);
    let mut uses = Vec::new();
    let mut from = 0;
    for part in text.split([',', '{', '}', '"', '\'', ' ']) {
        let at = from;
        from += part.len() + 1;
        let Some((name, value)) = part.split_once('=') else { continue };
        let name = name.trim();
        let name = name.rsplit(['{', '[']).next().unwrap_or(name);
        if name.is_empty() || !is_dbt_token_name(name, s) {
            continue;
        }
        let ns = start + at + part.find(name).unwrap_or(0);
        let vs = start + at + part.find('=').map_or(0, |e| e + 1);
        let r = ValueRef { start: ns, end: ns + name.len(), reference: name.to_owned(), literal: None, name: None };
        let mut u = values::token_use(ctx, &r, name, format!("environment of the app deployed by `{command}`"));
        // The value may say the type the name does not (`DBT_TOKEN=$DBT_SERVICE_TOKEN`).
        if let Some(v) = values::refs(ctx, vs, vs + value.len(), false).first() {
            values::name_type(&mut u, &[v.name.as_deref().unwrap_or(""), value]);
        }
        u.saw(Fact::DeployCommand { command: command.to_owned() });
        uses.push(u);
    }
    uses
}

/// The environment entries of a function manifest: every key that names a dbt token, and every
/// value that reads one, anywhere under the manifest.
pub fn manifest_uses(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    walk(ctx, doc, 0, &mut uses);
    let kind = if ctx.src.display.to_ascii_lowercase().contains("serverless") {
        FunctionManifest::Serverless
    } else {
        FunctionManifest::SamOrCloudFormation
    };
    for u in &mut uses {
        u.saw(Fact::FunctionManifest { kind });
    }
    uses
}

fn walk(ctx: &Ctx, node: &Node, depth: usize, out: &mut Vec<TokenUse>) {
    if depth > MAX_DEPTH {
        return;
    }
    let s = &ctx.policy.signals;
    for (k, v) in node.entries() {
        let key = k.as_str().unwrap_or("");
        if let NodeKind::Scalar { .. } = v.kind {
            let dbt = is_dbt_token_name(key, s);
            for r in values::refs(ctx, v.span.start, v.span.end, dbt) {
                let mut u =
                    values::token_use(ctx, &r, key, format!("environment variable `{key}` of the deployed function"));
                // A dynamic reference (`{{resolve:secretsmanager:DBT_CLOUD_PAT}}`) names its secret.
                if !crate::classify::token_type::says_a_type(&u.type_facts, s) {
                    values::name_type(&mut u, &[ctx.text(v.span.start, v.span.end)]);
                }
                out.push(u);
            }
        } else {
            walk(ctx, v, depth + 1, out);
        }
    }
    for item in node.items() {
        walk(ctx, item, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    #[test]
    fn a_position_inside_a_continued_deploy_command() {
        let s = &builtin().signals;
        let t = "echo hi\ngcloud functions deploy f \\\n  --runtime python312 \\\n  --set-env-vars DBT_TOKEN=$DBT_PAT\necho $DBT_PAT\n";
        let at = t.find("$DBT_PAT").unwrap_or(0);
        assert_eq!(command_at(t, at, s), Some("gcloud functions deploy"));
        assert_eq!(command_at(t, t.rfind("$DBT_PAT").unwrap_or(0), s), None);
        assert_eq!(command_at(t, 2, s), None);
    }
}
