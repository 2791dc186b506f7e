//! `check --show-files`: every file the walk considered, in path order, with the kind it was
//! read as and, for a file not read whole and parsed, why. Like ruff's `--show-files`, it lists
//! and does not report findings.
//!
//! The records are made only when asked: the walk, the reader and the extractors note what they
//! decided in values they make anyway (`read::How`, `FileFacts::reader`), and nothing per file is
//! kept on a plain scan.

use crate::discover::Passed;
use crate::kind::FileKind;
use crate::read::{How, Read};

/// One file (or ignored folder) as `--show-files` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The path as reports show it; an ignored folder ends with `/`.
    pub path: String,
    /// The kind by name and content, when the file was opened.
    pub kind: Option<FileKind>,
    /// What an extractor read it as, where its kind leaves that open.
    pub reader: &'static str,
    pub status: Status,
    /// Not UTF-8: read as Latin-1.
    pub lossy: bool,
}

/// What became of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Read whole and parsed.
    Parsed,
    /// Read whole; it did not parse (a TW001).
    ParseError,
    /// Read whole, searched for literal tokens only (prose, data).
    Literals,
    /// Its kind is parsed, but it holds no keyword: searched for literal tokens only, because
    /// it may hide an escaped or encoded one.
    Hidden,
    /// Streamed and searched for literal tokens only: binary, or larger than the limit.
    Streamed { binary: bool, bytes: u64, limit: u64 },
    /// Binary without a token prefix: not searched further.
    Binary,
    /// The prefilter found nothing the file could yield.
    Dropped,
    /// The config's `exclude` pattern in the config named.
    Excluded { pattern: String, config: String },
    /// Passed by the walk.
    Passed(Passed),
    /// Could not be read (why).
    Unreadable(String),
}

impl Shown {
    /// The record of a file read by `read::file` or `read::content` (`path` is its report name).
    pub fn of_read(path: String, read: &Read, limit: u64) -> Shown {
        let kind = Some(read.found);
        let status = match read.how {
            How::Whole if matches!(read.kind, FileKind::Other | FileKind::Data) => {
                if matches!(read.found, FileKind::Other | FileKind::Data) { Status::Literals } else { Status::Hidden }
            }
            How::Whole => Status::Parsed,
            How::Streamed { binary, bytes } => Status::Streamed { binary, bytes, limit },
            How::Binary => Status::Binary,
            How::Dropped => Status::Dropped,
            How::Unreadable => {
                let w = read.warning.as_deref().unwrap_or("cannot read");
                let why = w.strip_prefix(path.as_str()).and_then(|w| w.strip_prefix(": ")).unwrap_or(w);
                Status::Unreadable(why.to_owned())
            }
        };
        let kind = if matches!(status, Status::Unreadable(_)) { None } else { kind };
        let lossy = read.file.as_ref().is_some_and(|f| f.lossy);
        Shown { path, kind, reader: "", status, lossy }
    }

    /// The record of a file that its config excludes.
    pub fn excluded(path: String, pattern: &str, config: &str) -> Shown {
        let status = Status::Excluded { pattern: pattern.to_owned(), config: config.to_owned() };
        Shown { path, kind: None, reader: "", status, lossy: false }
    }

    /// The record of an entry the walk passed by.
    pub fn passed(mut path: String, why: Passed) -> Shown {
        if why == (Passed::Ignored { dir: true }) {
            path.push('/');
        }
        Shown { path, kind: None, reader: "", status: Status::Passed(why), lossy: false }
    }

