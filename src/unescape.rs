//! Escapes decoded the way source formats write them (`\x64`, `\u0064`, `\U00000064`,
//! `\u{64}`, `\144`, `%64`, `%2564`, `\n`…), with a map from the decoded text back to the raw
//! one, so a token written with escapes is found and masked where it is written.
//!
//! One decoder serves every format: JSON, YAML and HCL strings, shell `$'…'`, Python, JS and
//! URLs all write a character in one of these forms, and a token only ever needs its ASCII
//! characters back. Quotes are dropped from the decoded text, so pieces a shell or Python joins
//! (`$'\x64'btu_…`, `"dbtu_" "…"` without a space) are joined there too.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// Stand-in for a decoded character that is not ASCII: one byte, never part of a token.
const OTHER: u8 = 0x1a;

/// The escaped forms of one ASCII character, as a source file may write it.
fn forms(c: u8) -> Vec<String> {
    let o = format!("{c:03o}");
    vec![
        format!("\\x{c:02x}"),
        format!("\\x{{{c:02x}}}"),
        format!("\\u{c:04x}"),
        format!("\\u{{{c:02x}}}"),
        format!("\\U{c:08x}"),
        format!("%{c:02x}"),
        format!("%25{c:02x}"),
        format!("\\{o}"),
    ]
}

/// The escaped forms of `d`, `b` and `t`: a token whose prefix has no plain `dbt` has one of
/// these (the prefilter's extra patterns).
pub fn dbt_forms() -> Vec<String> {
    b"dbt".iter().flat_map(|&c| forms(c)).collect()
}

fn prefix_matcher() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| {
        let patterns: Vec<String> = b"dbtcu_".iter().flat_map(|&c| forms(c)).collect();
        AhoCorasick::builder().ascii_case_insensitive(true).build(patterns).ok()
    })
    .as_ref()
}

/// Whether `text` may hold a token prefix written with an escape (`\x64btu_`, `dbtu\u005f`,
/// `%64btu_`): only then is decoding worth its cost.
pub fn may_hide_prefix(text: &str) -> bool {
    prefix_matcher().is_none_or(|ac| ac.is_match(text))
}

/// A text with its escapes decoded.
#[derive(Debug, Default)]
pub struct Decoded {
    pub text: String,
    /// `(decoded offset, raw offset)` where the texts stop running in step: at each byte an
    /// escape gives, and after each escape or dropped quote.
    starts: Vec<(usize, usize)>,
    /// `(decoded offset, raw end)` of each byte an escape gives.
    escapes: Vec<(usize, usize)>,
}

impl Decoded {
    /// The raw offset where decoded byte `i` is written.
    pub fn start(&self, i: usize) -> usize {
        let k = self.starts.partition_point(|&(d, _)| d <= i);
        match k.checked_sub(1).and_then(|k| self.starts.get(k)) {
            Some(&(d, r)) => r + (i - d),
            None => i,
        }
    }

    /// The raw offset right after decoded byte `e - 1`: the end of a decoded span `..e`
    /// (quotes dropped after it are not part of it).
    pub fn end(&self, e: usize) -> usize {
        let Some(last) = e.checked_sub(1) else { return self.start(0) };
        match self.escapes.binary_search_by_key(&last, |&(d, _)| d) {
            Ok(k) => self.escapes.get(k).map_or(e, |&(_, r)| r),
            Err(_) => self.start(last) + 1,
        }
    }
}

