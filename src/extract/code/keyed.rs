//! Values read from a local credentials file by key: a JSON, YAML or TOML file loaded and then
//! indexed (`json.load(open("creds.json"))["dbt"]["token"]`, `cfg = yaml.safe_load(f)` then
//! `cfg["token-value"]`, `require('./secrets.json').dbtToken`,
//! `JSON.parse(fs.readFileSync(p)).token`, `grep token-value ~/.dbt/dbt_cloud.yml`,
//! `yq '.projects[0].token-value' dbt_cloud.yml`). The file and the keys are facts; whether the
//! value is a dbt token, and of which type, is decided from them by the caller.

use super::{CodeFacts, children, preorder, text_of};
use std::collections::HashMap;
use tree_sitter::{Node, Tree};

/// A value read from a file by key: the file as the code names it (when it does), the keys from
/// the outermost in, and the span of the last key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedRead {
    pub file: Option<String>,
    pub keys: Vec<String>,
    pub start: usize,
    pub end: usize,
}

/// How many keyed reads are kept per file.
const MAX_KEYED: usize = 256;

/// How many keys of one chain are kept (`a["b"]["c"]…`).
const MAX_KEYS: usize = 8;

/// Where a loaded document came from, and the keys already taken from it.
#[derive(Clone, Debug, Default)]
struct Loaded {
    file: Option<String>,
    keys: Vec<String>,
}

fn push(facts: &mut CodeFacts, loaded: Loaded, at: Node) {
    if facts.keyed.len() < MAX_KEYED && !loaded.keys.is_empty() {
        facts.keyed.push(KeyedRead {
            file: loaded.file,
            keys: loaded.keys,
            start: at.start_byte(),
            end: at.end_byte(),
        });
    }
}

/// The first string in a subtree that looks like a file's path (`open(os.path.expanduser(
/// "~/.dbt/dbt_cloud.yml"))`), or a name the file assigned one to.
fn file_in(n: Node, src: &str, strings: &HashMap<String, String>, content_kinds: &[&str]) -> Option<String> {
    for c in preorder_of(n) {
        if content_kinds.contains(&c.kind()) {
            let s = text_of(c, src).trim_matches(['"', '\'', '`']);
            if looks_like_file(s) {
                return Some(s.to_owned());
            }
        } else if c.kind() == "identifier"
            && let Some(s) = strings.get(text_of(c, src))
        {
            return Some(s.clone());
        }
    }
    None
}

fn looks_like_file(s: &str) -> bool {
    let name = s.rsplit('/').next().unwrap_or(s);
    !s.contains(char::is_whitespace) && name.contains('.') && s.len() < 512
}

/// The nodes of a subtree in document order, bounded (a call's arguments are short).
fn preorder_of(n: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        if out.len() > 256 {
            break;
        }
        out.push(n);
        let kids = children(n);
        stack.extend(kids.into_iter().rev());
    }
    out
}

/// A string literal's text without its quotes (Python and JavaScript strings).
fn plain_string(n: Node, src: &str) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let parts = children(n);
    if parts.iter().any(|c| matches!(c.kind(), "interpolation" | "template_substitution")) {
        return None;
    }
    let inner = parts.iter().find(|c| matches!(c.kind(), "string_content" | "string_fragment"))?;
    Some(text_of(*inner, src).to_owned())
}

// ---------------------------------------------------------------------------------------------
// Python

/// Calls that load a document from a file or its text.
fn python_loader(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    let module = callee.rsplit_once('.').map(|(m, _)| m.rsplit('.').next().unwrap_or(m)).unwrap_or("");
    matches!(last, "load" | "loads" | "safe_load" | "full_load" | "unsafe_load")
        && matches!(module, "json" | "yaml" | "toml" | "tomllib" | "tomli" | "ujson" | "orjson")
}

