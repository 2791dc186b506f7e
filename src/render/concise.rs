//! `concise`: one line per finding, `path:line:col: CODE message`.

use super::Report;
use crate::escape;
use crate::literal::mask;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let p = r.position(f);
        // One finding, one line: a name or message holding a line break must not start another.
        let (path, message) = (escape::text(r.path(f)), escape::text(&f.message));
        out.push_str(&format!("{path}:{}:{}: {} {message}\n", p.line, p.column, f.code));
    }
    out.push_str(&r.summary_line());
    out.push('\n');
    mask(&out).into_owned()
}
