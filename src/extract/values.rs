//! Token values as configs write them (a literal, `${VAR}`, `{{VAR}}`, `$VAR`, a bare key) and
//! who runs the thing configured, shared by the config extractors.

use super::Ctx;
use super::literal_fact;
use crate::classify::names::{is_dbt_token_name, words};
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::TypeFact;
use crate::policy::Signals;
use regex::Regex;
use std::sync::OnceLock;

/// One token reference inside a config value, with its byte span in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRef {
    pub start: usize,
    pub end: usize,
    /// As shown to users; empty for a value that names nothing (the key then names it).
    pub reference: String,
    /// The prefix of a literal token (`dbtu_`): `classify` says what type it shows.
    pub literal: Option<&'static str>,
    /// The variable, secret or setting the value reads.
    pub name: Option<String>,
}

/// `${VAR}`, `${env:VAR}`, `${VAR:-x}`, `{{VAR}}`, `{{ var.value.x }}`, `{{ .Values.a.b }}`,
/// `$(VAR)`, `$VAR`, `%VAR%`.
fn ref_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::pattern::constant(
            r#"(?x)
            \$\{\s*(?:env:|input:|env\.)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:[:?=-][^}]*)?\}
            | \{\{\s*(?:env\.|var\.value\.|var\.json\.|\.Values\.|\$\.Values\.)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:\|[^}]*)?\}\}
            | \$\(([A-Za-z_][A-Za-z0-9_]*)\)
            | \$([A-Za-z_][A-Za-z0-9_]*)
            | %([A-Za-z_][A-Za-z0-9_]*)%
            "#,
        )
    })
}

/// The token references in the value at `start..end` of the file. Literal tokens always count;
/// a reference counts when its name is a dbt token's or when `dbt_key` says the key holding
/// the value is one; with `dbt_key` and no reference, the whole value is the token.
pub fn refs(ctx: &Ctx, start: usize, end: usize, dbt_key: bool) -> Vec<ValueRef> {
    let signals = &ctx.policy.signals;
    let text = ctx.text(start, end);
    let mut out: Vec<ValueRef> = literal::find(text, signals)
        .into_iter()
        .map(|l| ValueRef {
            start: start + l.start,
            end: start + l.end,
            reference: literal::mask_token(text.get(l.start..l.end).unwrap_or("")),
            literal: Some(l.prefix()),
            name: None,
        })
        .collect();
    for caps in ref_pattern().captures_iter(text) {
        let (Some(all), Some(name)) = (caps.get(0), (1..=5).find_map(|i| caps.get(i))) else { continue };
        let name = name.as_str();
        if !(dbt_key || is_dbt_token_name(name, signals)) {
            continue;
        }
        out.push(ValueRef {
            start: start + all.start(),
            end: start + all.end(),
            reference: all.as_str().to_owned(),
            literal: None,
            name: Some(name.to_owned()),
        });
    }
    if out.is_empty() && dbt_key {
        let (s, e) = trim_quotes(text);
        if s < e {
            out.push(ValueRef {
                start: start + s,
                end: start + e,
                reference: String::new(),
                literal: None,
                name: None,
            });
        }
    }
    out
}

/// The span of a scalar's text without surrounding whitespace and quotes.
pub fn trim_quotes(text: &str) -> (usize, usize) {
    let s = text.len() - text.trim_start().len();
    let e = text.trim_end().len();
    let inner = text.get(s..e).unwrap_or("");
    let quoted = inner.len() >= 2
        && ((inner.starts_with('"') && inner.ends_with('"')) || (inner.starts_with('\'') && inner.ends_with('\'')));
    if quoted { (s + 1, e - 1) } else { (s, e.max(s)) }
}

/// A token use for one reference found under config key `key`. The type comes from the literal,
/// else from the name the value reads, else from the key.
pub fn token_use(ctx: &Ctx, r: &ValueRef, key: &str, sink: impl Into<String>) -> TokenUse {
    let reference = if r.reference.is_empty() { key.to_owned() } else { r.reference.clone() };
    let mut u = TokenUse::new(ctx.loc(r.start, r.end), reference, sink);
    if let Some(t) = r.literal {
        u.literal = true;
        u.saw_type_at(literal_fact(t), u.at);
    } else {
        name_type(&mut u, &[r.name.as_deref().unwrap_or(""), key]);
    }
    let prefix = &ctx.policy.signals.ecosystems.airflow_conn_prefix;
    if !prefix.is_empty()
        && key.len() > prefix.len()
        && key.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    {
        u.airflow_conn = key.get(prefix.len()..).map(|id| crate::model::AirflowConn::Defines(id.to_ascii_lowercase()));
    }
    u
}

