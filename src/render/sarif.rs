//! `sarif`: SARIF 2.1.0, one `reportingDescriptor` per rule, relative artifact URIs.

use super::{Report, fingerprint};
use crate::literal::mask;
use crate::model::Severity;
use crate::policy::builtin;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A relative path as a URI reference: `/` kept, everything outside the unreserved set
/// percent-encoded (spaces, non-ASCII).
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    let policy = builtin();
    let rules: Vec<Value> = policy
        .rules
        .iter()
        .map(|m| {
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.help},
                "help": {"text": m.explanation, "markdown": m.explanation},
                "helpUri": m.reference,
                "defaultConfiguration": {"level": level(m.severity), "enabled": m.default_enabled},
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.path(f);
            let index = policy.rules.iter().position(|m| m.code == f.code).unwrap_or(0);
            json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": format!("{} ({})", f.message, f.help)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column.max(if p.end_line == p.line { p.column } else { 1 }),
                        }
                    }
                }],
                "partialFingerprints": {"tokenwise/v1": fingerprint(f, path)},
                "properties": {
                    "workflow": f.workflow.map(|w| w.as_str()),
                    "token_type": f.token_type.map(|t| t.as_str()),
                    "confidence": f.confidence.as_str(),
                    "evidence": f.evidence.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tokenwise",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.getdbt.com/docs/dbt-cloud-apis/authentication",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    format!("{}\n", mask(&text))
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_escape_spaces_and_non_ascii() {
        assert_eq!(uri("a b/é.yml"), "a%20b/%C3%A9.yml");
        assert_eq!(uri(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
    }
}
