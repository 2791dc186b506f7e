//! dbt Cloud API clients a file defines: a class or function that builds an
//! `Authorization: Token …` header from a parameter or attribute (`f"Token {self.token}"`,
//! `` `Token ${apiKey}` ``, `"Token "+token`) in a file that calls dbt Cloud. A caller in the
//! same file that hands it a value read from the environment (directly, or through a name
//! assigned from the read) sends that value to dbt Cloud as its token, whatever the variable's
//! name says: the read is marked with the client's name.

use super::{CodeFacts, Lang, children, preorder, text_of};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;
use tree_sitter::{Node, Tree};

/// A `Token` scheme built from a value: an f-string or template literal, `%s`/`{}`
/// placeholders, or a string followed by `+`.
fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r#"Token (?:\{|\$\{|%s|%v|["'`]\s*\+)"#))
}

/// What says a file calls dbt Cloud's API: its hosts, or its account-scoped API paths.
const DBT_CLOUD_MARKERS: [&str; 5] =
    ["getdbt.com", "dbt.com", "/api/v2/accounts", "/api/v3/accounts", "api/v2/accounts"];

/// How many clients and assignments a file may have before the rest are ignored.
const MAX_CLIENTS: usize = 64;
const MAX_NAMES: usize = 4096;

struct Kinds {
    definitions: &'static [&'static str],
    calls: &'static [&'static str],
}

fn kinds(lang: Lang) -> Kinds {
    match lang {
        Lang::Python => Kinds { definitions: &["class_definition", "function_definition"], calls: &["call"] },
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => Kinds {
            definitions: &[
                "class_declaration",
                "class",
                "function_declaration",
                "method_definition",
                "variable_declarator",
            ],
            calls: &["call_expression", "new_expression"],
        },
        Lang::Go => Kinds { definitions: &["function_declaration", "method_declaration"], calls: &["call_expression"] },
        Lang::Bash => Kinds { definitions: &[], calls: &[] },
    }
}

/// Mark the reads that callers hand to a dbt Cloud client of the file.
pub fn mark(lang: Lang, tree: &Tree, src: &str, facts: &mut CodeFacts) {
    if facts.reads.is_empty() || !DBT_CLOUD_MARKERS.iter().any(|m| src.contains(m)) || !header_re().is_match(src) {
        return;
    }
    let k = kinds(lang);
    let nodes = preorder(tree);
    let clients = client_names(&nodes, &k, src);
    if clients.is_empty() {
        return;
    }
    // Names assigned from a read: `tok = os.getenv("API_TOKEN")`, `token := os.Getenv("K")`.
    let mut assigned: HashMap<String, Vec<usize>> = HashMap::new();
    for n in &nodes {
        let Some((targets, value)) = assignment(*n, src) else { continue };
        let reads = reads_in(facts, value);
        for t in targets {
            if assigned.len() >= MAX_NAMES {
                break;
            }
            if reads.is_empty() {
                assigned.remove(&t);
            } else {
                assigned.insert(t, reads.clone());
            }
        }
    }
    for n in &nodes {
        if !k.calls.contains(&n.kind()) {
            continue;
        }
        let Some(f) = n.child_by_field_name("function").or_else(|| n.child_by_field_name("constructor")) else {
            continue;
        };
        let callee = text_of(f, src);
        let name = callee.rsplit('.').next().unwrap_or(callee);
        if !clients.iter().any(|c| c == name) {
            continue;
        }
        let Some(args) = n.child_by_field_name("arguments") else { continue };
        let mut hit: Vec<(usize, bool)> = Vec::new();
        for a in children(args) {
            // `token=os.environ["X"]`: the parameter says the value is the credential.
            let keyword = a.child_by_field_name("name").filter(|_| a.kind() == "keyword_argument");
            let says = keyword.is_some_and(|k| is_credential_word(text_of(k, src)));
            let value = if keyword.is_some() { a.child_by_field_name("value") } else { Some(a) };
            let Some(v) = value else { continue };
            hit.extend(reads_in(facts, v).into_iter().map(|i| (i, says)));
            if v.kind() == "identifier"
                && let Some(r) = assigned.get(text_of(v, src))
            {
                hit.extend(r.iter().map(|i| (*i, says)));
            }
        }
        for (i, says) in hit {
            // The client's other arguments (a host, an account id) are no token: the value or
            // its parameter must be named as a credential.
            if let Some(r) = facts.reads.get_mut(i)
                && r.client.is_none()
                && (says || is_credential_word(&r.name))
            {
                r.client = Some(name.to_owned());
            }
        }
    }
}

