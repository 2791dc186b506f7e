//! How a suppression comment is written: `tokenwise: ignore[TW101,hardcoded-token] -- reason`,
//! its entries and where it is a comment at all. [`crate::suppress`] decides what it suppresses;
//! the prefilter keeps the files that hold one.

use std::ops::Range;

/// How a suppression comment starts.
pub const STARTS: [&str; 2] = ["tokenwise: ignore[", "tokenwise:ignore["];

/// A suppression comment as one line holds it.
#[derive(Debug, PartialEq, Eq)]
pub struct Comment<'a> {
    /// The entries of its list as written (trimmed, never empty), each with its byte range in
    /// the line.
    pub entries: Vec<(&'a str, Range<usize>)>,
    /// The comment from its opener (`#`, `//`, `<!--`…) to its end (the line's, or its closing
    /// `-->` / `*/`), when the text is written as a comment; `None` when it is quoted or
    /// mentioned (inside a string, in backticks), where it still suppresses but is no directive
    /// to judge.
    pub comment: Option<Range<usize>>,
}

/// The suppression comment of a line, if it has one.
pub fn comment_on_line(line: &str) -> Option<Comment<'_>> {
    let at = STARTS.iter().filter_map(|s| line.find(s)).min()?;
    let rest = &line[at..];
    let open = at + rest.find('[')?;
    let close = at + rest.find(']')?;
    let list = line.get(open + 1..close)?;
    let mut entries = Vec::new();
    let mut from = open + 1;
    for part in list.split(',') {
        let lead = part.len() - part.trim_start().len();
        let entry = part.trim();
        if !entry.is_empty() {
            entries.push((entry, from + lead..from + lead + entry.len()));
        }
        from += part.len() + 1;
    }
    Some(Comment { entries, comment: comment_range(line, at) })
}

/// Comment openers, longest first where one starts another.
const OPENERS: [&str; 8] = ["<!--", "//", "/*", "--", "#", ";", "*", "REM"];

/// Where the comment whose text starts at `at` opens and ends: only when nothing but spaces
/// stands between an opener and the text, and the opener starts the line or follows a space
/// (not `"#` in a string, not `` `# `` in prose).
fn comment_range(line: &str, at: usize) -> Option<Range<usize>> {
    let before = line.get(..at)?.trim_end();
    let opener = OPENERS.iter().find(|o| before.ends_with(*o))?;
    let start = before.len() - opener.len();
    let spaced = line.get(..start).is_some_and(|s| s.is_empty() || s.ends_with([' ', '\t']));
    if !spaced {
        return None;
    }
    let close = match *opener {
        "<!--" => Some("-->"),
        "/*" => Some("*/"),
        _ => None,
    };
    let end =
        close.and_then(|c| line.get(at..).and_then(|r| r.find(c)).map(|i| at + i + c.len())).unwrap_or(line.len());
    Some(start..end)
}

/// Whether the bytes may hold a suppression comment (the files kept for TW002).
pub fn mentions(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, b"tokenwise:").any(|i| {
        let rest = bytes.get(i..).unwrap_or_default();
        STARTS.iter().any(|s| rest.starts_with(s.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_the_comment_have_their_ranges() {
        // tokenwise: ignore[TW002] -- test input
        let line = "a: 1  # tokenwise: ignore[TW101 , hardcoded-token] -- why";
        let c = comment_on_line(line).unwrap_or_else(|| panic!("no comment"));
        let texts: Vec<&str> = c.entries.iter().map(|(_, r)| &line[r.clone()]).collect();
        assert_eq!(texts, ["TW101", "hardcoded-token"]);
        assert_eq!(c.entries[0].0, "TW101");
        assert_eq!(c.comment.map(|r| &line[r]), Some("# tokenwise: ignore[TW101 , hardcoded-token] -- why"));
        // tokenwise: ignore[TW002] -- test input
        let html = "x <!-- tokenwise:ignore[TW201] --> y";
        assert_eq!(
            comment_on_line(html).and_then(|c| c.comment).map(|r| &html[r]),
            Some("<!-- tokenwise:ignore[TW201] -->")
        );
    }

    #[test]
    fn a_quoted_or_mentioned_comment_is_no_comment() {
        for line in [
            "s = \"# tokenwise: ignore[TW201]\"",
            "write `tokenwise: ignore[CODE]`",
            "x = \"a\\n# tokenwise: ignore[TW1]\"",
        ] {
            assert_eq!(comment_on_line(line).map(|c| c.comment), Some(None), "{line}");
        }
        // tokenwise: ignore[TW002] -- test input
        assert!(mentions(b"x # tokenwise:ignore[TW201]"));
        assert!(!mentions(b"tokenwise: ignores nothing"));
    }
}
