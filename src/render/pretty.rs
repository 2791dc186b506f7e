//! `pretty`: miette diagnostics with the masked source, the token reference as the primary
//! label and the evidence as secondary labels.
//!
//! miette is never handed a whole file: each finding gets a window of the lines around its
//! labels, each line clipped to the columns around them. That keeps a finding at column 100,000
//! of a minified file renderable (miette pads with widths that must fit in `u16`), keeps the
//! cost of a finding independent of the file's size (8,000 findings in one file used to re-mask
//! and re-scan the whole file 8,000 times), and lets columns count characters everywhere.

use super::Report;
use crate::escape;
use crate::literal::{mask, mask_with_offsets, shift_offset};
use crate::model::{Loc, Severity};
use crate::rules::Finding;
use crate::source::SourceFile;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
use std::collections::BTreeMap;

/// Bytes of the line on each side of a window that masking sees with it (not shown).
const MASK_CONTEXT: usize = 512;

/// Columns miette takes left of a source line (line number, gutter) and the two `…` of a clip.
const GUTTER: usize = 12;
/// Fewest bytes of a line a window shows, however narrow the terminal.
const MIN_WINDOW: usize = 24;
/// Most lines one label spans in a snippet; a longer span is cut after them.
const MAX_SPAN_LINES: usize = 8;

/// The report for a terminal `width` columns wide: miette wraps messages and help between
/// words, and source lines are clipped to fit.
pub fn render(r: &Report, color: bool, width: usize) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = String::new();
    for f in &r.findings {
        let Some(src) = r.file(f) else { continue };
        let mut notes = Vec::new();
        let mut labels = vec![(f.at, primary_label(f), true)];
        for e in &f.evidence {
            match e.at {
                Some(at) if at.file == f.at.file && at.span != f.at.span => labels.push((at, e.text.clone(), false)),
                Some(at) if at.file != f.at.file => {
                    let loc = r.scan.files.get(at.file).map(|o| {
                        let (l, c) = o.line_col(at.span.start);
                        format!(" ({}:{l}:{c})", o.display)
                    });
                    notes.push(format!("{}{}", e.text, loc.unwrap_or_default()));
                }
                _ => notes.push(e.text.clone()),
            }
        }
        let (window, spans, demoted) = Window::build(src, &labels, Fit::new(width));
        for (at, text) in demoted {
            let (l, c) = src.line_col(at.span.start);
            notes.push(format!("{text} (line {l}, column {c})"));
        }
        let labels = spans
            .into_iter()
            .map(|(span, text, primary)| {
                let text = Some(escape::text(&mask(&text)).into_owned());
                if primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect::<Vec<_>>();
        let mut help = f.help.clone();
        for n in &notes {
            help.push_str(&format!("\n• {}", escape::text(n)));
        }
        for x in &f.fixes {
            help.push_str(&format!("\nfix ({}): {}", x.applicability.as_str(), escape::text(&x.title)));
            if let Some(c) = &x.content {
                for line in c.lines() {
                    help.push_str(&format!("\n    {}", escape::text(line)));
                }
            }
        }
        help.push_str(&format!("\nsee {} and `tokenwise explain {}`", r.texts(f.rule).reference, f.code()));
        let diag = MietteDiagnostic::new(escape::text(&mask(&f.message)).into_owned())
            .with_code(format!("{}({})", f.code(), f.name()))
            .with_severity(match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Note => miette::Severity::Advice,
            })
            .with_help(escape::lines(&mask(&help)).into_owned())
            .with_labels(labels);
        let report = miette::Report::new(diag).with_source_code(window);
        let mut buf = String::new();
        if handler.render_report(&mut buf, report.as_ref()).is_ok() {
            out.push_str(&wrap_labels(&buf, width));
            out.push('\n');
        }
    }
    out.push_str(&escape::text(&r.summary_line()));
    out.push('\n');
    mask(&out).into_owned()
}

