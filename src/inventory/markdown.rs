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
    let flat = crate::escape::text(&s.replace(['\r', '\n'], " ")).replace('|', "\\|");
    let longest = flat.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') || flat.is_empty() { " " } else { "" };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// Prose inside a table cell. Evidence and sinks quote names in backticks: those stay code
/// spans; everything else is escaped so no name can turn into markup, a link or raw HTML.
fn text(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    // Text glued to a quoted name on both sides (`` `a`x`b` ``) means a name holding backticks:
    // which parts are code is then anyone's guess, so the whole text becomes one code span.
    let word = |c: Option<char>| c.is_none_or(|c| c.is_alphanumeric() || c == '`');
    let glued = parts
        .iter()
        .enumerate()
        .any(|(i, p)| i % 2 == 0 && i > 0 && i + 1 < parts.len() && (word(p.chars().next()) || word(p.chars().last())));
    if glued {
        return code(s);
    }
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

/// Plain text with markup escaped. A word that GitHub would turn into a link by itself (a URL,
/// `www.…`, an e-mail address) becomes a code span: escaping does not stop autolinks.
fn plain(s: &str) -> String {
    let flat = crate::escape::text(&s.replace(['\r', '\n'], " ")).into_owned();
    let mut out = String::with_capacity(flat.len());
    for (i, word) in flat.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        if lower.contains("://") || lower.contains("www.") || word.contains('@') {
            out.push_str(&code(word));
            continue;
        }
        for c in word.chars() {
            if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!' | '#' | '(' | ')') {
                out.push('\\');
            }
            out.push(c);
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
        assert_eq!(text("<img src=x> [a](b) | *c*"), "\\<img src=x\\> \\[a\\]\\(b\\) \\| \\*c\\*");
        assert_eq!(text("odd ` tick"), "odd \\` tick");
        assert_eq!(text("a\nb"), "a b");
    }

    #[test]
    fn a_name_with_backticks_never_makes_a_link() {
        // A job named ``a`https://evil.example`b`` balances the backticks around the URL.
        let t = text("job `a`https://evil.example/x`b` runs on push");
        assert!(t.contains("`https://evil.example/x`"), "{t}");
        let t = text("of job `a`https://evil.example/x`b` deploys");
        assert_eq!(t, "``of job `a`https://evil.example/x`b` deploys``");
        assert_eq!(text("mail me@evil.example now"), "mail `me@evil.example` now");
        assert_eq!(text("see www.evil.example"), "see `www.evil.example`");
        assert_eq!(text("bell \u{7}"), "bell \\\\u{7}", "escaped, and the escape's backslash shown");
    }
}
