//! Python read by its tree-sitter grammar: `os.environ[…]`, `os.getenv(…)`, `EnvVar(…)` and
//! environment helpers are reads; f-strings, `+`, `%`, `.format()`, `urljoin` and
//! `os.path.join` build URLs from the file's constants.

use super::{
    CodeFacts, Consts, HOLE, Read, cap, children, deeper, fill_placeholders, path_join, preorder, text_of, urljoin,
};
use tree_sitter::{Node, Tree};

pub fn collect(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    let mut consts = Consts::default();
    // Names that hold the name of an environment variable (`env_var = "DBT_CLOUD_TOKEN"`, a
    // parameter's default `token_env_var_name="DBT_CLOUD_TOKEN"`), with the string that writes it.
    let mut env_names: std::collections::HashMap<String, Read> = std::collections::HashMap::new();
    for n in preorder(tree) {
        match n.kind() {
            "assignment" => {
                if let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right"))
                    && l.kind() == "identifier"
                {
                    let v = eval(r, src, &consts, 0);
                    consts.set(text_of(l, src), v);
                    if let Some(read) = name_read(r, src) {
                        env_names.insert(text_of(l, src).to_owned(), read);
                    }
                }
            }
            "default_parameter" | "typed_default_parameter" => {
                if let (Some(l), Some(r)) = (n.child_by_field_name("name"), n.child_by_field_name("value"))
                    && let Some(read) = name_read(r, src)
                {
                    env_names.insert(text_of(l, src).to_owned(), read);
                }
            }
            "call" => {
                let Some(f) = n.child_by_field_name("function") else { continue };
                let callee = text_of(f, src);
                // A Snowflake handler reads its secrets by name as code reads the environment.
                if (super::is_env_callee(callee) || callee.ends_with("get_generic_secret_string"))
                    && let Some(args) = n.child_by_field_name("arguments")
                    && let Some(first) = children(args).into_iter().find(|a| a.kind() != "comment")
                {
                    facts.reads.extend(env_name_read(first, src, &env_names));
                }
                if is_builder_call(callee) {
                    push_built(facts, n, src, &consts);
                }
            }
            "subscript" => {
                if let Some(v) = n.child_by_field_name("value")
                    && text_of(v, src).ends_with("environ")
                    && let Some(s) = n.child_by_field_name("subscript")
                {
                    facts.reads.extend(env_name_read(s, src, &env_names));
                }
            }
            "string" | "concatenated_string" if has_interpolation(n) => push_built(facts, n, src, &consts),
            "binary_operator" => {
                let op = n.child_by_field_name("operator").map(|o| o.kind()).unwrap_or("");
                if op == "+" || op == "%" {
                    push_built(facts, n, src, &consts);
                }
            }
            _ => {}
        }
    }
    super::python_frameworks::collect(tree, src, facts);
    facts.reads.sort_by_key(|r| r.start);
    super::python_cloud_cli::mark(tree, src, facts);
}

/// Whether an f-string (or a run of strings holding one) interpolates anything.
fn has_interpolation(n: Node) -> bool {
    children(n).iter().any(|c| c.kind() == "interpolation" || (c.kind() == "string" && has_interpolation(*c)))
}

fn is_builder_call(callee: &str) -> bool {
    callee.ends_with(".format") || callee.ends_with("urljoin") || callee.ends_with("path.join")
}

fn push_built(facts: &mut CodeFacts, n: Node, src: &str, consts: &Consts) {
    if !super::inside_builder(n, BUILDERS) {
        facts.offer(n, eval(n, src, consts, 0));
    }
}

/// The nodes that build a string further from their parts.
const BUILDERS: &[&str] = &["binary_operator", "concatenated_string", "interpolation"];

/// The read an environment lookup's argument makes: the name written there, or the one held
/// by the variable it passes (`os.environ.get(token_env_var_name)`).
fn env_name_read(arg: Node, src: &str, env_names: &std::collections::HashMap<String, Read>) -> Option<Read> {
    match arg.kind() {
        "identifier" => env_names.get(text_of(arg, src)).cloned(),
        _ => name_read(arg, src),
    }
}

