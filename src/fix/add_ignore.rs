//! `--add-ignore REASON`: a `tokenwise: ignore[CODE] -- REASON` comment above each reported
//! finding, in the file's own comment syntax and at its line's indentation (ruff's
//! `--add-noqa`). The comment is what [`crate::suppress`] reads on the line above a finding.

use super::{Edit, Fix};
use crate::kind::FileKind;
use crate::rules::Finding;
use crate::source::SourceFile;
use std::collections::BTreeMap;

/// How a line comment opens and closes in a file, by its path; `Err` says why it has none.
pub fn comment_syntax(path: &str) -> Result<(&'static str, &'static str), String> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match crate::kind::of_path(path) {
        FileKind::Json | FileKind::TerraformJson => return Err(format!("`{path}`: JSON has no comments")),
        FileKind::Data => return Err(format!("`{path}`: a data file is not edited")),
        FileKind::Jenkins => return Ok(("//", "")),
        FileKind::Script | FileKind::Other | FileKind::Sql => {}
        _ => return Ok(("#", "")),
    }
    match ext {
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "go" | "java" | "kt" | "groovy" | "scala" | "rs" | "c" | "cc"
        | "cpp" | "h" | "cs" | "swift" | "php" => Ok(("//", "")),
        "sql" => Ok(("--", "")),
        "bat" | "cmd" => Ok(("REM", "")),
        "md" | "markdown" | "html" | "htm" | "xml" | "tds" | "twb" => Ok(("<!--", " -->")),
        "http" | "rest" | "sh" | "bash" | "zsh" | "ksh" | "fish" | "py" | "ps1" | "psm1" | "rb" | "r" | "env"
        | "cfg" | "ini" | "toml" | "properties" | "conf" | "mk" | "yml" | "yaml" | "txt" => Ok(("#", "")),
        _ if name.starts_with(".env")
            || name.ends_with(".env")
            || matches!(name.as_str(), "makefile" | "dockerfile" | "justfile" | "procfile") =>
        {
            Ok(("#", ""))
        }
        _ => Err(format!("`{path}`: no known comment syntax")),
    }
}

/// A reason as one line of comment text: no line breaks, no control characters, nothing that
/// closes a comment, no token.
fn clean(reason: &str) -> String {
    let one: String = reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let one = one.replace("-->", "- ->");
    crate::literal::mask(one.trim()).into_owned()
}

/// One fix per line holding findings: the comment to insert above it, listing their codes.
/// The second list says which files were refused, and why, with how many findings each.
pub fn fixes(findings: &[Finding], files: &[SourceFile], reason: &str) -> (Vec<Fix>, Vec<String>) {
    let reason = clean(reason);
    let mut lines: BTreeMap<(usize, usize), Vec<&'static str>> = BTreeMap::new();
    for f in findings {
        let Some(src) = files.get(f.at.file) else { continue };
        let (line, _) = src.line_col(f.at.span.start);
        let codes = lines.entry((f.at.file, line)).or_default();
        if !codes.contains(&f.code()) {
            codes.push(f.code());
        }
    }
    let mut out = Vec::new();
    let mut refused: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    for ((file, line), codes) in lines {
        let Some(src) = files.get(file) else { continue };
        let syntax = if src.is_excerpt() || src.lossy {
            Err(format!("`{}`: it was not read whole as UTF-8 text", src.display))
        } else {
            comment_syntax(&src.display)
        };
        let (open, close) = match syntax {
            Ok(s) => s,
            Err(why) => {
                refused.entry(file).or_insert((why, 0)).1 += codes.len();
                continue;
            }
        };
        let (start, _) = src.line_span(line);
        let text = src.line_text(line);
        let indent: String = text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        let eol = if src.text.get(start..).and_then(|t| t.split('\n').next()).is_some_and(|l| l.ends_with('\r')) {
            "\r\n"
        } else {
            "\n"
        };
        let comment = format!("{indent}{open} tokenwise: ignore[{}] -- {reason}{close}{eol}", sorted.join(","));
        out.push(Fix::safe(
            format!("add `tokenwise: ignore[{}]` above line {line}", sorted.join(",")),
            vec![Edit::insert(file, start, comment)],
        ));
    }
    let refused = refused
        .into_values()
        .map(|(why, n)| format!("no ignore comment added for {n} finding{} in {why}", if n == 1 { "" } else { "s" }))
        .collect();
    (out, refused)
}

#[cfg(test)]
mod tests {
    use super::comment_syntax;

    #[test]
    fn terraform_json_has_no_comments_and_terragrunt_has_hcl_ones() {
        assert!(comment_syntax("cdktf.out/stacks/prod/cdk.tf.json").is_err());
        assert_eq!(comment_syntax("live/prod/terragrunt.hcl"), Ok(("#", "")));
        assert_eq!(comment_syntax("infra/main.tf"), Ok(("#", "")));
    }
}