fn names_dbt_cloud(text: &str) -> bool {
    DBT_CLOUD_MARKERS.iter().any(|m| text.contains(m))
}

/// How many nodes of a definition are searched for a name.
const MAX_SEARCH: usize = 20_000;

/// Whether a definition uses one of `names` as an identifier (not in a string or a comment).
fn uses_name(def: Node, src: &str, names: &[String]) -> bool {
    if names.is_empty() {
        return false;
    }
    let mut stack = vec![def];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if seen > MAX_SEARCH {
            return false;
        }
        if n.kind() == "identifier" && names.iter().any(|c| c == text_of(n, src)) {
            return true;
        }
        stack.extend(children(n));
    }
    false
}

/// Whether a name says it is a credential (`API_TOKEN`, `svcKey`, `USER_PAT`, `secret`), not a
/// host or an id.
fn is_credential_word(name: &str) -> bool {
    crate::words::words(name).iter().any(|w| {
        matches!(w.as_str(), "token" | "key" | "apikey" | "pat" | "secret" | "auth" | "credential" | "password")
    })
}

/// The names of the definitions that build a `Token` header: each definition enclosing one
/// (a class and its method, or a function). A definition names dbt Cloud when it writes a dbt
/// Cloud URL or uses a name the file assigned one (`API = "https://…dbt.com/api/v3"`); one
/// that writes only other URLs is another API's client. When some definitions name dbt Cloud,
/// only those are its clients; otherwise the file's dbt Cloud URLs are theirs.
fn client_names(nodes: &[Node], k: &Kinds, src: &str) -> Vec<String> {
    let dbt_names: Vec<String> = nodes
        .iter()
        .filter_map(|n| assignment(*n, src))
        .filter(|(_, v)| names_dbt_cloud(text_of(*v, src)))
        .flat_map(|(t, _)| t)
        .take(MAX_NAMES)
        .collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    for n in nodes {
        if !k.definitions.contains(&n.kind()) || out.len() >= MAX_CLIENTS {
            continue;
        }
        // An arrow function or function expression assigned to a name is a definition.
        if n.kind() == "variable_declarator"
            && !n
                .child_by_field_name("value")
                .is_some_and(|v| matches!(v.kind(), "arrow_function" | "function_expression" | "function" | "class"))
        {
            continue;
        }
        let Some(name) = n.child_by_field_name("name") else { continue };
        let body = text_of(*n, src);
        if header_re().is_match(body) {
            let name = text_of(name, src).to_owned();
            let own = names_dbt_cloud(body) || uses_name(*n, src, &dbt_names);
            let elsewhere = body.contains("http://") || body.contains("https://");
            if !own && elsewhere {
                continue;
            }
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some(e) => e.1 |= own,
                None => out.push((name, own)),
            }
        }
    }
    let any_own = out.iter().any(|(_, own)| *own);
    out.into_iter().filter(|(_, own)| *own || !any_own).map(|(n, _)| n).collect()
}

/// An assignment's target names and its value.
fn assignment<'a>(n: Node<'a>, src: &str) -> Option<(Vec<String>, Node<'a>)> {
    let (l, r) = match n.kind() {
        "assignment" | "short_var_declaration" | "assignment_statement" => {
            (n.child_by_field_name("left")?, n.child_by_field_name("right")?)
        }
        "variable_declarator" | "var_spec" => (n.child_by_field_name("name")?, n.child_by_field_name("value")?),
        _ => return None,
    };
    let targets: Vec<String> = if l.kind() == "identifier" {
        vec![text_of(l, src).to_owned()]
    } else {
        children(l).into_iter().filter(|c| c.kind() == "identifier").map(|c| text_of(c, src).to_owned()).collect()
    };
    (!targets.is_empty()).then_some((targets, r))
}

