//! The tokens this run has found, so that a piece of one is masked wherever it shows up without
//! its prefix (a variable name cut at a `-`, a token split across lines).
//!
//! Any piece of [`MIN_PIECE`] characters or more of a known body is masked. The search is one
//! Aho-Corasick pass over fixed chunks of the bodies: every such piece holds a whole chunk, and
//! each chunk match is extended both ways at most a body's length, so it stays linear.

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::{HashMap, HashSet};
use std::sync::{OnceLock, RwLock};

/// Shortest piece of a known token body that is masked.
pub const MIN_PIECE: usize = 12;

/// Chunk length: any `MIN_PIECE`-long piece of a body holds a whole chunk that starts at a
/// multiple of `CHUNK` in the body.
const CHUNK: usize = MIN_PIECE / 2;

/// Longest body remembered (longer runs are not tokens).
const MAX_BODY: usize = 256;

#[derive(Default)]
struct Known {
    bodies: Vec<Vec<u8>>,
    seen: HashSet<Vec<u8>>,
    /// For each distinct chunk (an automaton pattern), the bodies and offsets it comes from.
    places: Vec<Vec<(usize, usize)>>,
    ac: Option<AhoCorasick>,
}

fn known() -> &'static RwLock<Known> {
    static KNOWN: OnceLock<RwLock<Known>> = OnceLock::new();
    KNOWN.get_or_init(|| RwLock::new(Known::default()))
}

/// Remember token bodies (without their prefix). Called once a scan has found its tokens; the
/// set only grows, so masking never forgets a token of an earlier scan in the same process.
pub fn learn<'a>(bodies: impl IntoIterator<Item = &'a str>) {
    let fresh: Vec<&str> = bodies.into_iter().filter(|b| (MIN_PIECE..=MAX_BODY).contains(&b.len())).collect();
    let Ok(mut k) = known().write() else { return };
    let before = k.bodies.len();
    for b in fresh {
        if k.seen.insert(b.as_bytes().to_vec()) {
            k.bodies.push(b.as_bytes().to_vec());
        }
    }
    if k.bodies.len() == before {
        return;
    }
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    let mut patterns: Vec<&[u8]> = Vec::new();
    let mut places: Vec<Vec<(usize, usize)>> = Vec::new();
    for (i, body) in k.bodies.iter().enumerate() {
        for off in (0..=body.len() - CHUNK).step_by(CHUNK) {
            let Some(chunk) = body.get(off..off + CHUNK) else { continue };
            let id = *index.entry(chunk).or_insert_with(|| {
                patterns.push(chunk);
                places.push(Vec::new());
                patterns.len() - 1
            });
            if let Some(p) = places.get_mut(id) {
                p.push((i, off));
            }
        }
    }
    let ac = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).ok();
    k.places = places;
    k.ac = ac;
}

/// Forget every token learnt, for a process that runs many unrelated scans one after another
/// (a randomized driver): each is then masked as its own run would mask it, and the automaton
/// does not grow with the number of scans.
pub fn forget() {
    if let Ok(mut k) = known().write() {
        *k = Known::default();
    }
}

/// The spans of `text` that are pieces of `MIN_PIECE` or more characters of a known body,
/// sorted and disjoint.
pub fn pieces(text: &str) -> Vec<(usize, usize)> {
    let Ok(k) = known().read() else { return Vec::new() };
    let Some(ac) = &k.ac else { return Vec::new() };
    let bytes = text.as_bytes();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for m in ac.find_overlapping_iter(text) {
        if out.last().is_some_and(|&(_, e)| m.end() <= e) {
            continue;
        }
        for &(b, off) in k.places.get(m.pattern().as_usize()).map(Vec::as_slice).unwrap_or_default() {
            let Some(body) = k.bodies.get(b) else { continue };
            let mut left = 0;
            while left < off && m.start() > left && bytes.get(m.start() - left - 1) == body.get(off - left - 1) {
                left += 1;
            }
            let mut right = 0;
            while bytes.get(m.end() + right).is_some_and(|c| body.get(off + CHUNK + right) == Some(c)) {
                right += 1;
            }
            let (s, e) = (m.start() - left, m.end() + right);
            if e - s < MIN_PIECE {
                continue;
            }
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_a_known_body_are_found_and_short_ones_are_not() {
        // A fake body for the test (no prefix: not a literal token).
        let body = "Qv7Rk2Lp9Xw4Tz8Nm3Bc6Hd1Fg5Js0Ya-Ue7Io4";
        learn([body]);
        let text = format!("a {} b {} c {}", &body[3..20], &body[10..21], &body[25..]);
        let found: Vec<&str> = pieces(&text).into_iter().map(|(s, e)| &text[s..e]).collect();
        assert_eq!(found, [&body[3..20], &body[25..]]);
        assert!(pieces("nothing known here").is_empty());
    }

    #[test]
    fn a_text_of_repeated_chunks_stays_linear() {
        // A fake body for the test (no prefix: not a literal token).
        let body = "Wm4Xq8Zr2Tv6Yn0Pb3Kc7Jd1Hf5Lg9Sa-Ke2Oi6";
        learn([body]);
        let text = body[..CHUNK].repeat(100_000);
        assert!(pieces(&text).is_empty());
        let whole = body.repeat(1000);
        assert_eq!(pieces(&whole), [(0, whole.len())]);
    }
}