pub fn python(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    if !["load(", "loads(", "safe_load("].iter().any(|c| src.contains(c)) {
        return;
    }
    const CONTENT: &[&str] = &["string_content"];
    let mut strings: HashMap<String, String> = HashMap::new();
    let mut loaded: HashMap<String, Loaded> = HashMap::new();
    for n in preorder(tree) {
        match n.kind() {
            "assignment" => {
                let (Some(l), Some(r)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
                    continue;
                };
                if l.kind() != "identifier" {
                    continue;
                }
                let name = text_of(l, src).to_owned();
                if let Some(s) = plain_string(r, src).filter(|s| looks_like_file(s)) {
                    strings.insert(name.clone(), s);
                }
                // `f = open("creds.json")`: the handle names the file.
                if r.kind() == "call"
                    && let Some(f) = r.child_by_field_name("function")
                    && matches!(text_of(f, src), "open" | "io.open" | "Path" | "pathlib.Path")
                    && let Some(file) = file_in(r, src, &strings, CONTENT)
                {
                    strings.insert(name.clone(), file);
                }
                match py_chain(r, src, &strings, &loaded) {
                    Some(doc) => {
                        loaded.insert(name, doc);
                    }
                    None => {
                        loaded.remove(&name);
                    }
                }
            }
            // `with open("creds.json") as f:`
            "as_pattern" => {
                if let (Some(v), Some(alias)) = (children(n).first().copied(), n.child_by_field_name("alias"))
                    && let Some(file) = file_in(v, src, &strings, CONTENT)
                {
                    strings.insert(text_of(alias, src).trim().to_owned(), file);
                }
            }
            "subscript" | "call" if !py_continued(n) => {
                if let Some(doc) = py_chain(n, src, &strings, &loaded)
                    && let Some(key) = py_last_key(n)
                {
                    push(facts, doc, key);
                }
            }
            _ => {}
        }
    }
}

/// Whether a node is the base of a longer chain of keys (`x["a"]` in `x["a"]["b"]`, `x` in
/// `x.get("a")`): only the outermost is a read.
fn py_continued(n: Node) -> bool {
    let Some(p) = n.parent() else { return false };
    match p.kind() {
        "subscript" => p.child_by_field_name("value").is_some_and(|v| v.id() == n.id()),
        "attribute" => p.parent().is_some_and(|g| g.kind() == "call"),
        _ => false,
    }
}

/// The node of the last key of a chain.
fn py_last_key(n: Node) -> Option<Node> {
    match n.kind() {
        "subscript" => n.child_by_field_name("subscript"),
        "call" => n.child_by_field_name("arguments").and_then(|a| children(a).into_iter().next()),
        _ => None,
    }
}

