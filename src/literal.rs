//! Literal dbt Cloud tokens: finding them (written plainly, with escapes or in base64),
//! telling them from placeholders, and masking them.

use crate::model::TokenType;
use crate::policy::Signals;
use crate::{encoded, known, unescape};
use std::borrow::Cow;

/// A literal token found in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub start: usize,
    pub end: usize,
    pub token_type: TokenType,
    /// The token, when the span writes it with escapes or in base64 (otherwise the span's text
    /// is the token).
    pub decoded: Option<String>,
}

impl Literal {
    /// The prefix the token starts with (`dbtu_`, `dbtc_`).
    pub fn prefix(&self) -> &'static str {
        if self.token_type == TokenType::Personal { "dbtu_" } else { "dbtc_" }
    }

    /// The token itself.
    pub fn token<'a>(&'a self, text: &'a str) -> &'a str {
        match &self.decoded {
            Some(t) => t,
            None => text.get(self.start..self.end).unwrap_or(""),
        }
    }

    /// The token as reports show it (`dbtu_…3f9a`).
    pub fn masked(&self, text: &str) -> String {
        mask_token(self.token(text))
    }
}

fn is_body_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whether the letter or digit before `i` ends an escape rather than a word, so that a token
/// glued to it still starts there: `\n` (a line break in a JSON or shell string), `%3D` (a
/// URL-encoded `=`), `ESC[31m` or `\u001b[0;31m` (a terminal colour in notebook output).
fn escape_before(bytes: &[u8], i: usize) -> bool {
    let at = |k: usize| i.checked_sub(k).and_then(|j| bytes.get(j)).copied();
    let hex = |k: usize| at(k).is_some_and(|b| b.is_ascii_hexdigit());
    if at(2) == Some(b'\\') || (at(3) == Some(b'%') && hex(2) && hex(1)) {
        return true;
    }
    if at(1) != Some(b'm') {
        return false;
    }
    let params = (2..20).find(|&k| !at(k).is_some_and(|b| b.is_ascii_digit() || b == b';')).unwrap_or(20);
    if at(params) != Some(b'[') {
        return false;
    }
    let before = bytes.get(..i - params).unwrap_or_default();
    [b"\x1b".as_slice(), b"\\u001b", b"\\x1b", b"\\e", b"\\033"].iter().any(|esc| {
        before.len() >= esc.len() && before.get(before.len() - esc.len()..).is_some_and(|t| t.eq_ignore_ascii_case(esc))
    })
}

