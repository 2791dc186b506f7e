//! TW002: an entry of a `tokenwise: ignore[…]` comment that suppresses nothing (ruff's RUF100):
//! a selected rule with no finding on the comment's line or the next, a code or name that is no
//! rule (with the closest one), or a rule the list already names. A rule that is off on the
//! file's path (`--ignore`, the config, `per-path`) is not judged: turned back on, its comment
//! would be needed again.
//!
//! Judged when a report is built ([`crate::report::build`]), not with the other rules: it needs
//! their findings and the run's selection. Only comments written as comments in files read whole
//! are judged; prose (a README showing how to write one) quotes them as examples.

use super::{Draft, Finding, Input, Remedy, Rule, Spec, finding, fingerprint};
use crate::model::{Confidence, Loc};
use crate::source::SourceFile;
use crate::suppress::Judged;
use crate::tree::Span;
use std::ops::Range;

pub const SPEC: Spec = Spec { code: "TW002", name: "unused-suppression", slots: &["entry", "reason"], mismatch: None, check };

/// Nothing here: see [`findings`].
fn check(_: Rule, _: &Input, _: &mut Vec<Finding>) {}

/// Files whose comments are text, not directives: prose, by extension.
const PROSE: [&str; 6] = ["md", "markdown", "mdx", "rst", "txt", "adoc"];

fn is_prose(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(_, ext)| PROSE.iter().any(|p| ext.eq_ignore_ascii_case(p)))
}

/// Why an entry is a finding, and what to do about it.
struct Verdict {
    kind: &'static str,
    reason: String,
    help: String,
}

/// The TW002 findings of the judged entries (in file and line order), where `on` says whether
/// a rule is selected on a path. In report order, with fingerprints and fixes.
pub fn findings(files: &[SourceFile], judged: Vec<Judged<'_>>, on: impl Fn(Rule, &str) -> bool) -> Vec<Finding> {
    let rule = Rule::UnusedSuppression;
    let mut out = Vec::new();
    for comment in judged.chunk_by(|a, b| (a.file, a.line) == (b.file, b.line)) {
        let Some(first) = comment.first() else { continue };
        let Some(src) = files.get(first.file) else { continue };
        if is_prose(&src.display) {
            continue;
        }
        let verdicts: Vec<Option<Verdict>> = comment.iter().map(|e| verdict(e, &src.display, &on)).collect();
        let gone: Vec<bool> = verdicts.iter().map(Option::is_some).collect();
        for (e, v) in comment.iter().zip(verdicts) {
            let Some(v) = v else { continue };
            let entry = crate::literal::mask(e.text).into_owned();
            let key = match e.rule {
                Some(r) => r.code().to_owned(),
                None => fingerprint::literal_hash(&e.text.to_ascii_lowercase()),
            };
            let at = Loc { file: e.file, span: Span::new(e.at.start, e.at.end) };
            let draft = Draft {
                at,
                subject: None,
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![],
                vars: vec![("entry", entry), ("reason", v.reason)],
                help: Some(v.help),
                key: vec![v.kind.to_owned(), key],
            };
            let mut f = finding(rule, draft);
            let (cut, whole) = cut(src, e, &gone);
            f.remedy = Some(Remedy::DropSuppression {
                entry: at,
                cut: Loc { file: e.file, span: Span::new(cut.start, cut.end) },
                whole,
            });
            out.push(f);
        }
    }
    out.sort_by(super::report_order);
    super::complete(&mut out, files);
    out
}

fn verdict(e: &Judged, path: &str, on: &impl Fn(Rule, &str) -> bool) -> Option<Verdict> {
    let Some(rule) = e.rule else {
        let known = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
        let closest = crate::suggest::closest(e.text, known);
        let help = match closest {
            Some(c) => format!("write `{c}`: an entry that names no rule suppresses nothing"),
            None => "name a rule by its code or name (`tokenwise rules` lists them)".to_owned(),
        };
        let hint = closest.map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
        return Some(Verdict { kind: "unknown", reason: format!("is not a tokenwise rule{hint}"), help });
    };
    if e.repeated {
        return Some(Verdict {
            kind: "repeated",
            reason: format!("repeats {} in the same list", rule.code()),
            help: "remove the repeated entry".to_owned(),
        });
    }
    // A TW002 entry that is not needed would be reported where it suppresses its own report.
    if e.used || rule == Rule::UnusedSuppression || !on(rule, path) {
        return None;
    }
    Some(Verdict {
        kind: "unused",
        reason: format!("suppresses nothing: no {} finding is on this line or the next", rule.code()),
        help: format!("remove {} from the comment; remove the comment when nothing is left in it", rule.code()),
    })
}

