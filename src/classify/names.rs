//! Reading names, descriptions and paths: is this a dbt Cloud token, and of which type?

use crate::model::fact::Fact;
use crate::model::{TokenType, Workflow};
use crate::policy::{Partner, Signals};

use crate::words::has_hint;
pub use crate::words::words;

/// Whether a secret, variable or input name names a dbt Cloud token (`DBT_CLOUD_PAT`), as
/// opposed to another credential (`GH_PAT`, `NPM_TOKEN`, `DBT_DATABRICKS_TOKEN`).
pub fn is_dbt_token_name(name: &str, s: &Signals) -> bool {
    let ws = words(name);
    s.name_dbt.iter().any(|h| has_hint(&ws, h))
        && s.name_credential.iter().any(|h| has_hint(&ws, h))
        && !s.name_not_dbt.iter().any(|h| has_hint(&ws, h))
}

/// Whether a name says it holds another system's credential (`DATABRICKS_PAT`, `GH_TOKEN`):
/// a dbt-looking variable set from it (`DBT_PAT: ${{ secrets.DATABRICKS_PAT }}`) is not a dbt
/// Cloud token.
pub fn is_other_credential(name: &str, s: &Signals) -> bool {
    let ws = words(name);
    s.name_not_dbt.iter().any(|h| has_hint(&ws, h))
}

/// The token type a name says (`DBT_CLOUD_PAT` → personal), if it says one.
pub fn type_from_name(name: &str, s: &Signals) -> Option<(TokenType, String)> {
    let ws = words(name);
    if let Some(h) = s.personal_names.iter().find(|h| has_hint(&ws, h)) {
        return Some((TokenType::Personal, h.clone()));
    }
    s.service_names.iter().find(|h| has_hint(&ws, h)).map(|h| (TokenType::Service, h.clone()))
}

/// Byte position of `phrase` in `text` (both lowercase) as whole words.
fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text.get(from..)?.find(phrase) {
        let start = from + i;
        let end = start + phrase.len();
        let before = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        let after = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if before && after {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// The token type a description says. When it names both ("a personal access token … service
/// tokens cannot access"), the first mention is the subject.
pub fn type_from_description(desc: &str, s: &Signals) -> Option<(TokenType, String)> {
    let lower = desc.to_lowercase();
    let first =
        |phrases: &[String]| phrases.iter().filter_map(|p| find_phrase(&lower, p).map(|i| (i, p.clone()))).min();
    match (first(&s.personal_descriptions), first(&s.service_descriptions)) {
        (Some(p), Some(sv)) if sv.0 < p.0 => Some((TokenType::Service, sv.1)),
        (Some(p), _) => Some((TokenType::Personal, p.1)),
        (None, Some(sv)) => Some((TokenType::Service, sv.1)),
        (None, None) => None,
    }
}

/// The user-context purpose a description states (`required for GitHub App integration`).
pub fn user_context_purpose(desc: &str, s: &Signals) -> Option<String> {
    let lower = desc.to_lowercase();
    s.user_context_descriptions.iter().find(|p| find_phrase(&lower, p).is_some()).cloned()
}

/// The path segment that marks developmental work (`infra/staging/…`), if any.
pub fn dev_segment(path: &str, s: &Signals) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    for seg in dirs {
        let lower = seg.to_lowercase();
        if s.dev_segments.contains(&lower) {
            return Some((*seg).to_owned());
        }
    }
    // File names such as `staging.tf`, `dev-providers.tf`, `sandbox.tfvars`.
    let file = segments.last().copied().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    words(stem).into_iter().find(|w| s.dev_segments.iter().any(|d| d == w))
}

/// The folder that marks a file as an example or template to copy (`example_cicd/`, `docs/`,
/// `templates/`), by whole word of a folder name.
pub fn example_segment(path: &str, s: &Signals) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    dirs.iter().find(|d| words(d).iter().any(|w| s.example_segments.contains(w))).map(|d| (*d).to_owned())
}

/// Whether a file is a test: a folder named as one (`tests/`, `__tests__/`), or a word of its
/// name (`test_client.py`, `client_test.go`, `client.spec.ts`, `conftest.py`).
pub fn is_test_file(path: &str, s: &Signals) -> bool {
    let mut segments = path.rsplit('/');
    let file = segments.next().unwrap_or(path);
    segments.any(|d| s.test_segments.iter().any(|t| d.eq_ignore_ascii_case(t)))
        || words(file).iter().any(|w| s.test_segments.contains(w))
}