/// Every `dbtc_`/`dbtu_` run in `text` (delimited explicitly: `-` and `_` occur in tokens, so
/// `\b` is not a boundary), whether or not it looks like a real token. With `word_start`, a
/// run right after a letter or digit (`xdbtu_…`) is part of a word, not a candidate, unless
/// that letter ends an escape (`\ndbtu_…`, `%3Ddbtu_…`).
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
        if word_start
            && i > 0
            && bytes.get(i - 1).is_some_and(|&b| b.is_ascii_alphanumeric())
            && !escape_before(bytes, i)
        {
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

/// The real-looking tokens written plainly in `text`: right length, random enough, not a
/// placeholder.
pub fn find(text: &str, signals: &Signals) -> Vec<Literal> {
    candidates(text, true)
        .filter_map(|(start, end, kind)| {
            let body = text.get(start + 5..end)?;
            if !looks_random(body, signals) {
                return None;
            }
            let token_type = if kind == b'u' { TokenType::Personal } else { TokenType::Service };
            Some(Literal { start, end, token_type, decoded: None })
        })
        .collect()
}

/// Whether `text` may hold a token that only decoding shows: a prefix written with an escape,
/// or a token run broken by one (`dbtu_Zx8\x51…`).
fn needs_decoding(text: &str) -> bool {
    let bytes = text.as_bytes();
    unescape::may_hide_prefix(text)
        || candidates(text, false).any(|(_, end, _)| matches!(bytes.get(end), Some(b'\\' | b'%')))
}

/// Lengths of a base64 value searched for a token (37 to 85 bytes encode in 52 to 116
/// characters; a value may hold a little more, `KEY=dbtu_…\n`). Longer values are not decoded.
const BASE64_MIN: usize = 40;
const BASE64_MAX: usize = 400;

/// Every token in `text`: written plainly, with escapes its format decodes (reported at the
/// escaped span), or base64-encoded (reported at the encoded value). Decoding runs only when an
/// escaped prefix or the base64 of one is present, and base64 values only of plausible length.
pub fn find_all(text: &str, signals: &Signals) -> Vec<Literal> {
    let mut found = find(text, signals);
    let plain = found.len();
    if needs_decoding(text) {
        let d = unescape::decode(text);
        // Both lists are in text order: one pointer finds the plain token a decoded one overlaps.
        let mut j = 0;
        for l in find(&d.text, signals) {
            let (start, end) = (d.start(l.start), d.end(l.end));
            while found.get(j).is_some_and(|p| j < plain && p.end <= start) {
                j += 1;
            }
            if j < plain && found.get(j).is_some_and(|p| p.start < end) {
                continue;
            }
            let decoded = d.text.get(l.start..l.end).map(str::to_owned);
            found.push(Literal { start, end, token_type: l.token_type, decoded });
        }
    }
    if encoded::may_hold_prefix(text) {
        for run in encoded::runs(text, BASE64_MIN, BASE64_MAX) {
            let plain = ascii(&run.bytes);
            if let Some(l) = find(&plain, signals).into_iter().next() {
                let decoded = plain.get(l.start..l.end).map(str::to_owned);
                found.push(Literal { start: run.start, end: run.end, token_type: l.token_type, decoded });
            }
        }
    }
    found.sort_by_key(|l| (l.start, l.end));
    found.dedup_by(|b, a| b.start < a.end);
    found
}

/// Bytes as text, anything not ASCII replaced (tokens are ASCII), offsets kept.
fn ascii(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| if b.is_ascii() { b as char } else { '\u{1a}' }).collect()
}

/// Whether a token body is a real secret rather than a placeholder (`your_token_here`, `XXXX`).
/// A body that contains a placeholder word is still a token when the word is a small part of
/// it and the rest is random on its own: random bodies hold `here` or `Fake` by chance.
pub fn looks_random(body: &str, signals: &Signals) -> bool {
    if body.len() < signals.body_min || body.len() > signals.body_max || !random_text(body, signals) {
        return false;
    }
    let lower = body.to_ascii_lowercase();
    let (mut rest, mut worded, mut i) = (String::new(), 0, 0);
    while let Some(c) = lower.as_bytes().get(i) {
        match signals
            .placeholder_words
            .iter()
            .find(|w| !w.is_empty() && lower.get(i..).is_some_and(|t| t.starts_with(w.as_str())))
        {
            Some(w) => {
                worded += w.len();
                i += w.len();
            }
            None => {
                if c.is_ascii_alphanumeric() {
                    rest.push(char::from(body.as_bytes().get(i).copied().unwrap_or(b'_')));
                }
                i += 1;
            }
        }
    }
    worded == 0
        || (worded * 2 < worded + rest.len()
            && rest.len() * 2 >= signals.body_min
            && random_text(&rest, signals)
            && interleaved(&rest))
}

/// At least two of lowercase, uppercase and digits, and enough entropy.
fn random_text(body: &str, signals: &Signals) -> bool {
    let classes = [
        body.bytes().any(|b| b.is_ascii_lowercase()),
        body.bytes().any(|b| b.is_ascii_uppercase()),
        body.bytes().any(|b| b.is_ascii_digit()),
    ];
    classes.iter().filter(|&&c| c).count() >= 2 && entropy(body) >= signals.min_entropy
}

/// Whether characters of different classes alternate the way random ones do (about every other
/// character), not in runs of words and numbers (`servicegoes0123456789`).
fn interleaved(s: &str) -> bool {
    let class = |b: u8| {
        if b.is_ascii_digit() {
            0
        } else if b.is_ascii_uppercase() {
            1
        } else {
            2
        }
    };
    let changes = s.as_bytes().windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    changes * 4 >= s.len().saturating_sub(1)
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

/// Remember the tokens a scan found, so that pieces of them are masked wherever they show up.
pub fn learn<'a>(tokens: impl IntoIterator<Item = &'a str>) {
    known::learn(tokens.into_iter().filter_map(|t| t.get(5..)));
}

