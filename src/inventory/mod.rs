//! `inventory`: every token use found, with its workflow, token type and evidence, and the findings
//! `check` reports about it.

mod html;
mod markdown;

pub use html::{Origin, html, html_of};
pub use markdown::markdown;

use crate::escape;
use crate::literal::mask;
use crate::model::{ClassifiedUse, Loc, Severity, TokenType, Workflow};
use crate::render::Report;
use crate::rules::{Finding, Rule};
use serde::Serialize;
use std::collections::HashMap;

/// One listed use. The serialised fields are `inventory --format json`'s contract.
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
    /// The report's findings about this use (as `check` reports them), in report order.
    pub findings: Vec<UseFinding<'a>>,
    /// The classification as values, for the matrix.
    #[serde(skip)]
    pub kind: (Workflow, TokenType),
}

/// A finding about a listed use, where `check` reports it.
#[derive(Serialize)]
pub struct UseFinding<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub fingerprint: &'a str,
    #[serde(skip)]
    pub rule: Rule,
    #[serde(skip)]
    pub level: Severity,
}

/// Every use of the report's scan in report order (path, line, column), each with the report's
/// findings about it: a finding belongs to the uses that hold its subject (the use itself, or
/// the literal inside it).
pub fn entries<'a>(report: &'a Report) -> Vec<Entry<'a>> {
    let scan = report.scan;
    let mut uses: Vec<&ClassifiedUse> = scan.uses.iter().collect();
    uses.sort_by_key(|u| (u.usage.at.file, u.usage.at.span.start, u.usage.at.span.end));
    let mut about: Vec<Vec<&Finding>> = vec![Vec::new(); uses.len()];
    let mut exact: HashMap<Loc, Vec<usize>> = HashMap::new();
    for (i, u) in uses.iter().enumerate() {
        exact.entry(u.usage.at).or_default().push(i);
    }
    for f in &report.findings {
        let Some(subject) = f.subject else { continue };
        match exact.get(&subject) {
            Some(held) => held.iter().for_each(|i| about[*i].push(f)),
            // A literal inside a larger expression: the few uses of its file that hold it.
            None => {
                let first = uses.partition_point(|u| u.usage.at.file < subject.file);
                for (i, u) in uses.iter().enumerate().skip(first).take_while(|(_, u)| u.usage.at.file == subject.file) {
                    if u.usage.at.contains(&subject) {
                        about[i].push(f);
                    }
                }
            }
        }
    }
    uses.into_iter()
        .zip(about)
        .filter_map(|(u, found)| {
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
                findings: found
                    .into_iter()
                    .map(|f| {
                        let p = report.position(f);
                        UseFinding {
                            code: f.code(),
                            name: f.name(),
                            severity: f.severity.as_str(),
                            message: mask(&f.message).into_owned(),
                            line: p.line,
                            column: p.column,
                            fingerprint: &f.fingerprint,
                            rule: f.rule,
                            level: f.severity,
                        }
                    })
                    .collect(),
                kind: (u.class.workflow, u.class.token_type),
            })
        })
        .collect()
}

pub fn json(report: &Report) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        version: u32,
        token_uses: Vec<Entry<'a>>,
        summary: crate::render::json::Summary,
    }
    let out = Out { version: 1, token_uses: entries(report), summary: crate::render::json::Summary::of(report) };
    let text = serde_json::to_string_pretty(&out).unwrap_or_default();
    format!("{}\n", mask(&text))
}

pub fn table(report: &Report) -> String {
    let rows = entries(report);
    let mut out = String::new();
    let loc: Vec<String> =
        rows.iter().map(|e| escape::text(&format!("{}:{}:{}", e.path, e.line, e.column)).into_owned()).collect();
    let w = loc.iter().map(String::len).max().unwrap_or(8).max(8);
    out.push_str(&format!("{:<w$}  {:<21}  {:<8}  {:<6}  {}\n", "LOCATION", "WORKFLOW", "TYPE", "CONF", "REFERENCE"));
    for (e, l) in rows.iter().zip(&loc) {
        out.push_str(&format!(
            "{:<w$}  {:<21}  {:<8}  {:<6}  {} → {}\n",
            l,
            e.workflow,
            e.token_type,
            e.confidence,
            escape::text(&e.reference),
            escape::text(&e.sink)
        ));
        for f in &e.findings {
            let at = format!("line {}, column {}", f.line, f.column);
            out.push_str(&format!("{:<w$}    {} {}: {} ({at})\n", "", f.code, f.severity, escape::text(&f.message)));
        }
        for ev in &e.evidence {
            out.push_str(&format!("{:<w$}    {}\n", "", escape::text(ev)));
        }
    }
    out.push_str(&format!(
        "{}; {}.\n",
        summary(report.token_uses(), report.scan.files_scanned),
        report.findings_phrase()
    ));
    mask(&out).into_owned()
}

