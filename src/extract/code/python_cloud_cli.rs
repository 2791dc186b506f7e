//! Python that writes the Cloud CLI's config: a mapping with `token-value` beside the keys of
//! `dbt_cloud.yml` (`projects`, `account-host`, `project-id`), or in a file that names
//! `dbt_cloud.yml`. The token read for that `token-value` is the Cloud CLI's.

use super::{CodeFacts, children, text_of};
use tree_sitter::{Node, Tree};

/// Keys of `dbt_cloud.yml` around its `token-value`.
const CLI_KEYS: [&str; 4] = ["projects", "account-host", "project-id", "account-id"];

/// How many enclosing mappings are searched for the Cloud CLI's keys (`projects: [{…}]`).
const MAX_UP: usize = 6;

/// Mark the reads that are a Cloud CLI config's `token-value`.
pub fn mark(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    if facts.reads.is_empty() || !src.contains("token-value") {
        return;
    }
    let names_file = src.contains("dbt_cloud.yml");
    for n in super::preorder(tree) {
        if n.kind() != "pair" || key_of(n, src) != Some("token-value") {
            continue;
        }
        let Some(value) = n.child_by_field_name("value") else { continue };
        if !(names_file || near_cli_keys(n, src)) {
            continue;
        }
        for r in &mut facts.reads {
            if value.start_byte() <= r.start && r.end <= value.end_byte() {
                r.cli_config = true;
            }
        }
    }
}

/// The text of a pair's plain string key.
fn key_of<'a>(pair: Node, src: &'a str) -> Option<&'a str> {
    let key = pair.child_by_field_name("key").filter(|k| k.kind() == "string")?;
    children(key).into_iter().find(|c| c.kind() == "string_content").map(|c| text_of(c, src))
}

/// Whether the mapping of a pair, or one enclosing it, has a key of the Cloud CLI's config.
fn near_cli_keys(pair: Node, src: &str) -> bool {
    let mut cur = pair.parent();
    let mut up = 0;
    while let Some(n) = cur {
        if up > MAX_UP {
            break;
        }
        if n.kind() == "dictionary"
            && children(n).iter().any(|p| p.kind() == "pair" && key_of(*p, src).is_some_and(|k| CLI_KEYS.contains(&k)))
        {
            return true;
        }
        up += 1;
        cur = n.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn marked(src: &str) -> Vec<bool> {
        read(Lang::Python, src, None).map(|f| f.reads.into_iter().map(|r| r.cli_config).collect()).unwrap_or_default()
    }

    #[test]
    fn a_cloud_cli_config_token_value() {
        let src = "c = {'projects': [{'project-id': 1, 'token-value': os.environ['DBT_T']}]}\n";
        assert_eq!(marked(src), [true]);
        let src = "c = {'token-value': os.getenv('DBT_T')}\nopen('dbt_cloud.yml', 'w').write(yaml.dump(c))\n";
        assert_eq!(marked(src), [true]);
        // A `token-value` alone says nothing about where the mapping goes.
        assert_eq!(marked("c = {'token-value': os.getenv('DBT_T')}\n"), [false]);
        assert_eq!(marked("h = {'Authorization': os.getenv('DBT_T'), 'project-id': 1}\n"), [false]);
    }
}
