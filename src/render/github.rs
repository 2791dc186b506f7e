//! `github`: GitHub Actions workflow commands, `::error file=…,line=…,col=…,title=TW101::…`.

use super::Report;
use crate::literal::mask;
use crate::model::Severity;

/// Escape a workflow command's message: the runner's own escapes for `%` and line breaks, and
/// every other control character written out, so nothing reaches the log viewer raw.
fn data(s: &str) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    crate::escape::text(&s).into_owned()
}

/// Escape a workflow command property (file names, titles).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let p = r.position(f);
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        out.push_str(&format!(
            "::{cmd} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(r.path(f)),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            property(&format!("{} {}", f.code, f.name)),
            data(&format!("{}: {}", f.message, f.help)),
        ));
    }
    mask(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_the_runner() {
        assert_eq!(property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(data("x\ny"), "x%0Ay");
    }
}
