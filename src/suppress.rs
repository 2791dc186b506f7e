//! Inline suppressions: `tokenwise: ignore[TW101,hardcoded-token] -- reason` on the finding's
//! line or the line above it, in any format that has comments.
//!
//! A report also records which entry of which comment suppressed something, so that the
//! comments that suppress nothing can be reported (TW002).

pub use crate::ignore_comment::{Comment, comment_on_line, mentions};
use crate::rules::{Finding, Rule};
use crate::source::SourceFile;
use std::collections::HashMap;
use std::ops::Range;

/// The codes or names a line's suppression comment lists, if it has one.
pub fn codes_on_line(line: &str) -> Option<Vec<String>> {
    comment_on_line(line).map(|c| c.entries.into_iter().map(|(e, _)| e.to_owned()).collect())
}

/// The suppression comments of a scan's files, read once per file: a file with many findings
/// on one long line (minified JSON) costs one pass over the line, not one per finding. It
/// records which entries suppressed something.
pub struct Suppressions<'a> {
    files: &'a [SourceFile],
    /// Per file read so far: the entries of each commented line, by 1-based line.
    by_file: HashMap<usize, HashMap<usize, Vec<Entry>>>,
}

/// One entry of a comment's list, as [`Suppressions`] tracks it.
#[derive(Debug)]
struct Entry {
    /// The rule it names, `None` when it names none.
    rule: Option<Rule>,
    /// A finding on the comment's line or the next one is of its rule.
    used: bool,
}

/// An entry of a suppression comment, with what became of it in a report.
#[derive(Debug)]
pub struct Judged<'a> {
    pub file: usize,
    /// 1-based line of the comment.
    pub line: usize,
    /// The entry as written, and its byte range in the file's text.
    pub text: &'a str,
    pub at: Range<usize>,
    /// The rule it names, `None` when it names none.
    pub rule: Option<Rule>,
    /// A finding of its rule was on the comment's line or the next.
    pub used: bool,
    /// An earlier entry of the same comment names the same rule.
    pub repeated: bool,
    /// The comment's byte range in the file's text, and the ranges of all its entries.
    pub comment: Range<usize>,
    pub siblings: Vec<Range<usize>>,
    /// Its index among `siblings`.
    pub index: usize,
}

impl<'a> Suppressions<'a> {
    pub fn new(files: &'a [SourceFile]) -> Self {
        Suppressions { files, by_file: HashMap::new() }
    }

    /// Whether a comment on the finding's line or the line above it suppresses it; the entries
    /// that name its rule are marked used.
    pub fn suppresses(&mut self, f: &Finding) -> bool {
        let Some(src) = self.files.get(f.at.file) else { return false };
        let lines = self.by_file.entry(f.at.file).or_insert_with(|| commented_lines(src));
        if lines.is_empty() {
            return false;
        }
        let (line, _) = src.line_col(f.at.span.start);
        let mut hit = false;
        for l in [Some(line), line.checked_sub(1).filter(|l| *l >= 1)].into_iter().flatten() {
            for e in lines.get_mut(&l).into_iter().flatten().filter(|e| e.rule == Some(f.rule)) {
                e.used = true;
                hit = true;
            }
        }
        hit
    }

    /// Every entry of every comment written as a comment in the scan's files (read whole: an
    /// excerpt holds only the lines around its tokens), in file and line order, with whether
    /// the findings seen so far used it.
    pub fn judged(&mut self) -> Vec<Judged<'a>> {
        let files = self.files;
        let mut out = Vec::new();
        for (file, src) in files.iter().enumerate() {
            if src.is_excerpt() || !mentions(src.text.as_bytes()) {
                continue;
            }
            let lines = self.by_file.entry(file).or_insert_with(|| commented_lines(src));
            let mut numbers: Vec<usize> = lines.keys().copied().collect();
            numbers.sort_unstable();
            for line in numbers {
                let (start, _) = src.line_span(line);
                let Some(c) = comment_on_line(src.line_text(line)) else { continue };
                let Some(comment) = c.comment else { continue };
                let tracked = lines.get(&line).map(Vec::as_slice).unwrap_or_default();
                let siblings: Vec<Range<usize>> =
                    c.entries.iter().map(|(_, r)| start + r.start..start + r.end).collect();
                for (index, ((text, r), e)) in c.entries.iter().zip(tracked).enumerate() {
                    let repeated = e.rule.is_some() && tracked[..index].iter().any(|p| p.rule == e.rule);
                    out.push(Judged {
                        file,
                        line,
                        text,
                        at: start + r.start..start + r.end,
                        rule: e.rule,
                        used: e.used,
                        repeated,
                        comment: start + comment.start..start + comment.end,
                        siblings: siblings.clone(),
                        index,
                    });
                }
            }
        }
        out
    }
}

/// Whether a comment on the finding's line or the line above suppresses it: for one finding
/// in a file of its own (history); a report reads each file's comments once ([`Suppressions`]).
pub fn is_suppressed(f: &Finding, src: &SourceFile) -> bool {
    let (line, _) = src.line_col(f.at.span.start);
    let lines = [Some(line), line.checked_sub(1).filter(|l| *l >= 1)];
    lines.into_iter().flatten().any(|l| {
        codes_on_line(src.line_text(l)).is_some_and(|codes| codes.iter().any(|c| Rule::parse(c) == Some(f.rule)))
    })
}

/// The entries listed on every line of `src` that holds a suppression comment. Each such line
/// is read once, however many comments it holds.
fn commented_lines(src: &SourceFile) -> HashMap<usize, Vec<Entry>> {
    let mut out = HashMap::new();
    let mut read = std::collections::HashSet::new();
    for at in memchr::memmem::find_iter(src.text.as_bytes(), b"tokenwise:") {
        let (line, _) = src.line_col(at);
        if read.insert(line)
            && let Some(c) = comment_on_line(src.line_text(line))
        {
            let entries = c.entries.iter().map(|(e, _)| Entry { rule: Rule::parse(e), used: false }).collect();
            out.insert(line, entries);
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
            // tokenwise: ignore[TW002] -- test input
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
