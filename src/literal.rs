//! Literal dbt Cloud tokens: finding them, telling them from placeholders, and masking them.

use crate::model::TokenType;
use crate::policy::Signals;
use std::borrow::Cow;

/// A literal token found in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub start: usize,
    pub end: usize,
    pub token_type: TokenType,
}

fn is_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Every `dbtc_`/`dbtu_` run in `text` (delimited explicitly: `-` and `_` occur in tokens, so
/// `\b` is not a boundary), whether or not it looks like a real token. With `word_start`, a
/// run right after a letter or digit (`xdbtu_…`) is part of a word, not a candidate.
fn candidates(text: &str, word_start: bool) -> impl Iterator<Item = (usize, usize, u8)> + '_ {
    let bytes = text.as_bytes();
    // Where the last run scanned ends: a candidate inside it (`dbtc_dbtc_…`) ends there too, so
    // no byte is scanned twice and a file of nothing but prefixes stays linear.
    let mut run_end = 0;
    memchr::memmem::find_iter(bytes, b"dbt").filter_map(move |i| {
        let kind = *bytes.get(i + 3)?;
        if !(kind == b'c' || kind == b'u') || bytes.get(i + 4) != Some(&b'_') {
            return None;
        }
        if word_start && i > 0 && bytes.get(i - 1).is_some_and(|&b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let mut end = run_end.max(i + 5);
        while end < bytes.len() && is_body_byte(bytes[end]) {
            end += 1;
        }
        run_end = end;
        Some((i, end, kind))
    })
}

/// The real-looking tokens in `text`: right length, random enough, no placeholder words.
pub fn find(text: &str, signals: &Signals) -> Vec<Literal> {
    candidates(text, true)
        .filter_map(|(start, end, kind)| {
            let body = text.get(start + 5..end)?;
            if !looks_random(body, signals) {
                return None;
            }
            let token_type = if kind == b'u' { TokenType::Personal } else { TokenType::Service };
            Some(Literal { start, end, token_type })
        })
        .collect()
}

/// Whether a token body is a real secret rather than a placeholder (`your_token_here`, `XXXX`).
pub fn looks_random(body: &str, signals: &Signals) -> bool {
    if body.len() < signals.body_min || body.len() > signals.body_max {
        return false;
    }
    let lower = body.to_ascii_lowercase();
    if signals.placeholder_words.iter().any(|w| lower.contains(w.as_str())) {
        return false;
    }
    let classes = [
        body.bytes().any(|b| b.is_ascii_lowercase()),
        body.bytes().any(|b| b.is_ascii_uppercase()),
        body.bytes().any(|b| b.is_ascii_digit()),
    ];
    classes.iter().filter(|&&c| c).count() >= 2 && entropy(body) >= signals.min_entropy
}

/// Shannon entropy in bits per byte.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The masked form of a token: its prefix and last four characters (`dbtu_…3f9a`).
pub fn mask_token(token: &str) -> String {
    let prefix = token.get(..5).unwrap_or("");
    let tail_start = token.len().saturating_sub(4).max(5);
    format!("{prefix}…{}", token.get(tail_start..).unwrap_or(""))
}

/// Shortest body that is masked in output. Shorter runs (`dbtc_flag`) are names, not secrets.
const MASK_MIN_BODY: usize = 8;

/// `text` with every token-like run masked. Everything a report prints goes through this,
/// so a secret cannot leak through a snippet, a message or an error.
pub fn mask(text: &str) -> Cow<'_, str> {
    let (masked, _) = mask_with_offsets(text);
    masked
}

