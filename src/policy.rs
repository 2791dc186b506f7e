//! The policy data of `rules/dbt-cloud.yml`, embedded in the binary and read once.

use crate::model::Severity;
use crate::parse::yaml;
use crate::tree::Node;
use regex::Regex;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../rules/dbt-cloud.yml");

/// A rule's metadata: one source for `rules`, `explain`, SARIF and the README.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub default_enabled: bool,
    pub summary: String,
    pub message: String,
    pub help: String,
    pub explanation: String,
    pub reference: String,
}

/// A partner integration and the narrowest permission sets it needs.
#[derive(Debug, Clone)]
pub struct Partner {
    pub name: String,
    pub keywords: Vec<String>,
    pub needs: Vec<String>,
}

/// The classification signals. A project's `classify:` config extends the word lists.
#[derive(Debug, Clone)]
pub struct Signals {
    pub personal_prefix: String,
    pub service_prefix: String,
    pub body_min: usize,
    pub body_max: usize,
    pub min_entropy: f64,
    pub placeholder_words: Vec<String>,
    pub name_dbt: Vec<String>,
    pub name_credential: Vec<String>,
    pub name_not_dbt: Vec<String>,
    pub personal_names: Vec<String>,
    pub service_names: Vec<String>,
    pub personal_descriptions: Vec<String>,
    pub service_descriptions: Vec<String>,
    pub user_context_descriptions: Vec<String>,
    pub hosts: Regex,
    pub user_endpoints: Regex,
    pub provider_sources: Vec<String>,
    pub provider_default_names: Vec<String>,
    pub user_context_resources: Vec<String>,
    pub dev_segments: Vec<String>,
    /// Extra path globs (from config) marking production, dev and partner files.
    pub production_globs: Vec<String>,
    pub dev_globs: Vec<String>,
    pub partner_globs: Vec<String>,
    pub broad_permissions: Vec<String>,
    pub write_permissions: Vec<String>,
    pub narrow_permissions: Vec<String>,
    pub partners: Vec<Partner>,
}

/// The whole embedded policy.
#[derive(Debug)]
pub struct Policy {
    pub rules: Vec<RuleMeta>,
    pub signals: Signals,
    /// The `examples:` of each signal group, for the data tests.
    pub examples: Node,
}

/// The built-in policy, parsed on first use.
pub fn builtin() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| match load(BUILTIN) {
        Ok(p) => p,
        // The file is part of the binary and checked by tests; reaching this is a build defect.
        Err(e) => panic!("embedded rules/dbt-cloud.yml is invalid: {e}"),
    })
}

impl Policy {
    pub fn rule(&self, code_or_name: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
    }
}

fn load(text: &str) -> Result<Policy, String> {
    let docs = yaml::parse(text).map_err(|e| format!("{} at byte {}", e.message, e.offset))?;
    let root = docs.into_iter().next().ok_or("empty policy")?;
    let rules = root.get("rules").ok_or("no rules")?.items().iter().map(rule).collect::<Result<Vec<_>, _>>()?;
    let s = root.get("signals").ok_or("no signals")?;
    let lit = s.get("literal").ok_or("no signals.literal")?;
    let names = s.get("names").ok_or("no signals.names")?;
    let tn = s.get("type_names").ok_or("no signals.type_names")?;
    let td = s.get("type_descriptions").ok_or("no signals.type_descriptions")?;
    let tf = s.get("terraform").ok_or("no signals.terraform")?;
    let perms = s.get("permissions").ok_or("no signals.permissions")?;
    let prefixes = lit.get("prefixes").ok_or("no literal.prefixes")?;
    let signals = Signals {
        personal_prefix: string(prefixes, "personal")?,
        service_prefix: string(prefixes, "service")?,
        body_min: number(lit, "body_min")? as usize,
        body_max: number(lit, "body_max")? as usize,
        min_entropy: number(lit, "min_entropy")?,
        placeholder_words: list(lit, "placeholder_words"),
        name_dbt: list(names, "dbt"),
        name_credential: list(names, "credential"),
        name_not_dbt: list(names, "not_dbt_cloud"),
        personal_names: list(tn, "personal"),
        service_names: list(tn, "service"),
        personal_descriptions: list(td, "personal"),
        service_descriptions: list(td, "service"),
        user_context_descriptions: s.get("user_context_descriptions").map(|n| list(n, "phrases")).unwrap_or_default(),
        hosts: alternation(s.get("hosts"))?,
        user_endpoints: alternation(s.get("user_context_endpoints"))?,
        provider_sources: list(tf, "provider_sources"),
        provider_default_names: list(tf, "default_local_names"),
        user_context_resources: list(tf, "user_context_resources"),
        dev_segments: s.get("paths").map(|n| list(n, "dev_segments")).unwrap_or_default(),
        production_globs: Vec::new(),
        dev_globs: Vec::new(),
        partner_globs: Vec::new(),
        broad_permissions: list(perms, "broad"),
        write_permissions: list(perms, "write_capable"),
        narrow_permissions: list(perms, "narrow"),
        partners: s
            .get("partners")
            .map(|n| {
                n.items()
                    .iter()
                    .map(|p| Partner {
                        name: p.get("name").and_then(Node::as_str).unwrap_or("").to_owned(),
                        keywords: list(p, "keywords"),
                        needs: list(p, "needs"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    Ok(Policy { rules, signals, examples: s.clone() })
}

fn rule(n: &Node) -> Result<RuleMeta, String> {
    let severity = string(n, "severity")?;
    Ok(RuleMeta {
        code: string(n, "code")?,
        name: string(n, "name")?,
        severity: Severity::parse(&severity).ok_or(format!("bad severity {severity}"))?,
        default_enabled: n.get("default_enabled").and_then(Node::as_str) != Some("false"),
        summary: string(n, "summary")?,
        message: string(n, "message")?,
        help: string(n, "help")?,
        explanation: string(n, "explanation")?,
        reference: string(n, "reference")?,
    })
}

fn string(n: &Node, key: &str) -> Result<String, String> {
    n.get(key).and_then(Node::as_str).map(str::to_owned).ok_or_else(|| format!("missing `{key}`"))
}

fn number(n: &Node, key: &str) -> Result<f64, String> {
    string(n, key)?.parse().map_err(|_| format!("`{key}` is not a number"))
}

/// A list of strings under `key` (lowercased: all matching is case-insensitive).
pub fn list(n: &Node, key: &str) -> Vec<String> {
    n.get(key).map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_lowercase).collect()).unwrap_or_default()
}

/// A list of strings under `key`, as written (the signal examples keep their case).
pub fn raw_list(n: &Node, key: &str) -> Vec<String> {
    n.get(key).map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

fn alternation(n: Option<&Node>) -> Result<Regex, String> {
    let n = n.ok_or("missing pattern group")?;
    let pats: Vec<String> = n
        .get("patterns")
        .map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Regex::new(&format!("(?i)(?:{})", pats.join("|"))).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_policy_loads_with_every_rule() {
        let p = builtin();
        let codes: Vec<&str> = p.rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["TW001", "TW101", "TW102", "TW103", "TW104", "TW105", "TW201", "TW301", "TW401"]);
        assert!(!p.rule("TW401").map(|r| r.default_enabled).unwrap_or(true));
        assert!(p.rule("pat-in-production").is_some());
    }

    #[test]
    fn every_explanation_has_the_fixed_sections() {
        for r in &builtin().rules {
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(r.explanation.contains(section), "{} lacks {section}", r.code);
            }
            assert!(r.reference.starts_with("https://docs.getdbt.com/"), "{}", r.code);
        }
    }
}
