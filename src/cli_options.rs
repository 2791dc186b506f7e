//! The conventions of `check` that users bring from ruff and zizmor: colour, `--quiet`,
//! `--statistics`, `--exit-zero`, `--min-confidence`, `--extend-select` / `--extend-ignore`,
//! `--project-root`, and the terminal width the human formats wrap to.

use crate::model::Confidence;
use crate::render::Report;
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set (`FORCE_COLOR` / `CLICOLOR_FORCE` force it).
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MinConfidence {
    Low,
    Medium,
    High,
}

impl MinConfidence {
    pub fn confidence(self) -> Confidence {
        match self {
            MinConfidence::Low => Confidence::Low,
            MinConfidence::Medium => Confidence::Medium,
            MinConfidence::High => Confidence::High,
        }
    }
}

#[derive(clap::Args, Debug, Default)]
pub struct ReportArgs {
    /// Add these rules to the configured (or --select) set (comma-separated codes or names).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_select: Vec<String>,
    /// Also leave out these rules (comma-separated codes or names).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub extend_ignore: Vec<String>,
    /// Report only findings at least this sure of their classification.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<MinConfidence>,
    /// Colour in `pretty` output.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print the findings only: no summary line, no progress, no warnings.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule has instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when there are findings (a usage error still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Give SARIF and GitLab paths from DIR (default: the root of the git work tree holding
    /// the first path, else the working directory).
    #[arg(long, value_name = "DIR")]
    pub project_root: Option<PathBuf>,
}

/// Whether to colour, from the choice, the environment and whether stdout is a terminal.
/// `NO_COLOR` counts only when non-empty (no-color.org); a non-empty `FORCE_COLOR` or
/// `CLICOLOR_FORCE` other than `0` forces colour, also off a terminal, and beats `NO_COLOR`.
pub fn use_color(choice: ColorChoice, terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    let forced = |k: &str| env(k).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if forced("FORCE_COLOR") || forced("CLICOLOR_FORCE") => true,
        ColorChoice::Auto => terminal && !set("NO_COLOR"),
    }
}

/// The width human output wraps to: `COLUMNS` when it is a number, else the terminal's width,
/// else 80; never under 40 (nothing readable fits in less).
pub fn width(env: impl Fn(&str) -> Option<String>, terminal: Option<usize>) -> usize {
    let columns = env("COLUMNS").and_then(|c| c.trim().parse::<usize>().ok()).filter(|c| *c > 0);
    columns.or(terminal).unwrap_or(80).max(40)
}

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)).filter(|w| *w > 0)
}

/// The process environment, for [`use_color`] and [`width`].
pub fn env_var(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// Wrapping that never splits a word: only at spaces (not after a `/` or `-` in a path or a
/// URL), a word longer than the room kept whole.
pub fn wrap_options<'a>(width: usize) -> textwrap::Options<'a> {
    textwrap::Options::new(width)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// A human report without its last line, the summary (`--quiet`).
pub fn without_summary(text: &str) -> String {
    match text.trim_end_matches('\n').rsplit_once('\n') {
        Some((body, _)) => format!("{body}\n"),
        None => String::new(),
    }
}

/// `--statistics`: one line per rule with findings, most first (ties by code), as ruff prints
/// them; JSON for the JSON format.
pub fn statistics(r: &Report, json: bool) -> String {
    let mut counts: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for f in &r.findings {
        counts.entry(f.code()).or_insert((0, f.name())).0 += 1;
    }
    let mut rows: Vec<(&str, usize, &str)> = counts.into_iter().map(|(c, (n, name))| (c, n, name)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if json {
        let v: Vec<serde_json::Value> =
            rows.iter().map(|(c, n, name)| serde_json::json!({"code": c, "name": name, "count": n})).collect();
        return format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    let wide = rows.iter().map(|r| r.1.to_string().len()).max().unwrap_or(1);
    rows.iter().map(|(c, n, name)| format!("{n:>wide$}\t{c}\t{name}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn colour_follows_no_color_only_when_set_and_force_beats_it() {
        assert!(use_color(ColorChoice::Auto, true, env(&[])));
        assert!(use_color(ColorChoice::Auto, true, env(&[("NO_COLOR", "")])), "an empty NO_COLOR counts as unset");
        assert!(!use_color(ColorChoice::Auto, true, env(&[("NO_COLOR", "1")])));
        assert!(!use_color(ColorChoice::Auto, false, env(&[])));
        assert!(use_color(ColorChoice::Auto, false, env(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")])));
        assert!(use_color(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!use_color(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(use_color(ColorChoice::Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!use_color(ColorChoice::Never, true, env(&[("FORCE_COLOR", "1")])));
    }

    #[test]
    fn the_width_comes_from_columns_then_the_terminal_then_80() {
        assert_eq!(width(env(&[("COLUMNS", "100")]), Some(120)), 100);
        assert_eq!(width(env(&[("COLUMNS", "wide")]), Some(120)), 120);
        assert_eq!(width(env(&[]), None), 80);
        assert_eq!(width(env(&[("COLUMNS", "10")]), None), 40);
    }

    #[test]
    fn quiet_drops_the_summary_line_only() {
        assert_eq!(without_summary("a:1:1: TW101 x\nFound 1 finding in 1 file.\n"), "a:1:1: TW101 x\n");
        assert_eq!(without_summary("No findings in 2 files.\n"), "");
    }
}
