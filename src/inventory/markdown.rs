//! `inventory --format markdown`: the workflows × token types matrix and every use, as GFM tables.

use super::{Entry, Matrix, TYPES, cell_rule, entries, summary};
use crate::literal::mask;
use crate::model::{Severity, Workflow};
use crate::scan::Scan;

pub fn markdown(scan: &Scan) -> String {
    let rows = entries(scan);
    let matrix = Matrix::of(&rows);
    let flagged = rows.iter().filter(|e| e.rule.is_some()).count();
    let mut out = String::from("# dbt Cloud token inventory\n\n");
    out.push_str(&format!(
        "{}; {flagged} in a workflow their token type does not fit.\n\n",
        summary(rows.len(), scan.files_scanned)
    ));

    out.push_str("## Workflows × token types\n\n| workflow |");
    for t in TYPES {
        out.push_str(&format!(" {} |", t.as_str()));
    }
    out.push_str(" total |\n|---|");
    out.push_str(&"--:|".repeat(TYPES.len() + 1));
    out.push('\n');
    for w in Workflow::ALL {
        out.push_str(&format!("| {} |", w.as_str()));
        for t in TYPES {
            let n = matrix.count(w, t);
            match cell_rule(w, t) {
                Some(r) if n > 0 => out.push_str(&format!(" **{n}** {} {} |", mark(r.severity), r.code)),
                _ => out.push_str(&format!(" {n} |")),
            }
        }
        out.push_str(&format!(" {} |\n", matrix.workflow_total(w)));
    }
    out.push_str("| **total** |");
    for t in TYPES {
        out.push_str(&format!(" {} |", matrix.type_total(t)));
    }
    out.push_str(&format!(" {} |\n\n", rows.len()));
    let combos: Vec<String> = Workflow::ALL
        .iter()
        .flat_map(|w| TYPES.iter().map(move |t| (*w, *t)))
        .filter_map(|(w, t)| {
            cell_rule(w, t).map(|r| format!("{} × {} ({} {})", t.as_str(), w.as_str(), mark(r.severity), r.code))
        })
        .collect();
    out.push_str(&format!("Combinations the rules report: {}.\n\n", combos.join(", ")));

    out.push_str("## Token uses\n\n");
    if rows.is_empty() {
        out.push_str("No token uses found.\n");
        return mask(&out).into_owned();
    }
    out.push_str("| location | workflow | type | confidence | reference | sink | rule | evidence |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for e in &rows {
        out.push_str(&use_row(e));
    }
    mask(&out).into_owned()
}

fn use_row(e: &Entry) -> String {
    let rules: Vec<String> = e.rules().map(|r| format!("{} {} `{}`", mark(r.severity), r.code, r.name)).collect();
    let evidence: Vec<String> = e.evidence.iter().map(|ev| text(ev)).collect();
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
        code(&format!("{}:{}:{}", e.path, e.line, e.column)),
        e.workflow,
        e.token_type,
        e.confidence,
        code(&e.reference),
        text(&e.sink),
        rules.join("<br>"),
        evidence.join("<br>"),
    )
}

/// The marker of a mismatching cell: errors stand out from notes.
fn mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "⛔",
        Severity::Warning | Severity::Note => "⚠️",
    }
}

/// `s` as one code span inside a table cell: a fence longer than any backtick run in it, pipes
/// escaped (GFM splits cells on `|` even inside code spans), line breaks flattened.
fn code(s: &str) -> String {
    let flat = s.replace(['\r', '\n'], " ").replace('|', "\\|");
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') || flat.is_empty() { " " } else { "" };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// Prose inside a table cell. Evidence and sinks quote names in backticks: those stay code
/// spans; everything else is escaped so no name can turn into markup, a link or raw HTML.
fn text(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let balanced = parts.len() % 2 == 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if !balanced {
            if i > 0 {
                out.push_str("\\`");
            }
            out.push_str(&plain(part));
        } else if i % 2 == 1 && !part.is_empty() {
            out.push_str(&code(part));
        } else {
            out.push_str(&plain(part));
        }
    }
    out
}

fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!' | '#' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_pipes_and_backticks() {
        assert_eq!(code("secrets.DBT_PAT"), "`secrets.DBT_PAT`");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x `y` z"), "``x `y` z``");
        assert_eq!(code("`y`"), "`` `y` ``");
    }

    #[test]
    fn prose_keeps_quoted_names_as_code_and_escapes_the_rest() {
        assert_eq!(text("name `DBT_PAT` says personal"), "name `DBT_PAT` says personal");
        assert_eq!(text("<img src=x> [a](b) | *c*"), "\\<img src=x\\> \\[a\\](b) \\| \\*c\\*");
        assert_eq!(text("odd ` tick"), "odd \\` tick");
        assert_eq!(text("a\nb"), "a b");
    }
}
