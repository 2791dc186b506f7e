//! Jenkins pipelines (`Jenkinsfile`): credentials bound by `withCredentials` or `credentials()`
//! in `environment {}` that carry dbt Cloud tokens into `sh` steps. The credentials id is the
//! name that says the token type.

use super::Ctx;
use super::ci::{self, Dialect, Item, Pipeline, add, declared_trigger, ticked};
use crate::model::TokenUse;
use crate::model::fact::{Event, EventKind};
use crate::tree::Span;
use regex::Regex;
use std::sync::OnceLock;

/// What a stretch of Groovy source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    Code,
    Str,
    Comment,
}

/// Binding arguments that name the variable holding the secret, most specific first.
const VARIABLE_ARGS: [&str; 3] = ["variable", "passwordVariable", "tokenVariable"];

struct Patterns {
    credentials: Regex,
    binding: Regex,
    argument: Regex,
    environment: Regex,
    assignment: Regex,
    branch: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = crate::pattern::constant;
        Patterns {
            credentials: re(r#"\bcredentials\s*\(\s*['"]([^'"\n]+)['"]\s*\)"#),
            binding: re(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*\bcredentialsId\s*:[^()]*)\)"),
            argument: re(r#"\b([A-Za-z_][A-Za-z0-9_]*)\s*:\s*['"]([^'"\n]*)['"]"#),
            environment: re(r"\benvironment\s*\{"),
            assignment: re(r"(?m)^[\t ]*([A-Za-z_][A-Za-z0-9_]*)[\t ]*=[\t ]*(\S[^\n]*?)[\t ]*$"),
            branch: re(r#"\bbranch\s*\(?\s*['"]([^'"\n]+)['"]"#),
        }
    })
}

pub fn extract(ctx: &Ctx) -> Vec<TokenUse> {
    let text = ctx.src.text.as_str();
    let regions = regions(text);
    // Comments blanked out, offsets kept: commented-out credentials bind nothing.
    let code = blank(text, &regions, false);
    let pat = patterns();

    let mut p = Pipeline::new(Dialect::Groovy, "environment variable");
    let parts = trigger_parts(&code, &blank(text, &regions, true));
    let root = p.scope("the pipeline", declared_trigger("Jenkins pipeline", &parts, None), None);

    for c in pat.credentials.captures_iter(&code) {
        let (Some(whole), Some(id)) = (c.get(0), c.get(1)) else { continue };
        let line_start = code.get(..whole.start()).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
        let before = code.get(line_start..whole.start()).unwrap_or("");
        let key = before
            .trim_end()
            .strip_suffix('=')
            .map(|k| k.trim().trim_start_matches("env.").to_owned())
            .filter(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let sink = match &key {
            Some(k) => format!("environment variable `{k}` of the pipeline"),
            None => "a credentials binding".to_owned(),
        };
        let at = Span::new(id.start(), id.end());
        p.items.push(Item::Source { scope: root, key, name: id.as_str().to_owned(), at, kind: "credentials", sink });
    }

    for c in pat.binding.captures_iter(&code) {
        let (Some(binding), Some(args)) = (c.get(1), c.get(2)) else { continue };
        let mut id = None;
        let mut vars: Vec<(String, String)> = Vec::new();
        for a in pat.argument.captures_iter(args.as_str()) {
            let (Some(k), Some(v)) = (a.get(1), a.get(2)) else { continue };
            if k.as_str() == "credentialsId" {
                id = Some((v.as_str().to_owned(), Span::new(args.start() + v.start(), args.start() + v.end())));
            } else {
                vars.push((k.as_str().to_owned(), v.as_str().to_owned()));
            }
        }
        let Some((name, at)) = id else { continue };
        let key = VARIABLE_ARGS.iter().find_map(|want| vars.iter().find(|(k, _)| k == want).map(|(_, v)| v.clone()));
        let sink = match &key {
            Some(k) => format!("`{}` binding of `{k}`", binding.as_str()),
            None => format!("`{}` credentials", binding.as_str()),
        };
        p.items.push(Item::Source { scope: root, key, name, at, kind: "credentials", sink });
    }

    for m in pat.environment.find_iter(&code) {
        let end = matching_brace(&code, m.end()).unwrap_or(code.len());
        let block = code.get(m.end()..end).unwrap_or("");
        for a in pat.assignment.captures_iter(block) {
            let (Some(k), Some(v)) = (a.get(1), a.get(2)) else { continue };
            if v.as_str().starts_with("credentials") {
                continue;
            }
            p.items.push(Item::Entry {
                scope: root,
                key: k.as_str().to_owned(),
                value: Span::new(m.end() + v.start(), m.end() + v.end()),
                description: None,
                sink: format!("environment variable `{}` of the pipeline", k.as_str()),
                carries_token: false,
            });
        }
    }

    for (kind, span) in &regions {
        let sink = match kind {
            Region::Comment => continue,
            Region::Code => "Groovy code of the pipeline".to_owned(),
            Region::Str => match step_before(&code, span.start) {
                Some(step) => format!("`{step}` step of the pipeline"),
                None => "a string in the pipeline".to_owned(),
            },
        };
        p.items.push(Item::Script { scope: root, span: *span, sink });
    }
    ci::uses(ctx, p)
}

/// `text` with comments (and, with `strings`, the inside of string literals) turned into spaces,
/// offsets and line breaks kept.
fn blank(text: &str, regions: &[(Region, Span)], strings: bool) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (kind, span) in regions {
        let range = match kind {
            Region::Comment => span.start..span.end,
            Region::Str if strings && span.end > span.start + 1 => span.start + 1..span.end - 1,
            _ => continue,
        };
        for b in bytes.get_mut(range).unwrap_or_default() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// The shell step a string is the script of (`sh '…'`, `sh(script: """…""")`), if any.
fn step_before(code: &str, start: usize) -> Option<&'static str> {
    let before = code.get(..start)?.trim_end();
    let before = before.strip_suffix("script:").unwrap_or(before).trim_end();
    let before = before.strip_suffix('(').unwrap_or(before).trim_end();
    ["sh", "bat", "powershell", "pwsh"].into_iter().find(|s| {
        before.ends_with(s)
            && !before[..before.len() - s.len()].bytes().last().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// The offset of the `}` closing a block whose body starts at `from`.
fn matching_brace(code: &str, from: usize) -> Option<usize> {
    let mut depth = 1usize;
    for (i, b) in code.as_bytes().iter().enumerate().skip(from) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What `triggers {}` and `when {}` say about when the pipeline runs: `code` has comments
/// blanked, `skeleton` string contents too.
fn trigger_parts(code: &str, skeleton: &str) -> Vec<Event> {
    let mut parts = Vec::new();
    let branches: Vec<String> = patterns()
        .branch
        .captures_iter(code)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_owned()))
        .fold(Vec::new(), |mut acc, b| {
            add(&mut acc, b);
            acc
        });
    if !branches.is_empty() {
        add(&mut parts, Event::new(EventKind::Push, format!("push to {}", ticked(&branches))));
    }
    let has = |name: &str| {
        skeleton.match_indices(name).any(|(i, _)| {
            let before = skeleton.as_bytes().get(i.wrapping_sub(1)).copied();
            let after = skeleton.get(i + name.len()..).unwrap_or("").trim_start();
            !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') && after.starts_with(['(', '{', '\'', '"'])
        })
    };
    if has("cron") || has("parameterizedCron") {
        add(&mut parts, Event::new(EventKind::Schedule, "a schedule"));
    }
    if has("pollSCM") || has("githubPush") || has("gitlab") || has("bitbucketPush") || has("GenericTrigger") {
        add(&mut parts, Event::new(EventKind::Push, "push"));
    }
    if has("buildingTag") || has("tag") {
        add(&mut parts, Event::new(EventKind::Tag, "tags"));
    }
    if has("changeRequest") {
        add(&mut parts, Event::new(EventKind::PullRequest, "pull requests"));
    }
    if has("upstream") {
        add(&mut parts, Event::new(EventKind::Upstream, "another job's completion"));
    }
    parts
}

/// Code, string literals (`'…'`, `"…"`, `'''…'''`, `"""…"""`) and comments of Groovy source.
fn regions(text: &str) -> Vec<(Region, Span)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut code_start = 0;
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (kind, end) = if rest.starts_with(b"//") {
            (Region::Comment, find(b, i + 2, b"\n").unwrap_or(b.len()))
        } else if rest.starts_with(b"/*") {
            (Region::Comment, find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2))
        } else if rest.starts_with(b"'''") || rest.starts_with(b"\"\"\"") {
            (Region::Str, find(b, i + 3, &rest[..3]).map_or(b.len(), |e| e + 3))
        } else if rest[0] == b'\'' || rest[0] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != rest[0] && b[j] != b'\n' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            (Region::Str, (j + 1).min(b.len()))
        } else {
            i += 1;
            continue;
        };
        if i > code_start {
            out.push((Region::Code, Span::new(code_start, i)));
        }
        out.push((kind, Span::new(i, end)));
        i = end;
        code_start = end;
    }
    if b.len() > code_start {
        out.push((Region::Code, Span::new(code_start, b.len())));
    }
    out
}

