//! The keyword prefilter: most files never mention dbt and never reach a parser.

use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

fn matcher() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| AhoCorasick::builder().ascii_case_insensitive(true).build(["dbt"]).ok()).as_ref()
}

/// Whether a file's bytes may hold a dbt Cloud token use: every signal tokenwise reads (token
/// prefixes, `dbtcloud` providers, `getdbt.com` hosts, `DBT_` names) contains "dbt".
pub fn may_hold_token(bytes: &[u8]) -> bool {
    match matcher() {
        Some(ac) => ac.is_match(bytes),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_dbt_files_and_drops_others() {
        assert!(may_hold_token(b"provider \"dbtcloud\" {}"));
        assert!(may_hold_token(b"TOKEN: ${{ secrets.DBT_PAT }}"));
        assert!(!may_hold_token(b"select 1 from orders"));
    }
}
