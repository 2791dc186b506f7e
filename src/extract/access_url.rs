//! dbt Cloud access URLs written in a file, as facts: each mention of a shared region host
//! (`cloud.getdbt.com`) or of an account-specific one (`ab123.us1.dbt.com`), with the key it is
//! the value of and whether it sits in a comment. `rules::retiring_url` decides which are
//! findings.

use regex::Regex;

/// One host written in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostMention {
    /// The host's span (without scheme, path or subdomain: `metadata.cloud.getdbt.com` is
    /// `cloud.getdbt.com` there, so replacing the span keeps the subdomain).
    pub start: usize,
    pub end: usize,
    pub host: String,
    /// A shared region host that dbt retires, or an account-specific one.
    pub retiring: bool,
    /// The name the value is assigned to on its line (`host_url`, `DBT_HOST`), if any.
    pub key: Option<String>,
    /// The mention is in a comment (`#`, `//`, `/*`, `*`, `--`, `<!--`).
    pub comment: bool,
}

/// Every mention of a retiring host (exact, lowercase, as a whole host or the end of one) and
/// of an account-specific host in `text`.
/// In Python (`python`), a mention inside a docstring is prose, like one in a comment.
pub fn mentions(text: &str, retiring: &[String], account: Option<&Regex>, python: bool) -> Vec<HostMention> {
    let bytes = text.as_bytes();
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    for host in retiring {
        for start in memchr::memmem::find_iter(bytes, host.as_bytes()) {
            let end = start + host.len();
            let before_ok =
                start == 0 || !bytes.get(start - 1).copied().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-');
            // Not the start of a longer name: `cloud.getdbt.com.evil.example`, `au.dbt.com-x`.
            let glued = bytes.get(end).copied().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            let longer =
                bytes.get(end) == Some(&b'.') && bytes.get(end + 1).copied().is_some_and(|b| b.is_ascii_alphabetic());
            let after_ok = !glued && !longer;
            if before_ok && after_ok {
                out.push((start, end, true));
            }
        }
    }
    if let Some(re) = account {
        for m in re.find_iter(text) {
            out.push((m.start(), m.end(), false));
        }
    }
    out.sort_by_key(|&(start, end, _)| (start, end));
    out.dedup_by_key(|m| m.0);
    let prose = if python && !out.is_empty() { docstrings(text) } else { Vec::new() };
    // In order, so that the line start of each mention is found by scanning only the bytes
    // since the previous one: many mentions on one long line cost one pass over it.
    let (mut line_start, mut scanned) = (0, 0);
    let mut mentions = Vec::with_capacity(out.len());
    for (start, end, retiring) in out {
        if let Some(i) = bytes.get(scanned..start).and_then(|b| memchr::memrchr(b'\n', b)) {
            line_start = scanned + i + 1;
        }
        scanned = scanned.max(start);
        let mut m = mention(text, line_start, start, end, retiring);
        m.comment |= prose.iter().any(|&(from, to)| from <= start && end <= to);
        mentions.push(m);
    }
    mentions
}

/// The byte ranges of a Python file's docstrings: triple-quoted strings that open a statement
/// (nothing but indentation and a string prefix before them on their line). Other
/// triple-quoted strings (`query = """…"""`) are values and are skipped whole. One pass.
fn docstrings(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = bytes.get(i..).and_then(|b| memchr::memchr2(b'"', b'\'', b)).map(|o| i + o) {
        let Some(quote) = bytes.get(at..at + 3).filter(|q| q[0] == q[1] && q[1] == q[2]) else {
            i = at + 1;
            continue;
        };
        let body = at + 3;
        let close = memchr::memmem::find(bytes.get(body..).unwrap_or_default(), quote).map(|o| body + o);
        let end = close.map_or(bytes.len(), |c| c + 3);
        let line_start = memchr::memrchr(b'\n', bytes.get(..at).unwrap_or_default()).map_or(0, |n| n + 1);
        let head = bytes.get(line_start..at).unwrap_or_default().trim_ascii_start();
        if head.len() <= 2 && head.iter().all(|b| matches!(b.to_ascii_lowercase(), b'r' | b'u' | b'b' | b'f')) {
            out.push((at, end));
        }
        i = end;
    }
    out
}

/// How much of a line before a mention says what it is the value of: a key and a trailing
/// comment sit close to the value they name.
const CONTEXT: usize = 256;