/// What to cut for entry `e` of its comment, where `gone[i]` says which entries go: the entry
/// with the separator towards the next entry that stays (or, after the last one, from the
/// entry before), so that the cuts of several entries meet and never overlap; the whole
/// comment when nothing stays (`true`).
fn cut(src: &SourceFile, e: &Judged, gone: &[bool]) -> (Range<usize>, bool) {
    let i = e.index;
    if gone.iter().all(|g| *g) {
        return (comment_cut(src, e.line, &e.comment), true);
    }
    let at = &e.siblings;
    let stays_after = gone.iter().skip(i + 1).any(|g| !*g);
    let range = match (stays_after, at.get(i + 1), i.checked_sub(1).and_then(|p| at.get(p))) {
        (true, Some(next), _) => e.at.start..next.start,
        (_, _, Some(prev)) => prev.end..e.at.end,
        _ => e.at.clone(),
    };
    (range, false)
}

/// The bytes that remove a comment: its whole line when nothing else is on it, else the comment
/// and the spaces that separate it from the rest of the line.
fn comment_cut(src: &SourceFile, line: usize, comment: &Range<usize>) -> Range<usize> {
    let (start, end) = src.line_span(line);
    let text = &src.text;
    let before = text.get(start..comment.start).unwrap_or("");
    let after = text.get(comment.end..end).unwrap_or("");
    if before.trim().is_empty() && after.trim().is_empty() {
        let rest = text.get(end..).unwrap_or("");
        let eol = if rest.starts_with("\r\n") { 2 } else { usize::from(rest.starts_with('\n')) };
        return start..end + eol;
    }
    if after.trim().is_empty() {
        // A trailing comment: from the end of the code before it.
        return start + before.trim_end().len()..end;
    }
    comment.start..comment.end + (after.len() - after.trim_start().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppress::Suppressions;

    fn run(text: &str, on: impl Fn(Rule, &str) -> bool) -> Vec<(String, String)> {
        let files = [SourceFile::new("ci.yml".into(), "ci.yml".into(), text.as_bytes().to_vec())];
        let judged = Suppressions::new(&files).judged();
        findings(&files, judged, on)
            .into_iter()
            .map(|f| {
                let cut = match &f.remedy {
                    Some(Remedy::DropSuppression { cut, .. }) => text[cut.span.start..cut.span.end].to_owned(),
                    _ => String::new(),
                };
                (f.message, cut)
            })
            .collect()
    }

    #[test]
    fn each_entry_that_suppresses_nothing_is_its_own_finding() {
        // tokenwise: ignore[TW002] -- test input
        let got = run("a: 1 # tokenwise: ignore[TW101, TW2O1, pat-in-production] -- why\n", |_, _| true);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].0.contains("`TW101`") && got[0].0.contains("suppresses nothing"), "{got:?}");
        assert!(got[1].0.contains("`TW2O1` in this ignore comment is not a tokenwise rule"), "{got:?}");
        assert!(got[2].0.contains("repeats TW101"), "{got:?}");
        // Nothing stays: each finding's fix removes the whole comment, and the same edit.
        // tokenwise: ignore[TW002] -- test input
        assert!(got.iter().all(|(_, cut)| cut == " # tokenwise: ignore[TW101, TW2O1, pat-in-production] -- why"));
    }

    #[test]
    fn a_rule_that_is_off_or_a_comment_in_quotes_or_prose_is_not_judged() {
        // tokenwise: ignore[TW002] -- test input
        assert!(run("a: 1 # tokenwise: ignore[TW101]\n", |r, _| r != Rule::PatInProduction).is_empty());
        assert!(run("a: \"x # y\" b: '`tokenwise: ignore[TW101]`'\n", |_, _| true).is_empty());
        let files = [SourceFile::new("README.md".into(), "README.md".into(), b"# tokenwise: ignore[TW9]\n".to_vec())];
        assert!(findings(&files, Suppressions::new(&files).judged(), |_, _| true).is_empty());
        assert!(run("a: 1 # tokenwise: ignore[TW002]\n", |_, _| true).is_empty(), "never judged: it would judge itself");
    }

    #[test]
    fn the_cuts_of_several_entries_meet_and_keep_the_rest() {
        let text = "# tokenwise: ignore[TW101, TW201, TW9, TW102]\nx\n";
        // TW201 stays (as if a finding used it): the others go.
        let files = [SourceFile::new("ci.yml".into(), "ci.yml".into(), text.as_bytes().to_vec())];
        let mut s = Suppressions::new(&files);
        let mut judged = s.judged();
        judged[1].used = true;
        let cuts: Vec<String> = findings(&files, judged, |_, _| true)
            .iter()
            .filter_map(|f| match &f.remedy {
                Some(Remedy::DropSuppression { cut, whole: false, .. }) => Some(text[cut.span.start..cut.span.end].to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(cuts, ["TW101, ", ", TW9", ", TW102"]);
        // tokenwise: ignore[TW002] -- test input
        let whole = run("  # tokenwise: ignore[TW101]\nx\n", |_, _| true);
        // tokenwise: ignore[TW002] -- test input
        assert_eq!(whole[0].1, "  # tokenwise: ignore[TW101]\n", "a comment alone on its line goes with its line");
        // tokenwise: ignore[TW002] -- test input
        let html = run("x <!-- tokenwise: ignore[TW101] --> y\n", |_, _| true);
        assert_eq!(html[0].1, "<!-- tokenwise: ignore[TW101] --> ");
    }
}
