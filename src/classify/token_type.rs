//! The token-type table: what each type fact says, how strong that evidence is (a literal's
//! prefix and a definition beat a name, SPEC §4), and its evidence prose.

use crate::classify::names::{type_from_description, type_from_name};
use crate::model::fact::{TypeFact, TypeSeen};
use crate::model::{Evidence, TokenType, TypeHint, TypeSource};
use crate::policy::Signals;

/// The type hints a use's type facts give, in the order the facts were seen.
pub fn hints(facts: &[TypeSeen], s: &Signals) -> Vec<TypeHint> {
    facts.iter().filter_map(|f| hint(f, s)).collect()
}

/// Whether any of the facts says a type.
pub fn says_a_type(facts: &[TypeSeen], s: &Signals) -> bool {
    facts.iter().any(|f| hint(f, s).is_some())
}

/// The strongest type a use shows itself (not inherited), and the fact that shows it.
pub fn strongest_own<'a>(facts: &'a [TypeSeen], s: &Signals) -> Option<(&'a TypeSeen, TypeHint)> {
    facts.iter().filter(|f| !f.inherited).filter_map(|f| hint(f, s).map(|h| (f, h))).max_by_key(|(_, h)| h.source)
}

/// What one fact says, if it says a type.
pub fn hint(seen: &TypeSeen, s: &Signals) -> Option<TypeHint> {
    if let TypeFact::Agreeing(sources) = &seen.fact {
        // Sources that disagree say nothing.
        let said: Vec<TypeHint> = sources.iter().filter_map(|f| hint(f, s)).collect();
        let first = said.first()?;
        let agree = said.iter().all(|h| h.token_type == first.token_type);
        return agree.then(|| TypeHint { inherited: seen.inherited, ..first.clone() });
    }
    let (token_type, source, text) = says(&seen.fact, s)?;
    let evidence = Evidence { text, at: seen.at };
    Some(TypeHint { token_type, source, evidence, inherited: seen.inherited })
}

/// The table: a fact's type, the kind of evidence it is, and its sentence.
fn says(fact: &TypeFact, s: &Signals) -> Option<(TokenType, TypeSource, String)> {
    Some(match fact {
        TypeFact::Literal { prefix } => {
            let t = prefix_type(prefix)?;
            (t, TypeSource::Literal, format!("literal `{prefix}` prefix says {}", t.as_str()))
        }
        TypeFact::VariableSetToLiteral { variable, prefix } => {
            let t = prefix_type(prefix)?;
            (t, TypeSource::Literal, format!("`{variable}` is set to a literal {} token", t.as_str()))
        }
        TypeFact::Name { called, name } => {
            let (t, hint) = type_from_name(name, s)?;
            let what = if called.is_empty() { String::new() } else { format!("{called} ") };
            (t, TypeSource::Name, format!("{what}`{name}` says {} (`{hint}`)", t.as_str()))
        }
        TypeFact::ScopeSource { kind, name, scope } => {
            let (t, hint) = type_from_name(name, s)?;
            (t, TypeSource::Name, format!("{kind} `{name}` of {scope} says {} (`{hint}`)", t.as_str()))
        }
        TypeFact::Description { called, name, text } => {
            let (t, phrase) = type_from_description(text, s)?;
            let what = if called.is_empty() { String::new() } else { format!("{called} ") };
            (t, TypeSource::Definition, format!("the description of {what}`{name}` says {} (`{phrase}`)", t.as_str()))
        }
        TypeFact::DocumentationPage { name, url } => {
            let (t, page) = type_from_url(url)?;
            (t, TypeSource::Definition, format!("the documentation of secret `{name}` is the page on {page}"))
        }
        TypeFact::VariableDescription { variable, text } => {
            let (t, phrase) = type_from_description(text, s)?;
            let text = format!("variable `{variable}` is described as a {} token (\"{phrase}\")", t.as_str());
            (t, TypeSource::Definition, text)
        }
        TypeFact::ServiceTokenString { label } => (
            TokenType::Service,
            TypeSource::Definition,
            format!("value is `dbtcloud_service_token.{label}.token_string`, a service token"),
        ),
        TypeFact::DeclaredBy { resource } => {
            (TokenType::Service, TypeSource::Definition, format!("declared by a `{resource}` resource"))
        }
        TypeFact::CiSecretFromServiceToken { resource, secret, label } => (
            TokenType::Service,
            TypeSource::Definition,
            format!("`{resource}` sets `{secret}` from `dbtcloud_service_token.{label}.token_string`"),
        ),
        TypeFact::CiSecretFromVariable { resource, secret, variable, then } => {
            let (t, source, text) = says(then, s)?;
            (t, source, format!("`{resource}` sets `{secret}` from `var.{variable}`: {text}"))
        }
        TypeFact::SetFromCi { reference, then } => {
            let (t, source, text) = says(then, s)?;
            (t, source, format!("set from CI {reference} ({text})"))
        }
        TypeFact::SetByTerragrunt { input, reference, then } => {
            let (t, source, text) = says(then, s)?;
            (t, source, format!("set by Terragrunt input `{input}` from {reference} ({text})"))
        }
        TypeFact::PassedByStep { reference, then } => {
            let (t, source, text) = says(then, s)?;
            (t, source, format!("set from `{reference}`: {text}"))
        }
        TypeFact::ConnectionDefinedAt { id, place, then } => {
            let (t, source, text) = says(then, s)?;
            (t, source, format!("connection `{id}` is defined at {place}: {text}"))
        }
        TypeFact::LegacyUserKey { name } => (
            TokenType::Personal,
            TypeSource::Literal,
            format!("token: 40 hex characters as the value of `{name}` are a legacy user API key, a user's"),
        ),
        TypeFact::CredentialCache { name } => {
            (TokenType::Personal, TypeSource::Literal, format!("token: `{name}` caches a user's signed-in session"))
        }
        TypeFact::CloudCliConfigRead { file, key } => (
            TokenType::Personal,
            TypeSource::Definition,
            format!("`{key}` is read from `{file}`, the Cloud CLI's config, which holds a user's token"),
        ),
        TypeFact::FirstOf(facts) => return facts.iter().find_map(|f| says(f, s)),
        // Each source has its own place: `hint` reads them.
        TypeFact::Agreeing(_) => return None,
    })
}