/// miette prints a label's text after its pointer (`╰── text`) unwrapped: wrap a line that is
/// too wide between words, continuing under the text's first column, or, when a word would not
/// fit there, under the gutter.
fn wrap_labels(rendered: &str, width: usize) -> String {
    use textwrap::core::display_width;
    const POINTER: &str = "╰── ";
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let at = body.find(POINTER);
        let (Some(at), true) = (at, display_width(body) > width) else {
            out.push_str(line);
            continue;
        };
        let head = &body[..at + POINTER.len()];
        let text = &body[at + POINTER.len()..];
        let longest = text.split(' ').map(display_width).max().unwrap_or(0);
        let mut indent: String = body[..at].chars().map(|c| if c == '╰' { ' ' } else { c }).collect();
        indent.push_str("    ");
        if display_width(&indent) + longest > width {
            // The gutter (`    · `) and a small step in.
            let gutter = body.find('·').map_or(0, |g| g + '·'.len_utf8());
            indent = format!("{}   ", &body[..gutter]);
        }
        let first = text.split(' ').next().map_or(0, display_width);
        let mut opts = crate::cli_options::wrap_options(width).subsequent_indent(&indent);
        if display_width(head) + first > width {
            out.push_str(head.trim_end());
            out.push('\n');
            opts = opts.initial_indent(&indent);
        } else {
            opts = opts.initial_indent(head);
        }
        for part in textwrap::wrap(text, opts) {
            out.push_str(&part);
            out.push('\n');
        }
    }
    out
}

fn primary_label(f: &Finding) -> String {
    match (f.token_type, f.workflow) {
        (Some(t), Some(w)) => {
            let w = w.as_str();
            // "a user-context-endpoint", "an unknown".
            let article = if w == "unknown" { "an" } else { "a" };
            format!("{} token in {article} {w} workflow", t.as_str())
        }
        (Some(t), None) => format!("{} token", t.as_str()),
        _ => "here".to_owned(),
    }
}

/// What miette shows for one finding: pieces of the file's lines, masked, with unsafe
/// characters pictured, joined by `\n`; each piece knows its line in the file and the characters
/// before it on that line.
#[derive(Debug)]
struct Window {
    name: String,
    text: String,
    /// Per piece: its 1-based file line, the characters before it on that line, and its start
    /// in `text`.
    pieces: Vec<(usize, usize, usize)>,
}

/// A stretch of one file line to show: byte range in the source text, and whether it was cut.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    start: usize,
    end: usize,
    cut_left: bool,
    cut_right: bool,
}

/// How much of a line a window shows: at most `max` bytes (so at most as many columns), `lead`
/// of them before a label's start and `trail` after its end when the line is clipped; a
/// longer label is shown from its start.
#[derive(Clone, Copy, Debug)]
struct Fit {
    max: usize,
    lead: usize,
    trail: usize,
}

impl Fit {
    fn new(width: usize) -> Fit {
        let max = width.saturating_sub(GUTTER).max(MIN_WINDOW);
        Fit { max, lead: max / 4, trail: max / 4 }
    }
}

/// A label to show: where, its text, and whether it is the primary one.
type Label = (Loc, String, bool);

/// A label placed in a window: its span there, its text, whether primary.
type Placed = (SourceSpan, String, bool);

