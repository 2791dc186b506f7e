//! `.tokenwise.yml`: found from each scanned path upward (no further than the repository root,
//! or outside a repository the scanned folder), read bounded, validated strictly, and applied as
//! excludes, rule severities (global and per path) and the project's extra classification signals.

use crate::bounded::{self, Refusal};
use crate::globs::{Globs, PathGlobs, relative};
use crate::ignore_rules::repository_root;
use crate::model::Severity;
use crate::parse::yaml;
use crate::path_name::display_path;
use crate::policy::{Partner, Policy, Signals};
use crate::project_root::absolute;
use crate::rules::Rule;
use crate::source::SourceFile;
use crate::tree::{Node, NodeKind};
use globset::{GlobBuilder, GlobSetBuilder};
use regex::Regex;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The config file's name, looked for in each folder from a scanned path up to the repository root.
pub const FILE_NAME: &str = ".tokenwise.yml";

/// A rule's configured level: `None` is `off`.
pub type Level = Option<Severity>;

const TOP_KEYS: [&str; 5] = ["rules", "exclude", "per-path", "classify", "rule-packs"];
const CLASSIFY_KEYS: [&str; 6] =
    ["production-paths", "dev-paths", "partner-paths", "partners", "personal-names", "service-names"];
const LEVELS: &str = "`off`, `error`, `warning` or `note`";

/// Largest config file or rule pack read: far more than any real one, and small enough that a
/// file pointing at an endless stream cannot exhaust memory.
pub const MAX_FILE: u64 = bounded::MIB;

/// Most values (globs, names, patterns, `per-path` entries) in one config file or rule pack,
/// counted before any is compiled: compiling globs costs time and memory per glob.
pub const MAX_VALUES: usize = 10_000;

/// The `classify:` section: extra signals for the classification.
#[derive(Debug, Default)]
struct Classify {
    production: Option<Globs>,
    dev: Option<Globs>,
    partner: Option<Globs>,
    partners: Vec<Partner>,
    personal_names: Vec<String>,
    service_names: Vec<String>,
}

/// A rule pack: lists that extend the built-in signals, and the examples that must hold.
#[derive(Debug, Default)]
struct Pack {
    source: Option<SourceFile>,
    lists: Vec<(&'static str, &'static str, Vec<String>)>,
    partners: Vec<Partner>,
    examples: Vec<(&'static str, Node)>,
}

/// One `.tokenwise.yml`.
#[derive(Debug)]
pub struct Config {
    /// The config's path as reports show paths.
    pub display: String,
    /// The folder its globs are relative to (absolute, normalised).
    dir: PathBuf,
    rules: Vec<(String, Level)>,
    exclude: Option<Globs>,
    per_path: Vec<(Globs, Vec<(String, Level)>)>,
    classify: Classify,
    packs: Vec<Pack>,
}

/// What governs one file (see [`Settings::view`]).
#[derive(Debug, Default)]
pub struct PathView<'a> {
    pub config: Option<&'a str>,
    pub excluded_by: Option<String>,
    pub classify: Vec<(&'static str, String)>,
}

/// The configs of one run: the one given with `--config`, or those discovered from the paths.
#[derive(Debug, Default)]
pub struct Settings {
    cwd: PathBuf,
    configs: Vec<Config>,
    /// True with `--config`: that file applies to every scanned file.
    explicit: bool,
    /// The folders named on the command line (absolute, normalised): an `exclude` pattern that
    /// matches one of them, or a folder above it, does not apply inside it.
    named: Vec<PathBuf>,
}

impl Settings {
    /// Load `explicit` (from `--config`), or discover a config from each path upward to the
    /// repository root (a folder holding `.git`).
    pub fn load(paths: &[PathBuf], explicit: Option<&Path>) -> Result<Settings, String> {
        let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
        // A folder named on the command line is asked for: what the config excludes is what the
        // walk finds inside it (ruff checks the paths it is given in the same way), while a file
        // named there (pre-commit and editors pass lists of them) is excluded as any other.
        let named = paths.iter().filter(|p| crate::longpath::is_dir(p)).map(|p| absolute(&cwd, p)).collect();
        let mut settings = Settings { cwd: cwd.clone(), configs: Vec::new(), explicit: explicit.is_some(), named };
        if let Some(file) = explicit {
            // Named by the user, so read wherever it is; its rule packs stay within its project.
            let file = absolute(&cwd, file);
            let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            let project = repository_root(&dir).map(Path::to_path_buf).unwrap_or(dir);
            settings.configs.push(Config::load(&file, &cwd, &project, false)?);
            return Ok(settings);
        }
        let mut seen: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let mut found: Vec<(PathBuf, PathBuf)> = Vec::new();
        for p in paths {
            let abs = absolute(&cwd, p);
            let start = if abs.is_dir() { abs } else { abs.parent().map(Path::to_path_buf).unwrap_or(abs) };
            if let Some(hit) = discover(&start, &mut seen)
                && !found.contains(&hit)
            {
                found.push(hit);
            }
        }
        found.sort();
        for (file, project) in found {
            settings.configs.push(Config::load(&file, &cwd, &project, true)?);
        }
        Ok(settings)
    }

