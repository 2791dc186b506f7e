//! What `history` looks for in each blob version, and the finding each find makes: literal
//! dbt Cloud tokens (TW201).
//!
//! This is the one place a new kind of secret joins the history search (the legacy 40-hex user
//! API keys of TW202, say): a cheap test in [`may_hold`] that most blobs fail, its finds added
//! in [`find`] as [`Literal`]s (so "first added", "still at HEAD", suppressions and masking work
//! unchanged for it), and its rule's finding in [`finding`]. The excerpt a blob is searched in
//! comes from `read::stream`, which keeps the lines around literal tokens: a new kind needs its
//! lines kept there too. A legacy key has no prefix to search for: `literal::unprefixed_secret`
//! tells such a value from a name or a reference once something has found where a token goes,
//! and outputs already mask the values it accepts.

use crate::literal::{self, Literal};
use crate::policy::Signals;
use crate::rules::Finding;
use crate::source::SourceFile;

/// Whether a blob may hold a secret at all: one search, true for a small share of blobs.
pub fn may_hold(bytes: &[u8]) -> bool {
    // A literal token prefix, `dbtc_` or `dbtu_`: most versions of most files, even in a dbt
    // project, have none.
    memchr::memmem::find_iter(bytes, b"dbt")
        .any(|i| matches!(bytes.get(i + 3), Some(b'c' | b'u')) && bytes.get(i + 4) == Some(&b'_'))
}

/// The secrets in the text of a blob (whole, or the excerpts a streamed search kept).
pub fn find(text: &str, signals: &Signals) -> Vec<Literal> {
    literal::find(text, signals)
}

/// The finding for secret `lit` of `src`, the excerpt of the version that added it.
pub fn finding(src: &SourceFile, lit: &Literal) -> Finding {
    crate::rules::literal_finding(src, 0, lit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_token_prefix_lets_a_blob_through() {
        assert!(may_hold(b"x = 'dbtu_abc'"));
        assert!(may_hold(b"dbtc_"));
        assert!(!may_hold(b"select * from {{ ref('dbt_utils') }} -- dbtcloud"));
        assert!(!may_hold(b"dbt"));
    }
}