/// The token types in matrix column order.
pub const TYPES: [TokenType; 3] = [TokenType::Personal, TokenType::Service, TokenType::Unknown];

/// The rule a (workflow, token type) combination breaks.
pub fn cell_rule(w: Workflow, t: TokenType) -> Option<Rule> {
    Rule::for_mismatch(t, w)
}

/// Counts of uses per workflow (rows, [`Workflow::ALL`] order) and token type ([`TYPES`] order),
/// and per cell the severity of the findings its mismatch rule reports there.
pub struct Matrix {
    counts: [[usize; TYPES.len()]; Workflow::ALL.len()],
    flagged: [[Option<Severity>; TYPES.len()]; Workflow::ALL.len()],
}

impl Matrix {
    pub fn of(entries: &[Entry]) -> Matrix {
        let mut counts = [[0; TYPES.len()]; Workflow::ALL.len()];
        let mut flagged = [[None; TYPES.len()]; Workflow::ALL.len()];
        for e in entries {
            let row = Workflow::ALL.iter().position(|w| *w == e.kind.0);
            let col = TYPES.iter().position(|t| *t == e.kind.1);
            if let (Some(r), Some(c)) = (row, col) {
                counts[r][c] += 1;
                let rule = cell_rule(e.kind.0, e.kind.1);
                let level = e.findings.iter().filter(|f| Some(f.rule) == rule).map(|f| f.level).max();
                flagged[r][c] = flagged[r][c].max(level);
            }
        }
        Matrix { counts, flagged }
    }

    /// The most severe finding of the cell's mismatch rule about a use in it, if any.
    pub fn flagged(&self, w: Workflow, t: TokenType) -> Option<Severity> {
        let row = Workflow::ALL.iter().position(|x| *x == w)?;
        let col = TYPES.iter().position(|x| *x == t)?;
        self.flagged.get(row)?.get(col).copied().flatten()
    }

    pub fn count(&self, w: Workflow, t: TokenType) -> usize {
        let row = Workflow::ALL.iter().position(|x| *x == w);
        let col = TYPES.iter().position(|x| *x == t);
        match (row, col) {
            (Some(r), Some(c)) => self.counts[r][c],
            _ => 0,
        }
    }

    pub fn workflow_total(&self, w: Workflow) -> usize {
        TYPES.iter().map(|t| self.count(w, *t)).sum()
    }

    pub fn type_total(&self, t: TokenType) -> usize {
        Workflow::ALL.iter().map(|w| self.count(*w, t)).sum()
    }
}

impl Entry<'_> {
    /// The most severe finding about this use, if any.
    pub fn severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.level).max()
    }
}

/// "N token uses in M files scanned" with the right plurals.
fn summary(uses: usize, files: usize) -> String {
    format!(
        "{uses} token use{} in {files} file{} scanned",
        if uses == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marked_cells_are_the_mismatch_rules() {
        let marked: Vec<(Workflow, TokenType, Rule)> = Workflow::ALL
            .iter()
            .flat_map(|w| TYPES.iter().map(move |t| (*w, *t)))
            .filter_map(|(w, t)| cell_rule(w, t).map(|r| (w, t, r)))
            .collect();
        let mismatch_rules = Rule::ALL.iter().filter(|r| r.spec().mismatch.is_some()).count();
        assert!(mismatch_rules > 0);
        assert_eq!(marked.len(), mismatch_rules, "each mismatch rule marks one cell");
        for (w, t, r) in marked {
            assert_eq!(r.spec().mismatch, Some((t, w)));
        }
    }

    #[test]
    fn summary_pluralises() {
        assert_eq!(summary(1, 1), "1 token use in 1 file scanned");
        assert_eq!(summary(0, 3), "0 token uses in 3 files scanned");
    }
}