    /// The config that governs a file: the one given with `--config`, else the nearest
    /// discovered config whose folder holds the file.
    fn config_for(&self, abs: &Path) -> Option<&Config> {
        if self.explicit {
            return self.configs.first();
        }
        self.configs.iter().filter(|c| abs.starts_with(&c.dir)).max_by_key(|c| c.dir.components().count())
    }

    /// Whether a file (as given to or found by the walk) is excluded by its config.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.excluded_by(path).is_some()
    }

    /// The `exclude` pattern that excludes a file, and the config it is in (as reports show
    /// it). A pattern that matches a folder named on the command line, or one above it (and so,
    /// a folder covering everything in it, the named folder too), does not apply inside it.
    pub fn excluded_by(&self, path: &Path) -> Option<(&str, &str)> {
        if self.configs.is_empty() {
            return None;
        }
        let abs = absolute(&self.cwd, path);
        let c = self.config_for(&abs)?;
        let (Some(ex), Some(rel)) = (&c.exclude, relative(&abs, &c.dir)) else { return None };
        let lifted = |pattern: usize| {
            self.named.iter().filter(|n| abs.starts_with(n)).any(|n| {
                relative(n, &c.dir).is_some_and(|r| !r.is_empty() && ex.patterns_matching(&r).contains(&pattern))
            })
        };
        ex.first_match_except(&rel, lifted).map(|p| (p, c.display.as_str()))
    }

    /// The level configured for rule `code` on a file (path as reported): `per-path` entries
    /// (last match wins) over `rules`; `None` when the config says nothing.
    pub fn rule_level(&self, code: &str, path: &str) -> Option<Level> {
        if self.configs.is_empty() {
            return None;
        }
        let abs = absolute(&self.cwd, Path::new(path));
        let c = self.config_for(&abs)?;
        let rel = relative(&abs, &c.dir);
        let mut level = c.rules.iter().rev().find(|(k, _)| k == code).map(|(_, l)| *l);
        for (globs, rules) in &c.per_path {
            if rel.as_deref().is_some_and(|r| globs.first_match(r).is_some())
                && let Some((_, l)) = rules.iter().rev().find(|(k, _)| k == code)
            {
                level = Some(*l);
            }
        }
        level
    }

    /// What governs one file, for `tokenwise config show`: the config, the `exclude` pattern
    /// that matches it, and the `classify` path globs that match it (key, pattern).
    pub fn view(&self, path: &Path) -> PathView<'_> {
        let abs = absolute(&self.cwd, path);
        let Some(c) = self.config_for(&abs) else { return PathView::default() };
        let rel = relative(&abs, &c.dir);
        let hit = |g: &Option<Globs>| rel.as_deref().and_then(|r| g.as_ref()?.first_match(r).map(str::to_owned));
        let k = &c.classify;
        let classify = [("production-paths", &k.production), ("dev-paths", &k.dev), ("partner-paths", &k.partner)]
            .into_iter()
            .filter_map(|(key, g)| hit(g).map(|p| (key, p)))
            .collect();
        PathView { config: Some(c.display.as_str()), excluded_by: hit(&c.exclude), classify }
    }

    /// The configs in use, as reports show their paths.
    pub fn files(&self) -> Vec<&str> {
        self.configs.iter().map(|c| c.display.as_str()).collect()
    }

    /// The policy for this run: the built-in one extended with each config's `classify:` and
    /// rule packs, or `None` when no config extends anything.
    pub fn policy(&self, base: &Policy) -> Result<Option<Policy>, String> {
        let extends = self.configs.iter().any(|c| {
            let k = &c.classify;
            !c.packs.is_empty()
                || k.production.is_some()
                || k.dev.is_some()
                || k.partner.is_some()
                || !k.partners.is_empty()
                || !k.personal_names.is_empty()
                || !k.service_names.is_empty()
        });
        if !extends {
            return Ok(None);
        }
        let mut s = base.signals.clone();
        let mut hosts: Vec<String> = Vec::new();
        let mut endpoints: Vec<String> = Vec::new();
        for c in &self.configs {
            for pack in &c.packs {
                for (group, key, values) in &pack.lists {
                    match (*group, *key) {
                        ("hosts", "patterns") => hosts.extend(values.iter().cloned()),
                        ("user_context_endpoints", "patterns") => endpoints.extend(values.iter().cloned()),
                        _ => {
                            if let Some(list) = signal_list(&mut s, group, key) {
                                list.extend(values.iter().map(|v| v.to_lowercase()));
                            }
                        }
                    }
                }
                s.partners.extend(pack.partners.iter().cloned());
            }
            let k = &c.classify;
            let scope = |globs: &mut PathGlobs, g: &Option<Globs>, key: &str| {
                if let Some(g) = g {
                    globs.add(&self.cwd, &c.dir, format!("`classify.{key}` in {}", c.display), g.clone());
                }
            };
            scope(&mut s.production_globs, &k.production, "production-paths");
            scope(&mut s.dev_globs, &k.dev, "dev-paths");
            scope(&mut s.partner_globs, &k.partner, "partner-paths");
            s.partners.extend(k.partners.iter().cloned());
            s.personal_names.extend(k.personal_names.iter().cloned());
            s.service_names.extend(k.service_names.iter().cloned());
        }
        if !hosts.is_empty() {
            s.hosts = extend_regex(&s.hosts, &hosts)?;
        }
        if !endpoints.is_empty() {
            s.user_endpoints = extend_regex(&s.user_endpoints, &endpoints)?;
            s.code_endpoints = extend_regex(&s.code_endpoints, &endpoints)?;
        }
        for c in &self.configs {
            for pack in &c.packs {
                check_examples(pack, &s)?;
            }
        }
        Ok(Some(Policy { rules: base.rules.clone(), signals: s, examples: base.examples.clone() }))
    }
}

