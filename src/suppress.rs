//! Inline suppressions: `tokenwise: ignore[TW101,hardcoded-token] -- reason` on the finding's
//! line or the line above it, in any format that has comments.

use crate::rules::Finding;
use crate::source::SourceFile;
use std::collections::HashMap;

/// The codes or names a line's suppression comment lists, if it has one.
pub fn codes_on_line(line: &str) -> Option<Vec<String>> {
    let i = line.find("tokenwise: ignore[").or_else(|| line.find("tokenwise:ignore["))?;
    let rest = &line[i..];
    let open = rest.find('[')?;
    let close = rest.find(']')?;
    let list = rest.get(open + 1..close)?;
    Some(list.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect())
}

/// Whether a comment on the finding's line or the line above suppresses it: for one finding
/// in a file of its own (history); a report reads each file's comments once ([`Suppressions`]).
pub fn is_suppressed(f: &Finding, src: &SourceFile) -> bool {
    let (line, _) = src.line_col(f.at.span.start);
    let lines = [Some(line), line.checked_sub(1).filter(|l| *l >= 1)];
    lines.into_iter().flatten().any(|l| {
        codes_on_line(src.line_text(l))
            .is_some_and(|codes| codes.iter().any(|c| c.eq_ignore_ascii_case(f.code()) || c == f.name()))
    })
}

/// The suppression comments of a scan's files, read once per file: a file with many findings
/// on one long line (minified JSON) costs one pass over the line, not one per finding.
pub struct Suppressions<'a> {
    files: &'a [SourceFile],
    /// Per file read so far: the codes each commented line lists, by 1-based line.
    by_file: HashMap<usize, HashMap<usize, Vec<String>>>,
}

impl<'a> Suppressions<'a> {
    pub fn new(files: &'a [SourceFile]) -> Self {
        Suppressions { files, by_file: HashMap::new() }
    }

    /// Whether a comment on the finding's line or the line above it suppresses it.
    pub fn suppresses(&mut self, f: &Finding) -> bool {
        let Some(src) = self.files.get(f.at.file) else { return false };
        let lines = self.by_file.entry(f.at.file).or_insert_with(|| commented_lines(src));
        if lines.is_empty() {
            return false;
        }
        let (line, _) = src.line_col(f.at.span.start);
        [Some(line), line.checked_sub(1).filter(|l| *l >= 1)].into_iter().flatten().any(|l| {
            lines.get(&l).is_some_and(|codes| codes.iter().any(|c| c.eq_ignore_ascii_case(f.code()) || c == f.name()))
        })
    }
}

/// The codes listed on every line of `src` that holds a suppression comment. Each such line is
/// read once, however many comments it holds.
fn commented_lines(src: &SourceFile) -> HashMap<usize, Vec<String>> {
    let mut out = HashMap::new();
    let mut read = std::collections::HashSet::new();
    for at in memchr::memmem::find_iter(src.text.as_bytes(), b"tokenwise:") {
        let (line, _) = src.line_col(at);
        if read.insert(line)
            && let Some(codes) = codes_on_line(src.line_text(line))
        {
            out.insert(line, codes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(
            codes_on_line("token = var.x # tokenwise: ignore[TW101, hardcoded-token] -- reviewed"),
            Some(vec!["TW101".to_owned(), "hardcoded-token".to_owned()])
        );
        assert_eq!(codes_on_line("// tokenwise: ignore[TW201]"), Some(vec!["TW201".to_owned()]));
        assert_eq!(codes_on_line("# nothing here"), None);
    }

    #[test]
    fn a_comment_suppresses_its_line_and_the_next() {
        use crate::model::{Confidence, Loc};
        use crate::tree::Span;
        let text = "a\n# tokenwise: ignore[TW201]\nb\nc # tokenwise:ignore[pat-in-production]\nd\n";
        let files = [SourceFile::new("x".into(), "x".into(), text.as_bytes().to_vec())];
        let at = |needle: &str, code: &'static str, _name: &'static str| {
            let start = text.find(needle).unwrap_or_else(|| panic!("{needle} not in the text"));
            let at = Loc { file: 0, span: Span::new(start, start + 1) };
            Finding {
                rule: crate::rules::Rule::parse(code).unwrap_or_else(|| panic!("{code} is no rule")),
                severity: crate::model::Severity::Error,
                message: String::new(),
                at,
                subject: Some(at),
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: Vec::new(),
                help: String::new(),
                key: Vec::new(),
                fingerprint: String::new(),
                remedy: None,
                fixes: Vec::new(),
            }
        };
        let mut s = Suppressions::new(&files);
        assert!(!s.suppresses(&at("a", "TW201", "hardcoded-token")));
        assert!(s.suppresses(&at("b", "TW201", "hardcoded-token")));
        assert!(s.suppresses(&at("# tok", "tw201", "hardcoded-token")));
        assert!(!s.suppresses(&at("b", "TW101", "pat-in-production")));
        assert!(s.suppresses(&at("c", "TW101", "pat-in-production")));
        assert!(s.suppresses(&at("d", "TW101", "pat-in-production")));
        assert!(!s.suppresses(&at("d", "TW201", "hardcoded-token")));
    }
}
