//! `inventory`: every token use found, with its workflow, token type and evidence.

mod html;
mod markdown;

pub use html::html;
pub use markdown::markdown;

use crate::escape;
use crate::literal::mask;
use crate::model::{ClassifiedUse, TokenType, Workflow};
use crate::policy::RuleMeta;
use crate::scan::Scan;
use serde::Serialize;

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
    /// The classification as values, for the matrix.
    #[serde(skip)]
    pub kind: (Workflow, TokenType),
    /// The mismatch rule this use's combination breaks, if any (declarations are judged for
    /// their permissions only).
    #[serde(skip)]
    pub rule: Option<&'static RuleMeta>,
    /// TW201 when the use is a literal token committed in the file.
    #[serde(skip)]
    pub hardcoded: Option<&'static RuleMeta>,
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
                kind: (u.class.workflow, u.class.token_type),
                rule: if u.usage.declaration { None } else { cell_rule(u.class.workflow, u.class.token_type) },
                hardcoded: if u.usage.literal { crate::policy::builtin().rule("hardcoded-token") } else { None },
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
        for ev in &e.evidence {
            out.push_str(&format!("{:<w$}    {}\n", "", escape::text(ev)));
        }
    }
    out.push_str(&format!("{} token uses in {} files scanned.\n", rows.len(), scan.files_scanned));
    mask(&out).into_owned()
}

/// The token types in matrix column order.
pub const TYPES: [TokenType; 3] = [TokenType::Personal, TokenType::Service, TokenType::Unknown];

/// The rule a (workflow, token type) combination breaks, with its texts and default severity.
pub fn cell_rule(w: Workflow, t: TokenType) -> Option<&'static RuleMeta> {
    crate::rules::rule_for(t, w).and_then(|code| crate::policy::builtin().rule(code))
}

/// Counts of uses per workflow (rows, [`Workflow::ALL`] order) and token type ([`TYPES`] order).
pub struct Matrix {
    counts: [[usize; TYPES.len()]; Workflow::ALL.len()],
}

impl Matrix {
    pub fn of(entries: &[Entry]) -> Matrix {
        let mut counts = [[0; TYPES.len()]; Workflow::ALL.len()];
        for e in entries {
            let row = Workflow::ALL.iter().position(|w| *w == e.kind.0);
            let col = TYPES.iter().position(|t| *t == e.kind.1);
            if let (Some(r), Some(c)) = (row, col) {
                counts[r][c] += 1;
            }
        }
        Matrix { counts }
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
    /// The rules this use breaks: its combination's, then a committed literal's.
    pub fn rules(&self) -> impl Iterator<Item = &'static RuleMeta> {
        self.rule.into_iter().chain(self.hardcoded)
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
    fn mismatching_cells_are_the_mismatch_rules() {
        let codes: Vec<(&str, &str, &str)> = Workflow::ALL
            .iter()
            .flat_map(|w| TYPES.iter().map(move |t| (*w, *t)))
            .filter_map(|(w, t)| cell_rule(w, t).map(|r| (w.as_str(), t.as_str(), r.code.as_str())))
            .collect();
        assert_eq!(
            codes,
            [
                ("user-context-endpoint", "service", "TW104"),
                ("cloud-cli", "service", "TW103"),
                ("partner-integration", "personal", "TW102"),
                ("dev-script", "service", "TW105"),
                ("production", "personal", "TW101"),
            ]
        );
    }

    #[test]
    fn summary_pluralises() {
        assert_eq!(summary(1, 1), "1 token use in 1 file scanned");
        assert_eq!(summary(0, 3), "0 token uses in 3 files scanned");
    }
}
