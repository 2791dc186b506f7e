//! `inventory`: every token use found, with its workflow, token type and evidence.

use crate::literal::mask;
use crate::model::ClassifiedUse;
use crate::scan::Scan;
use serde::Serialize;

#[derive(Serialize)]
pub struct Entry<'a> {
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub reference: String,
    pub sink: String,
    pub workflow: &'static str,
    pub token_type: &'static str,
    pub confidence: &'static str,
    pub evidence: Vec<String>,
}

/// The uses in report order: path, line, column.
pub fn entries(scan: &Scan) -> Vec<Entry<'_>> {
    let mut uses: Vec<&ClassifiedUse> = scan.uses.iter().collect();
    uses.sort_by_key(|u| (u.usage.at.file, u.usage.at.span.start, u.usage.at.span.end));
    uses.into_iter()
        .filter_map(|u| {
            let src = scan.files.get(u.usage.at.file)?;
            let (line, column) = src.line_col(u.usage.at.span.start);
            let (end_line, end_column) = src.line_col(u.usage.at.span.end);
            Some(Entry {
                path: &src.display,
                line,
                column,
                end_line,
                end_column,
                reference: mask(&u.usage.reference).into_owned(),
                sink: mask(&u.usage.sink).into_owned(),
                workflow: u.class.workflow.as_str(),
                token_type: u.class.token_type.as_str(),
                confidence: u.class.confidence.as_str(),
                evidence: u.class.evidence.iter().map(|e| mask(&e.text).into_owned()).collect(),
            })
        })
        .collect()
}

pub fn json(scan: &Scan) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        version: u32,
        token_uses: Vec<Entry<'a>>,
    }
    let out = Out { version: 1, token_uses: entries(scan) };
    let text = serde_json::to_string_pretty(&out).unwrap_or_default();
    format!("{}\n", mask(&text))
}

pub fn table(scan: &Scan) -> String {
    let rows = entries(scan);
    let mut out = String::new();
    let loc: Vec<String> = rows.iter().map(|e| format!("{}:{}:{}", e.path, e.line, e.column)).collect();
    let w = loc.iter().map(String::len).max().unwrap_or(8).max(8);
    out.push_str(&format!("{:<w$}  {:<21}  {:<8}  {:<6}  {}\n", "LOCATION", "WORKFLOW", "TYPE", "CONF", "REFERENCE"));
    for (e, l) in rows.iter().zip(&loc) {
        out.push_str(&format!(
            "{:<w$}  {:<21}  {:<8}  {:<6}  {} → {}\n",
            l, e.workflow, e.token_type, e.confidence, e.reference, e.sink
        ));
        for ev in &e.evidence {
            out.push_str(&format!("{:<w$}    {}\n", "", ev));
        }
    }
    out.push_str(&format!("{} token uses in {} files scanned.\n", rows.len(), scan.files_scanned));
    mask(&out).into_owned()
}