/// The reads (by index) inside a node.
fn reads_in(facts: &CodeFacts, n: Node) -> Vec<usize> {
    let (s, e) = (n.start_byte(), n.end_byte());
    let from = facts.reads.partition_point(|r| r.start < s);
    facts.reads[from..]
        .iter()
        .enumerate()
        .take_while(|(_, r)| r.start < e)
        .filter(|(_, r)| r.end <= e)
        .map(|(i, _)| from + i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn marked(lang: Lang, src: &str) -> Vec<(String, Option<String>)> {
        read(lang, src, None).map(|f| f.reads.into_iter().map(|r| (r.name, r.client)).collect()).unwrap_or_default()
    }

    fn hit(name: &str, client: &str) -> (String, Option<String>) {
        (name.to_owned(), Some(client.to_owned()))
    }

    #[test]
    fn python_clients_and_their_callers() {
        let src = r#"
import os, requests
BASE = "https://cloud.getdbt.com/api/v2/accounts/1"
class Cloud:
    def __init__(self, token):
        self.token = token
    def run(self, job):
        return requests.post(f"{BASE}/jobs/{job}/run/", headers={"Authorization": f"Token {self.token}"})
tok = os.getenv("API_TOKEN")
Cloud(tok).run(4)
c = Cloud(token=os.environ["SVC_KEY"])
d = Cloud(token=os.environ["SECRETVALUE"], host=os.environ["DBT_HOST"])
other = os.environ["OTHER"]
"#;
        assert_eq!(
            marked(Lang::Python, src),
            [
                hit("API_TOKEN", "Cloud"),
                hit("SVC_KEY", "Cloud"),
                hit("SECRETVALUE", "Cloud"),
                ("DBT_HOST".into(), None),
                ("OTHER".into(), None)
            ]
        );
    }

    #[test]
    fn javascript_and_go_clients() {
        let js = "const dbt = (apiKey) => fetch('https://cloud.getdbt.com/api/v2/accounts/1/jobs/', { headers: { Authorization: `Token ${apiKey}` } });\ndbt(process.env.KEY);\n";
        assert_eq!(marked(Lang::JavaScript, js), [hit("KEY", "dbt")]);
        let go = "package main\nimport (\"net/http\"; \"os\")\nfunc call(token string) {\n\treq, _ := http.NewRequest(\"POST\", \"https://cloud.getdbt.com/api/v2/accounts/1/jobs/2/run/\", nil)\n\treq.Header.Set(\"Authorization\", \"Token \"+token)\n}\nfunc main() {\n\tt := os.Getenv(\"API_KEY\")\n\tcall(t)\n}\n";
        assert_eq!(marked(Lang::Go, go), [hit("API_KEY", "call")]);
    }

    #[test]
    fn no_client_without_a_dbt_cloud_call_or_a_token_header() {
        // Another API's `Token` header (Django REST, NetBox) is not dbt Cloud's.
        let src = "def c(t):\n    return requests.get('https://netbox.local/api/', headers={'Authorization': f'Token {t}'})\nc(os.environ['NB'])\n";
        assert_eq!(marked(Lang::Python, src), [("NB".into(), None)]);
        let src = "def nb(t):\n    return requests.get('https://netbox.local/api/', headers={'Authorization': f'Token {t}'})\ndef d(t):\n    return requests.get('https://cloud.getdbt.com/api/v2/accounts/', headers={'Authorization': f'Token {t}'})\nnb(os.environ['NB'])\nd(os.environ['ADMIN_KEY'])\n";
        assert_eq!(marked(Lang::Python, src), [("NB".into(), None), hit("ADMIN_KEY", "d")]);
        let src = "def c(t):\n    return requests.get('https://cloud.getdbt.com/api/v2/accounts/', headers={'Authorization': f'Bearer {t}'})\nc(os.environ['NB'])\n";
        assert_eq!(marked(Lang::Python, src), [("NB".into(), None)]);
    }
}