/// A plain string argument naming a variable: the read of that name.
fn name_read(n: Node, src: &str) -> Option<Read> {
    if n.kind() != "string" {
        return None;
    }
    let parts = children(n);
    if parts.iter().any(|c| c.kind() == "interpolation") {
        return None;
    }
    let content = parts.iter().find(|c| c.kind() == "string_content")?;
    let name = text_of(*content, src);
    super::is_var_name(name).then(|| Read {
        name: name.to_owned(),
        start: content.start_byte(),
        end: content.end_byte(),
        assignment: false,
        description: None,
        cli_config: false,
        client: None,
    })
}

/// The string an expression builds, with holes for what the file does not fix.
fn eval(n: Node, src: &str, consts: &Consts, depth: usize) -> String {
    if !deeper(depth) {
        return HOLE.to_owned();
    }
    let d = depth + 1;
    let out = match n.kind() {
        "string" => {
            let mut s = String::new();
            for c in children(n) {
                match c.kind() {
                    "string_content" | "escape_sequence" => s.push_str(text_of(c, src)),
                    "interpolation" => match c.child_by_field_name("expression") {
                        Some(e) => s.push_str(&eval(e, src, consts, d)),
                        None => s.push_str(HOLE),
                    },
                    _ => {}
                }
            }
            s
        }
        "concatenated_string" => children(n).into_iter().map(|c| eval(c, src, consts, d)).collect(),
        "identifier" => consts.get(text_of(n, src)).unwrap_or(HOLE).to_owned(),
        "parenthesized_expression" => match children(n).first() {
            Some(c) => eval(*c, src, consts, d),
            None => HOLE.to_owned(),
        },
        "binary_operator" => {
            let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
                return HOLE.to_owned();
            };
            match n.child_by_field_name("operator").map(|o| o.kind()) {
                Some("+") => eval(l, src, consts, d) + &eval(r, src, consts, d),
                Some("%") => {
                    let args = if r.kind() == "tuple" { children(r) } else { vec![r] };
                    let positional: Vec<String> = args.into_iter().map(|a| eval(a, src, consts, d)).collect();
                    fill_placeholders(&eval(l, src, consts, d), &positional, &[])
                }
                _ => HOLE.to_owned(),
            }
        }
        "call" => eval_call(n, src, consts, d),
        _ => HOLE.to_owned(),
    };
    cap(out)
}

