//! JavaScript and TypeScript read by their tree-sitter grammars: `process.env.X`,
//! `process.env["X"]`, `const { X } = process.env` and environment helpers are reads; template
//! literals, `+`, `new URL(path, base)` and `path.join` build URLs from the file's constants.

use super::{CodeFacts, Consts, HOLE, Read, cap, children, deeper, path_join, preorder, text_of, urljoin};
use tree_sitter::{Node, Tree};

pub fn collect(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    let mut consts = Consts::default();
    for n in preorder(tree) {
        match n.kind() {
            "variable_declarator" | "assignment_expression" => {
                let (l, r) = if n.kind() == "variable_declarator" {
                    (n.child_by_field_name("name"), n.child_by_field_name("value"))
                } else {
                    (n.child_by_field_name("left"), n.child_by_field_name("right"))
                };
                let (Some(l), Some(r)) = (l, r) else { continue };
                match l.kind() {
                    "identifier" => {
                        let v = eval(r, src, &consts, 0);
                        consts.set(text_of(l, src), v);
                    }
                    "object_pattern" if is_env_object(text_of(r, src)) => destructured(facts, l, src),
                    _ => {}
                }
            }
            "member_expression" => {
                if let (Some(o), Some(p)) = (n.child_by_field_name("object"), n.child_by_field_name("property"))
                    && is_env_object(text_of(o, src))
                {
                    push_read(facts, p, src);
                }
            }
            "subscript_expression" => {
                if let (Some(o), Some(i)) = (n.child_by_field_name("object"), n.child_by_field_name("index"))
                    && is_env_object(text_of(o, src))
                    && let Some(f) = fragment(i)
                {
                    push_read(facts, f, src);
                }
            }
            "call_expression" | "new_expression" => {
                let f = n.child_by_field_name("function").or_else(|| n.child_by_field_name("constructor"));
                let Some(f) = f else { continue };
                let callee = text_of(f, src);
                if n.kind() == "call_expression"
                    && super::is_env_callee(callee)
                    && let Some(first) = n.child_by_field_name("arguments").and_then(|a| args(a).into_iter().next())
                    && let Some(frag) = fragment(first)
                {
                    push_read(facts, frag, src);
                }
                if callee == "URL" || callee.ends_with(".join") {
                    push_built(facts, n, src, &consts);
                }
            }
            "template_string" if children(n).iter().any(|c| c.kind() == "template_substitution") => {
                push_built(facts, n, src, &consts)
            }
            "binary_expression" if n.child_by_field_name("operator").is_some_and(|o| o.kind() == "+") => {
                push_built(facts, n, src, &consts)
            }
            _ => {}
        }
    }
}

/// The objects whose members are environment variables.
fn is_env_object(text: &str) -> bool {
    matches!(text, "process.env" | "import.meta.env" | "Bun.env")
}

/// `const { DBT_TOKEN, DBT_HOST: host } = process.env`: each key is a read.
fn destructured(facts: &mut CodeFacts, pattern: Node, src: &str) {
    for c in children(pattern) {
        match c.kind() {
            "shorthand_property_identifier_pattern" => push_read(facts, c, src),
            "pair_pattern" => {
                if let Some(k) = c.child_by_field_name("key") {
                    push_read(facts, k, src)
                }
            }
            "object_assignment_pattern" => {
                if let Some(l) = c.child_by_field_name("left") {
                    push_read(facts, l, src)
                }
            }
            _ => {}
        }
    }
}

fn push_read(facts: &mut CodeFacts, n: Node, src: &str) {
    let name = text_of(n, src);
    if super::is_var_name(name) {
        facts.reads.push(Read {
            name: name.to_owned(),
            start: n.start_byte(),
            end: n.end_byte(),
            assignment: false,
            description: None,
            cli_config: false,
            client: None,
        });
    }
}

fn push_built(facts: &mut CodeFacts, n: Node, src: &str, consts: &Consts) {
    if !super::inside_builder(n, BUILDERS) {
        facts.offer(n, eval(n, src, consts, 0));
    }
}

/// The nodes that build a string further from their parts.
const BUILDERS: &[&str] = &["binary_expression", "template_substitution"];

/// The content of a plain string (no substitution), as its fragment node.
fn fragment(n: Node) -> Option<Node> {
    if n.kind() != "string" {
        return None;
    }
    let parts = children(n);
    match parts.as_slice() {
        [f] if f.kind() == "string_fragment" => Some(*f),
        _ => None,
    }
}