/// The nearest config from `start` upward and the project it belongs to: the repository (the
/// folder holding `.git`), whose root ends the search, or outside a repository `start` alone (a
/// folder above it is not the project's). `seen` caches the answer per folder of a repository
/// (pre-commit passes many files of the same folders). Anything at the config's name counts, so
/// that a link, FIFO or folder there is an error rather than silently no config.
fn discover(start: &Path, seen: &mut HashMap<PathBuf, Option<PathBuf>>) -> Option<(PathBuf, PathBuf)> {
    let Some(top) = repository_root(start) else {
        let candidate = start.join(FILE_NAME);
        return crate::longpath::exists(&candidate).then(|| (candidate, start.to_path_buf()));
    };
    let mut visited = Vec::new();
    let mut result = None;
    for d in start.ancestors() {
        if let Some(known) = seen.get(d) {
            result = known.clone();
            break;
        }
        visited.push(d.to_path_buf());
        let candidate = d.join(FILE_NAME);
        if crate::longpath::exists(&candidate) {
            result = Some(candidate);
            break;
        }
        if d == top {
            break;
        }
    }
    for v in visited {
        seen.insert(v, result.clone());
    }
    result.map(|c| (c, top.to_path_buf()))
}

/// Whether `file` is inside `project`, links resolved: a repository's config or rule pack must
/// not make tokenwise read (and quote in an error) a file elsewhere on the machine. A file that
/// does not resolve (a dangling link) is left to the read to report.
fn inside(file: &Path, project: &Path) -> bool {
    match (std::fs::canonicalize(file), std::fs::canonicalize(project)) {
        (Ok(f), Ok(p)) => f.starts_with(p),
        (Err(_), _) => true,
        (Ok(_), Err(_)) => false,
    }
}

/// What `project` is, for a message.
fn project_name(project: &Path, cwd: &Path) -> String {
    if crate::longpath::exists(&project.join(".git")) {
        "the repository".into()
    } else {
        let shown = display_path(project, Some(cwd));
        format!("`{}` (no repository holds it)", if shown.is_empty() { "." } else { &shown })
    }
}

/// Where a config value went wrong: `file:line`.
struct Doc<'a> {
    src: &'a SourceFile,
    /// Values taken so far from this file, against [`MAX_VALUES`].
    values: Cell<usize>,
}

impl<'a> Doc<'a> {
    fn err(&self, n: &Node, msg: impl std::fmt::Display) -> String {
        let (line, _) = self.src.line_col(n.span.start);
        format!("{}:{line}: {msg}", self.src.display)
    }

    fn new(src: &'a SourceFile) -> Self {
        Doc { src, values: Cell::new(0) }
    }

