//! The words of a name (`DBT_CLOUD_PAT`, `dbtCloudToken`) and hints found among them: a leaf
//! that classification, the extractors and the config's partner keywords share.

/// The lowercase words of an identifier: split on `_`, `-`, `.`, spaces and case changes.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `hint` (words joined by `_`) occurs as consecutive words of `ws`.
pub fn has_hint(ws: &[String], hint: &str) -> bool {
    let parts: Vec<&str> = hint.split(['_', ' ']).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || parts.len() > ws.len() {
        return false;
    }
    ws.windows(parts.len())
        .any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
        // `dbtcloud`, `dbtCloudToken` and friends glue words together.
        || (parts.len() == 1 && ws.iter().any(|w| w.len() > parts[0].len() && w.starts_with(parts[0]) && parts[0] == "dbt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_every_style() {
        assert_eq!(words("DBT_CLOUD__API_TOKEN"), ["dbt", "cloud", "api", "token"]);
        assert_eq!(words("dbtCloudToken"), ["dbt", "cloud", "token"]);
        assert_eq!(words("TF_VAR_dbt_pat"), ["tf", "var", "dbt", "pat"]);
    }

    #[test]
    fn hints_are_consecutive_whole_words() {
        let ws = words("DBT_CLOUD_SERVICE_TOKEN");
        assert!(has_hint(&ws, "service_token") && has_hint(&ws, "dbt"));
        assert!(!has_hint(&ws, "cloud_token") && !has_hint(&ws, "serv"));
        assert!(has_hint(&words("dbtCloudPat"), "dbt") && has_hint(&words("dbtcloud_pat"), "dbt"), "glued `dbt`");
    }
}