/// Whether a value read where a token goes (`token-value:`, a provider's `token`, `api-key:`) is
/// itself a secret without a `dbtc_`/`dbtu_` prefix: a legacy 40-hex user key, a token from before
/// the prefixes, a JWT. Names (`DBT_CLOUD_PAT`), references (`${{ … }}`, `var.x`), hosts and
/// placeholders are not: a value is a secret only when it is one run of token characters that
/// looks random, so that showing it masked never hides what a reader needs.
pub fn unprefixed_secret(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if !(20..=512).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=_-.".contains(&b)) {
        return false;
    }
    if v.starts_with("eyJ") && v.matches('.').count() == 2 {
        return true;
    }
    if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    // Words joined by separators are names, hosts and paths, not random bodies.
    if v.bytes().any(|b| b"_-.".contains(&b)) {
        return false;
    }
    let digits = v.bytes().filter(u8::is_ascii_digit).count();
    let upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let lower = v.bytes().any(|b| b.is_ascii_lowercase());
    digits >= 2 && upper && lower
}

/// Remember unprefixed secret values (see [`unprefixed_secret`]) so that every output masks
/// them as it masks tokens: `…` and their last four characters.
pub fn learn_values<'a>(values: impl IntoIterator<Item = &'a str>) {
    known::learn(
        values.into_iter().map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'')).filter(|v| unprefixed_secret(v)),
    );
}

/// Shortest body that is masked in output. Shorter runs (`dbtc_flag`) are names, not secrets.
const MASK_MIN_BODY: usize = 8;

/// Longest base64 value the mask decodes.
const MASK_BASE64_MAX: usize = 4096;

/// `text` with every token-like run masked. Everything a report prints goes through this,
/// so a secret cannot leak through a snippet, a message or an error.
pub fn mask(text: &str) -> Cow<'_, str> {
    let (masked, _) = mask_with_offsets(text);
    masked
}

