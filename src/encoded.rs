//! Base64 values that may hold a token (a Kubernetes Secret's `data:`, a basic-auth header):
//! found cheaply by the encodings of a token prefix, then decoded within bounds.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

/// The base64 of `dbtc_`/`dbtu_` at each of the three byte alignments, and where the 4-character
/// group starts that holds its `d` (alignments 0 and 1) or `b` (alignment 2), back from the match.
/// The characters before and after these depend on the neighbouring bytes.
const PATTERNS: [(&str, isize); 6] =
    [("ZGJ0Y1", 0), ("ZGJ0dV", 0), ("RidGNf", 2), ("RidHVf", 2), ("kYnRjX", -1), ("kYnR1X", -1)];

/// The patterns, for the prefilter (which matches them without case).
pub fn prefix_forms() -> impl Iterator<Item = &'static str> {
    PATTERNS.iter().map(|(p, _)| *p)
}

fn matcher() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| AhoCorasick::new(prefix_forms()).ok()).as_ref()
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// Decode base64 (standard or URL-safe, padding optional); a trailing partial group gives the
/// bytes it holds.
pub fn decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for group in text.chunks(4) {
        let vals: Vec<u32> = group.iter().map_while(|&b| value(b)).collect();
        let n = vals.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (v << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..vals.len().saturating_sub(1)).unwrap_or_default());
        if vals.len() < 4 {
            break;
        }
    }
    out
}

/// A base64 run that may hold a token: its span in the text (from the first whole group to the
/// end of the run, padding included) and its decoded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub start: usize,
    pub end: usize,
    pub bytes: Vec<u8>,
}

/// Every base64 run of `text` whose encoding holds a token prefix, of `min..=max` characters
/// (longer runs are not decoded: memory and time stay bounded). Each run is decoded once, so
/// this is linear in the text.
pub fn runs(text: &str, min: usize, max: usize) -> Vec<Run> {
    let Some(ac) = matcher() else { return Vec::new() };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut done = 0;
    for m in ac.find_iter(text) {
        if m.start() < done {
            continue;
        }
        let Some(&(_, back)) = PATTERNS.get(m.pattern().as_usize()) else { continue };
        let Some(group) = m.start().checked_add_signed(-back) else { continue };
        let mut start = group;
        while start >= done + 4
            && group - start <= max
            && bytes.get(start - 4..start).is_some_and(|g| g.iter().all(|&b| is_b64(b)))
        {
            start -= 4;
        }
        // The run's end; a run too long to decode is passed over whole, so its other matches
        // cost nothing.
        let mut end = group;
        while bytes.get(end).is_some_and(|&b| is_b64(b)) {
            end += 1;
        }
        let padded = end + bytes.get(end..).unwrap_or_default().iter().take(2).take_while(|&&b| b == b'=').count();
        done = padded;
        if !(min..=max).contains(&(padded - start)) {
            continue;
        }
        out.push(Run { start, end: padded, bytes: decode(bytes.get(start..end).unwrap_or_default()) });
    }
    out
}

/// Whether `text` has a run [`runs`] would look at.
pub fn may_hold_prefix(text: &str) -> bool {
    matcher().is_some_and(|ac| ac.is_match(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard base64, padded (the tests' encoder).
    fn encode(data: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn a_prefix_is_found_at_every_alignment() {
        for lead in ["", "K", "K=", "KEY=", "DBT_CLOUD_TOKEN="] {
            for prefix in ["dbtc_", "dbtu_"] {
                let plain = format!("{lead}{prefix}AbCdEfGh12345678\n");
                let enc = encode(plain.as_bytes());
                let text = format!("token: {enc} # x");
                let found = runs(&text, 16, 400);
                assert_eq!(found.len(), 1, "{plain:?} as {enc}");
                assert_eq!(&text[found[0].start..found[0].end], enc);
                assert_eq!(found[0].bytes, plain.as_bytes());
            }
        }
    }

    #[test]
    fn bounds_hold() {
        let enc = encode(b"dbtu_AbCdEfGh12345678");
        assert!(runs(&enc, 40, 400).is_empty());
        let long = encode(format!("{}dbtu_AbCdEfGh12345678", "x".repeat(600)).as_bytes());
        assert!(runs(&long, 16, 400).is_empty());
        assert!(!may_hold_prefix("ordinary text"));
        assert_eq!(decode(b"ZGJ0"), b"dbt");
    }
}
