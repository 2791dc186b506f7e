//! Shell, Python, JavaScript and other code read as text: environment variables that carry dbt
//! Cloud tokens, literal tokens, and the dbt Cloud endpoints the code calls.

use super::Ctx;
use super::code;
use super::literal_fact;
use crate::classify::names::{configured_path, dev_segment, is_dbt_token_name};
use crate::literal::Literal;
use crate::model::TokenUse;
use crate::model::fact::TypeFact;
use crate::model::fact::{Fact, Seen};
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Reads of a named value: `$X`, `${X}`, `os.environ["X"]`, `getenv("X")`, `process.env.X`,
/// `ENV["X"]`, `$env:X`, `env.X`, and `X=` assignments.
pub(crate) fn name_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::pattern::constant(
            r#"(?x)
            (?:\$\{?|\$env:|\benv\.|process\.env\.|process\.env\[\s*['"]|environ(?:\.get)?\s*[\[(]\s*['"]|getenv\s*\(\s*['"]|ENV\s*\[\s*['"]|credentials\s*\(\s*['"])
            ([A-Za-z_][A-Za-z0-9_]*)
            |
            (?m:^[\t\x20]*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)[\t\x20]*=)
            "#,
        )
    })
}

pub fn extract(ctx: &Ctx, literals: &[Literal]) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let facts = code::Lang::of_file(&ctx.src.display, &ctx.src.text)
        .and_then(|lang| code::read(lang, &ctx.src.text, Some(&signals.code_endpoints)));
    let hints = file_workflow(ctx, facts.as_ref().map(|f| f.built.as_slice()).unwrap_or(&[]));
    let reads = match &facts {
        Some(f) => parsed_reads(ctx, f),
        None => text_reads(ctx),
    };
    let mut uses = Vec::new();
    // Reads of other names are kept aside: a CI step that runs this file may put a token under
    // any name in its environment, and resolution keeps those it links (dropping the rest).
    let others: Vec<code::Read> = facts
        .as_ref()
        .map(|f| {
            f.reads
                .iter()
                .filter(|r| !r.assignment && !is_token_read(&r.name, signals) && r.client.is_none())
                .filter(|r| !crate::classify::names::is_other_credential(&r.name, signals))
                .take(MAX_LATENT)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let latent = reads.len();
    for (i, code::Read { name, start, end, description, cli_config, client, .. }) in
        reads.into_iter().chain(others).enumerate()
    {
        let sink = match &client {
            Some(c) => {
                format!("environment variable the code sends to dbt Cloud through `{c}` (`Authorization: Token`)")
            }
            None => "environment variable read by the code".to_owned(),
        };
        let mut u = TokenUse::new(ctx.loc(start, end), name.as_str(), sink);
        // A read the code declares with a description (a CLI option's help, a settings field's
        // description) is typed by it, as a definition's description is.
        if let Some(text) = description {
            u.saw_type_at(TypeFact::Description { called: String::new(), name: name.clone(), text }, u.at);
        }
        u.saw_type_at(TypeFact::Name { called: "name".to_owned(), name: name.clone() }, u.at);
        u.facts = hints.clone();
        u.latent = i >= latent;
        // Written into the Cloud CLI's config, the token is the Cloud CLI's, wherever the code
        // runs (SPEC: a step that writes `dbt_cloud.yml` from a secret is `cloud-cli`).
        if cli_config {
            u.facts.push(Seen::at(Fact::CloudCliConfig { key: "token-value".to_owned() }, u.at));
        }
        uses.push(u);
    }
    for k in facts.iter().flat_map(|f| &f.keyed) {
        if let Some(mut u) = keyed_use(ctx, k) {
            u.facts.extend(hints.iter().cloned());
            uses.push(u);
        }
    }
    for lit in literals {
        let mut u = TokenUse::new(ctx.loc(lit.start, lit.end), lit.masked(&ctx.src.text), "literal in the code");
        u.literal = true;
        u.saw_type_at(literal_fact(lit.prefix()), u.at);
        u.facts = hints.clone();
        uses.push(u);
    }
    uses
}

/// The Cloud CLI's config and the keys its token is written under.
const CLI_FILES: [&str; 2] = ["dbt_cloud.yml", "dbt_cloud.yaml"];
const CLI_KEYS: [&str; 2] = ["token-value", "api-key"];

/// A value the code reads from a local file by key, when it is a dbt token: the Cloud CLI's
/// `token-value` (a user's token), a key named like a dbt token (`dbt_cloud_token`,
/// `dbt.service_token`), or a credential key of a file named for dbt (`dbt_creds.json`'s
/// `token`). A key of another system (`github_token`) is not.
fn keyed_use(ctx: &Ctx, k: &code::keyed::KeyedRead) -> Option<TokenUse> {
    let signals = &ctx.policy.signals;
    let last = k.keys.last()?;
    let path = k.keys.join(".");
    let file_name = k.file.as_deref().map(|f| f.rsplit('/').next().unwrap_or(f));
    let cli = file_name.is_some_and(|f| CLI_FILES.contains(&f)) && CLI_KEYS.contains(&last.as_str());
    let by_key = is_token_read(&path, signals);
    let stem = file_name.map(|f| f.split('.').next().unwrap_or(f)).unwrap_or("");
    let by_file = !stem.is_empty()
        && is_dbt_token_name(&format!("{stem}_{last}"), signals)
        && !crate::classify::names::is_other_credential(last, signals)
        && !crate::classify::names::is_other_credential(&path, signals);
    if !(cli || by_key || by_file) {
        return None;
    }
    let reference = match &k.file {
        Some(f) => format!("{f}: {path}"),
        None => path.clone(),
    };
    let mut u = TokenUse::new(ctx.loc(k.start, k.end), reference, "value read by key from a local file");
    if cli {
        let file = k.file.clone().unwrap_or_default();
        u.saw_type_at(TypeFact::CloudCliConfigRead { file, key: last.clone() }, u.at);
    } else {
        let key = TypeFact::Name { called: "key".to_owned(), name: path };
        let file = TypeFact::Name { called: "file".to_owned(), name: file_name.unwrap_or("").to_owned() };
        u.saw_type_at(TypeFact::FirstOf(vec![key, file]), u.at);
    }
    Some(u)
}

/// How many reads of names that do not say dbt token are kept aside per file.
const MAX_LATENT: usize = 64;

/// Whether a name read by code is a dbt Cloud token: a name that says it holds a token's
/// *name* (`DBT_CLOUD_TOKEN_NAME`) never is.
fn is_token_read(name: &str, signals: &crate::policy::Signals) -> bool {
    is_dbt_token_name(name, signals) && !name.to_ascii_lowercase().ends_with("_token_name")
}

/// The token reads a parser found, each its own use. A shell assignment is the use only when
/// its value reads no other token (`DBT_TOKEN="$DBT_CLOUD_PAT"`: the read is).
fn parsed_reads(ctx: &Ctx, facts: &code::CodeFacts) -> Vec<code::Read> {
    let signals = &ctx.policy.signals;
    // A value the code hands to its dbt Cloud client is a token, whatever its name.
    let token_reads: Vec<&code::Read> =
        facts.reads.iter().filter(|r| is_token_read(&r.name, signals) || r.client.is_some()).collect();
    let mut out = Vec::new();
    for (i, r) in token_reads.iter().enumerate() {
        if r.assignment {
            // The line's end from the line index: searching for it from each read would cost
            // the rest of the line per read on a long one.
            let line_end = ctx.src.line_span(ctx.src.line_col(r.end).0).1;
            let fed = token_reads.get(i + 1).is_some_and(|n| !n.assignment && n.start < line_end);
            if fed {
                continue;
            }
        }
        out.push((*r).clone());
    }
    out
}

/// Code without a parser: names read by the text patterns, the first reference to each.
fn text_reads(ctx: &Ctx) -> Vec<code::Read> {
    let mut out: Vec<code::Read> = Vec::new();
    // A hash set: a script reading 60k distinct names stays linear.
    let mut seen: HashSet<&str> = HashSet::new();
    for caps in name_pattern().captures_iter(&ctx.src.text) {
        let Some(m) = caps.get(1).or_else(|| caps.get(2)) else { continue };
        let name = m.as_str();
        if seen.contains(name) || !is_token_read(name, &ctx.policy.signals) {
            continue;
        }
        seen.insert(name);
        out.push(code::Read {
            name: name.to_owned(),
            start: m.start(),
            end: m.end(),
            assignment: false,
            description: None,
            cli_config: false,
            client: None,
        });
    }
    out
}

/// The service-token and retired endpoints the code calls, written whole or built from parts
/// (a base URL constant joined with `/service-tokens/`), each once, in file order.
pub fn endpoint_calls(ctx: &Ctx) -> Vec<super::EndpointCall> {
    use super::{EndpointCall, EndpointKind};
    let s = &ctx.policy.signals;
    let text = &ctx.src.text;
    let kinds =
        [(EndpointKind::ServiceTokens, &s.service_token_endpoints), (EndpointKind::Retired, &s.retired_endpoints)];
    let mut out: Vec<EndpointCall> = Vec::new();
    for (kind, re) in kinds {
        out.extend(re.find_iter(text).map(|m| EndpointCall {
            kind,
            endpoint: m.as_str().to_owned(),
            span: crate::tree::Span::new(m.start(), m.end()),
        }));
    }
    // Built URLs are looked for only when a part of one shows (parsing costs more than a search).
    let parts = ["service-tokens", "apikey"];
    if out.is_empty() && parts.iter().any(|p| text.contains(p)) {
        let built = code::Lang::of_file(&ctx.src.display, text)
            .and_then(|lang| code::read(lang, text, Some(&s.code_endpoints)))
            .map(|f| f.built)
            .unwrap_or_default();
        for b in built {
            for (kind, re) in kinds {
                if let Some(m) = re.find(&b.text) {
                    out.push(EndpointCall {
                        kind,
                        endpoint: m.as_str().to_owned(),
                        span: crate::tree::Span::new(b.start, b.end),
                    });
                }
            }
        }
    }
    out.sort_by_key(|c| c.span.start);
    out.dedup_by_key(|c| c.span.start);
    out
}

/// The workflow evidence of a whole script: user-context endpoints it calls (written whole or
/// built from parts), orchestrator code, developmental paths.
fn file_workflow(ctx: &Ctx, built: &[code::Built]) -> Vec<Seen> {
    let signals = &ctx.policy.signals;
    let text = &ctx.src.text;
    let path = ctx.src.display.as_str();
    let mut facts = Vec::new();
    if let Some(m) = signals.user_endpoints.find(text) {
        facts.push(Seen::at(Fact::CallsUserEndpoint { endpoint: m.as_str().to_owned() }, ctx.loc(m.start(), m.end())));
    } else if let Some((b, m)) = built.iter().find_map(|b| signals.user_endpoints.find(&b.text).map(|m| (b, m))) {
        facts.push(Seen::at(
            Fact::BuildsUserEndpoint { endpoint: m.as_str().to_owned(), url: b.text.clone() },
            ctx.loc(b.start, b.end),
        ));
    }
    // The project's own path globs say what the file is, over every guess from its name.
    if let Some(f) = configured_path(path, signals) {
        facts.push(Seen::new(f));
    } else if let Some(orch) = super::orchestrator::file_orchestrator(path, text, signals) {
        facts.push(Seen::new(Fact::OrchestratorCode { name: orch.name.clone() }));
        // A staging deployment or a test of orchestrator code is developmental, as staging
        // Terraform is.
        if let Some(seg) = dev_segment(path, signals) {
            facts.push(Seen::new(Fact::DevPathSegment { segment: seg }));
        }
    } else if let Some(seg) = dev_segment(path, signals) {
        facts.push(Seen::new(Fact::DevPathSegment { segment: seg }));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        name_pattern()
            .captures_iter(text)
            .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn reads_every_syntax() {
        assert_eq!(names("curl -H \"Token $DBT_PAT\""), ["DBT_PAT"]);
        assert_eq!(names("x = os.environ['DBT_CLOUD_PAT']"), ["x", "DBT_CLOUD_PAT"]);
        assert_eq!(names("os.getenv(\"DBT_TOKEN\")"), ["DBT_TOKEN"]);
        assert_eq!(names("process.env.DBT_TOKEN"), ["DBT_TOKEN"]);
        assert_eq!(names("export DBT_CLOUD_TOKEN=abc"), ["DBT_CLOUD_TOKEN"]);
        assert_eq!(
            names("withCredentials([string(credentialsId: 'x')]) credentials('DBT_SVC_TOKEN')"),
            ["DBT_SVC_TOKEN"]
        );
    }
}
