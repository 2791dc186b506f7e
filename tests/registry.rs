//! The rule registry against everything that describes it: the texts in `rules/dbt-cloud.yml`
//! (every rule has texts, every text has a rule, every `{slot}` is filled), the README's rule
//! table, and the fixtures (every rule fires on one, with its message complete).

mod common;

use common::{fixtures, root, run_in};
use regex::Regex;
use std::collections::BTreeSet;
use tokenwise::policy::builtin;
use tokenwise::rules::Rule;

fn slots(text: &str) -> BTreeSet<String> {
    let re = Regex::new(r"\{([a-z_]+)\}").unwrap_or_else(|e| panic!("{e}"));
    re.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_owned()).collect()
}

#[test]
fn every_rule_has_texts_and_every_text_has_a_rule() {
    let texts = &builtin().rules;
    let codes: Vec<&str> = texts.iter().map(|t| t.code.as_str()).collect();
    let registry: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes, registry, "rules/dbt-cloud.yml lists the registry's rules, once each, in its order");
    for t in texts {
        let rule = Rule::parse(&t.code).unwrap_or_else(|| panic!("{}: texts without a rule", t.code));
        assert_eq!(t.name, rule.name(), "{}: the texts name another rule", t.code);
        for (field, value) in [("summary", &t.summary), ("message", &t.message), ("help", &t.help)] {
            assert!(!value.trim().is_empty(), "{}: empty {field}", t.code);
        }
    }
}

#[test]
fn every_slot_of_a_message_is_one_its_rule_fills() {
    for rule in Rule::ALL {
        let t = rule.texts();
        let declared: BTreeSet<String> = rule.spec().slots.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(slots(&t.message), declared, "{}: the message's slots are the ones the rule fills", rule.code());
        assert!(
            slots(&t.help).is_empty() && slots(&t.summary).is_empty(),
            "{}: only the message has slots",
            rule.code()
        );
    }
}

#[test]
fn the_readme_rule_table_is_the_registry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_else(|e| panic!("{e}"));
    let section = readme.split("\n## Rules\n").nth(1).unwrap_or_else(|| panic!("README has no `## Rules`"));
    let rows: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect();
    let want: Vec<Vec<String>> = Rule::ALL
        .iter()
        .map(|r| {
            let t = r.texts();
            let severity = if t.default_enabled {
                t.severity.as_str().to_owned()
            } else {
                format!("{} (off)", t.severity.as_str())
            };
            vec![r.code().to_owned(), format!("`{}`", r.name()), severity, t.summary.clone()]
        })
        .collect();
    assert_eq!(rows, want, "README's rule table (code, name, severity, summary) is the registry's");
}

#[test]
fn every_rule_fires_on_a_fixture_with_its_message_complete() {
    let mut fired = BTreeSet::new();
    for dir in fixtures() {
        let out = run_in(&dir, &["check", "--format", "json", "--select", "ALL", "."]);
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
        for f in json["findings"].as_array().into_iter().flatten() {
            let (code, message) = (f["code"].as_str().unwrap_or(""), f["message"].as_str().unwrap_or(""));
            assert!(slots(message).is_empty(), "{}: {code} leaves a slot open: {message}", dir.display());
            fired.insert(code.to_owned());
        }
    }
    let never: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).filter(|c| !fired.contains(*c)).collect();
    assert!(never.is_empty(), "no fixture shows {never:?}: add one");
}