    /// The entries of a map; a key given twice is an error (YAML says keys are unique, and the
    /// second would silently win or lose).
    fn map<'n>(&self, n: &'n Node, what: &str) -> Result<&'n [(Node, Node)], String> {
        let entries: &[(Node, Node)] = match &n.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Scalar { value, quoted: false } if value.is_empty() || value == "null" || value == "~" => &[],
            _ if what.is_empty() => return Err(self.err(n, "the file must be a map of settings (`key: value`)")),
            _ => return Err(self.err(n, format!("`{what}` must be a map"))),
        };
        let mut keys: HashSet<&str> = HashSet::with_capacity(entries.len());
        for (k, _) in entries {
            if let Some(key) = k.as_str()
                && !keys.insert(key)
            {
                let place = if what.is_empty() { String::new() } else { format!(" in `{what}`") };
                return Err(self.err(k, format!("duplicate key `{key}`{place}")));
            }
        }
        Ok(entries)
    }

    /// Count `n` more values of this file, refusing the file past [`MAX_VALUES`] before any of
    /// them is compiled.
    fn count(&self, at: &Node, n: usize, what: &str) -> Result<(), String> {
        let total = self.values.get().saturating_add(n);
        self.values.set(total);
        if total > MAX_VALUES {
            return Err(self.err(at, format!("too many values at `{what}`: at most {MAX_VALUES} in one file")));
        }
        Ok(())
    }

    fn key<'n>(&self, k: &'n Node) -> Result<&'n str, String> {
        k.as_str().ok_or_else(|| self.err(k, "a key must be a plain string"))
    }

    /// The entries of a map, with unknown and duplicate keys rejected.
    fn strict<'n>(&self, n: &'n Node, what: &str, allowed: &[&str]) -> Result<Vec<(&'n str, &'n Node)>, String> {
        let mut out: Vec<(&str, &Node)> = Vec::new();
        for (k, v) in self.map(n, what)? {
            let key = self.key(k)?;
            if !allowed.contains(&key) {
                let place = if what.is_empty() { String::new() } else { format!(" in `{what}`") };
                let hint = match closest(key, allowed) {
                    Some(near) => format!(" (did you mean `{near}`?)"),
                    None => format!("; expected one of: {}", allowed.join(", ")),
                };
                return Err(self.err(k, format!("unknown key `{key}`{place}{hint}")));
            }
            out.push((key, v));
        }
        Ok(out)
    }

    /// A list of strings. A single string is refused, not taken for a list of one: `exclude:
    /// vendor` reads as a list only by accident, and the next edit may not.
    fn strings(&self, n: &Node, what: &str) -> Result<Vec<(String, usize)>, String> {
        let one = |item: &Node| match &item.kind {
            NodeKind::Scalar { value, .. } if !value.is_empty() => Ok((value.clone(), item.span.start)),
            _ => Err(self.err(item, format!("`{what}` must be a list of strings"))),
        };
        match &n.kind {
            NodeKind::Seq(items) => {
                self.count(n, items.len(), what)?;
                items.iter().map(one).collect()
            }
            NodeKind::Scalar { value, .. } if !value.is_empty() => {
                Err(self.err(n, format!("`{what}` must be a list of strings, not a single string (write `[{value}]`)")))
            }
            _ => Err(self.err(n, format!("`{what}` must be a list of strings"))),
        }
    }

    /// Rule settings: code or name → `off` or a severity.
    fn rules(&self, n: &Node, what: &str) -> Result<Vec<(String, Level)>, String> {
        let mut out = Vec::new();
        // The first key naming each rule: a code and a name of one rule are the same setting.
        let mut named: HashMap<&str, (&str, usize)> = HashMap::new();
        for (k, v) in self.map(n, what)? {
            let key = self.key(k)?;
            let rule = Rule::parse(key).ok_or_else(|| {
                self.err(k, format!("unknown rule `{key}` in `{what}`; `tokenwise rules` lists them"))
            })?;
            if let Some((first, line)) = named.insert(rule.code(), (key, self.src.line_col(k.span.start).0)) {
                return Err(self.err(
                    k,
                    format!(
                        "rule `{}` is set twice in `{what}`: as `{key}` and as `{first}` on line {line}",
                        rule.code()
                    ),
                ));
            }
            let value = v.as_str().unwrap_or("");
            let level = match value {
                "off" => None,
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "note" => Some(Severity::Note),
                _ => return Err(self.err(v, format!("bad value `{value}` for rule `{key}`: use {LEVELS}"))),
            };
            out.push((rule.code().to_owned(), level));
        }
        Ok(out)
    }

    /// Globs relative to the config's folder: a pattern without `/` matches a file or folder
    /// name at any depth; one with `/` is anchored to the folder; a folder covers its files.
    fn globs(&self, n: &Node, what: &str) -> Result<Globs, String> {
        let list = self.strings(n, what)?;
        self.compile(list, what)
    }

    /// The globs of `list` (already counted against [`MAX_VALUES`]), compiled.
    fn compile(&self, list: Vec<(String, usize)>, what: &str) -> Result<Globs, String> {
        let mut b = GlobSetBuilder::new();
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let (first, _) = self.src.line_col(list.first().map_or(0, |(_, at)| *at));
        #[cfg(test)]
        tests::COMPILED.with(|c| c.set(c.get() + list.len()));
        for (pattern, at) in list {
            let trimmed = pattern.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
            let forms = if trimmed.contains('/') {
                vec![trimmed.to_owned(), format!("{trimmed}/**")]
            } else {
                vec![format!("**/{trimmed}"), format!("**/{trimmed}/**")]
            };
            for form in forms {
                let glob = GlobBuilder::new(&form).literal_separator(true).build().map_err(|e| {
                    let (line, _) = self.src.line_col(at);
                    format!("{}:{line}: invalid glob `{pattern}` in `{what}`: {}", self.src.display, e.kind())
                })?;
                b.add(glob);
                owner.push(patterns.len());
            }
            patterns.push(pattern);
        }
        let set = b.build().map_err(|e| format!("{}:{first}: invalid globs in `{what}`: {e}", self.src.display))?;
        Ok(Globs::new(patterns, owner, set))
    }

    /// Partners: a name (its words are the keywords; it needs `metadata_only`), or
    /// `{name, keywords, needs}`.
    fn partners(&self, n: &Node, what: &str) -> Result<Vec<Partner>, String> {
        let mut out = Vec::new();
        self.count(n, n.items().len(), what)?;
        for item in n.items() {
            if let Some(name) = item.as_str() {
                let keyword = crate::words::words(name).join("_");
                if keyword.is_empty() {
                    return Err(self.err(item, format!("empty partner name in `{what}`")));
                }
                out.push(Partner {
                    name: name.to_owned(),
                    keywords: vec![keyword],
                    needs: vec!["metadata_only".into()],
                    ..Partner::default()
                });
                continue;
            }
            let fields = self.strict(item, what, &["name", "keywords", "needs"])?;
            let mut p = Partner::default();
            for (k, v) in fields {
                match k {
                    "name" => p.name = v.as_str().unwrap_or("").to_owned(),
                    "keywords" => p.keywords = lower(self.strings(v, "keywords")?),
                    _ => p.needs = lower(self.strings(v, "needs")?),
                }
            }
            if p.name.is_empty() {
                return Err(self.err(item, format!("a partner in `{what}` needs a `name`")));
            }
            if p.keywords.is_empty() {
                p.keywords.push(crate::words::words(&p.name).join("_"));
            }
            if p.needs.is_empty() {
                p.needs.push("metadata_only".into());
            }
            out.push(p);
        }
        if !matches!(n.kind, NodeKind::Seq(_)) {
            return Err(self.err(n, format!("`{what}` must be a list")));
        }
        Ok(out)
    }
}

