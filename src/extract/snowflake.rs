//! Snowflake SQL (`*.sql` holding Snowflake DDL): a `CREATE SECRET … TYPE = GENERIC_STRING
//! SECRET_STRING = '…'` that commits a token, and external-access procedures and functions
//! (`CREATE PROCEDURE … EXTERNAL_ACCESS_INTEGRATIONS = (…) SECRETS = ('alias' = secret)`) whose
//! Python body reads a secret with `_snowflake.get_generic_secret_string('alias')` and sends
//! it to dbt Cloud: the warehouse calls dbt Cloud without a person.

use super::Ctx;
use super::code::{self, Lang};
use super::literal_fact;
use crate::classify::names::is_dbt_token_name;
use crate::literal::Literal;
use crate::model::TokenUse;
use crate::model::fact::{Fact, Seen, TypeFact};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a `.sql` file must hold to be read as Snowflake DDL (the prefilter searches for them,
/// in either case, so a dbt model costs one search).
pub const MARKERS: [&str; 3] = ["secret_string", "external_access_integrations", "get_generic_secret_string"];

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| crate::pattern::constant(pattern))
}

/// `CREATE [OR REPLACE] SECRET [IF NOT EXISTS] name …;`
fn secret_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r#"(?is)\bcreate\s+(?:or\s+replace\s+)?secret\s+(?:if\s+not\s+exists\s+)?([A-Za-z0-9_.$"]+)([^;]*)"#)
}

/// `SECRET_STRING = '…'` inside a secret's statement.
fn secret_string_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r"(?is)\bsecret_string\s*=\s*'([^']*)'")
}

/// `CREATE [OR REPLACE] [SECURE] [TEMPORARY] PROCEDURE|FUNCTION name`.
fn routine_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(
        &RE,
        r#"(?is)\bcreate\s+(?:or\s+replace\s+)?(?:secure\s+)?(?:temp(?:orary)?\s+)?(procedure|function)\s+(?:if\s+not\s+exists\s+)?([A-Za-z0-9_.$"]+)"#,
    )
}

/// `'alias' = secret_name` pairs of a routine's `SECRETS = (…)`.
fn secret_pair_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    re(&RE, r#"'([A-Za-z0-9_]+)'\s*=\s*([A-Za-z0-9_.$"]+)"#)
}

/// How many statements of each kind are read per file.
const MAX_STATEMENTS: usize = 1024;

pub fn extract(ctx: &Ctx, literals: &[Literal]) -> Vec<TokenUse> {
    let text = &ctx.src.text;
    let mut uses = Vec::new();
    // Secrets created in this file, by the last part of their name: the prefix of the token.
    let mut created: HashMap<String, String> = HashMap::new();
    for caps in secret_re().captures_iter(text).take(MAX_STATEMENTS) {
        let (Some(name), Some(body)) = (caps.get(1), caps.get(2)) else { continue };
        let Some(value) = secret_string_re().captures(body.as_str()).and_then(|c| c.get(1)) else { continue };
        let (start, end) = (body.start() + value.start(), body.start() + value.end());
        let Some(lit) = literals.iter().find(|l| l.start >= start && l.end <= end) else { continue };
        let secret = object_name(name.as_str());
        created.insert(secret.to_ascii_lowercase(), lit.prefix().to_owned());
        let mut u = TokenUse::new(
            ctx.loc(lit.start, lit.end),
            lit.masked(text),
            format!("Snowflake secret `{secret}` (`SECRET_STRING`)"),
        );
        u.literal = true;
        u.saw_type_at(literal_fact(lit.prefix()), u.at);
        u.saw(Fact::WarehouseSecret { name: secret.to_owned() });
        uses.push(u);
    }
    let routines: Vec<(usize, String, String)> = routine_re()
        .captures_iter(text)
        .take(MAX_STATEMENTS)
        .filter_map(|c| {
            Some((c.get(0)?.start(), c.get(1)?.as_str().to_ascii_lowercase(), c.get(2)?.as_str().to_owned()))
        })
        .collect();
    for (i, (start, kind, name)) in routines.iter().enumerate() {
        let stop = routines.get(i + 1).map(|r| r.0).unwrap_or(text.len());
        let statement = text.get(*start..stop).unwrap_or("");
        uses.extend(routine_uses(ctx, *start, statement, kind, object_name(name), &created));
    }
    uses
}

/// The last part of a qualified name, unquoted (`db.schema."DBT_TOKEN"` is `DBT_TOKEN`).
fn object_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name).trim_matches('"')
}

