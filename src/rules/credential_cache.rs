//! TW203: a dbt credential cache (an OAuth session, a login state, dbt-mcp's session) committed
//! to the repository.

use super::{Draft, Finding, Input, Rule, Spec, finding};
use crate::model::{Confidence, Evidence, Loc};
use crate::tree::Span;

pub const SPEC: Spec = Spec { code: "TW203", name: "committed-credential-cache", slots: &["file"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(cache) = &facts.cache else { continue };
        // A file that is a cache only when it holds tokens (dbt-mcp's `mcp.yml` also holds
        // plain settings) says nothing secret without them.
        if cache.secrets.is_empty() && s.cache_files_with_tokens.contains(&cache.name) {
            continue;
        }
        let (start, end) = cache.secrets.first().copied().unwrap_or((0, 0));
        let at = Loc { file, span: Span::new(start, end) };
        let what = match cache.secrets.len() {
            0 => "the file's name and place say it is a dbt credential cache".to_owned(),
            1 => "cache: it holds 1 token value".to_owned(),
            n => format!("cache: it holds {n} token values"),
        };
        let draft = Draft {
            at,
            subject: Some(at),
            workflow: None,
            token_type: None,
            confidence: Confidence::High,
            evidence: vec![Evidence::at(what, at)],
            vars: vec![("file", cache.name.clone())],
            help: None,
            key: vec![cache.name.clone()],
        };
        out.push(finding(rule, draft));
    }
}