    /// The kind column: what the file was read as.
    pub fn kind_name(&self) -> &'static str {
        if !self.reader.is_empty() {
            return self.reader;
        }
        match (&self.status, self.kind) {
            (Status::Binary | Status::Streamed { binary: true, .. }, _) => "binary",
            (_, Some(FileKind::Script)) => code_name(&self.path),
            (_, Some(k)) => kind_name(k),
            (_, None) => "-",
        }
    }

    /// The status column: how the file was read, and why not whole and parsed.
    pub fn status_text(&self) -> String {
        let text = match &self.status {
            Status::Parsed => "parsed".to_owned(),
            Status::ParseError => "did not parse (TW001); its literal tokens were searched".to_owned(),
            Status::Literals => "literal tokens only".to_owned(),
            Status::Hidden => {
                "literal tokens only: no dbt token keyword, but it may hide an escaped or encoded token".to_owned()
            }
            Status::Streamed { binary: true, bytes, .. } => format!("literal tokens only: binary ({bytes} bytes)"),
            Status::Streamed { bytes, limit, .. } => {
                format!("literal tokens only: larger than --max-file-size {limit} ({bytes} bytes), not parsed")
            }
            Status::Binary => "skipped: binary, no token prefix in it".to_owned(),
            Status::Dropped => match self.kind {
                Some(FileKind::Other | FileKind::Data) | None => "skipped: no token prefix in it".to_owned(),
                Some(FileKind::Yaml | FileKind::Json | FileKind::Script) => {
                    "skipped: no dbt token keyword in it (prefilter)".to_owned()
                }
                Some(_) => "skipped: does not mention dbt (prefilter)".to_owned(),
            },
            Status::Excluded { pattern, config } => format!("skipped: excluded by `{pattern}` in {config}"),
            Status::Passed(Passed::Ignored { .. }) => "skipped: ignored by .gitignore / .ignore".to_owned(),
            Status::Passed(Passed::Link) => "skipped: symbolic link, not followed".to_owned(),
            Status::Passed(Passed::Special) => "skipped: not a regular file".to_owned(),
            Status::Unreadable(why) => format!("skipped: unreadable ({why})"),
        };
        if self.lossy { format!("{text}; not UTF-8, read as Latin-1") } else { text }
    }

    /// The JSON status word.
    fn status_word(&self) -> &'static str {
        match self.status {
            Status::Parsed => "parsed",
            Status::ParseError => "parse-error",
            Status::Literals | Status::Hidden | Status::Streamed { .. } => "literals",
            _ => "skipped",
        }
    }
}

/// The human name of a kind.
pub fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Terraform => "Terraform",
        FileKind::TerraformVars => "Terraform variables",
        FileKind::TerraformJson => "Terraform (JSON syntax)",
        FileKind::Terragrunt => "Terragrunt",
        FileKind::GithubActions => "GitHub Actions",
        FileKind::CloudCli => "dbt Cloud CLI config",
        FileKind::GitlabCi => "GitLab CI",
        FileKind::AzurePipelines => "Azure Pipelines",
        FileKind::CircleCi => "CircleCI",
        FileKind::BitbucketPipelines => "Bitbucket Pipelines",
        FileKind::Jenkins => "Jenkinsfile",
        FileKind::Yaml => "YAML",
        FileKind::Json => "JSON",
        FileKind::Script => "code",
        FileKind::Sql => "SQL",
        FileKind::Data => "data (dbt artifact, HTTP cassette or large JSON/YAML)",
        FileKind::Other => "text",
    }
}

/// The name of the code or config a file of [`FileKind::Script`] holds, by its name.
fn code_name(path: &str) -> &'static str {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = file.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match (file.as_str(), ext) {
        ("makefile", _) | (_, "mk") => "Makefile",
        ("dockerfile", _) => "Dockerfile",
        ("justfile", _) => "justfile",
        ("procfile", _) => "Procfile",
        (_, "py") => "Python code",
        (_, "sh" | "bash" | "zsh" | "ksh" | "fish") => "shell script",
        (_, "ps1" | "psm1") => "PowerShell script",
        (_, "js" | "mjs" | "cjs") => "JavaScript code",
        (_, "ts") => "TypeScript code",
        (_, "rb") => "Ruby code",
        (_, "go") => "Go code",
        (_, "java") => "Java code",
        (_, "kt") => "Kotlin code",
        (_, "groovy") => "Groovy code",
        (_, "scala") => "Scala code",
        (_, "r") => "R code",
        (_, "bat" | "cmd") => "Windows batch script",
        (_, "http" | "rest") => "HTTP request file",
        (_, "toml") => "TOML config",
        (_, "cfg" | "ini" | "conf" | "properties") => "INI-style config",
        _ => "code",
    }
}

