//! Go read by its tree-sitter grammar: `os.Getenv("X")` and `os.LookupEnv("X")` are reads;
//! `+`, `fmt.Sprintf`, `url.JoinPath` and the URL of `http.NewRequest` are built from the
//! file's constants.

use super::{CodeFacts, Consts, HOLE, Read, cap, children, deeper, fill_placeholders, path_join, preorder, text_of};
use tree_sitter::{Node, Tree};

pub fn collect(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    let mut consts = Consts::default();
    for n in preorder(tree) {
        match n.kind() {
            "short_var_declaration" | "assignment_statement" => {
                if let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) {
                    bind(&mut consts, &children(l), &children(r), src);
                }
            }
            "const_spec" | "var_spec" => {
                let mut cursor = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut cursor).collect();
                if let Some(v) = n.child_by_field_name("value") {
                    bind(&mut consts, &names, &children(v), src);
                }
            }
            "call_expression" => {
                let (Some(f), Some(a)) = (n.child_by_field_name("function"), n.child_by_field_name("arguments")) else {
                    continue;
                };
                let callee = text_of(f, src);
                let args = args(a);
                if super::is_env_callee(callee)
                    && let Some(first) = args.first()
                    && let Some(c) = content(*first)
                {
                    let name = text_of(c, src);
                    if super::is_var_name(name) {
                        facts.reads.push(Read {
                            name: name.to_owned(),
                            start: c.start_byte(),
                            end: c.end_byte(),
                            assignment: false,
                            description: None,
                            cli_config: false,
                            client: None,
                        });
                    }
                }
                let url_arg = match callee {
                    "http.NewRequest" => args.get(1),
                    "http.NewRequestWithContext" => args.get(2),
                    "http.Get" | "http.Post" | "http.Head" => args.first(),
                    _ => None,
                };
                if let Some(u) = url_arg {
                    push_built(facts, *u, src, &consts);
                } else if callee == "fmt.Sprintf" || callee.ends_with("JoinPath") || callee == "path.Join" {
                    push_built(facts, n, src, &consts);
                }
            }
            "binary_expression" if n.child_by_field_name("operator").is_some_and(|o| o.kind() == "+") => {
                push_built(facts, n, src, &consts)
            }
            _ => {}
        }
    }
}

fn bind(consts: &mut Consts, names: &[Node], values: &[Node], src: &str) {
    if names.len() != values.len() {
        return;
    }
    for (l, r) in names.iter().zip(values) {
        if l.kind() == "identifier" {
            let v = eval(*r, src, consts, 0);
            consts.set(text_of(*l, src), v);
        }
    }
}

fn args(n: Node) -> Vec<Node> {
    children(n).into_iter().filter(|c| c.kind() != "comment").collect()
}

fn push_built(facts: &mut CodeFacts, n: Node, src: &str, consts: &Consts) {
    if !super::inside_builder(n, BUILDERS) {
        facts.offer(n, eval(n, src, consts, 0));
    }
}

/// The nodes that build a string further from their parts.
const BUILDERS: &[&str] = &["binary_expression"];

/// The content node of a plain string literal without escapes.
fn content(n: Node) -> Option<Node> {
    if !matches!(n.kind(), "interpreted_string_literal" | "raw_string_literal") {
        return None;
    }
    match children(n).as_slice() {
        [c] if c.kind().ends_with("_content") => Some(*c),
        _ => None,
    }
}

fn eval(n: Node, src: &str, consts: &Consts, depth: usize) -> String {
    if !deeper(depth) {
        return HOLE.to_owned();
    }
    let d = depth + 1;
    let out = match n.kind() {
        "interpreted_string_literal" | "raw_string_literal" => {
            children(n).into_iter().map(|c| text_of(c, src)).collect::<String>()
        }
        "identifier" => consts.get(text_of(n, src)).unwrap_or(HOLE).to_owned(),
        "parenthesized_expression" => match children(n).first() {
            Some(c) => eval(*c, src, consts, d),
            None => HOLE.to_owned(),
        },
        "binary_expression" => match (n.child_by_field_name("left"), n.child_by_field_name("right")) {
            (Some(l), Some(r)) if n.child_by_field_name("operator").is_some_and(|o| o.kind() == "+") => {
                eval(l, src, consts, d) + &eval(r, src, consts, d)
            }
            _ => HOLE.to_owned(),
        },
        "call_expression" => {
            let callee = n.child_by_field_name("function").map(|f| text_of(f, src)).unwrap_or("");
            let a: Vec<String> = n
                .child_by_field_name("arguments")
                .map(|a| args(a).into_iter().map(|x| eval(x, src, consts, d)).collect())
                .unwrap_or_default();
            match (callee, a.split_first()) {
                ("fmt.Sprintf", Some((f, rest))) => fill_placeholders(f, rest, &[]),
                (c, Some(_)) if c.ends_with("JoinPath") || c == "path.Join" => path_join(&a),
                _ => HOLE.to_owned(),
            }
        }
        _ => HOLE.to_owned(),
    };
    cap(out)
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn reads(src: &str) -> Vec<String> {
        read(Lang::Go, src, None).map(|f| f.reads.into_iter().map(|r| r.name).collect()).unwrap_or_default()
    }

    fn built(src: &str) -> Vec<String> {
        read(Lang::Go, src, None).map(|f| f.built.into_iter().map(|b| b.text).collect()).unwrap_or_default()
    }

    #[test]
    fn environment_reads() {
        let src = "package x\nimport \"os\"\nfunc f() {\n\tt := os.Getenv(\"DBT_CLOUD_TOKEN\")\n\tv, ok := os.LookupEnv(`DBT_PAT`)\n\t_ = map[string]string{\"DBT_TOKEN\": t}\n}\n";
        assert_eq!(reads(src), ["DBT_CLOUD_TOKEN", "DBT_PAT"]);
    }

    #[test]
    fn urls_built_from_parts() {
        let src = "package x\nconst base = \"https://cloud.getdbt.com/api/v3\"\nfunc f(id string) {\n\treq, _ := http.NewRequest(\"GET\", base+\"/users/\"+id+\"/credentials/\", nil)\n\tu := fmt.Sprintf(\"%s/users/%s/apikey/\", base, id)\n}\n";
        let b = built(src);
        assert!(b.contains(&"https://cloud.getdbt.com/api/v3/users/{}/credentials/".to_owned()), "{b:?}");
        assert!(b.contains(&"https://cloud.getdbt.com/api/v3/users/{}/apikey/".to_owned()), "{b:?}");
    }
}