/// The names a value is known by, the first that says a type speaking.
pub fn name_type(u: &mut TokenUse, names: &[&str]) {
    let names: Vec<TypeFact> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| TypeFact::Name { called: "name".to_owned(), name: (*n).to_owned() })
        .collect();
    if !names.is_empty() {
        u.saw_type_at(TypeFact::FirstOf(names), u.at);
    }
}

/// Whether a config key holds a dbt Cloud token: its own name says so (`DBT_CLOUD_PAT`), or it
/// is a credential inside a dbt block (`dbt_cloud: {api_token: …}`).
pub fn dbt_key(key: &str, ancestors: &[&str], signals: &Signals) -> bool {
    if is_dbt_token_name(key, signals) {
        return true;
    }
    let near: Vec<&str> = ancestors.iter().rev().take(2).copied().collect();
    near.iter().any(|a| is_dbt_token_name(&format!("{a}_{key}"), signals))
}

pub use crate::model::fact::Role;

/// What a deployed thing is, from its names (image, service, container, chart path): an
/// orchestrator, an MCP server or agent, or else an app.
pub enum Deployed {
    Orchestrator(String),
    Agent(String),
    App,
}

pub fn deployed_kind(names: &[&str], signals: &Signals) -> Deployed {
    let eco = &signals.ecosystems;
    let ws: Vec<Vec<String>> = names.iter().map(|n| words(n)).collect();
    let has = |kw: &str| {
        let parts: Vec<&str> = kw.split('_').collect();
        ws.iter().any(|w| w.windows(parts.len()).any(|win| win.iter().zip(&parts).all(|(a, b)| a == b)))
    };
    if let Some(o) = eco.orchestrators.iter().find(|o| o.keywords.iter().any(|k| has(k))) {
        return Deployed::Orchestrator(o.name.clone());
    }
    if let Some(k) = eco.agent_keywords.iter().find(|k| has(k)) {
        return Deployed::Agent(k.clone());
    }
    Deployed::App
}

/// An `AIRFLOW_CONN_*` variable: the references in its connection's password when the
/// connection is a dbt Cloud one, none for another connection; `None` for other variables.
pub fn airflow_conn_refs(ctx: &Ctx, key: &str, start: usize, end: usize) -> Option<Vec<ValueRef>> {
    let eco = &ctx.policy.signals.ecosystems;
    if eco.airflow_conn_prefix.is_empty() || !key.to_ascii_uppercase().starts_with(&eco.airflow_conn_prefix) {
        return None;
    }
    let password = super::airflow_conn::airflow_conn_password(ctx.text(start, end), &ctx.policy.signals);
    Some(password.map(|(ps, pe)| refs(ctx, start + ps, start + pe, true)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        ref_pattern()
            .captures_iter(text)
            .filter_map(|c| (1..=5).find_map(|i| c.get(i)).map(|m| m.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn reads_every_reference_syntax() {
        assert_eq!(names("${DBT_PAT}"), ["DBT_PAT"]);
        assert_eq!(names("${env:DBT_TOKEN}"), ["DBT_TOKEN"]);
        assert_eq!(names("${DBT_TOKEN:-x}"), ["DBT_TOKEN"]);
        assert_eq!(names("{{ var.value.dbt_cloud_pat }}"), ["dbt_cloud_pat"]);
        assert_eq!(names("{{ .Values.dbtCloud.token | quote }}"), ["dbtCloud.token"]);
        assert_eq!(names("$(DBT_TOKEN) and $DBT_SVC_TOKEN and %DBT_PAT%"), ["DBT_TOKEN", "DBT_SVC_TOKEN", "DBT_PAT"]);
    }

    #[test]
    fn quotes_are_trimmed() {
        assert_eq!(trim_quotes(" \"abc\" "), (2, 5));
        assert_eq!(trim_quotes("abc"), (0, 3));
        assert_eq!(trim_quotes("''"), (1, 1));
    }

    #[test]
    fn dbt_keys_by_name_or_block() {
        let s = &crate::policy::builtin().signals;
        assert!(dbt_key("DBT_CLOUD_PAT", &[], s));
        assert!(dbt_key("api_token", &["dbt_cloud"], s));
        assert!(!dbt_key("api_token", &["hightouch"], s));
        assert!(!dbt_key("token", &["dbt_utils"], s));
        assert!(!dbt_key("NPM_TOKEN", &["dbt"], s));
    }
}
