//! `gitlab`: the GitLab Code Quality report, a JSON array of issues.

use super::{Report, fingerprint};
use crate::literal::mask;
use crate::model::Severity;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn render(r: &Report) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.path(f);
            // GitLab keeps one issue per fingerprint: a second identical finding in the same
            // file gets its own.
            let base = fingerprint(f, path);
            let n = seen.entry(base.clone()).and_modify(|n| *n += 1).or_insert(0);
            let fp = if *n == 0 { base } else { crate::render::fingerprint_of(&format!("{base}\u{1f}{n}")) };
            json!({
                "type": "issue",
                "description": format!("{} {}: {}", f.code(), f.name(), f.message),
                "check_name": f.code(),
                "categories": ["Security"],
                "fingerprint": fp,
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
