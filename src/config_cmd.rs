//! `tokenwise config show [PATH]` (what governs a path) and `tokenwise config schema` (the JSON
//! Schema of `.tokenwise.yml`, shipped as `schema/tokenwise.schema.json`).

use crate::config::Settings;
use crate::rules::Rule;
use std::path::Path;

/// The JSON Schema of `.tokenwise.yml`.
pub const SCHEMA: &str = include_str!("../schema/tokenwise.schema.json");

/// What governs `path`: its config (discovered, or `explicit`), whether it is excluded, the
/// `classify` globs that match it, and every rule's level there with where the level comes from.
pub fn show(path: &Path, explicit: Option<&Path>) -> Result<String, String> {
    if !crate::longpath::exists(path) {
        return Err(format!("path `{}` does not exist", path.display()));
    }
    let settings = Settings::load(&[path.to_path_buf()], explicit)?;
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let shown = crate::discover::display_path(&crate::project_root::absolute(&cwd, path), Some(&cwd));
    let shown = if shown.is_empty() { ".".to_owned() } else { shown };
    let view = settings.view(path);
    let mut out = format!("path:     {shown}\n");
    out.push_str(&format!("config:   {}\n", view.config.unwrap_or("none (the built-in defaults)")));
    match &view.excluded_by {
        // A folder named on the command line stands aside the patterns that match it.
        Some(p) if crate::longpath::is_dir(path) => out.push_str(&format!(
            "excluded: yes, by `{p}` (where a walk finds it; named on the command line, it is scanned)\n"
        )),
        Some(p) => out.push_str(&format!("excluded: yes, by `{p}`\n")),
        None => out.push_str("excluded: no\n"),
    }
    if view.classify.is_empty() {
        out.push_str("classify: no path glob matches\n");
    }
    for (i, (key, pattern)) in view.classify.iter().enumerate() {
        out.push_str(&format!("{}{key} `{pattern}`\n", if i == 0 { "classify: " } else { "          " }));
    }
    out.push_str("rules:\n");
    for rule in Rule::ALL {
        let texts = rule.texts();
        let (level, from) = match settings.rule_level(rule.code(), &shown) {
            Some(Some(sev)) => (sev.as_str(), "config"),
            Some(None) => ("off", "config"),
            None if texts.default_enabled => (texts.severity.as_str(), "default"),
            None => ("off", "default"),
        };
        out.push_str(&format!("  {:<6}  {:<34}  {level:<7}  ({from})\n", rule.code(), rule.name()));
    }
    Ok(crate::escape::lines(&crate::literal::mask(&out)).into_owned())
}