/// Like [`mask`], also returning `(original_end, shrink)` pairs so that byte offsets into the
/// original can be moved into the masked text.
pub fn mask_with_offsets(text: &str) -> (Cow<'_, str>, Vec<(usize, usize)>) {
    let mut out = String::new();
    let mut last = 0;
    let mut shifts = Vec::new();
    // Masking errs the other way: a token glued to a word (`%3Ddbtu_…`, `\ndbtu_…` in an
    // escaped string) is not reported, but it is still never printed.
    for (start, end, _) in candidates(text, false) {
        if end - start - 5 < MASK_MIN_BODY || start < last {
            continue;
        }
        let Some(token) = text.get(start..end) else { continue };
        out.push_str(text.get(last..start).unwrap_or(""));
        let m = mask_token(token);
        shifts.push((end, (end - start).saturating_sub(m.len())));
        out.push_str(&m);
        last = end;
    }
    if last == 0 {
        return (Cow::Borrowed(text), shifts);
    }
    out.push_str(text.get(last..).unwrap_or(""));
    (Cow::Owned(out), shifts)
}

/// Move a byte offset of the original text into the masked text.
pub fn shift_offset(offset: usize, shifts: &[(usize, usize)]) -> usize {
    let shrink: usize = shifts.iter().filter(|(end, _)| *end <= offset).map(|(_, s)| s).sum();
    offset - shrink
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    // tokenwise: ignore[TW201] -- a fake token for the tests
    const PAT: &str = "dbtu_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a";

    #[test]
    fn policy_examples_hold() {
        let p = builtin();
        let lit = p.examples.get("literal").cloned();
        let ex = lit.as_ref().and_then(|n| n.get("examples")).cloned();
        let ex = ex.expect("examples");
        for t in crate::policy::raw_list(&ex, "token") {
            assert_eq!(find(&t, &p.signals).len(), 1, "{t} should be a token");
        }
        for t in crate::policy::raw_list(&ex, "placeholder") {
            assert!(find(&t, &p.signals).is_empty(), "{t} should be a placeholder");
        }
    }

    #[test]
    fn finds_type_and_position() {
        let text = format!("token = \"{PAT}\"\n");
        let found = find(&text, &builtin().signals);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].token_type, TokenType::Personal);
        assert_eq!(&text[found[0].start..found[0].end], PAT);
    }

    #[test]
    fn a_file_of_prefixes_is_linear() {
        let text = "dbtc_".repeat(400_000);
        assert!(find(&text, &builtin().signals).is_empty());
        assert_eq!(mask(&text), "dbtc_…btc_");
        let glued = format!("{}x-{PAT}", "dbtc_".repeat(20));
        let found = find(&glued, &builtin().signals);
        assert!(found.iter().any(|l| (l.start, l.end) == (glued.len() - PAT.len(), glued.len())), "{found:?}");
        assert!(found.iter().all(|l| l.end == glued.len()), "every candidate ends with its run");
        // 4× the prefixes cost about 4× (quadratic: 16×), measured against each other.
        let small = "dbtc_".repeat(100_000);
        let costs = crate::cost::costs([small.as_str(), text.as_str()], |t| {
            find(t, &builtin().signals);
            mask(t);
        });
        assert!(crate::cost::ratio(costs) <= 8.0, "{costs:?}");
    }

    #[test]
    fn embedded_in_a_word_is_not_a_token() {
        let text = format!("xdbtu_{}", &PAT[5..]);
        assert!(find(&text, &builtin().signals).is_empty());
    }

    #[test]
    fn masking_keeps_prefix_and_last_four() {
        assert_eq!(mask_token(PAT), "dbtu_…3f9a");
        let text = format!("a {PAT} b dbtc_flag");
        assert_eq!(mask(&text), "a dbtu_…3f9a b dbtc_flag");
        assert_eq!(mask(&format!("%3D{PAT} \\n{PAT}")), "%3Ddbtu_…3f9a \\ndbtu_…3f9a");
    }

    #[test]
    fn offsets_move_into_masked_text() {
        let text = format!("{PAT} x");
        let (masked, shifts) = mask_with_offsets(&text);
        let x = text.len() - 1;
        assert_eq!(&masked[shift_offset(x, &shifts)..], "x");
    }
}
