//! Making untrusted text safe to print: file names, job names and config strings come from the
//! scanned repository, and a control character in one can rewrite a terminal (`ESC ]52;…`),
//! inject a GitHub workflow command (a line break followed by `::warning …`) or hide text
//! (bidirectional overrides). Every human format and every message on stderr goes through here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a log as it is: C0 and C1 controls, DEL, line and
/// paragraph separators, and the bidirectional formatting characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with every unsafe character written as an escape (`\n`, `\t`, `\u{1b}`), so it stays on
/// one line and prints as what it is.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`text`] for text whose line breaks are meant (a multi-line help): `\n` is kept, every
/// other unsafe character is escaped.
pub fn lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// The picture shown for an unsafe character inside a source snippet: one character for one, so
/// columns stay where they are (C0 controls and DEL have their Unicode control pictures; the
/// others show as U+FFFD). Tabs are kept: the snippet renderer expands them.
pub fn picture(c: char) -> Option<char> {
    if c == '\t' || !is_unsafe(c) {
        return None;
    }
    Some(match c as u32 {
        n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    })
}

/// A file name's bytes as text that keeps every name distinct: valid UTF-8 as it is, each byte
/// of an invalid sequence as `\xNN`, unsafe characters escaped as in [`text`].
pub fn name_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_text_is_borrowed_and_unsafe_text_is_escaped() {
        assert!(matches!(text("jobs.deploy é"), Cow::Borrowed(_)));
        assert_eq!(text("a\nb::warning x"), "a\\nb::warning x");
        assert_eq!(text("\u{1b}]52;c;x\u{7}"), "\\u{1b}]52;c;x\\u{7}");
        assert_eq!(text("\u{9b}2J \u{202e}evil"), "\\u{9b}2J \\u{202e}evil");
        assert_eq!(lines("help\nmore\r"), "help\nmore\\r");
    }

    #[test]
    fn pictures_keep_one_character_for_one() {
        assert_eq!(picture('\u{1b}'), Some('␛'));
        assert_eq!(picture('\r'), Some('␍'));
        assert_eq!(picture('\u{7f}'), Some('␡'));
        assert_eq!(picture('\u{85}'), Some('\u{fffd}'));
        assert_eq!(picture('\t'), None);
        assert_eq!(picture('a'), None);
    }

    #[test]
    fn names_stay_distinct() {
        assert_eq!(name_bytes(b"caf\xe9.env"), "caf\\xe9.env");
        assert_eq!(name_bytes("café.env".as_bytes()), "café.env");
        assert_ne!(name_bytes(b"a\xff"), name_bytes(b"a\xfe"));
        assert_eq!(name_bytes(b"x\n::warning y"), "x\\n::warning y");
    }
}