/// The workflow the project's own path globs (`classify:` in `.tokenwise.yml`) give a file.
/// A project's word beats the path heuristics; among its globs the most specific workflow wins
/// (partner over dev over production), as in the classification.
pub fn configured_path(path: &str, s: &Signals) -> Option<Fact> {
    let groups = [
        (&s.partner_globs, Workflow::PartnerIntegration),
        (&s.dev_globs, Workflow::DevScript),
        (&s.production_globs, Workflow::Production),
    ];
    groups.into_iter().find_map(|(globs, workflow)| {
        globs.matching(path).map(|(pattern, origin)| Fact::ConfiguredPath {
            workflow,
            pattern: pattern.to_string(),
            origin: origin.to_string(),
        })
    })
}

/// The partner integration a name or text mentions, by whole word.
pub fn partner_in<'a>(text: &str, s: &'a Signals) -> Option<&'a Partner> {
    let ws = words(text);
    s.partners.iter().find(|p| p.keywords.iter().any(|k| has_hint(&ws, k)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list as list};
    use crate::tree::Node;

    fn examples(group: &str) -> Node {
        builtin()
            .examples
            .get(group)
            .and_then(|g| g.get("examples"))
            .cloned()
            .unwrap_or(Node { kind: crate::tree::NodeKind::Alias, span: Default::default() })
    }

    #[test]
    fn name_examples_hold() {
        let s = &builtin().signals;
        let ex = examples("names");
        for n in list(&ex, "token") {
            assert!(is_dbt_token_name(&n, s), "{n} should be a dbt token name");
        }
        for n in list(&ex, "not_token") {
            assert!(!is_dbt_token_name(&n, s), "{n} should not be a dbt token name");
        }
    }

    #[test]
    fn type_name_examples_hold() {
        let s = &builtin().signals;
        let ex = examples("type_names");
        for n in list(&ex, "personal") {
            assert_eq!(type_from_name(&n, s).map(|t| t.0), Some(TokenType::Personal), "{n}");
        }
        for n in list(&ex, "service") {
            assert_eq!(type_from_name(&n, s).map(|t| t.0), Some(TokenType::Service), "{n}");
        }
        for n in list(&ex, "unknown") {
            assert_eq!(type_from_name(&n, s), None, "{n}");
        }
    }

    #[test]
    fn description_examples_hold() {
        let s = &builtin().signals;
        let ex = examples("type_descriptions");
        for d in list(&ex, "personal") {
            assert_eq!(type_from_description(&d, s).map(|t| t.0), Some(TokenType::Personal), "{d}");
        }
        for d in list(&ex, "service") {
            assert_eq!(type_from_description(&d, s).map(|t| t.0), Some(TokenType::Service), "{d}");
        }
        for d in list(&ex, "unknown") {
            assert_eq!(type_from_description(&d, s), None, "{d}");
        }
        let ex = examples("user_context_descriptions");
        for d in list(&ex, "user_context") {
            assert!(user_context_purpose(&d, s).is_some(), "{d}");
        }
        for d in list(&ex, "other") {
            assert!(user_context_purpose(&d, s).is_none(), "{d}");
        }
    }

    #[test]
    fn path_examples_hold() {
        let s = &builtin().signals;
        let ex = examples("paths");
        for p in list(&ex, "dev") {
            assert!(dev_segment(&p, s).is_some(), "{p}");
        }
        for p in list(&ex, "production") {
            assert!(dev_segment(&p, s).is_none(), "{p}");
        }
        for p in list(&ex, "example") {
            assert!(example_segment(&p, s).is_some(), "{p}");
        }
        for p in list(&ex, "not_example") {
            assert!(example_segment(&p, s).is_none(), "{p}");
        }
    }

    #[test]
    fn partners_match_whole_words() {
        let s = &builtin().signals;
        assert_eq!(partner_in("hightouch_sync", s).map(|p| p.name.as_str()), Some("Hightouch"));
        assert!(partner_in("hexagon", s).is_none());
    }
}