fn args(n: Node) -> Vec<Node> {
    children(n).into_iter().filter(|c| c.kind() != "comment").collect()
}

fn eval(n: Node, src: &str, consts: &Consts, depth: usize) -> String {
    if !deeper(depth) {
        return HOLE.to_owned();
    }
    let d = depth + 1;
    let out = match n.kind() {
        "string" | "template_string" => {
            let mut s = String::new();
            for c in children(n) {
                match c.kind() {
                    "string_fragment" | "escape_sequence" => s.push_str(text_of(c, src)),
                    "template_substitution" => match children(c).first() {
                        Some(e) => s.push_str(&eval(*e, src, consts, d)),
                        None => s.push_str(HOLE),
                    },
                    _ => {}
                }
            }
            s
        }
        "identifier" => consts.get(text_of(n, src)).unwrap_or(HOLE).to_owned(),
        "parenthesized_expression" | "as_expression" | "non_null_expression" | "satisfies_expression" => {
            match children(n).first() {
                Some(c) => eval(*c, src, consts, d),
                None => HOLE.to_owned(),
            }
        }
        "binary_expression" => match (n.child_by_field_name("left"), n.child_by_field_name("right")) {
            (Some(l), Some(r)) if n.child_by_field_name("operator").is_some_and(|o| o.kind() == "+") => {
                eval(l, src, consts, d) + &eval(r, src, consts, d)
            }
            _ => HOLE.to_owned(),
        },
        "call_expression" | "new_expression" => {
            let f = n.child_by_field_name("function").or_else(|| n.child_by_field_name("constructor"));
            let callee = f.map(|f| text_of(f, src)).unwrap_or("");
            let a: Vec<String> = n
                .child_by_field_name("arguments")
                .map(|a| args(a).into_iter().map(|x| eval(x, src, consts, d)).collect())
                .unwrap_or_default();
            if callee == "URL" && a.len() == 2 {
                urljoin(&a[1], &a[0])
            } else if callee == "URL" && a.len() == 1 {
                a[0].clone()
            } else if callee.ends_with(".join") && callee.starts_with("path") && !a.is_empty() {
                path_join(&a)
            } else {
                HOLE.to_owned()
            }
        }
        _ => HOLE.to_owned(),
    };
    cap(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn reads(lang: Lang, src: &str) -> Vec<String> {
        read(lang, src, None).map(|f| f.reads.into_iter().map(|r| r.name).collect()).unwrap_or_default()
    }

    fn built(lang: Lang, src: &str) -> Vec<String> {
        read(lang, src, None).map(|f| f.built.into_iter().map(|b| b.text).collect()).unwrap_or_default()
    }

    #[test]
    fn environment_reads() {
        let src = "const a = process.env.DBT_A;\nconst b = process.env['DBT_B'];\nconst { DBT_C, DBT_D: d } = process.env;\nconst e = getEnv(\"DBT_E\");\n";
        assert_eq!(reads(Lang::JavaScript, src), ["DBT_A", "DBT_B", "DBT_C", "DBT_D", "DBT_E"]);
        let ts = "const t: string = process.env.DBT_TOKEN!;\nconst u = process.env.DBT_TOKEN as string;\n";
        assert_eq!(reads(Lang::TypeScript, ts), ["DBT_TOKEN", "DBT_TOKEN"]);
    }

    #[test]
    fn names_that_are_not_reads() {
        let src = "const cfg = { DBT_TOKEN: 'x', dbt_cloud_service_token: 'dummy' };\n// process.env.DBT_TOKEN\nconst s = 'process.env.DBT_TOKEN';\nf({ token: DBT_TOKEN });\n";
        assert!(reads(Lang::JavaScript, src).is_empty());
    }

    #[test]
    fn urls_built_from_parts() {
        let src = "const BASE = 'https://cloud.getdbt.com/api/v3';\nconst u = `${BASE}/users/${id}/credentials/`;\n";
        assert!(
            built(Lang::JavaScript, src).contains(&"https://cloud.getdbt.com/api/v3/users/{}/credentials/".to_owned())
        );
        let src = "const BASE = 'https://h/api/v2/';\nconst u = BASE + 'users/' + id + '/apikey/';\n";
        assert!(built(Lang::TypeScript, src).contains(&"https://h/api/v2/users/{}/apikey/".to_owned()));
        let src = "const BASE = 'https://h/api/v3/';\nconst u = new URL(`users/${id}/credentials/`, BASE);\n";
        assert!(built(Lang::JavaScript, src).contains(&"https://h/api/v3/users/{}/credentials/".to_owned()));
    }
}
