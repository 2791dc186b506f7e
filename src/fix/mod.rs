//! Fixes: what a finding offers to change, as byte-range edits on the files as they were read.
//! A rule attaches them to its findings ([`Fix::safe`], [`Fix::unsafe_`], [`Fix::display`] with
//! [`Edit::replace`] and friends); [`plan`] chooses and applies them, [`diff`] shows them, and
//! [`command`] is what `check --fix`, `--diff`, `--unsafe-fixes` and `--add-ignore` do.
//! An edit splices text into a range and leaves every other byte as it was: a document is
//! never parsed and written back.
//!
//! A rule attaches a fix to the finding it made, with the spans its extractor recorded:
//!
//! ```ignore
//! let mut f = finding(rule, draft);
//! f.fixes.push(Fix::safe("mark the output sensitive", vec![add_line_in_block(src, file, open, "sensitive = true")?]));
//! f.fixes.push(Fix::safe(format!("use `{url}`"), vec![replace_value(src, at, &url)]));
//! ```

pub mod add_ignore;
pub mod command;
pub mod diff;
pub mod plan;
pub mod remedy;
pub mod service_token;

use crate::model::Loc;
use serde::Serialize;

/// How far a fix may be trusted: `--fix` applies safe ones, `--unsafe-fixes` also unsafe ones;
/// a display-only fix is shown and never applied (it needs a person, or a secret tokenwise
/// never writes). Ordered from least to most trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    DisplayOnly,
    Unsafe,
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// The file an edit changes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A scanned file, by its index in the scan; offsets are into its text as read.
    Scanned(usize),
    /// Another file (`.gitignore`, a new Terraform file), by its path as reports show it.
    Path(String),
}

impl Target {
    /// The path reports show for it.
    pub fn path<'a>(&'a self, files: &'a [crate::source::SourceFile]) -> &'a str {
        match self {
            Target::Scanned(i) => files.get(*i).map(|s| s.display.as_str()).unwrap_or(""),
            Target::Path(p) => p,
        }
    }
}

/// Offset that stands for "the end of the file, on a line of its own" until [`resolve`] reads
/// the file.
pub const END: usize = usize::MAX;

/// Replace `start..end` of a file by `text` (an insertion when they are equal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub target: Target,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Edit {
    /// Replace what `at` covers.
    pub fn replace(at: Loc, text: impl Into<String>) -> Edit {
        Edit { target: Target::Scanned(at.file), start: at.span.start, end: at.span.end, text: text.into() }
    }

    /// Insert at an offset of a scanned file.
    pub fn insert(file: usize, at: usize, text: impl Into<String>) -> Edit {
        Edit { target: Target::Scanned(file), start: at, end: at, text: text.into() }
    }

    /// Add `line` at the end of the file at `path` (created when missing), unless the file
    /// already has that line.
    pub fn append_line(path: impl Into<String>, line: impl Into<String>) -> Edit {
        Edit { target: Target::Path(path.into()), start: END, end: END, text: line.into() }
    }
}

/// Replace the value at `at` by `value`, quoted as the old one was (`"x"`, `'x'` or bare).
pub fn replace_value(src: &crate::source::SourceFile, at: Loc, value: &str) -> Edit {
    let old = src.text.get(at.span.start..at.span.end).unwrap_or("");
    let quote = match old.chars().next() {
        Some(q @ ('"' | '\'')) if old.len() > 1 && old.ends_with(q) => q.to_string(),
        _ => String::new(),
    };
    Edit::replace(at, format!("{quote}{value}{quote}"))
}

/// Add `line` as the first line inside the block whose `{` is at `open`, indented as the
/// block's next line is (or two spaces more than the block's own line). `None` when no line
/// break follows the brace (a one-line block is left to a person).
pub fn add_line_in_block(src: &crate::source::SourceFile, file: usize, open: usize, line: &str) -> Option<Edit> {
    let text = &src.text;
    let after = open + text.get(open..)?.find('\n')? + 1;
    let own_start = text.get(..open)?.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let own: String = text.get(own_start..open)?.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let next: String = text.get(after..)?.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let indent = if next.len() > own.len() { next } else { format!("{own}  ") };
    Some(Edit::insert(file, after, format!("{indent}{line}\n")))
}

/// For a file of the Cloud CLI (`dbt_cloud.yml`, anything under `.dbt/`): the line that keeps it
/// out of future commits, in the `.gitignore` beside it (or beside `.dbt/`). What was committed
/// stays committed, so the title says to revoke and untrack.
pub fn ignore_cloud_cli_config(path: &str) -> Option<Fix> {
    let (dir, entry) = if let Some(i) = path.find(".dbt/").filter(|i| *i == 0 || path[..*i].ends_with('/')) {
        (&path[..i], ".dbt/")
    } else if crate::kind::of_path(path) == crate::kind::FileKind::CloudCli {
        match path.rsplit_once('/') {
            Some((d, name)) => (&path[..d.len() + 1], name),
            None => ("", path),
        }
    } else {
        return None;
    };
    let gitignore = format!("{dir}.gitignore");
    let untrack = format!("{dir}{entry}");
    Some(Fix::safe(
        format!(
            "add `{entry}` to `{gitignore}` so the Cloud CLI config is not committed again (the token in it must still be revoked, and the file untracked: `git rm --cached -r {untrack}`)"
        ),
        vec![Edit::append_line(gitignore, entry)],
    ))
}