fn mention(text: &str, line_start: usize, start: usize, end: usize, retiring: bool) -> HostMention {
    let mut from = start.saturating_sub(CONTEXT).max(line_start);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = text.get(from..start).unwrap_or("");
    // Only its leading whitespace and first characters are read.
    let line_head = text.get(line_start..start).unwrap_or("");
    HostMention {
        start,
        end,
        host: text.get(start..end).unwrap_or("").to_owned(),
        retiring,
        key: key_of(before),
        comment: opens_comment(line_head) || in_comment(before),
    }
}

/// Whether a line starts with a comment marker.
fn opens_comment(line: &str) -> bool {
    let t = line.trim_start();
    ["#", "//", "/*", "*", "--", "<!--", ";", "rem "].iter().any(|c| t.starts_with(c))
}

/// Whether the text before a mention on its line opens a comment.
fn in_comment(before: &str) -> bool {
    if opens_comment(before) {
        return true;
    }
    // A trailing comment: ` #` or ` //` (not the `//` of a scheme) before the mention.
    let b = before.as_bytes();
    let spaced = |i: usize| i == 0 || b.get(i - 1).is_some_and(u8::is_ascii_whitespace);
    (0..b.len()).any(|i| spaced(i) && (b.get(i) == Some(&b'#') || b.get(i..i + 2) == Some(b"//".as_slice())))
}

/// The name a value on this line is assigned to: the last `name` before `=` or `:` that
/// precedes the mention (`host_url = "https://…"`, `DBT_HOST: cloud.getdbt.com`).
fn key_of(before: &str) -> Option<String> {
    let cut = before.rfind(['=', ':']).filter(|&i| {
        // The `:` of `https:` is not an assignment.
        !before.get(i..).is_some_and(|t| t.starts_with("://"))
    });
    let cut = match cut {
        Some(c) => c,
        None => {
            // `https://` right before the host: look before the scheme.
            let scheme = before.rfind("://")?;
            let head = before.get(..scheme)?;
            let head = head.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            head.rfind(['=', ':'])?
        }
    };
    let head = before.get(..cut)?.trim_end().trim_end_matches(['"', '\'']).trim_end_matches('>');
    let name: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retiring() -> Vec<String> {
        ["cloud.getdbt.com", "emea.dbt.com", "au.dbt.com"].map(str::to_owned).to_vec()
    }

    #[test]
    fn mentions_with_their_keys_and_comments() {
        let account = Regex::new(r"[a-z0-9-]+\.(?:us|eu|au|jp)[0-9]\.dbt\.com").ok();
        let text = "provider \"dbtcloud\" {\n  host_url = \"https://cloud.getdbt.com/api\"\n}\n# moved from https://emea.dbt.com\nDBT_HOST: ab123.us1.dbt.com\nurl: https://metadata.au.dbt.com/graphql\nsee docs.getdbt.com and xau.dbt.com\n";
        let got = mentions(text, &retiring(), account.as_ref(), false);
        let summary: Vec<(&str, bool, Option<&str>, bool)> =
            got.iter().map(|m| (m.host.as_str(), m.retiring, m.key.as_deref(), m.comment)).collect();
        assert_eq!(
            summary,
            [
                ("cloud.getdbt.com", true, Some("host_url"), false),
                ("emea.dbt.com", true, None, true),
                ("ab123.us1.dbt.com", false, Some("DBT_HOST"), false),
                ("au.dbt.com", true, Some("url"), false),
            ]
        );
    }

    #[test]
    fn a_host_inside_a_longer_name_is_not_a_mention() {
        assert_eq!(mentions("cloud.getdbt.com.evil.example x-cloud.getdbt.com", &retiring(), None, false), vec![]);
        assert_eq!(mentions("s = \"cloud.getdbt.com\"; // ok", &retiring(), None, false).len(), 1);
    }

    #[test]
    fn a_python_docstring_is_prose_and_a_triple_quoted_value_is_not() {
        let text = "def host(url=None):\n    \"\"\"\n    Defaults to https://cloud.getdbt.com/api\n    \"\"\"\n    body = '''{\"host\": \"emea.dbt.com\"}'''\n    return url or 'https://au.dbt.com/api'\n";
        let got = mentions(text, &retiring(), None, true);
        let summary: Vec<(&str, bool)> = got.iter().map(|m| (m.host.as_str(), m.comment)).collect();
        assert_eq!(summary, [("cloud.getdbt.com", true), ("emea.dbt.com", false), ("au.dbt.com", false)]);
        // The same text outside Python: triple quotes mean nothing.
        assert!(mentions(text, &retiring(), None, false).iter().all(|m| !m.comment));
        // An unclosed docstring runs to the end of the file.
        assert!(mentions("\"\"\"cloud.getdbt.com", &retiring(), None, true).iter().all(|m| m.comment));
    }
}