/// The list, sorted by path, with what the extractors read each file as.
pub fn merge(mut shown: Vec<Shown>, readers: Vec<(String, &'static str, bool)>) -> Vec<Shown> {
    shown.sort_by(|a, b| a.path.cmp(&b.path));
    shown.dedup_by(|a, b| a.path == b.path);
    for (path, reader, parse_error) in readers {
        if let Ok(i) = shown.binary_search_by(|s| s.path.as_str().cmp(&path))
            && let Some(s) = shown.get_mut(i)
        {
            s.reader = reader;
            // Read past the prefilter: a file a CI step runs is parsed whatever it holds.
            if matches!(s.status, Status::Dropped | Status::Hidden) {
                s.status = Status::Parsed;
            }
            if parse_error && s.status == Status::Parsed {
                s.status = Status::ParseError;
            }
        }
    }
    shown
}

/// `path<TAB>kind<TAB>status`, one line per file, every field escaped.
pub fn render_text(shown: &[Shown]) -> String {
    let mut out = String::new();
    for s in shown {
        let e = crate::escape::text;
        out.push_str(&format!("{}\t{}\t{}\n", e(&s.path), s.kind_name(), e(&s.status_text())));
    }
    out
}

/// `{"version": 1, "files": [{"path", "kind", "status", "reason"}]}`: `status` is `parsed`,
/// `parse-error`, `literals` (searched for literal tokens only) or `skipped`; `reason` the
/// status column of the text (`null` when parsed).
pub fn render_json(shown: &[Shown]) -> String {
    let files: Vec<serde_json::Value> = shown
        .iter()
        .map(|s| {
            let kind = s.kind_name();
            serde_json::json!({
                "path": s.path,
                "kind": if kind == "-" { None } else { Some(kind) },
                "status": s.status_word(),
                "reason": if s.status == Status::Parsed { None } else { Some(s.status_text()) },
            })
        })
        .collect();
    let doc = serde_json::json!({"version": 1, "files": files});
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped_and_the_columns_kept() {
        let s = Shown::excluded("a\u{1b}[31m.tf".into(), "*.tf", ".tokenwise.yml");
        let text = render_text(&[s]);
        assert_eq!(text, "a\\u{1b}[31m.tf\t-\tskipped: excluded by `*.tf` in .tokenwise.yml\n");
    }

    #[test]
    fn code_is_named_by_its_extension() {
        assert_eq!(code_name("scripts/run.py"), "Python code");
        assert_eq!(code_name("ci/Makefile"), "Makefile");
        assert_eq!(code_name("x/deploy.SH"), "shell script");
        assert_eq!(code_name("x/y.unknown"), "code");
    }

    #[test]
    fn merge_sorts_and_takes_the_readers() {
        let read = |p: &str| Shown {
            path: p.into(),
            kind: Some(FileKind::Yaml),
            reader: "",
            status: Status::Parsed,
            lossy: false,
        };
        let merged = merge(vec![read("b.yml"), read("a.yml")], vec![("b.yml".into(), "Helm values", true)]);
        assert_eq!(merged.iter().map(|s| s.path.as_str()).collect::<Vec<_>>(), ["a.yml", "b.yml"]);
        assert_eq!(merged[1].kind_name(), "Helm values");
        assert_eq!(merged[1].status, Status::ParseError);
        assert_eq!(merged[0].kind_name(), "YAML");
    }
}
