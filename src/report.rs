//! Which findings a run reports: the rules selected (`--select` / `--ignore` over the config over
//! the defaults) at their configured severities, less inline suppressions and the baseline.
//! `check` and `inventory` report through it, so both show the same findings.

use crate::baseline::{Baseline, Entry};
use crate::config::Settings;
use crate::model::Severity;
use crate::render::Report;
use crate::rules::{Finding, Rule};
use crate::scan::Scan;

/// The rules the command line turns on and off, as ruff reads them: `--select` replaces the
/// configured and default rule set (empty: keep it), `--extend-select` adds to whichever set
/// applies, `--ignore` / `--extend-ignore` take rules away from it.
#[derive(Debug, Default)]
pub struct Selection {
    pub select: Vec<Rule>,
    pub extend_select: Vec<Rule>,
    pub ignore: Vec<Rule>,
}

/// The command line's rule lists, as given (codes or names, `ALL`).
#[derive(Debug, Default)]
pub struct RuleArgs<'a> {
    pub select: &'a [String],
    pub extend_select: &'a [String],
    pub ignore: &'a [String],
    pub extend_ignore: &'a [String],
}

impl Selection {
    /// The selection that `--select` and `--ignore` lists of codes or names (`ALL`) stand for.
    pub fn parse(select: &[String], ignore: &[String]) -> Result<Selection, String> {
        Selection::from_args(&RuleArgs { select, ignore, ..RuleArgs::default() })
    }

    /// The selection all four lists stand for.
    pub fn from_args(a: &RuleArgs) -> Result<Selection, String> {
        let mut ignore = rules(a.ignore)?;
        ignore.extend(rules(a.extend_ignore)?);
        Ok(Selection { select: rules(a.select)?, extend_select: rules(a.extend_select)?, ignore })
    }

    /// A finding's severity on its path, `None` when its rule is off there. The command line
    /// beats the config; the config beats the defaults.
    pub fn level(&self, f: &Finding, path: &str, config: &Settings) -> Option<Severity> {
        self.on(f.rule, path, config).then(|| config.rule_level(f.code(), path).flatten().unwrap_or(f.severity))
    }

    /// Whether `rule` is selected on `path`.
    pub fn on(&self, rule: Rule, path: &str, config: &Settings) -> bool {
        let on = if self.select.is_empty() {
            match config.rule_level(rule.code(), path) {
                Some(level) => level.is_some(),
                None => rule.texts().default_enabled,
            }
        } else {
            self.select.contains(&rule)
        } || self.extend_select.contains(&rule);
        on && !self.ignore.contains(&rule)
    }
}

/// The rules a list of codes or names stands for.
fn rules(list: &[String]) -> Result<Vec<Rule>, String> {
    let mut out = Vec::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("ALL") {
            out.extend(Rule::ALL);
            continue;
        }
        let known = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
        out.push(Rule::parse(item).ok_or_else(|| {
            format!("unknown rule `{item}`{}; `tokenwise rules` lists them", crate::suggest::hint(item, known))
        })?);
    }
    Ok(out)
}

/// The report of a scan: its findings at the severity `level` gives them on their path (`None`
/// when the rule is off there), less those suppressed inline or recorded in `baseline`, in
/// report order. `on` says whether a rule is selected on a path: a suppression comment naming
/// a selected rule that suppressed nothing is a TW002 finding of its own.
pub fn build<'a>(
    scan: &'a Scan,
    level: impl Fn(&Finding, &str) -> Option<Severity>,
    on: impl Fn(Rule, &str) -> bool,
    mut baseline: Option<Baseline>,
) -> Report<'a> {
    let mut suppressed = 0;
    let mut findings: Vec<Finding> = Vec::new();
    let mut comments = crate::suppress::Suppressions::new(&scan.files);
    let path = |f: &Finding| scan.files.get(f.at.file).map(|s| s.display.as_str()).unwrap_or("");
    for f in &scan.findings {
        // Asked of every finding, kept or not: a comment for a finding that `--min-confidence`
        // leaves out still has something to suppress.
        let hit = comments.suppresses(f);
        let Some(severity) = level(f, path(f)) else { continue };
        if hit {
            suppressed += 1;
        } else {
            findings.push(Finding { severity, ..f.clone() });
        }
    }
    let unused = crate::rules::unused_suppressions(&scan.files, comments.judged(), |r, p| on(r, p));
    let mut added = false;
    for f in unused {
        let Some(severity) = level(&f, path(&f)) else { continue };
        if comments.suppresses(&f) {
            suppressed += 1;
        } else {
            findings.push(Finding { severity, ..f });
            added = true;
        }
    }
    if added {
        findings.sort_by(crate::rules::report_order);
    }
    let mut baselined = 0;
    if let Some(b) = baseline.as_mut() {
        findings.retain(|f| {
            let known = b.take(&entry(f, scan));
            baselined += usize::from(known);
            !known
        });
    }
    Report { scan, findings, suppressed, baselined, in_base: 0, project: None }
}

/// A finding as a baseline records it.
pub fn entry(f: &Finding, scan: &Scan) -> Entry {
    let path = scan.files.get(f.at.file).map(|s| s.display.as_str()).unwrap_or("");
    Entry { code: f.code().to_owned(), path: path.to_owned(), fingerprint: f.fingerprint.clone() }
}