fn hex(bytes: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(bytes).ok()?;
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// The escape at `bytes[i..]` after a run of backslashes (`i` is the byte after the run): its
/// value and its end.
fn escape_at(bytes: &[u8], i: usize) -> Option<(u32, usize)> {
    let fixed = |len: usize| Some((hex(bytes.get(i + 1..i + 1 + len)?)?, i + 1 + len));
    let braced = || {
        let rest = bytes.get(i + 1..)?;
        if rest.first() != Some(&b'{') {
            return None;
        }
        let close = rest.iter().take(9).position(|&b| b == b'}')?;
        Some((hex(rest.get(1..close)?)?, i + 2 + close))
    };
    match *bytes.get(i)? {
        b'x' => braced().or_else(|| fixed(2)),
        b'u' => braced().or_else(|| fixed(4)),
        b'U' => fixed(8),
        b'0'..=b'7' => {
            let len =
                bytes.get(i..).unwrap_or_default().iter().take(3).take_while(|b| (b'0'..=b'7').contains(b)).count();
            let s = std::str::from_utf8(bytes.get(i..i + len)?).ok()?;
            Some((u32::from_str_radix(s, 8).ok()?, i + len))
        }
        b'n' => Some((u32::from(b'\n'), i + 1)),
        b't' => Some((u32::from(b'\t'), i + 1)),
        b'r' => Some((u32::from(b'\r'), i + 1)),
        b'e' => Some((0x1b, i + 1)),
        b'a' | b'b' | b'f' | b'v' => Some((u32::from(OTHER), i + 1)),
        c @ (b'"' | b'\'' | b'`' | b'/') => Some((u32::from(c), i + 1)),
        _ => None,
    }
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// Decode every escape of `raw`. A run of backslashes before an escape counts as one, so text
/// escaped twice (Python source inside a notebook's JSON, a snippet inside a JSON report) decodes
/// in one pass. Linear in the text.
pub fn decode(raw: &str) -> Decoded {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let (mut starts, mut escapes) = (Vec::new(), Vec::new());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let decoded = match b {
            b'\\' => {
                let run = bytes.get(i..).unwrap_or_default().iter().take_while(|&&c| c == b'\\').count();
                escape_at(bytes, i + run)
            }
            b'%' => {
                // `%2564` is `%64` encoded once more (a report escapes `%` as `%25`).
                let mut j = i + 1;
                while bytes.get(j..j + 2) == Some(b"25") && hex(bytes.get(j + 2..j + 4).unwrap_or_default()).is_some() {
                    j += 2;
                }
                hex(bytes.get(j..j + 2).unwrap_or_default()).map(|v| (v, j + 2))
            }
            c if is_quote(c) => Some((u32::from(c), i + 1)),
            _ => None,
        };
        match decoded {
            Some((value, end)) => {
                let byte = u8::try_from(value).ok().filter(u8::is_ascii).unwrap_or(OTHER);
                if !is_quote(byte) {
                    starts.push((out.len(), i));
                    escapes.push((out.len(), end));
                    out.push(byte);
                }
                starts.push((out.len(), end));
                i = end;
            }
            None => {
                // Copied whole: a backslash run that starts no escape, or any other byte
                // (multi-byte characters are copied byte by byte and stay valid).
                let run = if b == b'\\' {
                    bytes.get(i..).unwrap_or_default().iter().take_while(|&&c| c == b'\\').count()
                } else {
                    1
                };
                out.extend_from_slice(bytes.get(i..i + run).unwrap_or_default());
                i += run;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(text) => Decoded { text, starts, escapes },
        Err(_) => Decoded { text: raw.to_owned(), ..Decoded::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of<'a>(d: &Decoded, raw: &'a str, needle: &str) -> &'a str {
        let s = d.text.find(needle).unwrap_or_else(|| panic!("{needle} in {:?}", d.text));
        &raw[d.start(s)..d.end(s + needle.len())]
    }

    #[test]
    fn every_form_decodes_and_maps_back() {
        for raw in [
            r#"t = "\x64btu_Ab1""#,
            r#"t = "\u0064btu_Ab1""#,
            r#"t = "\U00000064btu_Ab1""#,
            r#"t = "\u{64}btu_Ab1""#,
            r#"t = "\x{64}btu_Ab1""#,
            r#"t = $'\144btu_Ab1'"#,
            "t = %64btu_Ab1",
            "t = %2564btu_Ab1",
            r#"t = "dbtu\u005fAb1""#,
            r#"t = "\\u0064btu_Ab1""#,
            r#"t = $'\x64'btu_Ab1"#,
        ] {
            let d = decode(raw);
            assert!(d.text.contains("dbtu_Ab1"), "{raw}: {:?}", d.text);
            let shown = span_of(&d, raw, "dbtu_Ab1");
            assert!(shown.ends_with("Ab1") && !shown.starts_with(' ') && shown.len() > 8, "{raw}: {shown}");
        }
    }

    #[test]
    fn plain_text_is_unchanged_and_other_characters_stay_apart() {
        let d = decode("plain text, é and \\d+ and 100%");
        assert_eq!(d.text, "plain text, é and \\d+ and 100%");
        assert_eq!((d.start(5), d.end(5)), (5, 5));
        let d = decode(r#"a\u00e9dbtu_x \n\u001b[31m"#);
        assert_eq!(d.text, "a\u{1a}dbtu_x \n\u{1b}[31m");
    }

    #[test]
    fn prefixes_hidden_by_escapes_are_noticed() {
        assert!(may_hide_prefix(r"\x64btu_"));
        assert!(may_hide_prefix("dbtu%5Fabc"));
        assert!(may_hide_prefix(r"\U00000064"));
        assert!(!may_hide_prefix("select 1 from orders \\n %20"));
        assert!(dbt_forms().contains(&r"\u0062".to_owned()));
    }
}
