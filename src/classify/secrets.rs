//! Which 40-hex values are legacy user API keys: the value of a dbt token name anywhere
//! (`DBT_CLOUD_API_KEY=…`), or of a key name dbt Cloud clients used (`api-key`, `api_key`) in a
//! file that configures or calls a dbt Cloud client. Any other 40-hex value (a commit SHA under
//! `GITHUB_SHA`, a checksum) is not one.

use crate::extract::secrets::HexValue;
use crate::kind::FileKind;
use crate::policy::Signals;

/// Whether `v`, found in a file of `kind` whose text is `text`, is a legacy user API key.
pub fn is_legacy_key(v: &HexValue, kind: FileKind, text: &str, s: &Signals) -> bool {
    if super::names::is_dbt_token_name(&v.name, s) {
        return true;
    }
    let name = v.name.to_ascii_lowercase();
    if !s.legacy_key_names.contains(&name) {
        return false;
    }
    if kind == FileKind::CloudCli {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    s.legacy_key_clients.iter().any(|w| lower.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(name: &str) -> HexValue {
        HexValue { start: 0, end: 40, name: name.to_owned() }
    }

    #[test]
    fn dbt_names_hold_keys_anywhere_client_keys_only_beside_a_client() {
        let s = &crate::policy::builtin().signals;
        assert!(is_legacy_key(&hex("DBT_CLOUD_API_KEY"), FileKind::Script, "", s));
        assert!(is_legacy_key(&hex("api-key"), FileKind::CloudCli, "", s));
        assert!(is_legacy_key(&hex("api_key"), FileKind::Script, "DbtCloudCredentials(api_key=x)", s));
        assert!(!is_legacy_key(&hex("api_key"), FileKind::Script, "stripe.Client(api_key=x)", s));
        assert!(!is_legacy_key(&hex("GITHUB_SHA"), FileKind::GithubActions, "dbt_cloud", s));
        assert!(!is_legacy_key(&hex("commit"), FileKind::CloudCli, "", s));
    }
}
