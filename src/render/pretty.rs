//! `pretty`: miette diagnostics with the masked source, the token reference as the primary
//! label and the evidence as secondary labels.

use super::Report;
use crate::literal::{mask, mask_with_offsets, shift_offset};
use crate::model::{Finding, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

pub fn render(r: &Report, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110).with_links(false);
    let mut out = String::new();
    for f in &r.findings {
        let Some(src) = r.file(f) else { continue };
        // miette shows source text: hand it the masked text, with spans moved to match.
        let (masked, shifts) = mask_with_offsets(&src.text);
        let span = |s: usize, e: usize| {
            let (a, b) = (shift_offset(s, &shifts), shift_offset(e.max(s), &shifts));
            (a, b.saturating_sub(a))
        };
        let (start, len) = span(f.at.span.start, f.at.span.end);
        let mut labels = vec![LabeledSpan::new_primary_with_span(Some(primary_label(f)), (start, len))];
        let mut notes = Vec::new();
        for e in &f.evidence {
            match e.at {
                Some(at) if at.file == f.at.file && at.span != f.at.span => {
                    labels.push(LabeledSpan::new_with_span(
                        Some(mask(&e.text).into_owned()),
                        span(at.span.start, at.span.end),
                    ));
                }
                Some(at) if at.file != f.at.file => {
                    let other = r.scan.files.get(at.file);
                    let loc = other.map(|o| {
                        let (l, c) = o.line_col(at.span.start);
                        format!(" ({}:{l}:{c})", o.display)
                    });
                    notes.push(format!("{}{}", e.text, loc.unwrap_or_default()));
                }
                _ => notes.push(e.text.clone()),
            }
        }
        let meta = crate::policy::builtin().rule(f.code);
        let mut help = f.help.clone();
        for n in &notes {
            help.push_str(&format!("\n• {n}"));
        }
        if let Some(m) = meta {
            help.push_str(&format!("\nsee {} and `tokenwise explain {}`", m.reference, f.code));
        }
        let diag = MietteDiagnostic::new(f.message.clone())
            .with_code(format!("{}({})", f.code, f.name))
            .with_severity(match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            })
            .with_help(mask(&help).into_owned())
            .with_labels(labels);
        let report = miette::Report::new(diag)
            .with_source_code(NamedSource::new(src.display.clone(), src.snippet_source(masked.into_owned())));
        let mut buf = String::new();
        if handler.render_report(&mut buf, report.as_ref()).is_ok() {
            out.push_str(&buf);
            out.push('\n');
        }
    }
    out.push_str(&r.summary_line());
    out.push('\n');
    mask(&out).into_owned()
}

fn primary_label(f: &Finding) -> String {
    match (f.token_type, f.workflow) {
        (Some(t), Some(w)) => format!("{} token in a {} workflow", t.as_str(), w.as_str()),
        (Some(t), None) => format!("{} token", t.as_str()),
        _ => "here".to_owned(),
    }
}
