//! `gitlab`: the GitLab Code Quality report, a JSON array of issues.

use super::Report;
use crate::literal::mask;
use crate::model::Severity;
use serde_json::{Value, json};

pub fn render(r: &Report) -> String {
    let issues: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.repo_path(f);
            // GitLab keeps one issue per fingerprint; a scan's fingerprints are unique.
            json!({
                "type": "issue",
                "description": format!("{} {}: {}", f.code(), f.name(), f.message),
                "check_name": f.code(),
                "categories": ["Security"],
                "fingerprint": f.fingerprint,
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
