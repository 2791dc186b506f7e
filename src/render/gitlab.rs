//! `gitlab`: the GitLab Code Quality report, a JSON array of issues.

use super::{Report, fingerprint};
use crate::literal::mask;
use crate::model::Severity;
use serde_json::{Value, json};

pub fn render(r: &Report) -> String {
    let issues: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.path(f);
            json!({
                "description": format!("{} {}: {}", f.code, f.name, f.message),
                "check_name": f.code,
                "fingerprint": fingerprint(f, path),
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": {"path": path, "lines": {"begin": p.line, "end": p.end_line}},
            })
        })
        .collect();
    let text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    format!("{}\n", mask(&text))
}
