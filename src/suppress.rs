//! Inline suppressions: `tokenwise: ignore[TW101,hardcoded-token] -- reason` on the finding's
//! line or the line above it, in any format that has comments.

use crate::rules::Finding;
use crate::source::SourceFile;

/// The codes or names a line's suppression comment lists, if it has one.
pub fn codes_on_line(line: &str) -> Option<Vec<String>> {
    let i = line.find("tokenwise: ignore[").or_else(|| line.find("tokenwise:ignore["))?;
    let rest = &line[i..];
    let open = rest.find('[')?;
    let close = rest.find(']')?;
    let list = rest.get(open + 1..close)?;
    Some(list.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect())
}

/// Whether a comment on the finding's line or the line above suppresses it.
pub fn is_suppressed(f: &Finding, src: &SourceFile) -> bool {
    let (line, _) = src.line_col(f.at.span.start);
    let lines = [Some(line), line.checked_sub(1).filter(|l| *l >= 1)];
    lines.into_iter().flatten().any(|l| {
        codes_on_line(src.line_text(l))
            .is_some_and(|codes| codes.iter().any(|c| c.eq_ignore_ascii_case(f.code()) || c == f.name()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(
            codes_on_line("token = var.x # tokenwise: ignore[TW101, hardcoded-token] -- reviewed"),
            Some(vec!["TW101".to_owned(), "hardcoded-token".to_owned()])
        );
        assert_eq!(codes_on_line("// tokenwise: ignore[TW201]"), Some(vec!["TW201".to_owned()]));
        assert_eq!(codes_on_line("# nothing here"), None);
    }
}