impl Window {
    /// The window showing `labels` (the primary first), the labels' spans in it, and the labels
    /// that did not fit (another label's window took their line), to be shown as notes.
    fn build(src: &SourceFile, labels: &[Label], fit: Fit) -> (Window, Vec<Placed>, Vec<(Loc, String)>) {
        let text = src.text.as_str();
        // Each label placed: its span (cut after its first lines) and its first and last line.
        let mut placed: Vec<(usize, usize, usize, usize, &Label)> = Vec::new();
        let mut demoted = Vec::new();
        let mut lines: BTreeMap<usize, Stretch> = BTreeMap::new();
        for label in labels {
            let s = label.0.span.start.min(text.len());
            let e = label.0.span.end.min(text.len()).max(s);
            let first = src.line_col(s).0;
            let last = src.line_col(if e > s { e - 1 } else { s }).0.clamp(first, first + MAX_SPAN_LINES - 1);
            let e = e.min(src.line_span(last).1.max(s));
            let part = |l: usize| {
                let (ls, le) = src.line_span(l);
                (s.clamp(ls, le), e.clamp(ls, le))
            };
            // A label on a line that another label's window clipped must fall inside that window.
            let fits = (first..=last).all(|l| {
                lines.get(&l).is_none_or(|have| {
                    let (a, b) = part(l);
                    a >= have.start && b <= have.end
                })
            });
            if !fits {
                demoted.push((label.0, label.1.clone()));
                continue;
            }
            for l in first..=last {
                let (a, b) = part(l);
                lines.entry(l).or_insert_with(|| {
                    let (ls, le) = src.line_span(l);
                    clip(text, ls, le, a, b, fit)
                });
            }
            placed.push((s, e, first, last, label));
        }
        // One line of context above and below each labelled line, as miette shows for files.
        let labelled: Vec<usize> = lines.keys().copied().collect();
        for l in labelled {
            for c in [l.saturating_sub(1), l + 1] {
                if c >= 1 && c <= src.line_count() && src.holds_line(c) && !lines.contains_key(&c) {
                    let (ls, le) = src.line_span(c);
                    lines.insert(c, clip(text, ls, le, ls, ls, fit));
                }
            }
        }
        let mut window = Window { name: src.display.clone(), text: String::new(), pieces: Vec::new() };
        // Where each placed label's start and end land in `window.text`.
        let mut moved: Vec<(usize, usize)> = vec![(0, 0); placed.len()];
        for (&line, stretch) in &lines {
            let (ls, le) = src.line_span(line);
            // A window never cuts a secret: a cut inside one widens to the whole of it, which is
            // shown masked (`…3f9a`), however narrow the window.
            let mut stretch = *stretch;
            let from = stretch.start.saturating_sub(MASK_CONTEXT).max(ls);
            let to = stretch.end.saturating_add(MASK_CONTEXT).min(le).max(stretch.end);
            if let Some(piece) = text.get(from..to) {
                for (a, b) in crate::literal::masked_ranges(piece) {
                    let (a, b) = (a + from, b + from);
                    if a < stretch.start && stretch.start < b {
                        stretch.start = a;
                        stretch.cut_left = a > ls;
                    }
                    if a < stretch.end && stretch.end < b {
                        stretch.end = b;
                        stretch.cut_right = b < le;
                    }
                }
            }
            if !window.pieces.is_empty() {
                window.text.push('\n');
            }
            let before = src.line_col(stretch.start).1.saturating_sub(1);
            window.pieces.push((line, before.saturating_sub(usize::from(stretch.cut_left)), window.text.len()));
            if stretch.cut_left {
                window.text.push('…');
            }
            // Masked with some of the line around the piece, so that a token split in halves
            // across the cut (`["dbtu_…", "…"].join("")`) is still seen as one and each half
            // hidden; the piece is then cut out of the masked text. The context is bounded, so
            // the cost of a finding stays independent of its line's length.
            let mut from = stretch.start.saturating_sub(MASK_CONTEXT).max(ls);
            while !text.is_char_boundary(from) {
                from += 1;
            }
            let mut to = stretch.end.saturating_add(MASK_CONTEXT).min(le).max(stretch.end);
            while !text.is_char_boundary(to) {
                to += 1;
            }
            let (around, shifts) = mask_with_offsets(text.get(from..to).unwrap_or(""));
            let moved_to = |o: usize| shift_offset(o.clamp(stretch.start, stretch.end) - from, &shifts);
            let (cut_start, cut_end) = (moved_to(stretch.start), moved_to(stretch.end));
            let masked = around.get(cut_start..cut_end.max(cut_start)).unwrap_or("");
            // The labels' ends on this line, relative to the piece, moved as masking moves them.
            let mut rel = Vec::new();
            for (k, p) in placed.iter().enumerate() {
                if p.2 == line {
                    rel.push((k, 0, moved_to(p.0).saturating_sub(cut_start)));
                }
                if p.3 == line {
                    rel.push((k, 1, moved_to(p.1).saturating_sub(cut_start)));
                }
            }
            let base = window.text.len();
            let mut shown_len = 0;
            // A mark inside a masked token lands at the next character.
            let mut place = |at: usize, shown_len: usize| {
                rel.retain(|&(k, which, o)| {
                    if o > at {
                        return true;
                    }
                    let slot = &mut moved[k];
                    if which == 0 {
                        slot.0 = base + shown_len
                    } else {
                        slot.1 = base + shown_len
                    }
                    false
                });
            };
            for (i, c) in masked.char_indices() {
                place(i, shown_len);
                let shown = escape::picture(c).unwrap_or(c);
                window.text.push(shown);
                shown_len += shown.len_utf8();
            }
            place(usize::MAX, shown_len);
            if stretch.cut_right {
                window.text.push('…');
            }
        }
        let spans = placed
            .iter()
            .zip(moved)
            .map(|(p, (s, e))| (SourceSpan::from((s, e.max(s) - s)), p.4.1.clone(), p.4.2))
            .collect();
        (window, spans, demoted)
    }