/// One way to fix a finding.
#[derive(Clone, Debug)]
pub struct Fix {
    /// What it does, in the imperative ("add `dbt_cloud.yml` to `.gitignore`").
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// Text to paste, for a fix that shows more than its edits (the service token resource).
    pub content: Option<String>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix { title: title.into(), applicability: Applicability::Safe, edits, content: None }
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix { title: title.into(), applicability: Applicability::Unsafe, edits, content: None }
    }

    /// A fix shown, never applied: `content` says what to do or holds what to paste.
    pub fn display(title: impl Into<String>, content: impl Into<String>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::DisplayOnly,
            edits: vec![],
            content: Some(content.into()),
        }
    }

    /// True when some text of the fix holds what looks like a token: such a fix is kept only
    /// as a display-only title.
    fn holds_secret(&self) -> bool {
        let secret = |t: &str| matches!(crate::literal::mask(t), std::borrow::Cow::Owned(_));
        secret(&self.title) || self.content.as_deref().is_some_and(secret) || self.edits.iter().any(|e| secret(&e.text))
    }
}

/// Fixes never carry a secret: one whose text holds a token is cut down to its masked title,
/// display-only. Run over every finding once the rules have run.
pub fn guard(fixes: &mut [Fix]) {
    for f in fixes {
        if f.holds_secret() {
            f.title = crate::literal::mask(&f.title).into_owned();
            f.applicability = Applicability::DisplayOnly;
            f.edits.clear();
            f.content = Some(
                "this fix would write a token value: make the change by hand, reading the token from a secret".into(),
            );
        }
    }
}

/// Most bytes of a file that an edit targets by path (`.gitignore`) that are read.
const MAX_OTHER: u64 = crate::bounded::MIB;

/// The current bytes of a file an edit targets by path: `None` when it does not exist.
pub fn read_other(path: &str) -> Result<Option<Vec<u8>>, String> {
    let p = std::path::Path::new(path);
    if !crate::longpath::exists(p) {
        return Ok(None);
    }
    crate::bounded::read(p, MAX_OTHER, false).map(Some).map_err(|e| format!("`{path}` {e}"))
}

/// Put the edits that append a line to a file by path at the file's real end (with the line
/// break they need), and drop those whose line the file already has. Files are read once.
pub fn resolve(fixes: &mut [&mut Fix]) {
    let mut cache: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
    for fix in fixes.iter_mut() {
        fix.edits.retain_mut(|e| {
            let Target::Path(path) = &e.target else { return true };
            if e.start != END {
                return true;
            }
            let text = cache
                .entry(path.clone())
                .or_insert_with(|| read_other(path).ok().flatten().map(|b| String::from_utf8_lossy(&b).into_owned()));
            let body = text.as_deref().unwrap_or("");
            let line = e.text.trim_end_matches('\n');
            if body.lines().any(|l| l.trim_end() == line) {
                return false;
            }
            let sep = if body.is_empty() || body.ends_with('\n') { "" } else { "\n" };
            e.start = body.len();
            e.end = body.len();
            e.text = format!("{sep}{line}\n");
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::tree::Span;

    fn src(text: &str) -> SourceFile {
        SourceFile::new("x.tf".into(), "x.tf".into(), text.as_bytes().to_vec())
    }

    #[test]
    fn a_line_goes_first_in_its_block_at_the_block_indentation() {
        let s = src("output \"t\" {\n    value = x\n}\n");
        let open = s.text.find('{').unwrap_or(0);
        let e = add_line_in_block(&s, 0, open, "sensitive = true");
        assert_eq!(e, Some(Edit::insert(0, 13, "    sensitive = true\n")));
        let one_line = src("output \"t\" { value = x }");
        assert_eq!(add_line_in_block(&one_line, 0, 11, "sensitive = true"), None);
        let empty = src("  output \"t\" {\n  }\n");
        let open = empty.text.find('{').unwrap_or(0);
        assert_eq!(add_line_in_block(&empty, 0, open, "a = 1").map(|e| e.text), Some("    a = 1\n".into()));
    }

    #[test]
    fn a_value_keeps_its_quotes() {
        let s = src("a = \"x\"\nb = 'y'\nc: z\n");
        let at = |start, end| Loc { file: 0, span: Span::new(start, end) };
        assert_eq!(replace_value(&s, at(4, 7), "new").text, "\"new\"");
        assert_eq!(replace_value(&s, at(12, 15), "new").text, "'new'");
        assert_eq!(replace_value(&s, at(19, 20), "new").text, "new");
    }

    #[test]
    fn cloud_cli_configs_are_ignored_beside_them() {
        let entry = |p: &str| ignore_cloud_cli_config(p).map(|f| (f.edits[0].target.clone(), f.edits[0].text.clone()));
        assert_eq!(entry("dbt_cloud.yml"), Some((Target::Path(".gitignore".into()), "dbt_cloud.yml".into())));
        assert_eq!(entry("a/b/dbt_cloud.yml"), Some((Target::Path("a/b/.gitignore".into()), "dbt_cloud.yml".into())));
        assert_eq!(entry("x/.dbt/mcp.yml"), Some((Target::Path("x/.gitignore".into()), ".dbt/".into())));
        assert_eq!(entry("a.dbt/dbt.yml"), None);
        assert_eq!(entry("deploy.yml"), None);
    }

    #[test]
    fn a_fix_that_would_write_a_token_is_cut_to_display_only() {
        // tokenwise: ignore[TW201] -- a fake token: the test checks no fix writes it
        let token = "dbtc_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzd";
        let mut fixes = vec![
            Fix::safe("put the token back", vec![Edit::insert(0, 0, format!("token = \"{token}\""))]),
            Fix::safe("fine", vec![Edit::insert(0, 0, "token = var.dbt_token")]),
        ];
        guard(&mut fixes);
        assert_eq!(fixes[0].applicability, Applicability::DisplayOnly);
        assert!(fixes[0].edits.is_empty());
        assert!(!format!("{:?}", fixes[0]).contains(token));
        assert_eq!(fixes[1].applicability, Applicability::Safe);
    }
}