/// The token reads of an external-access routine's Python body.
fn routine_uses(
    ctx: &Ctx,
    at: usize,
    statement: &str,
    kind: &str,
    name: &str,
    created: &HashMap<String, String>,
) -> Vec<TokenUse> {
    let lower = statement.to_ascii_lowercase();
    let Some(open) = statement.find("$$") else { return Vec::new() };
    let header = &lower[..open];
    if !header.contains("external_access_integrations") || !header.contains("python") {
        return Vec::new();
    }
    let body_start = open + 2;
    let body_end = statement[body_start..].find("$$").map(|e| body_start + e).unwrap_or(statement.len());
    let body = &statement[body_start..body_end];
    let secrets: HashMap<String, String> = secret_pair_re()
        .captures_iter(&statement[..open])
        .filter_map(|c| Some((c.get(1)?.as_str().to_owned(), object_name(c.get(2)?.as_str()).to_owned())))
        .collect();
    let signals = &ctx.policy.signals;
    let Some(facts) = code::read(Lang::Python, body, Some(&signals.code_endpoints)) else { return Vec::new() };
    let body_lower = body.to_ascii_lowercase();
    // A body that sends a `Token` header to dbt Cloud makes every secret it reads its token.
    let calls_dbt =
        (body_lower.contains("getdbt") || body_lower.contains("dbt.com") || body.contains("/api/v2/accounts"))
            && body.contains("Token ");
    let offset = at + body_start;
    let mut workflow = vec![Seen::new(Fact::WarehouseProcedure { kind: kind.to_owned(), name: name.to_owned() })];
    if let Some(m) = signals.user_endpoints.find(body) {
        let loc = ctx.loc(offset + m.start(), offset + m.end());
        workflow.push(Seen::at(Fact::CallsUserEndpoint { endpoint: m.as_str().to_owned() }, loc));
    } else if let Some((b, m)) = facts.built.iter().find_map(|b| signals.user_endpoints.find(&b.text).map(|m| (b, m))) {
        workflow.push(Seen::at(
            Fact::BuildsUserEndpoint { endpoint: m.as_str().to_owned(), url: b.text.clone() },
            ctx.loc(offset + b.start, offset + b.end),
        ));
    }
    let mut uses = Vec::new();
    for r in facts.reads.iter().filter(|r| !r.assignment) {
        let secret = secrets.get(&r.name);
        let token = is_dbt_token_name(&r.name, signals)
            || secret.is_some_and(|s| is_dbt_token_name(s, signals))
            || (calls_dbt && secret.is_some());
        if !token {
            continue;
        }
        let loc = ctx.loc(offset + r.start, offset + r.end);
        let mut u = TokenUse::new(loc, r.name.as_str(), format!("secret read by Snowflake {kind} `{name}`"));
        if let Some(prefix) = secret.and_then(|s| created.get(&s.to_ascii_lowercase())) {
            u.saw_type_at(literal_fact(prefix), loc);
        }
        let mut names = vec![TypeFact::Name { called: "secret".to_owned(), name: r.name.clone() }];
        if let Some(s) = secret {
            names.push(TypeFact::Name { called: "Snowflake secret".to_owned(), name: s.clone() });
        }
        u.saw_type_at(TypeFact::FirstOf(names), loc);
        u.facts = workflow.clone();
        uses.push(u);
    }
    uses
}

/// Whether `bytes` may be Snowflake DDL that tokenwise reads: one of [`MARKERS`] and a
/// `CREATE`, in any case (a model's column named `secret_string` is not DDL).
pub fn has_marker(bytes: &[u8]) -> bool {
    type Finders = Option<(aho_corasick::AhoCorasick, aho_corasick::AhoCorasick)>;
    static FINDERS: OnceLock<Finders> = OnceLock::new();
    let finders = FINDERS.get_or_init(|| {
        let build = |p: &[&str]| aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(p).ok();
        Some((build(&MARKERS)?, build(&["create"])?))
    });
    finders.as_ref().is_none_or(|(m, c)| m.is_match(bytes) && c.is_match(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_in_any_case() {
        assert!(has_marker(b"CREATE SECRET s TYPE = GENERIC_STRING SECRET_STRING = 'x';"));
        assert!(has_marker(b"create procedure p() external_access_integrations = (i)"));
        assert!(!has_marker(b"select * from {{ ref('orders') }} -- secret token"));
        assert!(!has_marker(b"select secret_string from {{ ref('vault') }}"));
    }

    #[test]
    fn names_without_their_qualifiers() {
        assert_eq!(object_name("db.sch.\"DBT_TOKEN\""), "DBT_TOKEN");
        assert_eq!(object_name("dbt_secret"), "dbt_secret");
    }

    #[test]
    fn a_literal_does_not_reach_outside_the_statement() {
        let caps = secret_re().captures("CREATE SECRET a TYPE = GENERIC_STRING SECRET_STRING = 'v'; select 'w'");
        assert_eq!(caps.and_then(|c| c.get(2)).map(|m| m.as_str().contains("select")), Some(false));
    }
}