/// Like [`mask`], also returning `(original_end, shrink)` pairs so that byte offsets into the
/// original can be moved into the masked text.
pub fn mask_with_offsets(text: &str) -> (Cow<'_, str>, Vec<(usize, usize)>) {
    let spans = secret_spans(text);
    if spans.is_empty() {
        return (Cow::Borrowed(text), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::with_capacity(spans.len());
    let mut last = 0;
    for (start, end, shown) in spans {
        out.push_str(text.get(last..start).unwrap_or(""));
        // Never longer than what it replaces, so offsets only move back.
        let shown = if shown.len() <= end - start { shown } else { String::new() };
        shifts.push((end, end - start - shown.len()));
        out.push_str(&shown);
        last = end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    (Cow::Owned(out), shifts)
}

/// What to hide in `text`: sorted, disjoint spans on character boundaries, each with what to
/// show instead. Masking errs the other way from [`find`]: a token glued to a word is not
/// reported, but it is still never printed.
/// The byte ranges of `text` that [`mask`] hides, sorted and disjoint.
pub fn masked_ranges(text: &str) -> Vec<(usize, usize)> {
    secret_spans(text).into_iter().map(|(s, e, _)| (s, e)).collect()
}

fn secret_spans(text: &str) -> Vec<(usize, usize, String)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut last = 0;
    for (start, end, _) in candidates(text, false) {
        // A candidate inside the previous run (`dbtc_dbtc_…`) is masked with it.
        if start < last {
            continue;
        }
        last = end;
        if end - start - 5 >= MASK_MIN_BODY {
            spans.push((start, end, mask_token(text.get(start..end).unwrap_or(""))));
        }
        joined_pieces(bytes, start, end, &mut spans);
    }
    if needs_decoding(text) {
        let d = unescape::decode(text);
        for (s, e, _) in candidates(&d.text, false) {
            let (start, end) = (d.start(s), d.end(e));
            if e - s - 5 < MASK_MIN_BODY || (end - start == e - s && text.get(start..end) == d.text.get(s..e)) {
                continue;
            }
            spans.push((start, end, mask_token(d.text.get(s..e).unwrap_or(""))));
        }
    }
    if encoded::may_hold_prefix(text) {
        for run in encoded::runs(text, 16, MASK_BASE64_MAX) {
            let plain = ascii(&run.bytes);
            if let Some((s, e, _)) = candidates(&plain, false).find(|&(s, e, _)| e - s - 5 >= MASK_MIN_BODY) {
                spans.push((run.start, run.end, format!("base64:{}", mask_token(plain.get(s..e).unwrap_or("")))));
            }
        }
    }
    for (start, end) in known::pieces(text) {
        spans.push((start, end, format!("…{}", text.get(end - 4..end).unwrap_or(""))));
    }
    for (start, end) in jwts(text) {
        spans.push((start, end, format!("…{}", text.get(end - 4..end).unwrap_or(""))));
    }
    merge(text, spans)
}

/// Shortest part of a JSON Web Token that is masked (its header `eyJ…` and payload).
const JWT_MIN_PART: usize = 8;

/// The JSON Web Tokens in `text` (`eyJ<header>.<payload>.<signature>`, base64url parts): the
/// access and refresh tokens of OAuth caches. Masked wherever they show up, known or not.
pub fn jwts(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let part = |from: usize| bytes.get(from..).unwrap_or_default().iter().take_while(|&&b| is_body_byte(b)).count();
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(bytes, b"eyJ") {
        if out.last().is_some_and(|&(_, e)| at < e) || (at > 0 && bytes.get(at - 1).copied().is_some_and(is_body_byte))
        {
            continue;
        }
        let header = part(at);
        if header < JWT_MIN_PART || bytes.get(at + header) != Some(&b'.') {
            continue;
        }
        let p = at + header + 1;
        let payload = part(p);
        if payload < JWT_MIN_PART {
            continue;
        }
        let mut end = p + payload;
        if bytes.get(end) == Some(&b'.') {
            end += 1 + part(end + 1);
        }
        out.push((at, end));
    }
    out
}

/// Sort and join overlapping spans; a joined span shows what its first (longest) part shows.
fn merge(text: &str, mut spans: Vec<(usize, usize, String)>) -> Vec<(usize, usize, String)> {
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<(usize, usize, String)> = Vec::with_capacity(spans.len());
    for (start, end, shown) in spans {
        match out.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end, shown)),
        }
    }
    // Spans come from byte searches over ASCII runs, but a decoded span may end inside a
    // character that followed an escape; widen to character boundaries.
    for span in &mut out {
        while !text.is_char_boundary(span.0) {
            span.0 -= 1;
        }
        while !text.is_char_boundary(span.1) {
            span.1 += 1;
        }
    }
    out
}

/// Characters that may sit between two string pieces a program joins: spaces, line breaks,
/// their escapes in a report, and the operators and separators of `+`, `.`, `..`, `||`, `&`,
/// `~` and `"".join([…, …])`.
fn is_join_gap(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\\' | b'+' | b'.' | b',' | b'|' | b'&' | b'~')
}

/// Most body characters masked across the pieces of one split token.
const JOINED_MAX: usize = 128;

/// Longest gap between two joined pieces.
const JOIN_GAP: usize = 24;

