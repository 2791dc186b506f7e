//! Fingerprints: what identifies a finding from one run to the next (baselines, SARIF
//! `partialFingerprints`, GitLab Code Quality). A fingerprint is made of structure only: the
//! rule, the path, what the token is (its reference as written, or a hash of its literal), and
//! the finding's place among the findings of its file with the same parts. Never prose (messages,
//! sinks, a parser's error text) and never a line: rewording a message, upgrading a parser or
//! moving lines keeps a baseline valid, and no two findings of one scan share a fingerprint.

use super::Finding;
use crate::model::TokenUse;
use crate::source::SourceFile;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What a token use is, as a fingerprint sees it: a hash of its literal, or its reference as
/// written (`secrets.DBT_CLOUD_PAT`, `var.dbt_token`). Where the value goes will join it here
/// once uses carry it as structure.
pub fn of_use(u: &TokenUse, src: Option<&SourceFile>) -> String {
    if u.literal {
        let text = src.and_then(|s| s.text.get(u.at.span.start..u.at.span.end)).unwrap_or("");
        return literal_hash(text);
    }
    u.reference.clone()
}

/// The hash a literal token is known by: never the token itself, in a baseline or anywhere.
pub fn literal_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// Give each finding its fingerprint. `findings` are in report order (path, then position), so
/// the ordinal that separates findings with the same parts counts them in file order.
pub fn assign(findings: &mut [Finding], files: &[SourceFile]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in findings.iter_mut() {
        let path = files.get(f.at.file).map(|s| s.display.as_str()).unwrap_or("");
        let mut content = String::new();
        for part in [f.code(), path].into_iter().chain(f.key.iter().map(String::as_str)) {
            // Length-prefixed, so no value can run into the next.
            content.push_str(&format!("{}:{part};", part.len()));
        }
        let n = seen.entry(content.clone()).or_insert(0);
        content.push_str(&n.to_string());
        *n += 1;
        f.fingerprint = hash(&content);
    }
}

/// The first 128 bits of a SHA-256, in hex.
fn hash(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Input, run};
    use crate::extract::FileFacts;
    use crate::model::{Classification, ClassifiedUse, Confidence, Loc, TokenType, TokenUse, Workflow};
    use crate::policy::builtin;
    use crate::source::SourceFile;
    use crate::tree::{ParseError, Span};

    const WORKFLOW: &str = "jobs:\n  a:\n    env:\n      T: ${{ secrets.DBT_CLOUD_PAT }}\n";

    /// A PAT in production at each `secrets.DBT_CLOUD_PAT` of `text`, sent to `sink`.
    fn fingerprints(text: &str, sink: &str) -> Vec<String> {
        let files = [SourceFile::new("ci.yml".into(), "ci.yml".into(), text.as_bytes().to_vec())];
        let uses: Vec<ClassifiedUse> = text
            .match_indices("secrets.DBT_CLOUD_PAT")
            .map(|(start, r)| ClassifiedUse {
                usage: TokenUse::new(Loc { file: 0, span: Span::new(start, start + r.len()) }, r, sink),
                class: Classification {
                    workflow: Workflow::Production,
                    token_type: TokenType::Personal,
                    confidence: Confidence::Medium,
                    evidence: vec![],
                    type_shown_here: true,
                },
            })
            .collect();
        let facts = [FileFacts::default()];
        let found = run(&Input { files: &files, facts: &facts, uses: &uses, policy: builtin() });
        assert_eq!(found.len(), uses.len(), "{found:?}");
        found.into_iter().map(|f| f.fingerprint).collect()
    }

    fn parse_error_fingerprint(text: &str, error: ParseError) -> String {
        let files = [SourceFile::new("ci.yml".into(), "ci.yml".into(), text.as_bytes().to_vec())];
        let facts = [FileFacts { parse_error: Some(error), ..FileFacts::default() }];
        let found = run(&Input { files: &files, facts: &facts, uses: &[], policy: builtin() });
        assert_eq!(found.len(), 1, "{found:?}");
        found.into_iter().map(|f| f.fingerprint).collect()
    }

    #[test]
    fn rewording_a_sink_keeps_the_fingerprint() {
        assert_eq!(
            fingerprints(WORKFLOW, "environment variable `T` of job `a`"),
            fingerprints(WORKFLOW, "the `T` variable of the `a` job")
        );
    }

    #[test]
    fn moving_lines_keeps_the_fingerprint() {
        let moved = format!("# a comment\n\n{WORKFLOW}");
        assert_eq!(fingerprints(WORKFLOW, "env"), fingerprints(&moved, "env"));
    }

    #[test]
    fn the_same_content_twice_gets_two_fingerprints_in_file_order() {
        let twice = format!("{WORKFLOW}  b:\n    env:\n      T: ${{{{ secrets.DBT_CLOUD_PAT }}}}\n");
        let fps = fingerprints(&twice, "env");
        assert_eq!(fps.len(), 2);
        assert_ne!(fps[0], fps[1]);
        assert_eq!(fps[0], fingerprints(WORKFLOW, "env")[0], "the first keeps the fingerprint it had alone");
    }

    #[test]
    fn a_parse_error_is_known_by_its_kind_not_the_parser_words() {
        let a = parse_error_fingerprint("a: [", ParseError::syntax(4, "did not find expected ',' or ']'"));
        let b =
            parse_error_fingerprint("\na: [", ParseError::syntax(5, "while parsing a flow sequence: unexpected end"));
        let limit = parse_error_fingerprint("a: [", ParseError::limit(4, "nesting deeper than 255 flow levels"));
        assert_eq!(a, b);
        assert_ne!(a, limit);
    }
}