/// The first occurrence of `needle` in `b` at or after `from`, skipping backslash escapes.
fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut i = from;
    while i + needle.len() <= b.len() {
        if b[i] == b'\\' && matches!(needle.first(), Some(b'\'' | b'"')) {
            i += 2;
            continue;
        }
        if b[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_split_code_strings_and_comments() {
        let text = "sh 'a' // c\nx = \"\"\"b\n'q'\"\"\" /* d */ y";
        let kinds: Vec<(Region, &str)> = regions(text).into_iter().map(|(k, s)| (k, &text[s.start..s.end])).collect();
        assert_eq!(
            kinds,
            [
                (Region::Code, "sh "),
                (Region::Str, "'a'"),
                (Region::Code, " "),
                (Region::Comment, "// c"),
                (Region::Code, "\nx = "),
                (Region::Str, "\"\"\"b\n'q'\"\"\""),
                (Region::Code, " "),
                (Region::Comment, "/* d */"),
                (Region::Code, " y"),
            ]
        );
    }

    #[test]
    fn triggers_say_when_the_pipeline_runs() {
        let code = "triggers { cron('H 2 * * *') }\nstage('x') { when { branch 'main' } }\nwhen { buildingTag() }";
        let parts = |c: &str| trigger_parts(c, &blank(c, &regions(c), true));
        assert_eq!(crate::model::fact::names(&parts(code)), ["push to `main`", "a schedule", "tags"]);
        assert!(parts("sh 'crontab -l; git tag \"v1\"'").is_empty());
    }

    #[test]
    fn shell_steps_are_named() {
        assert_eq!(step_before("sh ", 3), Some("sh"));
        assert_eq!(step_before("sh(script: ", 11), Some("sh"));
        assert_eq!(step_before("flash ", 6), None);
        assert_eq!(step_before("echo ", 5), None);
    }
}