fn lower(v: Vec<(String, usize)>) -> Vec<String> {
    v.into_iter().map(|(s, _)| s.to_lowercase()).collect()
}

/// Read and parse a YAML file into its one document (an empty file is an empty map): a regular
/// file of at most [`MAX_FILE`] bytes, UTF-8 or UTF-16 with a byte-order mark. `what` names the
/// file in messages ("config file", "rule pack").
fn read_yaml(file: &Path, cwd: &Path, what: &str) -> Result<(SourceFile, Option<Node>), String> {
    let display = display_path(file, Some(cwd));
    let bytes = bounded::read(file, MAX_FILE, true).map_err(|r| match r {
        Refusal::TooLarge(cap) => {
            format!("{what} `{display}` is larger than {}, the limit for a {what}", bounded::size(cap))
        }
        Refusal::Io(e) => format!("cannot read {what} `{display}`: {e}"),
        r => format!("{what} `{display}` {r}"),
    })?;
    let bytes = bounded::utf8(bytes).map_err(|m| format!("{what} `{display}` {m}"))?;
    let src = SourceFile::new(file.to_path_buf(), display, bytes);
    let docs = yaml::parse(&src.text).map_err(|e| {
        let (line, _) = src.line_col(e.offset);
        format!("{}:{line}: invalid YAML: {}", src.display, e.message)
    })?;
    if docs.len() > 1 {
        let doc = Doc::new(&src);
        return Err(doc.err(&docs[1], "expected one YAML document"));
    }
    let root = docs.into_iter().next();
    Ok((src, root))
}

impl Config {
    /// Load the config `file` of `project` (the folder its rule packs must stay in); a
    /// `discovered` one must itself be inside it, links resolved.
    fn load(file: &Path, cwd: &Path, project: &Path, discovered: bool) -> Result<Config, String> {
        if discovered && crate::longpath::exists(file) && !inside(file, project) {
            return Err(format!(
                "config file `{}` is a link to outside {}: not read",
                display_path(file, Some(cwd)),
                project_name(project, cwd)
            ));
        }
        let (src, root) = read_yaml(file, cwd, "config file")?;
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut c = Config {
            display: src.display.clone(),
            dir: dir.clone(),
            rules: Vec::new(),
            exclude: None,
            per_path: Vec::new(),
            classify: Classify::default(),
            packs: Vec::new(),
        };
        let Some(root) = root else { return Ok(c) };
        let doc = Doc::new(&src);
        for (key, v) in doc.strict(&root, "", &TOP_KEYS)? {
            match key {
                "rules" => c.rules = doc.rules(v, "rules")?,
                "exclude" => c.exclude = Some(doc.globs(v, "exclude")?),
                "per-path" => {
                    let entries = doc.map(v, "per-path")?;
                    doc.count(v, entries.len(), "per-path")?;
                    for (k, rules) in entries {
                        let key = doc.key(k)?;
                        let globs = doc.compile(vec![(key.to_owned(), k.span.start)], "per-path")?;
                        c.per_path.push((globs, doc.rules(rules, "per-path")?));
                    }
                }
                "classify" => c.classify = classify(&doc, v)?,
                _ => {
                    for (p, at) in doc.strings(v, "rule-packs")? {
                        let path = absolute(&dir, Path::new(&p));
                        let (line, _) = src.line_col(at);
                        if !path.exists() {
                            return Err(format!("{}:{line}: rule pack `{p}` does not exist", src.display));
                        }
                        // Never read (nor quote in an error) a file outside the project.
                        if !inside(&path, project) {
                            return Err(format!(
                                "{}:{line}: rule pack `{p}` is outside {}: not read",
                                src.display,
                                project_name(project, cwd)
                            ));
                        }
                        c.packs.push(load_pack(&path, cwd)?);
                    }
                }
            }
        }
        Ok(c)
    }
}

