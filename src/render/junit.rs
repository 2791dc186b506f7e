//! `junit`: JUnit XML, one test suite per file and one failing test case per finding.

use super::Report;
use crate::literal::mask;
use std::collections::BTreeMap;

/// Escape text for XML attributes and content; control characters XML 1.0 forbids are dropped.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(r: &Report) -> String {
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in &r.findings {
        let p = r.position(f);
        let path = r.path(f);
        let body = format!(
            "{}:{}:{}: {}\n{}\n{}",
            path,
            p.line,
            p.column,
            f.message,
            f.help,
            f.evidence.iter().map(|e| e.text.as_str()).collect::<Vec<_>>().join("\n")
        );
        by_file.entry(path).or_default().push(format!(
            "    <testcase name=\"{code} {path}:{line}:{col}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">\n      <failure type=\"{code}\" message=\"{msg}\">{body}</failure>\n    </testcase>\n",
            code = xml(f.code()),
            path = xml(path),
            line = p.line,
            col = p.column,
            msg = xml(&f.message),
            body = xml(&body),
        ));
    }
    let n = r.findings.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"tokenwise\" tests=\"{}\" failures=\"{n}\" errors=\"0\">\n", n.max(1)));
    if by_file.is_empty() {
        out.push_str("  <testsuite name=\"tokenwise\" tests=\"1\" failures=\"0\" errors=\"0\">\n    <testcase name=\"no findings\" classname=\"tokenwise\"/>\n  </testsuite>\n");
    }
    for (path, cases) in &by_file {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
            xml(path),
            cases.len(),
            cases.len()
        ));
        for c in cases {
            out.push_str(c);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    mask(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