/// The type a documentation page's address says.
fn type_from_url(url: &str) -> Option<(TokenType, &'static str)> {
    let lower = url.to_ascii_lowercase();
    if lower.contains("service-token") {
        Some((TokenType::Service, "service-tokens"))
    } else if lower.contains("user-token") || lower.contains("personal-access-token") {
        Some((TokenType::Personal, "personal access tokens"))
    } else {
        None
    }
}

/// The type a literal token's prefix says.
fn prefix_type(prefix: &str) -> Option<TokenType> {
    match prefix {
        "dbtu_" => Some(TokenType::Personal),
        "dbtc_" => Some(TokenType::Service),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::tree::Span;

    fn s() -> &'static Signals {
        &crate::policy::builtin().signals
    }

    fn name(n: &str) -> TypeFact {
        TypeFact::Name { called: "name".to_owned(), name: n.to_owned() }
    }

    fn says_of(f: TypeFact) -> Option<(TokenType, TypeSource, String)> {
        hint(&TypeSeen::new(f), s()).map(|h| (h.token_type, h.source, h.evidence.text))
    }

    #[test]
    fn a_literal_prefix_is_a_fact_and_the_table_gives_its_type() {
        let lit = |p: &str| says_of(TypeFact::Literal { prefix: p.to_owned() });
        assert_eq!(
            lit("dbtu_"),
            Some((TokenType::Personal, TypeSource::Literal, "literal `dbtu_` prefix says personal".to_owned()))
        );
        assert_eq!(lit("dbtc_").map(|h| h.0), Some(TokenType::Service));
        assert_eq!(lit("ghp_"), None);
    }

    #[test]
    fn a_name_says_a_type_only_when_its_words_do() {
        let (t, source, text) = says_of(name("DBT_CLOUD_PAT")).unwrap_or_else(|| panic!("a PAT name says personal"));
        assert_eq!((t, source), (TokenType::Personal, TypeSource::Name));
        assert!(text.starts_with("name `DBT_CLOUD_PAT` says personal"), "{text}");
        assert_eq!(says_of(name("DBT_CLOUD_TOKEN")), None);
        let bare = says_of(TypeFact::Name { called: String::new(), name: "var.dbt_pat".to_owned() });
        assert!(bare.is_some_and(|h| h.2.starts_with("`var.dbt_pat` says personal")));
    }

    #[test]
    fn a_wrapped_fact_keeps_its_kind_and_tells_where_it_came_from() {
        let f = TypeFact::SetFromCi { reference: "secret `X`".to_owned(), then: Box::new(name("DBT_SERVICE_TOKEN")) };
        let (t, source, text) = says_of(f).unwrap_or_else(|| panic!("a service token name says service"));
        assert_eq!((t, source), (TokenType::Service, TypeSource::Name));
        assert!(text.starts_with("set from CI secret `X` (name `DBT_SERVICE_TOKEN` says service"), "{text}");
        let silent = TypeFact::SetFromCi { reference: "x".to_owned(), then: Box::new(name("DBT_CLOUD_TOKEN")) };
        assert_eq!(says_of(silent), None);
    }

    #[test]
    fn the_first_name_that_says_a_type_speaks() {
        let f = TypeFact::FirstOf(vec![name("DBT_CLOUD_TOKEN"), name("DBT_SERVICE_TOKEN"), name("DBT_PAT")]);
        assert_eq!(says_of(f).map(|h| h.0), Some(TokenType::Service));
        assert_eq!(says_of(TypeFact::FirstOf(vec![name("DBT_CLOUD_TOKEN")])), None);
    }

    #[test]
    fn sources_that_disagree_say_nothing() {
        let at = |n: usize| Loc { file: 0, span: Span::new(n, n + 1) };
        let source = |n: &str, i: usize| {
            TypeSeen::at(TypeFact::ScopeSource { kind: "context".into(), name: n.into(), scope: "job".into() }, at(i))
        };
        let agreeing = |v: Vec<TypeSeen>| TypeSeen { fact: TypeFact::Agreeing(v), at: None, inherited: true };
        let one = agreeing(vec![source("dbt-cloud-token", 1), source("dbt-cloud-pat", 2)]);
        let h = hint(&one, s()).unwrap_or_else(|| panic!("the one source that says a type speaks"));
        assert_eq!((h.token_type, h.inherited, h.evidence.at), (TokenType::Personal, true, Some(at(2))));
        let two = agreeing(vec![source("dbt-cloud-pat", 1), source("dbt-service-token", 2)]);
        assert!(hint(&two, s()).is_none());
        assert!(!says_a_type(&[two], s()));
    }

    #[test]
    fn a_type_a_step_passes_tells_the_ci_reference() {
        let f =
            TypeFact::PassedByStep { reference: "${{ secrets.DBT_PAT }}".to_owned(), then: Box::new(name("DBT_PAT")) };
        let (t, source, text) = says_of(f).unwrap_or_else(|| panic!("a PAT name says personal"));
        assert_eq!((t, source), (TokenType::Personal, TypeSource::Name));
        assert!(text.starts_with("set from `${{ secrets.DBT_PAT }}`: name `DBT_PAT` says personal"), "{text}");
        let silent = TypeFact::PassedByStep { reference: "x".to_owned(), then: Box::new(name("DBT_CLOUD_TOKEN")) };
        assert_eq!(says_of(silent), None);
    }

    #[test]
    fn a_documentation_page_says_a_type_only_when_its_address_does() {
        let page = |u: &str| says_of(TypeFact::DocumentationPage { name: "DBT".to_owned(), url: u.to_owned() });
        let service = page("https://docs.getdbt.com/docs/dbt-cloud-apis/service-tokens");
        assert_eq!(service.as_ref().map(|h| (h.0, h.1)), Some((TokenType::Service, TypeSource::Definition)));
        assert!(service.is_some_and(|h| h.2 == "the documentation of secret `DBT` is the page on service-tokens"));
        assert_eq!(
            page("https://docs.getdbt.com/docs/dbt-cloud-apis/user-tokens").map(|h| h.0),
            Some(TokenType::Personal)
        );
        assert_eq!(page("https://docs.getdbt.com/"), None);
    }
}
