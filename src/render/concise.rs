//! `concise`: one line per finding, `path:line:col: CODE message`.

use super::Report;
use crate::literal::mask;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let p = r.position(f);
        out.push_str(&format!("{}:{}:{}: {} {}\n", r.path(f), p.line, p.column, f.code, f.message));
    }
    out.push_str(&r.summary_line());
    out.push('\n');
    mask(&out).into_owned()
}
