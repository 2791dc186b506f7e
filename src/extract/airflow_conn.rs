//! Airflow connections as text: where the password (the token) sits in a connection's URI or
//! JSON. A leaf, shared by the orchestrator extractor and the config-value readers.

use crate::policy::Signals;

/// The span of the password (the token) in an Airflow connection: a `dbt-cloud://login:TOKEN@host`
/// URI or a JSON connection whose `conn_type` is dbt Cloud's.
pub fn airflow_conn_password(text: &str, signals: &Signals) -> Option<(usize, usize)> {
    let eco = &signals.ecosystems;
    let lower = text.to_ascii_lowercase();
    for t in &eco.airflow_conn_types {
        for scheme in [format!("{}://", t.replace('_', "-")), format!("{t}://")] {
            let Some(i) = lower.find(&scheme) else { continue };
            let auth_start = i + scheme.len();
            let rest = text.get(auth_start..)?;
            let auth_len = rest
                .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
                .unwrap_or(rest.len());
            let auth = rest.get(..auth_len)?;
            let at = auth.rfind('@')?;
            let colon = auth.get(..at)?.find(':')?;
            let (ps, pe) = (auth_start + colon + 1, auth_start + at);
            return (ps < pe).then_some((ps, pe));
        }
    }
    let typed = eco.airflow_conn_types.iter().any(|t| lower.contains(&format!("\"{t}\"")));
    if typed && lower.contains("\"conn_type\"") {
        let k = lower.find("\"password\"")? + "\"password\"".len();
        let after = text.get(k..)?;
        let colon = after.find(':')?;
        let open = k + colon + 1 + after.get(colon + 1..)?.find('"')? + 1;
        let close = open + text.get(open..)?.find('"')?;
        return (open < close).then_some((open, close));
    }
    None
}