fn classify(doc: &Doc, n: &Node) -> Result<Classify, String> {
    let mut k = Classify::default();
    for (key, v) in doc.strict(n, "classify", &CLASSIFY_KEYS)? {
        let what = format!("classify.{key}");
        match key {
            "production-paths" => k.production = Some(doc.globs(v, &what)?),
            "dev-paths" => k.dev = Some(doc.globs(v, &what)?),
            "partner-paths" => k.partner = Some(doc.globs(v, &what)?),
            "partners" => k.partners = doc.partners(v, &what)?,
            "personal-names" => k.personal_names = lower(doc.strings(v, &what)?),
            _ => k.service_names = lower(doc.strings(v, &what)?),
        }
    }
    Ok(k)
}

/// The signal groups a rule pack may extend, and their list keys (as in `rules/dbt-cloud.yml`).
const PACK_GROUPS: [(&str, &[&str]); 10] = [
    ("literal", &["placeholder_words"]),
    ("names", &["dbt", "credential", "not_dbt_cloud"]),
    ("type_names", &["personal", "service"]),
    ("type_descriptions", &["personal", "service"]),
    ("user_context_descriptions", &["phrases"]),
    ("hosts", &["patterns"]),
    ("user_context_endpoints", &["patterns"]),
    ("terraform", &["provider_sources", "default_local_names", "user_context_resources"]),
    ("paths", &["dev_segments", "example_segments", "test_segments"]),
    ("permissions", &["broad", "write_capable", "narrow"]),
];

fn load_pack(file: &Path, cwd: &Path) -> Result<Pack, String> {
    let (src, root) = read_yaml(file, cwd, "rule pack")?;
    let mut pack = Pack::default();
    if let Some(root) = &root {
        let doc = Doc::new(&src);
        for (key, v) in doc.strict(root, "", &["version", "signals"])? {
            if key == "version" && v.as_str() != Some("1") {
                return Err(doc.err(v, "unsupported rule pack `version`; use 1"));
            }
            if key != "signals" {
                continue;
            }
            let mut groups: Vec<&str> = PACK_GROUPS.iter().map(|(g, _)| *g).collect();
            groups.push("partners");
            for (group, body) in doc.strict(v, "signals", &groups)? {
                if group == "partners" {
                    pack.partners = doc.partners(body, "signals.partners")?;
                    continue;
                }
                let Some((g, keys)) = PACK_GROUPS.iter().find(|(g, _)| *g == group) else { continue };
                let mut allowed: Vec<&str> = keys.to_vec();
                allowed.push("examples");
                let what = format!("signals.{g}");
                for (key, list) in doc.strict(body, &what, &allowed)? {
                    if key == "examples" {
                        for (_, items) in doc.map(list, &format!("{what}.examples"))? {
                            doc.count(items, items.items().len(), &format!("{what}.examples"))?;
                        }
                        pack.examples.push((g, list.clone()));
                        continue;
                    }
                    let Some(k) = keys.iter().find(|k| **k == key) else { continue };
                    let values: Vec<(String, usize)> = doc.strings(list, &format!("{what}.{key}"))?;
                    if matches!(*g, "hosts" | "user_context_endpoints") {
                        for (p, at) in &values {
                            if let Err(e) = Regex::new(p) {
                                let (line, _) = src.line_col(*at);
                                return Err(format!("{}:{line}: invalid pattern `{p}`: {e}", src.display));
                            }
                        }
                    }
                    pack.lists.push((g, k, values.into_iter().map(|(s, _)| s).collect()));
                }
            }
        }
    }
    pack.source = Some(src);
    Ok(pack)
}

/// The signal list a pack's `group.key` extends.
fn signal_list<'s>(s: &'s mut Signals, group: &str, key: &str) -> Option<&'s mut Vec<String>> {
    Some(match (group, key) {
        ("literal", "placeholder_words") => &mut s.placeholder_words,
        ("names", "dbt") => &mut s.name_dbt,
        ("names", "credential") => &mut s.name_credential,
        ("names", "not_dbt_cloud") => &mut s.name_not_dbt,
        ("type_names", "personal") => &mut s.personal_names,
        ("type_names", "service") => &mut s.service_names,
        ("type_descriptions", "personal") => &mut s.personal_descriptions,
        ("type_descriptions", "service") => &mut s.service_descriptions,
        ("user_context_descriptions", "phrases") => &mut s.user_context_descriptions,
        ("terraform", "provider_sources") => &mut s.provider_sources,
        ("terraform", "default_local_names") => &mut s.provider_default_names,
        ("terraform", "user_context_resources") => &mut s.user_context_resources,
        ("paths", "dev_segments") => &mut s.dev_segments,
        ("paths", "test_segments") => &mut s.test_segments,
        ("paths", "example_segments") => &mut s.example_segments,
        ("permissions", "broad") => &mut s.broad_permissions,
        ("permissions", "write_capable") => &mut s.write_permissions,
        ("permissions", "narrow") => &mut s.narrow_permissions,
        _ => return None,
    })
}

