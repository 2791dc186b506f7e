//! The formats of `history`: `json` (the SPEC object, with commit, author date and whether HEAD
//! still has the secret), `sarif` and `pretty` (the renderers of `check`, with the commit in each
//! result) and `concise`.

use crate::git::history::History;
use crate::literal::mask;
use crate::render::Report;
use serde::Serialize;

#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: String,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    token_type: Option<&'a str>,
    commit: String,
    author_date: &'a str,
    present_at_head: bool,
    help: &'a str,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct Summary {
    commits: usize,
    blobs_scanned: usize,
    findings: usize,
    present_at_head: usize,
    suppressed: usize,
}

/// The report the renderers of `check` read: every secret is a finding.
fn report(h: &History) -> Report<'_> {
    Report {
        scan: &h.scan,
        findings: h.scan.findings.clone(),
        suppressed: h.suppressed,
        baselined: 0,
        in_base: 0,
        project: None,
    }
}

/// "Found 2 secrets in 120 commits (3,400 file versions); 1 still at HEAD."
pub fn summary_line(h: &History) -> String {
    let n = h.secrets.len();
    let at_head = h.secrets.iter().filter(|s| s.present_at_head).count();
    let scope = format!("{} commit{} ({} file versions)", h.commits, if h.commits == 1 { "" } else { "s" }, h.blobs);
    let mut s = if n == 0 {
        format!("No secrets in {scope}.")
    } else {
        format!("Found {n} secret{} in {scope}; {at_head} still at HEAD.", if n == 1 { "" } else { "s" })
    };
    if h.suppressed > 0 {
        s.push_str(&format!(" {} suppressed.", h.suppressed));
    }
    s
}

pub fn json(h: &History) -> String {
    let r = report(h);
    let findings = h
        .scan
        .findings
        .iter()
        .zip(&h.secrets)
        .map(|(f, s)| {
            let p = r.position(f);
            JsonFinding {
                code: f.code(),
                name: f.name(),
                severity: f.severity.as_str(),
                message: f.message.clone(),
                path: r.path(f),
                line: p.line,
                column: p.column,
                end_line: p.end_line,
                end_column: p.end_column,
                token_type: f.token_type.map(|t| t.as_str()),
                commit: s.commit.to_string(),
                author_date: &s.author_date,
                present_at_head: s.present_at_head,
                help: &f.help,
                fingerprint: &s.fingerprint,
            }
        })
        .collect();
    let out = Out {
        version: 1,
        findings,
        summary: Summary {
            commits: h.commits,
            blobs_scanned: h.blobs,
            findings: h.secrets.len(),
            present_at_head: h.secrets.iter().filter(|s| s.present_at_head).count(),
            suppressed: h.suppressed,
        },
    };
    let text = serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    format!("{}\n", mask(&text))
}

/// SARIF as `check` writes it, each result with its commit: the fingerprint is the history's
/// (it includes the commit) and the property bag says when the secret was added.
pub fn sarif(h: &History) -> String {
    let text = crate::render::sarif::render(&report(h));
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&text) else { return text };
    if let Some(results) = doc.pointer_mut("/runs/0/results").and_then(|r| r.as_array_mut()) {
        for (result, s) in results.iter_mut().zip(&h.secrets) {
            result["partialFingerprints"] = serde_json::json!({"tokenwise/v1": s.fingerprint});
            if let Some(props) = result.get_mut("properties").and_then(|p| p.as_object_mut()) {
                props.insert("commit".into(), s.commit.to_string().into());
                props.insert("author_date".into(), s.author_date.clone().into());
                props.insert("present_at_head".into(), s.present_at_head.into());
            }
        }
    }
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    format!("{}\n", mask(&text))
}

/// One line per secret, `path:line:col: TW201 message`, the message naming the commit.
pub fn concise(h: &History) -> String {
    let r = report(h);
    let mut out = String::new();
    for f in &r.findings {
        let p = r.position(f);
        let (path, message) = (crate::escape::text(r.path(f)), crate::escape::text(&f.message));
        out.push_str(&format!("{path}:{}:{}: {} {message}\n", p.line, p.column, f.code()));
    }
    out.push_str(&summary_line(h));
    out.push('\n');
    mask(&out).into_owned()
}

/// `check`'s pretty diagnostics, with the history's summary line.
pub fn pretty(h: &History, color: bool) -> String {
    let r = report(h);
    use crate::cli_options::{env_var, terminal_width, width};
    let text = crate::render::pretty::render(&r, color, width(env_var, terminal_width()));
    let theirs = format!("{}\n", crate::escape::text(&mask(&r.summary_line())));
    let body = text.strip_suffix(&theirs).unwrap_or(&text);
    mask(&format!("{body}{}\n", summary_line(h))).into_owned()
}