/// The document an expression holds, with the keys taken from it: a loader call, a name
/// assigned one, or such a value indexed further.
fn py_chain(n: Node, src: &str, strings: &HashMap<String, String>, loaded: &HashMap<String, Loaded>) -> Option<Loaded> {
    let mut keys = Vec::new();
    let mut cur = n;
    for _ in 0..MAX_KEYS * 2 {
        match cur.kind() {
            "subscript" => {
                // A list index (`["projects"][0]`) takes an item, not a key.
                let s = cur.child_by_field_name("subscript")?;
                if s.kind() != "integer" {
                    keys.push(plain_string(s, src)?);
                }
                cur = cur.child_by_field_name("value")?;
            }
            "call" => {
                let f = cur.child_by_field_name("function")?;
                let args = cur.child_by_field_name("arguments")?;
                let callee = text_of(f, src);
                if python_loader(callee) {
                    let first = children(args).into_iter().find(|a| a.kind() != "comment");
                    let file = first.and_then(|a| file_in(a, src, strings, &["string_content"]));
                    keys.reverse();
                    keys.truncate(MAX_KEYS);
                    return Some(Loaded { file, keys });
                }
                if f.kind() == "attribute"
                    && f.child_by_field_name("attribute").is_some_and(|a| text_of(a, src) == "get")
                {
                    let key = children(args).into_iter().next().and_then(|a| plain_string(a, src))?;
                    keys.push(key);
                    cur = f.child_by_field_name("object")?;
                } else {
                    return None;
                }
            }
            "identifier" => {
                let base = loaded.get(text_of(cur, src))?;
                keys.reverse();
                let mut all = base.keys.clone();
                all.extend(keys);
                all.truncate(MAX_KEYS);
                return Some(Loaded { file: base.file.clone(), keys: all });
            }
            "parenthesized_expression" => cur = children(cur).into_iter().next()?,
            _ => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// JavaScript / TypeScript

pub fn javascript(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    if !src.contains("require(") && !src.contains("JSON.parse") && !src.contains(".parse(") && !src.contains(".load(") {
        return;
    }
    let mut strings: HashMap<String, String> = HashMap::new();
    let mut loaded: HashMap<String, Loaded> = HashMap::new();
    for n in preorder(tree) {
        match n.kind() {
            "variable_declarator" => {
                let (Some(l), Some(r)) = (n.child_by_field_name("name"), n.child_by_field_name("value")) else {
                    continue;
                };
                let Some(doc) = js_chain(r, src, &strings, &loaded) else {
                    if l.kind() == "identifier"
                        && let Some(s) = plain_string(r, src).filter(|s| looks_like_file(s))
                    {
                        strings.insert(text_of(l, src).to_owned(), s);
                    }
                    continue;
                };
                match l.kind() {
                    "identifier" => {
                        loaded.insert(text_of(l, src).to_owned(), doc);
                    }
                    // `const { dbtToken } = require('./secrets.json')`: each name is a key.
                    "object_pattern" => {
                        for p in children(l) {
                            let key = match p.kind() {
                                "shorthand_property_identifier_pattern" => Some(p),
                                "pair_pattern" => p.child_by_field_name("key"),
                                _ => None,
                            };
                            if let Some(k) = key {
                                let mut d = doc.clone();
                                d.keys.push(text_of(k, src).trim_matches(['"', '\'']).to_owned());
                                push(facts, d, k);
                            }
                        }
                    }
                    _ => {}
                }
            }
            "member_expression" | "subscript_expression" if !js_continued(n) => {
                if let Some(doc) = js_chain(n, src, &strings, &loaded)
                    && let Some(key) = n.child_by_field_name("property").or_else(|| n.child_by_field_name("index"))
                {
                    push(facts, doc, key);
                }
            }
            _ => {}
        }
    }
}

fn js_continued(n: Node) -> bool {
    let called = |m: Node| {
        m.parent().is_some_and(|g| {
            g.kind() == "call_expression" && g.child_by_field_name("function").is_some_and(|f| f.id() == m.id())
        })
    };
    // `cfg.token.trim()`: the method is no key.
    if called(n) {
        return true;
    }
    n.parent().is_some_and(|p| {
        matches!(p.kind(), "member_expression" | "subscript_expression")
            && p.child_by_field_name("object").is_some_and(|o| o.id() == n.id())
            // `cfg.dbt.token.trim()`: a method call ends the chain of keys.
            && !called(p)
    })
}

fn js_loader(callee: &str) -> bool {
    matches!(callee, "require" | "JSON.parse" | "yaml.load" | "yaml.parse" | "YAML.parse" | "YAML.load" | "jsyaml.load")
}

fn js_chain(n: Node, src: &str, strings: &HashMap<String, String>, loaded: &HashMap<String, Loaded>) -> Option<Loaded> {
    let mut keys = Vec::new();
    let mut cur = n;
    for _ in 0..MAX_KEYS * 2 {
        match cur.kind() {
            "member_expression" => {
                let p = cur.child_by_field_name("property")?;
                keys.push(text_of(p, src).to_owned());
                cur = cur.child_by_field_name("object")?;
            }
            "subscript_expression" => {
                let i = cur.child_by_field_name("index")?;
                if i.kind() != "number" {
                    keys.push(plain_string(i, src)?);
                }
                cur = cur.child_by_field_name("object")?;
            }
            "call_expression" => {
                let f = cur.child_by_field_name("function")?;
                if !js_loader(text_of(f, src)) {
                    return None;
                }
                let args = cur.child_by_field_name("arguments")?;
                let first = children(args).into_iter().next()?;
                let file = file_in(first, src, strings, &["string_fragment"]);
                // `require('dotenv')` loads a module, not a document.
                if text_of(f, src) == "require" && file.as_deref().is_none_or(|f| !is_document(f)) {
                    return None;
                }
                keys.reverse();
                keys.truncate(MAX_KEYS);
                return Some(Loaded { file, keys });
            }
            "await_expression" | "parenthesized_expression" => cur = children(cur).into_iter().next()?,
            "identifier" => {
                let base = loaded.get(text_of(cur, src))?;
                keys.reverse();
                let mut all = base.keys.clone();
                all.extend(keys);
                all.truncate(MAX_KEYS);
                return Some(Loaded { file: base.file.clone(), keys: all });
            }
            _ => return None,
        }
    }
    None
}

/// A file that holds a document (not a module).
fn is_document(file: &str) -> bool {
    let lower = file.to_ascii_lowercase();
    [".json", ".yml", ".yaml", ".toml", ".jsonc"].iter().any(|e| lower.ends_with(e))
}

// ---------------------------------------------------------------------------------------------
// Shell

/// Tools that read a key out of a file on their command line.
const SHELL_TOOLS: [&str; 7] = ["grep", "egrep", "rg", "yq", "jq", "awk", "sed"];

pub fn bash(tree: &Tree, src: &str, facts: &mut CodeFacts) {
    for n in preorder(tree) {
        if n.kind() != "command" {
            continue;
        }
        let Some(name) = n.child_by_field_name("name") else { continue };
        let tool = text_of(name, src).rsplit('/').next().unwrap_or("");
        if !SHELL_TOOLS.contains(&tool) {
            continue;
        }
        let args: Vec<(Node, String)> = children(n)
            .into_iter()
            .filter(|c| c.id() != name.id() && !matches!(c.kind(), "file_redirect" | "herestring_redirect"))
            .map(|c| (c, unquote(text_of(c, src))))
            .collect();
        let Some(file_at) = args.iter().rposition(|(_, a)| is_document(a) || a.ends_with("/.env")) else { continue };
        let file = args[file_at].1.clone();
        let key = args.iter().enumerate().find_map(|(i, (node, a))| {
            if i == file_at || a.starts_with('-') && !matches!(tool, "yq" | "jq") {
                return None;
            }
            let keys = match tool {
                "yq" | "jq" => path_keys(a),
                _ => pattern_key(a).map(|k| vec![k]),
            }?;
            Some((*node, keys))
        });
        if let Some((node, keys)) = key {
            push(facts, Loaded { file: Some(file), keys }, node);
        }
    }
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches(['"', '\'']).to_owned()
}

/// The keys of a `yq`/`jq` path: `.projects[0].token-value` is `projects`, `token-value`.
fn path_keys(expr: &str) -> Option<Vec<String>> {
    let expr = expr.split('|').next().unwrap_or(expr).trim();
    let rest = expr.strip_prefix('.')?;
    let keys: Vec<String> = rest
        .split('.')
        .map(|k| k.split('[').next().unwrap_or(k).trim_matches(['"', '\'']).to_owned())
        .filter(|k| !k.is_empty())
        .take(MAX_KEYS)
        .collect();
    (!keys.is_empty() && keys.iter().all(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')))
        .then_some(keys)
}

/// The key a `grep`/`awk`/`sed` pattern looks for: `token-value`, `'^token-value:'`,
/// `'/token-value/ {print $2}'`.
fn pattern_key(pattern: &str) -> Option<String> {
    let p = pattern.strip_prefix('/').and_then(|p| p.split('/').next()).unwrap_or(pattern);
    let p = p.trim_start_matches('^').trim_start_matches(['"', '\'']);
    let key: String = p.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let rest = &p[key.len()..];
    let ends = rest.is_empty() || rest.starts_with([':', '=', ' ', '"', '\'', '\\', '[', '.']);
    (key.len() >= 2 && ends && key.chars().any(|c| c.is_ascii_alphabetic())).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, read};

    fn keyed(lang: Lang, src: &str) -> Vec<(Option<String>, String)> {
        read(lang, src, None)
            .map(|f| f.keyed.into_iter().map(|k| (k.file, k.keys.join("."))).collect())
            .unwrap_or_default()
    }

    fn one(file: &str, keys: &str) -> (Option<String>, String) {
        (Some(file.to_owned()), keys.to_owned())
    }

    #[test]
    fn python_reads_a_loaded_file_by_key() {
        let src = "import json\ntok = json.load(open(\"creds.json\"))[\"dbt_cloud_token\"]\n";
        assert_eq!(keyed(Lang::Python, src), [one("creds.json", "dbt_cloud_token")]);
        let src =
            "with open('secrets/dbt.yml') as f:\n    cfg = yaml.safe_load(f)\ntok = cfg['dbt']['service_token']\n";
        assert_eq!(keyed(Lang::Python, src), [one("secrets/dbt.yml", "dbt.service_token")]);
        let src = "P = '~/.dbt/dbt_cloud.yml'\nd = yaml.safe_load(open(os.path.expanduser(P)))\nt = d['projects'][0]\nv = d.get('token-value')\n";
        assert_eq!(
            keyed(Lang::Python, src),
            [one("~/.dbt/dbt_cloud.yml", "projects"), one("~/.dbt/dbt_cloud.yml", "token-value")]
        );
        let src = "d = yaml.safe_load(open('dbt_cloud.yml'))\nt = d['projects'][0]['token-value']\n";
        assert_eq!(keyed(Lang::Python, src), [one("dbt_cloud.yml", "projects.token-value")]);
        let src = "data = json.loads(Path('c.json').read_text())\nx = data['dbt']\ny = x['token']\n";
        assert_eq!(keyed(Lang::Python, src), [one("c.json", "dbt"), one("c.json", "dbt.token")]);
    }

    #[test]
    fn python_indexing_that_is_no_loaded_file() {
        assert!(keyed(Lang::Python, "t = cfg['dbt_cloud_token']\nu = os.environ['X']\n").is_empty());
        assert!(keyed(Lang::Python, "d = json.load(f)\nd = {}\nt = d['token']\n").is_empty());
        assert!(keyed(Lang::Python, "r = requests.get(u).json()['token']\n").is_empty());
    }

    #[test]
    fn javascript_reads_a_required_or_parsed_file_by_key() {
        let src = "const t = require('./secrets.json').dbtToken;\n";
        assert_eq!(keyed(Lang::JavaScript, src), [one("./secrets.json", "dbtToken")]);
        let src = "const cfg = JSON.parse(fs.readFileSync('config/creds.json', 'utf8'));\nconst t = cfg.dbt.serviceToken.trim();\n";
        assert_eq!(keyed(Lang::JavaScript, src), [one("config/creds.json", "dbt.serviceToken")]);
        let src = "const { dbtToken, other: x } = require(\"../secrets.json\");\n";
        assert_eq!(keyed(Lang::JavaScript, src), [one("../secrets.json", "dbtToken"), one("../secrets.json", "other")]);
        assert!(keyed(Lang::JavaScript, "const x = require('dotenv').config;\nconst y = obj.dbtToken;\n").is_empty());
    }

    #[test]
    fn shell_tools_that_read_a_key_from_a_file() {
        let src = "T=$(grep token-value ~/.dbt/dbt_cloud.yml | awk '{print $2}')\n";
        assert_eq!(keyed(Lang::Bash, src), [one("~/.dbt/dbt_cloud.yml", "token-value")]);
        let src = "T=$(yq '.projects[0].token-value' dbt_cloud.yml)\nS=$(jq -r .dbt.service_token creds.json)\n";
        assert_eq!(
            keyed(Lang::Bash, src),
            [one("dbt_cloud.yml", "projects.token-value"), one("creds.json", "dbt.service_token")]
        );
        let src = "K=$(awk '/api_key:/ {print $2}' conf/dbt.yaml)\n";
        assert_eq!(keyed(Lang::Bash, src), [one("conf/dbt.yaml", "api_key")]);
        assert!(keyed(Lang::Bash, "grep -r token src/\njq . out.txt\n").is_empty());
    }
}