    /// The index of the piece holding byte `offset` of `text`.
    fn piece_of(&self, offset: usize) -> usize {
        self.pieces.partition_point(|p| p.2 <= offset).saturating_sub(1)
    }

    /// The end of piece `i` in `text` (before its `\n`).
    fn piece_end(&self, i: usize) -> usize {
        self.pieces.get(i + 1).map_or(self.text.len(), |p| p.2 - 1)
    }
}

/// Clip the line `ls..le` of `text` to the bytes around `from..to`. A cut never falls inside a
/// word (a run of characters a token or an encoded token is made of): the partial word is left
/// out, so masking, which needs whole tokens, sees every token it shows whole.
fn clip(text: &str, ls: usize, le: usize, from: usize, to: usize, fit: Fit) -> Stretch {
    // A short line is shown whole unless its label starts so far right that the label's text,
    // printed from the label's column, would not fit beside it.
    if le - ls <= fit.max && from - ls <= fit.max / 2 {
        return Stretch { start: ls, end: le, cut_left: false, cut_right: false };
    }
    // A label near the line's start is shown from the start: a cut there saves nothing.
    let mut start = if from - ls <= fit.max / 2 { ls } else { from.saturating_sub(fit.lead).max(ls) };
    let mut end = to.saturating_add(fit.trail).min(le).min(start + fit.max).max(to.min(from + fit.max));
    let bytes = text.as_bytes();
    while start < from && !text.is_char_boundary(start) {
        start += 1;
    }
    if start > ls && bytes.get(start - 1).copied().is_some_and(is_word) {
        while start < from && bytes.get(start).copied().is_some_and(is_word) {
            start += 1;
        }
    }
    while end > to && !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < le && bytes.get(end).copied().is_some_and(is_word) {
        while end > to && bytes.get(end - 1).copied().is_some_and(is_word) {
            end -= 1;
        }
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Stretch { start, end, cut_left: start > ls, cut_right: end < le }
}

/// Bytes a token, an escaped token (`\x64btu_…`, `%64btu_…`) or a base64 value is made of.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'%' | b'\\') || b >= 0x80
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset().min(self.text.len());
        let end = (start + span.len()).min(self.text.len());
        let (first, last) = (self.piece_of(start), self.piece_of(end.saturating_sub(1).max(start)));
        // A span across a gap between pieces is not one snippet: miette then shows two.
        let contiguous = |a: usize, b: usize| {
            (a..b).all(|i| match (self.pieces.get(i), self.pieces.get(i + 1)) {
                (Some(x), Some(y)) => y.0 == x.0 + 1,
                _ => false,
            })
        };
        if !contiguous(first, last) {
            return Err(MietteError::OutOfBounds);
        }
        let mut from = first;
        while from > 0 && first - from < before && contiguous(from - 1, from) {
            from -= 1;
        }
        let mut to = last;
        while to + 1 < self.pieces.len() && to - last < after && contiguous(to, to + 1) {
            to += 1;
        }
        let Some(&(line, piece_before, piece_start)) = self.pieces.get(from) else {
            return Err(MietteError::OutOfBounds);
        };
        // With no context, miette wants the span's own position (the header's line:column).
        let (data_start, line, column) = if before == 0 && from == first {
            let chars = self.text.get(piece_start..start).map_or(0, |s| s.chars().count());
            (start, line, piece_before + chars)
        } else {
            (piece_start, line, piece_before)
        };
        let data_end = if after == 0 && to == last { end.max(data_start) } else { self.piece_end(to) };
        let data = self.text.as_bytes().get(data_start..data_end).unwrap_or_default();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            (data_start, data_end - data_start).into(),
            line.saturating_sub(1),
            column,
            to - from + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Span;
    use std::path::PathBuf;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(PathBuf::from("f"), "f".into(), text.as_bytes().to_vec())
    }

    fn window(src: &SourceFile, start: usize, end: usize) -> (Window, Vec<Placed>) {
        let labels = vec![(Loc { file: 0, span: Span::new(start, end) }, "here".to_owned(), true)];
        let (w, spans, demoted) = Window::build(src, &labels, Fit::new(110));
        assert!(demoted.is_empty());
        (w, spans)
    }

    #[test]
    fn a_short_file_is_shown_whole_around_the_label() {
        let src = file("a: 1\nb: tok\nc: 3\nd: 4\n");
        let at = src.text.find("tok").unwrap_or(0);
        let (w, spans) = window(&src, at, at + 3);
        assert_eq!(w.text, "a: 1\nb: tok\nc: 3");
        let s = spans[0].0;
        assert_eq!(&w.text[s.offset()..s.offset() + s.len()], "tok");
        let c = w.read_span(&s, 0, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((c.line(), c.column()), (1, 3));
    }

    #[test]
    fn a_token_split_in_halves_across_the_cut_of_a_window_is_masked() {
        // Halves of a fake token: neither is a literal token on its own.
        let (a, b) = ("dbtc_t2P4t5bR2iRD2dQH1f3OGS", "JZ7PKcyERACFemsfm7tPWdd7DhHs");
        let unit = format!("api_token: [\"{a}\", \"{b}\"].join(\"\")   ");
        let line = unit.repeat(40);
        let src = file(&line);
        // A label whose window starts between the halves of one of the tokens.
        for at in (0..line.len()).step_by(37).filter(|&i| line.is_char_boundary(i)) {
            let (w, _) = window(&src, at, at + 1);
            assert!(!w.text.contains(&b[..12]) && !w.text.contains(&a[5..17]), "{at}: {}", w.text);
        }
    }

    #[test]
    fn a_long_line_is_clipped_around_the_label_without_cutting_a_word() {
        let line = format!("{}x: tok {}", "word ".repeat(20_000), "more ".repeat(100));
        let src = file(&line);
        let at = src.text.find("tok").unwrap_or(0);
        let (w, spans) = window(&src, at, at + 3);
        assert!(w.text.len() < 400, "{}", w.text.len());
        assert!(w.text.starts_with('…') && w.text.ends_with('…'), "{}", w.text);
        assert!(!w.text.contains(" wor…") && !w.text.contains("…ord"), "{}", w.text);
        let c = w.read_span(&spans[0].0, 0, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.column(), src.line_col(at).1 - 1, "the column counts characters of the file line");
    }

    #[test]
    fn control_characters_are_pictured_one_for_one() {
        let src = file("job: \u{1b}]52;c;x\u{7} tok\n");
        let at = src.text.find("tok").unwrap_or(0);
        let (w, spans) = window(&src, at, at + 3);
        assert!(!w.text.contains('\u{1b}') && !w.text.contains('\u{7}'), "{:?}", w.text);
        let s = spans[0].0;
        assert_eq!(&w.text[s.offset()..s.offset() + s.len()], "tok");
    }
}