/// A token split into string pieces (`"dbtu_Zx8…" + "Qm3…"`, `"".join(["dbtu_…", "…"])`) is
/// masked piece by piece: after a quoted prefix run, the following quoted pieces of random
/// characters are masked too, up to a token's length.
fn joined_pieces(bytes: &[u8], start: usize, end: usize, spans: &mut Vec<(usize, usize, String)>) {
    let body = bytes.get(start + 5..end).unwrap_or_default();
    if body.len() >= JOINED_MAX || !(body.is_empty() || mixed(body)) {
        return;
    }
    let mut total = body.len();
    let mut at = end;
    while total < JOINED_MAX {
        // The closing quote of this piece (perhaps escaped), the gap, the next opening quote.
        let close = bytes.get(at..).unwrap_or_default().iter().take_while(|&&b| b == b'\\').count();
        if !bytes.get(at + close).is_some_and(|&b| is_quote(b)) {
            return;
        }
        let mut next = at + close + 1;
        let limit = next + JOIN_GAP;
        while next < limit {
            match (bytes.get(next), bytes.get(next + 1)) {
                (Some(b'\\'), Some(b'n' | b't' | b'r')) => next += 2,
                (Some(&b), _) if is_join_gap(b) => next += 1,
                _ => break,
            }
        }
        if !bytes.get(next).is_some_and(|&b| is_quote(b)) {
            return;
        }
        next += 1;
        let len = bytes.get(next..).unwrap_or_default().iter().take_while(|&&b| is_body_byte(b)).count();
        let piece = bytes.get(next..next + len).unwrap_or_default();
        if len < 8 || !mixed(piece) {
            return;
        }
        let tail = std::str::from_utf8(piece.get(len - 4..).unwrap_or_default()).unwrap_or("");
        spans.push((next, next + len, format!("…{tail}")));
        total += len;
        at = next + len;
    }
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// Letters of both cases, or letters and digits: a piece of a random token, not a word.
fn mixed(s: &[u8]) -> bool {
    let lower = s.iter().any(u8::is_ascii_lowercase);
    let upper = s.iter().any(u8::is_ascii_uppercase);
    let digit = s.iter().any(u8::is_ascii_digit);
    usize::from(lower) + usize::from(upper) + usize::from(digit) >= 2
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
    fn json_web_tokens_are_masked_to_their_last_four() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY3A6NDIifQ.TWNwU2lnbmF0dXJlRmFrZTAwMDAxMTEx";
        assert_eq!(mask(&format!("access_token: {jwt}\n")), "access_token: …MTEx\n");
        assert_eq!(mask(&format!("{{\"t\":\"{jwt}\"}}")), "{\"t\":\"…MTEx\"}");
        // A header and payload without a signature are still a token; `eyJ` alone, or glued to a
        // word, is not.
        assert_eq!(mask("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY3A6NDIifQ"), "…IifQ");
        assert_eq!(mask("eyJ is base64 for {\""), "eyJ is base64 for {\"");
        assert_eq!(
            mask("xeyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY3A6NDIifQ"),
            "xeyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtY3A6NDIifQ"
        );
    }

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

    /// The 20-character pieces of `token`'s body that `text` holds.
    fn pieces_in(text: &str, token: &str) -> Vec<String> {
        let body = &token[5..];
        (0..=body.len() - 20).map(|i| &body[i..i + 20]).filter(|p| text.contains(p)).map(str::to_owned).collect()
    }

    /// `text` with every character written `\u00XX`.
    fn all_escaped(text: &str) -> String {
        text.bytes().map(|b| format!("\\u{b:04x}")).collect()
    }

    /// The escaped and encoded forms of `PAT`, each with the text its span starts with.
    fn escaped_forms() -> Vec<(String, &'static str)> {
        let rest = &PAT[1..];
        let body = &PAT[5..];
        vec![
            (format!("token: \"\\x64{rest}\"\n"), "\\x64"),
            (format!("{{\"token\": \"\\u0064{rest}\"}}"), "\\u0064"),
            (format!("{{\"token\": \"dbtu\\u005f{body}\"}}"), "dbtu"),
            (format!("token = \"\\U00000064{rest}\""), "\\U"),
            (format!("curl 'https://x/?t=%64{rest}'"), "%64"),
            (format!("T=$'\\x64{rest}'"), "\\x64"),
            (format!("T=$'\\x64'{rest}"), "\\x64"),
            (format!("T=$'\\144{rest}'"), "\\144"),
            (format!("\"source\": [\"T = \\\"\\\\x64{rest}\\\"\"]"), "\\\\x64"),
            (format!("t = \"{}\"", all_escaped(PAT)), "\\u0064"),
            (format!("t = \"{}\\x{:02x}{}\"", &PAT[..20], PAT.as_bytes()[20], &PAT[21..]), "dbtu_"),
        ]
    }

    #[test]
    fn escaped_tokens_are_found_where_they_are_written() {
        for (text, start) in escaped_forms() {
            let found = find_all(&text, &builtin().signals);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert!(text[found[0].start..].starts_with(start), "{text}: at {}", &text[found[0].start..]);
            assert_eq!(found[0].token(&text), PAT, "{text}");
            assert_eq!(found[0].token_type, TokenType::Personal);
            assert!(text[found[0].end..].trim_start_matches(['\'', '"', '\\', '}', ']', '\n']).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_token_glued_after_an_escape_is_found() {
        for lead in ["\"line\\n", "?a=1&token%3D", "\\u001b[0;31m", "\u{1b}[31m", "\\x1b[1m", "\\e[32m", "\\033[0m"] {
            let text = format!("{lead}{PAT}\"");
            let found = find_all(&text, &builtin().signals);
            assert_eq!(found.iter().map(|l| l.start).collect::<Vec<_>>(), [lead.len()], "{text}");
        }
        // A letter that ends a word, not an escape, still glues.
        for lead in ["xn", "token=abcm", "[31m"] {
            assert!(find_all(&format!("{lead}{PAT}"), &builtin().signals).is_empty(), "{lead}");
        }
    }

    #[test]
    fn a_base64_value_is_reported_at_the_value() {
        // `PAT`, then `DBT_CLOUD_TOKEN=` and `PAT` with a line break, in base64.
        for value in [
            // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
            "ZGJ0dV9aeDhRbTNUdEExZks5d1ZiMkxwUjdzWWM0TmRFNmdIajB1V29JazV5QnZYYV9RLTNmOWE=",
            // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
            "REJUX0NMT1VEX1RPS0VOPWRidHVfWng4UW0zVHRBMWZLOXdWYjJMcFI3c1ljNE5kRTZnSGowdVdvSWs1eUJ2WGFfUS0zZjlhCg==",
        ] {
            let text = format!("data:\n  token: {value}\n");
            let found = find_all(&text, &builtin().signals);
            assert_eq!(found.len(), 1, "{value}");
            assert_eq!(&text[found[0].start..found[0].end], value);
            assert_eq!(found[0].token(&text), PAT);
            assert!(mask(&text).contains("token: base64:dbtu_…3f9a\n"), "{}", mask(&text));
        }
    }

    #[test]
    fn placeholder_words_inside_a_random_body_do_not_make_a_placeholder() {
        let s = &builtin().signals;
        for word in ["here", "YOUR", "Fake", "token", "Value", "xxxx", "SAMPLE"] {
            let body = format!("{}{word}{}", &PAT[5..25], &PAT[25..]);
            assert!(looks_random(&body, s), "{body}");
        }
        for body in [
            "your_service_token_goes_here_0123456789",
            "exampleTokenValue1234567890abcdefghij",
            "REPLACE_WITH_YOUR_PERSONAL_ACCESS_TOKEN",
            "fake_Zx8Qm3TtA1_fake_fake_token_here_sample_value",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert!(!looks_random(body, s), "{body}");
        }
        for text in ["dbtc_xxxxxxxx", "dbtu_token_value", "dbtc_<your token>", "dbtu_your_token_here"] {
            assert!(find_all(text, s).is_empty(), "{text}");
        }
    }

    #[test]
    fn no_random_body_is_taken_for_a_placeholder_for_the_word_it_holds() {
        let s = &builtin().signals;
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut taken = Vec::new();
        for i in 0..5000 {
            let len = 36 + next(30);
            let mut body: String = (0..len).map(|_| ALPHABET[next(ALPHABET.len())] as char).collect();
            let word = &s.placeholder_words[i % s.placeholder_words.len()];
            let word = if i % 3 == 0 { word.to_ascii_uppercase() } else { word.clone() };
            let at = next(len - word.len());
            body.replace_range(at..at + word.len(), &word);
            if !looks_random(&body, s) {
                taken.push(body);
            }
        }
        assert_eq!(taken, Vec::<String>::new());
    }

    #[test]
    fn escaped_encoded_and_split_tokens_are_masked() {
        let mut texts: Vec<String> = escaped_forms().into_iter().map(|(t, _)| t).collect();
        // As a JSON report writes them: every backslash and quote escaped once more.
        let json: Vec<String> = texts.iter().map(|t| t.replace('\\', "\\\\").replace('"', "\\\"")).collect();
        texts.extend(json);
        // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
        texts.push("api-key: ZGJ0dV9aeDhRbTNUdEExZks5d1ZiMkxwUjdzWWM0TmRFNmdIajB1V29JazV5QnZYYV9RLTNmOWE=".into());
        texts.push(format!("A = \"\".join([\"{}\", \"{}\"])", &PAT[..22], &PAT[22..]));
        texts.push(format!("B = \"dbtu_\" + \"{}\"", &PAT[5..]));
        texts.push(format!("C = ('{}'\n     '{}'\n     '{}')", &PAT[..20], &PAT[20..38], &PAT[38..]));
        texts.push(format!("\"snippet\": \"A = [\\\"{}\\\",\\n \\\"{}\\\"]\"", &PAT[..22], &PAT[22..]));
        for text in &texts {
            let masked = mask(text);
            assert_eq!(pieces_in(&masked, PAT), Vec::<String>::new(), "{text}\n→ {masked}");
            assert_eq!(mask(&masked), masked, "masking twice changes nothing");
        }
        // Words after a short name are not pieces of a token.
        assert_eq!(
            mask("\"dbtc_flag\", \"severity\": \"dbtu_\" + \"production\""),
            "\"dbtc_flag\", \"severity\": \"dbtu_\" + \"production\""
        );
    }

    #[test]
    fn pieces_of_a_known_token_are_masked_without_their_prefix() {
        // tokenwise: ignore[TW201] -- a fake token for the test
        let token = "dbtc_Lq4Rz8Wx1Vb7Nc3Ty6Hg0Kd5-Fs9Jm2Pa8Ue4Io1QwErT_y7Zk";
        let text = "`Fs9Jm2Pa8Ue4Io1QwErT_y7Zk` in a pipeline read as text";
        assert_eq!(mask(text), text, "unknown until learnt");
        learn([token]);
        assert_eq!(mask(text), "`…y7Zk` in a pipeline read as text");
        assert_eq!(mask("Lq4Rz8Wx1Vb7 and Lq4Rz8Wx1Vb"), "…1Vb7 and Lq4Rz8Wx1Vb");
    }

    #[test]
    fn masking_hostile_text_stays_linear() {
        let unit = format!(
            "\\x64btu_ \"dbtu_\" + \"ab\" ZGJ0dV9 %64 \\u0064btu_{} \"dbtc_Ab12\", \"Cd34Ef56\" {} ",
            &PAT[5..20],
            // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
            "ZGJ0dV9aeDhRbTNUdEExZks5d1ZiMkxwUjdzWWM0TmRFNmdIajB1V29JazV5QnZYYV9RLTNmOWE="
        );
        let (small, large) = (unit.repeat(2_000), unit.repeat(8_000));
        assert!(pieces_in(&mask(&large), PAT).is_empty());
        // 4× the text costs about 4× (quadratic: 16×), measured against each other.
        let costs = crate::cost::costs([small.as_str(), large.as_str()], |t| {
            mask(t);
        });
        assert!(crate::cost::ratio(costs) <= 8.0, "{costs:?}");
    }

    #[test]
    fn offsets_move_into_masked_text() {
        let text = format!("{PAT} x");
        let (masked, shifts) = mask_with_offsets(&text);
        let x = text.len() - 1;
        assert_eq!(&masked[shift_offset(x, &shifts)..], "x");
    }
    #[test]
    fn unprefixed_secrets_are_told_from_names_and_references() {
        for secret in [
            "e5c023a03c87ce31e6380d13d3c0f144931688b0",
            "\"amDTMmj2AkWQr0vlyQ7cIwAD9KBfdIoeyvbivvDKo10q6jSH\"",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ] {
            assert!(unprefixed_secret(secret), "{secret}");
        }
        for not in [
            "DBT_CLOUD_SERVICE_TOKEN",
            "${{ secrets.DBT_CLOUD_PAT }}",
            "var.dbt_cloud_token",
            "cloud.getdbt.com",
            "dbtCloudServiceToken",
            "abc123",
            "https://ab123.us1.dbt.com/api",
            "YOUR_DBT_CLOUD_TOKEN_HERE_2024",
        ] {
            assert!(!unprefixed_secret(not), "{not}");
        }
    }
}
