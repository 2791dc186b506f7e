//! Shell scripts read by the tree-sitter Bash grammar: `$X` and `${X}` are reads, `X=…` and
//! `export X=…` define a variable, and a string built from variables set earlier in the script
//! (`"${DBT_API}/users/${ID}/credentials/"`) is judged by the URL it builds.

use super::{CodeFacts, Consts, HOLE, Read, cap, children, deeper, preorder, text_of};
use tree_sitter::{Node, Tree};

pub fn collect(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    let mut consts = Consts::default();
    for n in preorder(tree) {
        match n.kind() {
            "variable_assignment" => {
                let Some(name) = n.child_by_field_name("name") else { continue };
                if name.kind() == "variable_name" {
                    let v = n.child_by_field_name("value").map(|v| eval(v, src, &consts, 0)).unwrap_or_default();
                    consts.set(text_of(name, src), v);
                    facts.reads.push(Read {
                        name: text_of(name, src).to_owned(),
                        start: name.start_byte(),
                        end: name.end_byte(),
                        assignment: true,
                        description: None,
                        cli_config: false,
                        client: None,
                    });
                }
            }
            "simple_expansion" | "expansion" => {
                if let Some(v) = children(n).into_iter().find(|c| c.kind() == "variable_name") {
                    facts.reads.push(Read {
                        name: text_of(v, src).to_owned(),
                        start: v.start_byte(),
                        end: v.end_byte(),
                        assignment: false,
                        description: None,
                        cli_config: false,
                        client: None,
                    });
                }
            }
            "string" | "concatenation"
                if !super::inside_builder(n, BUILDERS)
                    && children(n).iter().any(|c| matches!(c.kind(), "simple_expansion" | "expansion")) =>
            {
                facts.offer(n, eval(n, src, &consts, 0));
            }
            _ => {}
        }
    }
}

/// The nodes that build a string further from their parts.
const BUILDERS: &[&str] = &["concatenation", "string"];

fn eval(n: Node, src: &str, consts: &Consts, depth: usize) -> String {
    if !deeper(depth) {
        return HOLE.to_owned();
    }
    let out = match n.kind() {
        "word" | "string_content" | "number" => text_of(n, src).to_owned(),
        "raw_string" => text_of(n, src).trim_matches('\'').to_owned(),
        "string" | "concatenation" => {
            // Text between named children (a `/` after `$X`) is literal; a string's quotes are not.
            let quoted = usize::from(n.kind() == "string");
            let mut s = String::new();
            let mut at = n.start_byte() + quoted;
            for c in children(n) {
                s.push_str(src.get(at..c.start_byte()).unwrap_or(""));
                s.push_str(&eval(c, src, consts, depth + 1));
                at = c.end_byte();
            }
            s.push_str(src.get(at..n.end_byte().saturating_sub(quoted)).unwrap_or(""));
            s
        }
        "simple_expansion" | "expansion" => children(n)
            .into_iter()
            .find(|c| c.kind() == "variable_name")
            .and_then(|v| consts.get(text_of(v, src)))
            .unwrap_or(HOLE)
            .to_owned(),
        _ => HOLE.to_owned(),
    };
    cap(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn reads(src: &str) -> Vec<(String, bool)> {
        read(Lang::Bash, src, None)
            .map(|f| f.reads.into_iter().map(|r| (r.name, r.assignment)).collect())
            .unwrap_or_default()
    }

    fn built(src: &str) -> Vec<String> {
        read(Lang::Bash, src, None).map(|f| f.built.into_iter().map(|b| b.text).collect()).unwrap_or_default()
    }

    #[test]
    fn reads_and_assignments() {
        let src = "export DBT_A=abc\ncurl -H \"Authorization: Token $DBT_B\" -H \"X: ${DBT_B}\"\necho ${DBT_C:-none}\n";
        assert_eq!(
            reads(src),
            [
                ("DBT_A".to_owned(), true),
                ("DBT_B".to_owned(), false),
                ("DBT_B".to_owned(), false),
                ("DBT_C".to_owned(), false)
            ]
        );
        // Comments and single-quoted text are not reads.
        assert!(reads("# $DBT_TOKEN\necho '$DBT_TOKEN'\n").is_empty());
    }

    #[test]
    fn urls_built_from_variables() {
        let src = "DBT_API=\"https://cloud.getdbt.com/api/v3\"\ncurl \"${DBT_API}/users/${ID}/credentials/\"\n";
        assert!(built(src).contains(&"https://cloud.getdbt.com/api/v3/users/{}/credentials/".to_owned()));
        let src = "B=https://h/api/v2\ncurl -X POST \"$B/users/$U/apikey/\"\n";
        assert!(built(src).contains(&"https://h/api/v2/users/{}/apikey/".to_owned()));
    }
}
