//! `sarif`: SARIF 2.1.0, one `reportingDescriptor` per rule, relative artifact URIs.

use super::Report;
use crate::literal::mask;
use crate::model::Severity;
use crate::rules::Finding;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

/// A result's property bag: classification and evidence, leaving out what a rule does not decide.
fn properties(f: &Finding) -> Value {
    let mut p = serde_json::Map::new();
    if let Some(w) = f.workflow {
        p.insert("workflow".into(), w.as_str().into());
    }
    if let Some(t) = f.token_type {
        p.insert("token_type".into(), t.as_str().into());
    }
    p.insert("confidence".into(), f.confidence.as_str().into());
    p.insert("evidence".into(), f.evidence.iter().map(|e| Value::from(e.text.clone())).collect());
    Value::Object(p)
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
    let rules: Vec<Value> = r
        .rules()
        .map(|(rule, m)| {
            json!({
                "id": rule.code(),
                "name": rule.name(),
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.help},
                "help": {"text": m.explanation, "markdown": m.explanation},
                "helpUri": m.reference,
                "defaultConfiguration": {"level": level(m.severity), "enabled": m.default_enabled},
                // GitHub code scanning ranks security alerts by `security-severity` (0-10).
                "properties": {
                    "tags": ["security"],
                    "security-severity": security_severity(m.severity),
                },
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.path(f);
            let mut result = json!({
                "ruleId": f.code(),
                "ruleIndex": f.rule.index(),
                "level": level(f.severity),
                "message": {"text": format!("{} ({})", f.message, f.help)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&mask(path)), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column.max(if p.end_line == p.line { p.column } else { 1 }),
                        }
                    }
                }],
                "partialFingerprints": {"tokenwise/v1": f.fingerprint},
                "properties": properties(f),
            });
            let fixes = fixes(r, f);
            if !fixes.is_empty()
                && let Some(o) = result.as_object_mut()
            {
                o.insert("fixes".into(), Value::Array(fixes));
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tokenwise",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.getdbt.com/docs/dbt-apis/authentication",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    format!("{}\n", mask(&text))
}

/// SARIF `fix` objects for the fixes with edits: one `artifactChange` per file, each edit a
/// replacement of a byte range (display-only fixes have no edits and are left to the message).
fn fixes(r: &Report, f: &Finding) -> Vec<Value> {
    f.fixes
        .iter()
        .filter(|x| !x.edits.is_empty())
        .map(|x| {
            let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
            for e in &x.edits {
                let path = e.target.path(&r.scan.files);
                let rep = json!({
                    "deletedRegion": {"byteOffset": e.start, "byteLength": e.end - e.start},
                    "insertedContent": {"text": e.text},
                });
                match changes.iter_mut().find(|(p, _)| *p == path) {
                    Some((_, reps)) => reps.push(rep),
                    None => changes.push((path, vec![rep])),
                }
            }
            json!({
                "description": {"text": format!("{} ({})", x.title, x.applicability.as_str())},
                "artifactChanges": changes.into_iter().map(|(p, reps)| json!({
                    "artifactLocation": {"uri": uri(&mask(p)), "uriBaseId": "%SRCROOT%"},
                    "replacements": reps,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
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