fn eval_call(n: Node, src: &str, consts: &Consts, d: usize) -> String {
    let (Some(f), Some(args)) = (n.child_by_field_name("function"), n.child_by_field_name("arguments")) else {
        return HOLE.to_owned();
    };
    let callee = text_of(f, src);
    let mut positional = Vec::new();
    let mut named = Vec::new();
    for a in children(args) {
        match a.kind() {
            "keyword_argument" => {
                if let (Some(k), Some(v)) = (a.child_by_field_name("name"), a.child_by_field_name("value")) {
                    named.push((text_of(k, src).to_owned(), eval(v, src, consts, d)));
                }
            }
            "comment" => {}
            _ => positional.push(eval(a, src, consts, d)),
        }
    }
    if callee.ends_with(".format")
        && let Some(obj) = f.child_by_field_name("object")
    {
        return fill_placeholders(&eval(obj, src, consts, d), &positional, &named);
    }
    if callee.ends_with("urljoin") && positional.len() == 2 {
        return urljoin(&positional[0], &positional[1]);
    }
    if callee.ends_with("path.join") && !positional.is_empty() {
        return path_join(&positional);
    }
    HOLE.to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn reads(src: &str) -> Vec<String> {
        read(Lang::Python, src, None).map(|f| f.reads.into_iter().map(|r| r.name).collect()).unwrap_or_default()
    }

    fn built(src: &str) -> Vec<String> {
        read(Lang::Python, src, None).map(|f| f.built.into_iter().map(|b| b.text).collect()).unwrap_or_default()
    }

    #[test]
    fn environment_reads() {
        assert_eq!(
            reads("x = os.environ['DBT_A']\ny = os.environ.get(\"DBT_B\")\nz = os.getenv('DBT_C', 'd')\n"),
            ["DBT_A", "DBT_B", "DBT_C"]
        );
        assert_eq!(
            reads("t = dg.EnvVar(\"DBT_TOKEN\")\nu = get_env(\"DBT_CLOUD_API_TOKEN\")\n"),
            ["DBT_TOKEN", "DBT_CLOUD_API_TOKEN"]
        );
        // Every read is its own.
        assert_eq!(reads("a = os.environ.get('K')\nb = os.environ.get('K')\n"), ["K", "K"]);
    }

    #[test]
    fn a_name_held_by_a_variable_or_a_parameter_default_is_read() {
        let src = "def run(token=None, token_env_var_name: str = \"DBT_CLOUD_TOKEN\"):\n    return token or os.environ.get(token_env_var_name)\n\nVAR = 'DBT_CLOUD_SERVICE_TOKEN'\nt = os.environ[VAR]\n";
        assert_eq!(reads(src), ["DBT_CLOUD_TOKEN", "DBT_CLOUD_SERVICE_TOKEN"]);
        // A variable that holds no name, or one never read from the environment, is no read.
        assert!(reads("name = compute()\nv = os.getenv(name)\nLABEL = 'DBT_CLOUD_TOKEN'\nprint(LABEL)\n").is_empty());
    }

    #[test]
    fn names_that_are_not_reads() {
        // Keyword arguments, dict keys, assignment targets, comments and strings elsewhere.
        assert!(reads("c = Config(dbt_cloud_service_token=\"dummy\")\n").is_empty());
        assert!(reads("d = {\"DBT_TOKEN\": 1}\nDBT_CLOUD_API_KEY = \"Insert Token Here\"\n").is_empty());
        assert!(reads("# os.environ['DBT_TOKEN']\ns = \"os.getenv('DBT_TOKEN')\"\n").is_empty());
        assert!(reads("v = os.getenv(name)\nw = get_env(f\"{p}_TOKEN\")\n").is_empty());
        assert!(reads("print(\"DBT_TOKEN\")\n").is_empty());
    }

    #[test]
    fn a_chain_is_built_once() {
        // Only the outermost `+` is offered: a long chain is not rebuilt once per link.
        let terms: Vec<String> = (0..200).map(|i| format!("'/p{i}'")).collect();
        let src = format!("B = 'https://h/api'\nu = B + {}\n", terms.join(" + "));
        assert_eq!(built(&src).len(), 1);
    }

    #[test]
    fn urls_built_from_parts() {
        let src = "BASE = \"https://cloud.getdbt.com/api/v3\"\nurl = f\"{BASE}/users/{uid}/credentials/\"\n";
        assert!(built(src).contains(&"https://cloud.getdbt.com/api/v3/users/{}/credentials/".to_owned()));
        let src = "B = 'https://h/api/v2/'\nu = B + 'users/' + str(i) + '/apikey/'\n";
        assert!(built(src).contains(&"https://h/api/v2/users/{}/apikey/".to_owned()));
        let src = "B = 'https://h/api/v3'\nu = '{}/users/{}/credentials'.format(B, i)\n";
        assert!(built(src).contains(&"https://h/api/v3/users/{}/credentials".to_owned()));
        let src = "B = 'https://h/api/v3/'\nu = urljoin(B, f'users/{i}/credentials/')\n";
        assert!(built(src).contains(&"https://h/api/v3/users/{}/credentials/".to_owned()));
        let src = "B = 'https://h/api/v3'\nu = os.path.join(B, 'users', uid, 'credentials')\n";
        assert!(built(src).contains(&"https://h/api/v3/users/{}/credentials".to_owned()));
        let src = "u = '%s/users/%s/credentials' % (base, i)\n";
        assert!(built(src).contains(&"{}/users/{}/credentials".to_owned()));
    }
}