fn extend_regex(old: &Regex, extra: &[String]) -> Result<Regex, String> {
    Regex::new(&format!("(?i)(?:{}|{})", old.as_str(), extra.join("|"))).map_err(|e| e.to_string())
}

/// A pack's examples of names, type names and paths must read as they say with the extended
/// signals, as the built-in ones do (a pack is data with its own tests).
fn check_examples(pack: &Pack, s: &Signals) -> Result<(), String> {
    use crate::classify::names::{dev_segment, is_dbt_token_name, type_from_name};
    use crate::model::TokenType;
    let Some(src) = &pack.source else { return Ok(()) };
    let doc = Doc::new(src);
    for (group, ex) in &pack.examples {
        for (k, list) in ex.entries() {
            let kind = k.as_str().unwrap_or("");
            for item in list.items() {
                let Some(v) = item.as_str() else { continue };
                let ok = match (*group, kind) {
                    ("names", "token") => is_dbt_token_name(v, s),
                    ("names", "not_token") => !is_dbt_token_name(v, s),
                    ("type_names", "personal") => type_from_name(v, s).map(|t| t.0) == Some(TokenType::Personal),
                    ("type_names", "service") => type_from_name(v, s).map(|t| t.0) == Some(TokenType::Service),
                    ("type_names", "unknown") => type_from_name(v, s).is_none(),
                    ("paths", "dev") => dev_segment(v, s).is_some(),
                    ("paths", "production") => dev_segment(v, s).is_none(),
                    _ => true,
                };
                if !ok {
                    return Err(doc.err(
                        item,
                        format!("example `{v}` of `signals.{group}.examples.{kind}` does not hold with this pack"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The allowed key nearest to a misspelt one, if it is close.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (crate::suggest::distance(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min()
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Globs handed to the glob compiler on this thread: the work a config costs.
        pub static COMPILED: Cell<usize> = const { Cell::new(0) };
    }

    fn load_bytes(bytes: &[u8]) -> Result<Config, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
        Config::load(&file, dir.path(), dir.path(), true)
    }

    fn load_text(text: &str) -> Result<Config, String> {
        load_bytes(text.as_bytes())
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let e = load_text("rules:\n  TW101: error\n\nrulez: {}\n").err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:4: unknown key `rulez` (did you mean `rules`?)");
        let e = load_text("classify:\n  prod-paths: [x]\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:2: unknown key `prod-paths` in `classify`"), "{e}");
    }

    #[test]
    fn bad_values_and_unknown_rules_are_errors() {
        let e = load_text("rules:\n  TW101: loud\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:2: bad value `loud` for rule `TW101`"), "{e}");
        let e = load_text("rules:\n  TW999: off\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:2: unknown rule `TW999`"), "{e}");
        let e = load_text("exclude: ['a[']\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:1: invalid glob `a[`"), "{e}");
        let e = load_text("rules: [TW101]\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:1: `rules` must be a map"), "{e}");
        let e = load_text("rules:\n  TW101: off\nrules: {}\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:3: duplicate key `rules`"), "{e}");
        let e = load_text("rules: {TW101: [\n").err().unwrap_or_default();
        assert!(e.contains("invalid YAML"), "{e}");
    }

    #[test]
    fn rules_take_codes_or_names_and_per_path_overrides() {
        let c =
            load_text("rules:\n  pat-in-production: warning\n  TW105: off\nper-path:\n  'legacy/**': {TW101: off}\n");
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.rules, [("TW101".to_owned(), Some(Severity::Warning)), ("TW105".to_owned(), None)]);
        assert_eq!(c.per_path.len(), 1);
        assert!(c.per_path[0].0.first_match("legacy/a/deploy.yml").is_some());
        assert!(c.per_path[0].0.first_match("src/legacy.yml").is_none());
    }

    #[test]
    fn globs_without_a_slash_match_at_any_depth_and_folders_cover_their_files() {
        let c = load_text("exclude: [vendor, 'infra/old', '*.tfvars']\n").unwrap_or_else(|e| panic!("{e}"));
        let ex = c.exclude.unwrap_or_else(|| panic!("no exclude"));
        for hit in ["vendor/x.yml", "a/vendor/b/c.tf", "infra/old/main.tf", "envs/prod.tfvars"] {
            assert!(ex.first_match(hit).is_some(), "{hit}");
        }
        for miss in ["infra/new/main.tf", "a/infra/old/main.tf", "vendors/x.yml", "main.tf"] {
            assert!(ex.first_match(miss).is_none(), "{miss}");
        }
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let repo = dir.path().join("repo");
        let sub = repo.join("a/b");
        std::fs::create_dir_all(repo.join(".git")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        // Outside the repository: never read.
        std::fs::write(dir.path().join(FILE_NAME), "rules: {TW101: off}\n").unwrap_or_else(|e| panic!("{e}"));
        let mut seen = HashMap::new();
        assert_eq!(discover(&sub, &mut seen), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap_or_else(|e| panic!("{e}"));
        let mut seen = HashMap::new();
        assert_eq!(discover(&sub, &mut seen), Some((repo.join(FILE_NAME), repo.clone())));
    }

    #[test]
    fn outside_a_repository_only_the_scanned_folder_counts() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("a");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(FILE_NAME), "rules: {TW201: off}\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(discover(&sub, &mut HashMap::new()), None, "a config above an unversioned folder");
        std::fs::write(sub.join(FILE_NAME), "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(discover(&sub, &mut HashMap::new()), Some((sub.join(FILE_NAME), sub.clone())));
    }

    #[test]
    fn a_key_or_a_rule_given_twice_is_an_error() {
        let e = load_text("rules:\n  TW101: off\n  TW101: error\n").err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:3: duplicate key `TW101` in `rules`");
        let e = load_text("rules:\n  pat-in-production: off\n  TW101: error\n").err().unwrap_or_default();
        assert_eq!(
            e,
            ".tokenwise.yml:3: rule `TW101` is set twice in `rules`: as `TW101` and as `pat-in-production` on line 2"
        );
        let e = load_text("per-path:\n  'a/**': {TW101: off}\n  'a/**': {TW101: note}\n").err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:3: duplicate key `a/**` in `per-path`");
        let e = load_text("per-path:\n  'a/**': {TW101: off, TW101: note}\n").err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:2: duplicate key `TW101` in `per-path`");
    }

    #[test]
    fn a_single_string_is_not_a_list() {
        let e = load_text("exclude: vendor\n").err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:1: `exclude` must be a list of strings, not a single string (write `[vendor]`)");
        let e = load_text("classify:\n  personal-names: human\n").err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:2: `classify.personal-names` must be a list of strings"), "{e}");
        assert!(load_text("exclude: [vendor]\n").is_ok());
    }

    #[test]
    fn too_many_globs_are_refused_before_any_is_compiled() {
        COMPILED.with(|c| c.set(0));
        let many = format!("exclude:\n{}", "- a\n".repeat(200_000));
        assert!(many.len() as u64 <= MAX_FILE, "within the size cap: the count is what stops it");
        let e = load_text(&many).err().unwrap_or_default();
        assert_eq!(e, ".tokenwise.yml:2: too many values at `exclude`: at most 10000 in one file");
        assert_eq!(COMPILED.with(Cell::get), 0, "no glob compiled");
        // Counted over the whole file, not per list.
        let spread = format!(
            "exclude: [{}]\nclassify:\n  dev-paths: [{}]\n",
            vec!["a"; 6000].join(","),
            vec!["b"; 6000].join(",")
        );
        let e = load_text(&spread).err().unwrap_or_default();
        assert!(e.contains("too many values at `classify.dev-paths`"), "{e}");
        assert_eq!(COMPILED.with(Cell::get), 6000, "only the first list, within the cap, was compiled");
        COMPILED.with(|c| c.set(0));
        let per_path: String = (0..10_001).map(|i| format!("  'p{i}/**': {{TW101: off}}\n")).collect();
        let e = load_text(&format!("per-path:\n{per_path}")).err().unwrap_or_default();
        assert!(e.contains("too many values at `per-path`"), "{e}");
        assert_eq!(COMPILED.with(Cell::get), 0);
    }

    #[test]
    fn utf16_and_a_bom_are_read_nul_bytes_are_refused_clearly() {
        let text = "rules:\n  TW101: loud\n";
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let e = load_bytes(&utf16).err().unwrap_or_default();
        assert!(e.starts_with(".tokenwise.yml:2: bad value `loud`"), "decoded, lines kept: {e}");
        let bom = [b"\xEF\xBB\xBF".as_slice(), b"rules: {TW101: off}\n"].concat();
        assert!(load_bytes(&bom).is_ok());
        let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let e = load_bytes(&no_bom).err().unwrap_or_default();
        assert!(e.starts_with("config file `.tokenwise.yml` is not UTF-8 text"), "{e}");
        assert!(e.ends_with("save it as UTF-8"), "{e}");
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(closest("rulez", &TOP_KEYS), Some("rules"));
        assert_eq!(closest("excludes", &TOP_KEYS), Some("exclude"));
        assert_eq!(closest("zzz", &TOP_KEYS), None);
    }
}
