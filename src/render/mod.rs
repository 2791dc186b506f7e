//! Rendering: one report model, one small renderer per output format.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod pretty;
pub mod sarif;

use crate::model::Severity;
use crate::policy::RuleMeta;
use crate::rules::{Finding, Rule};
use crate::scan::Scan;
use crate::source::SourceFile;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The findings to print, already filtered, with their configured severities, in report order.
pub struct Report<'a> {
    pub scan: &'a Scan,
    pub findings: Vec<Finding>,
    /// Findings silenced by an inline `tokenwise: ignore[…]` comment.
    pub suppressed: usize,
    /// Findings recorded in the `--baseline` file.
    pub baselined: usize,
    /// Findings the `--diff-base` commit already has.
    pub in_base: usize,
    /// The project root and the working directory, when paths for code scanning (SARIF,
    /// GitLab) are to be given from the root rather than from the working directory.
    pub project: Option<(PathBuf, PathBuf)>,
}

/// A finding's place in line/column terms (1-based; columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl<'a> Report<'a> {
    pub fn file(&self, f: &Finding) -> Option<&'a SourceFile> {
        self.scan.files.get(f.at.file)
    }

    pub fn path(&self, f: &Finding) -> &'a str {
        self.file(f).map(|s| s.display.as_str()).unwrap_or("")
    }

    /// The path of a finding's file from the project root (SARIF, GitLab); the shown path
    /// when no root is set or the file is outside it.
    pub fn repo_path(&self, f: &Finding) -> String {
        let Some(src) = self.file(f) else { return String::new() };
        let Some((root, cwd)) = &self.project else { return src.display.clone() };
        match crate::project_root::relative(&src.path, root, cwd) {
            Some(rel) => crate::discover::display_path(&rel, None),
            None => src.display.clone(),
        }
    }

    pub fn position(&self, f: &Finding) -> Position {
        let Some(src) = self.file(f) else { return Position { line: 1, column: 1, end_line: 1, end_column: 1 } };
        let (line, column) = src.line_col(f.at.span.start);
        let (end_line, end_column) = src.line_col(f.at.span.end.max(f.at.span.start));
        Position { line, column, end_line, end_column }
    }

    /// A rule's texts and default severity, for renderers that describe rules.
    pub fn texts(&self, rule: Rule) -> &'static RuleMeta {
        rule.texts()
    }

    /// Every rule with its texts, in registry order (SARIF lists them all).
    pub fn rules(&self) -> impl Iterator<Item = (Rule, &'static RuleMeta)> {
        Rule::ALL.iter().map(|r| (*r, r.texts()))
    }

    pub fn by_severity(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.severity.as_str()).or_insert(0) += 1;
        }
        m
    }

    /// Every use the scan found, declarations of service tokens included: what `inventory` lists.
    pub fn token_uses(&self) -> usize {
        self.scan.uses.len()
    }

    /// "3 findings (2 errors, 1 warning)", or "no findings".
    pub fn findings_phrase(&self) -> String {
        let n = self.findings.len();
        if n == 0 {
            return "no findings".to_owned();
        }
        let mut parts = Vec::new();
        for sev in [Severity::Error, Severity::Warning, Severity::Note] {
            let c = self.findings.iter().filter(|f| f.severity == sev).count();
            if c > 0 {
                parts.push(format!("{c} {}{}", sev.as_str(), if c == 1 { "" } else { "s" }));
            }
        }
        format!("{} ({})", plural(n, "finding"), parts.join(", "))
    }

    /// "Found 3 findings (2 errors, 1 warning) in 5 files. 1 suppressed."
    pub fn summary_line(&self) -> String {
        let files = plural(self.scan.files_scanned, "file");
        let mut s = if self.findings.is_empty() {
            format!("No findings in {files} ({}).", plural(self.token_uses(), "token use"))
        } else {
            format!("Found {} in {files}.", self.findings_phrase())
        };
        if self.suppressed > 0 {
            s.push_str(&format!(" {} suppressed.", self.suppressed));
        }
        if self.baselined > 0 {
            s.push_str(&format!(" {} in the baseline.", self.baselined));
        }
        if self.in_base > 0 {
            s.push_str(&format!(" {} already in the diff base.", self.in_base));
        }
        s
    }
}

/// "1 file", "2 files".
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
