//! `json`: the SPEC §7 object, `{"version": 1, "findings": [...], "summary": {...}}`.

use super::Report;
use crate::literal::mask;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub message: String,
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub workflow: Option<&'a str>,
    pub token_type: Option<&'a str>,
    pub confidence: &'a str,
    pub evidence: Vec<String>,
    pub help: String,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<JsonFix<'a>>,
}

/// A fix: its edits as byte ranges of the file as read, replaced by `replacement`.
#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub title: &'a str,
    pub applicability: &'static str,
    pub edits: Vec<JsonEdit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    pub path: &'a str,
    pub start: usize,
    pub end: usize,
    pub replacement: &'a str,
}

/// The JSON form of a finding's fixes.
pub fn fixes<'a>(r: &'a Report, f: &'a crate::rules::Finding) -> Vec<JsonFix<'a>> {
    f.fixes
        .iter()
        .map(|x| JsonFix {
            title: &x.title,
            applicability: x.applicability.as_str(),
            edits: x
                .edits
                .iter()
                .map(|e| JsonEdit {
                    path: e.target.path(&r.scan.files),
                    start: e.start,
                    end: e.end,
                    replacement: &e.text,
                })
                .collect(),
            content: x.content.as_deref(),
        })
        .collect()
}

/// The `summary` block, the same in `check` and `inventory`.
#[derive(Serialize)]
pub struct Summary {
    files_scanned: usize,
    token_uses: usize,
    findings: usize,
    suppressed: usize,
    baselined: usize,
    in_base: usize,
    by_severity: BTreeMap<&'static str, usize>,
}

/// The JSON form of each finding, shared by the formats built on it.
pub fn findings<'a>(r: &'a Report) -> Vec<JsonFinding<'a>> {
    r.findings
        .iter()
        .map(|f| {
            let p = r.position(f);
            let path = r.path(f);
            JsonFinding {
                code: f.code(),
                name: f.name(),
                severity: f.severity.as_str(),
                message: f.message.clone(),
                path,
                line: p.line,
                column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                workflow: f.workflow.map(|w| w.as_str()),
                token_type: f.token_type.map(|t| t.as_str()),
                confidence: f.confidence.as_str(),
                evidence: f.evidence.iter().map(|e| e.text.clone()).collect(),
                help: f.help.clone(),
                fingerprint: f.fingerprint.clone(),
                fixes: fixes(r, f),
            }
        })
        .collect()
}

impl Summary {
    pub fn of(r: &Report) -> Summary {
        Summary {
            files_scanned: r.scan.files_scanned,
            token_uses: r.token_uses(),
            findings: r.findings.len(),
            suppressed: r.suppressed,
            baselined: r.baselined,
            in_base: r.in_base,
            by_severity: r.by_severity(),
        }
    }
}

pub fn render(r: &Report) -> String {
    let out = Out { version: 1, findings: findings(r), summary: Summary::of(r) };
    let text = serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    format!("{}\n", mask(&text))
}
