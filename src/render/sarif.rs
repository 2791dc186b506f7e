//! `sarif`: SARIF 2.1.0, one `reportingDescriptor` per rule, relative artifact URIs.

use super::Report;
use crate::literal::mask;
use crate::model::Severity;
use crate::policy::RuleMeta;
use crate::rules::{Finding, Rule};
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

/// A rule's property bag. GitHub code scanning ranks alerts tagged `security` by
/// `security-severity` (0-10); a file that does not parse, or an ignore comment that suppresses
/// nothing, is no security problem, so TW001 and TW002 are tagged `maintainability` and carry no
/// security severity.
fn rule_properties(rule: Rule, m: &RuleMeta) -> Value {
    if matches!(rule, Rule::ParseError | Rule::UnusedSuppression) {
        json!({"tags": ["maintainability"]})
    } else {
        json!({"tags": ["security"], "security-severity": security_severity(m.severity)})
    }
}

/// Where tokenwise itself is documented (SARIF's `informationUri` names the tool, not dbt).
pub const INFORMATION_URI: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "#readme");

/// The rule's description: the paragraph under "What it does" of its explanation (the summary
/// when the explanation has none).
pub fn description(m: &RuleMeta) -> String {
    let mut lines = m.explanation.lines().skip_while(|l| l.trim() != "## What it does").skip(1);
    let text: Vec<&str> = lines.by_ref().take_while(|l| !l.trim().starts_with("## ")).map(str::trim).collect();
    let text = text.join(" ").trim().to_owned();
    if text.is_empty() { m.summary.clone() } else { text }
}

/// Markdown as plain text: headings without their `#`s, code fences dropped (the code kept,
/// indented), backticks removed.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str("    ");
            out.push_str(line);
        } else if let Some(h) = line.trim_start().strip_prefix('#') {
            out.push_str(h.trim_start_matches('#').trim());
        } else {
            out.push_str(&line.replace('`', ""));
        }
        out.push('\n');
    }
    out
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
                "fullDescription": {"text": plain_text(&description(m)).trim_end()},
                "help": {"text": plain_text(&m.explanation), "markdown": m.explanation},
                "helpUri": m.reference,
                "defaultConfiguration": {"level": level(m.severity), "enabled": m.default_enabled},
                "properties": rule_properties(rule, m),
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.repo_path(f);
            let mut result = json!({
                "ruleId": f.code(),
                "ruleIndex": f.rule.index(),
                "level": level(f.severity),
                "message": {"text": format!("{} ({})", f.message, f.help)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&mask(&path)), "uriBaseId": "%SRCROOT%"},
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
                "informationUri": INFORMATION_URI,
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
    use super::*;

    #[test]
    fn markdown_becomes_plain_text_and_the_description_is_what_the_rule_does() {
        let md = "## What it does\nReports `x`.\n\n## Example\n```yaml\na: 1\n```\n";
        assert_eq!(plain_text(md), "What it does\nReports x.\n\nExample\n    a: 1\n");
        let m = Rule::PatInProduction.texts();
        let d = description(m);
        assert!(d.starts_with("Finds a dbt Cloud personal access token") && !d.contains('#') && d != m.help, "{d}");
    }

    #[test]
    fn uris_escape_spaces_and_non_ascii() {
        assert_eq!(uri("a b/é.yml"), "a%20b/%C3%A9.yml");
        assert_eq!(uri(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
    }
}
