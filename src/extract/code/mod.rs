//! Code read by real parsers (tree-sitter): the environment reads a file makes and the URLs it
//! builds from parts, one file per language; anything else is read as text by `script`.

pub mod bash;
pub mod clients;
pub mod go;
pub mod javascript;
pub mod keyed;
pub mod python;
pub mod python_cloud_cli;
pub mod python_frameworks;

use std::collections::HashMap;
use tree_sitter::{Language, Node, Parser, Tree};

/// What stands for a part of a built string the file does not fix (a request argument, a loop
/// variable): the user-context endpoint patterns accept it as an id segment.
pub const HOLE: &str = "{}";

/// How deep an expression is followed when building a string; past it the part is a hole.
const MAX_EVAL_DEPTH: usize = 24;

/// How many simple assignments are remembered per file, so a hostile file cannot grow the map
/// without bound.
const MAX_CONSTS: usize = 4096;

/// The longest string built from parts that is kept; longer ones are cut (URLs are short).
const MAX_BUILT_LEN: usize = 4096;

/// The languages read by a parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Bash,
    Go,
}

impl Lang {
    /// The language of a code file, by its extension (`None`: read as text).
    pub fn of_path(path: &str) -> Option<Lang> {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Some(match ext {
            "py" => Lang::Python,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "sh" | "bash" | "zsh" | "ksh" => Lang::Bash,
            "go" => Lang::Go,
            _ => return None,
        })
    }

    /// The language a script's `#!` line names (`#!/usr/bin/env python3`, `#!/bin/bash`,
    /// `#!/usr/bin/env -S node --no-warnings`), for a file without an extension.
    pub fn of_shebang(bytes: &[u8]) -> Option<Lang> {
        let rest = bytes.strip_prefix(b"#!")?;
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
        let line = std::str::from_utf8(line).ok()?;
        let mut words = line.split_whitespace().map(|w| w.rsplit('/').next().unwrap_or(w));
        let mut prog = words.next()?;
        if prog == "env" {
            prog = words.find(|w| !w.starts_with('-') && !w.contains('='))?;
        }
        let version = |p: &str, name: &str| {
            p.strip_prefix(name).is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        };
        Some(match prog {
            p if version(p, "python") => Lang::Python,
            "node" | "nodejs" | "deno" | "bun" => Lang::JavaScript,
            "ts-node" | "tsx" => Lang::TypeScript,
            "bash" | "sh" | "dash" | "zsh" | "ksh" => Lang::Bash,
            _ => return None,
        })
    }

    /// The language of a code file: by its extension, else by its `#!` line.
    pub fn of_file(path: &str, text: &str) -> Option<Lang> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let known_ext = Lang::of_path(path);
        if known_ext.is_some() || name.contains('.') && !name.starts_with('.') {
            return known_ext;
        }
        Lang::of_shebang(text.as_bytes())
    }

    fn language(self) -> Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Bash => tree_sitter_bash::LANGUAGE.into(),
            Lang::Go => tree_sitter_go::LANGUAGE.into(),
        }
    }
}

/// A read of a named value (`os.environ["X"]`, `process.env.X`, `$X`, `os.Getenv("X")`): the
/// name and the span of the name in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub name: String,
    pub start: usize,
    pub end: usize,
    /// A shell assignment (`export X=…`) rather than a read.
    pub assignment: bool,
    /// What the code says the value is, where it declares the read (a CLI option's `help=`, a
    /// settings field's `description=`).
    pub description: Option<String>,
    /// The read is the `token-value` of a mapping written as the Cloud CLI's `dbt_cloud.yml`
    /// (beside `projects`, `account-host` or `project-id`, or in a file that names that file).
    pub cli_config: bool,
    /// The dbt Cloud client of the file (a class or function that sends its argument in a
    /// `Token` header) that the code hands the value to.
    pub client: Option<String>,
}

/// A string the code builds from parts (an f-string on a base-URL constant, `urljoin`, a
/// template literal, `${BASE}/users/…` in shell), as far as the file fixes it, and the span of
/// the expression that builds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// How many built strings are kept per file (the caller needs the first that matters).
const MAX_BUILT: usize = 16;

/// What a parser read in one file.
#[derive(Debug, Default)]
pub struct CodeFacts {
    pub reads: Vec<Read>,
    /// Built strings that `wanted` matches, the first few.
    pub built: Vec<Built>,
    /// Values read from a local file by key (a credentials file loaded and indexed).
    pub keyed: Vec<keyed::KeyedRead>,
    wanted: Option<regex::Regex>,
}

impl CodeFacts {
    /// Keep a string built by node `n` when it is a wanted URL.
    pub(crate) fn offer(&mut self, n: Node, text: String) {
        if self.built.len() < MAX_BUILT && text.contains('/') && self.wanted.as_ref().is_none_or(|w| w.is_match(&text))
        {
            self.built.push(Built { text, start: n.start_byte(), end: n.end_byte() });
        }
    }
}

/// Parse `text` as `lang` and collect its reads and the built strings `wanted` matches (all
/// URL-like ones when `None`); `None` when the file does not parse as `lang` (a template, a
/// dialect the grammar does not know): the caller reads it as text, as before parsers.
pub fn read(lang: Lang, text: &str, wanted: Option<&regex::Regex>) -> Option<CodeFacts> {
    let tree = parse(lang, text)?;
    if tree.root_node().has_error() {
        return None;
    }
    let mut facts = CodeFacts { wanted: wanted.cloned(), ..CodeFacts::default() };
    match lang {
        Lang::Python => {
            python::collect(&tree, text, &mut facts);
            keyed::python(&tree, text, &mut facts);
        }
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            javascript::collect(&tree, text, &mut facts);
            keyed::javascript(&tree, text, &mut facts);
        }
        Lang::Bash => {
            bash::collect(&tree, text, &mut facts);
            keyed::bash(&tree, text, &mut facts);
        }
        Lang::Go => go::collect(&tree, text, &mut facts),
    }
    facts.reads.sort_by_key(|r| r.start);
    facts.reads.dedup();
    clients::mark(lang, &tree, text, &mut facts);
    Some(facts)
}

/// One parser per language and thread, reused: setting up a parser costs more than parsing
/// the short scripts most code files are.
fn parse(lang: Lang, text: &str) -> Option<Tree> {
    thread_local! {
        static PARSERS: std::cell::RefCell<Vec<(Lang, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    PARSERS.with(|cell| {
        let mut parsers = cell.try_borrow_mut().ok()?;
        let i = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(i) => i,
            None => {
                let mut parser = Parser::new();
                parser.set_language(&lang.language()).ok()?;
                parsers.push((lang, parser));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers.get_mut(i)?.1;
        let tree = parser.parse(text, None);
        // A parse that stopped early leaves state behind; the next file starts clean.
        parser.reset();
        tree
    })
}

/// The nodes of a tree in document order (pre-order), without recursion: a deeply nested
/// hostile file cannot overflow the stack.
pub(crate) fn preorder(tree: &Tree) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        out.push(n);
        let mut cursor = n.walk();
        let children: Vec<Node> = n.named_children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// The source text of a node.
pub(crate) fn text_of<'a>(n: Node, src: &'a str) -> &'a str {
    src.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

/// The named children of a node.
pub(crate) fn children(n: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = n.walk();
    n.named_children(&mut cursor).collect()
}

/// Whether a node continues an expression its parent builds further (`a + b` inside
/// `a + b + c`, an f-string inside `+`): only the outermost is offered, so a long chain is
/// built once, not once per link.
pub(crate) fn inside_builder(n: Node, builders: &[&str]) -> bool {
    n.parent().is_some_and(|p| builders.contains(&p.kind()))
}

/// Whether a string is shaped like an environment variable name.
pub(crate) fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a callee reads the environment by name: `os.getenv`, `os.environ.get`, `EnvVar`,
/// `Deno.env.get`, `os.LookupEnv`, and project helpers such as `get_env`: a word of its name
/// begins or ends with `env` (so `prevent` and `send_event` do not).
pub(crate) fn is_env_callee(callee: &str) -> bool {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in callee.chars() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut word));
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words.iter().any(|w| w.starts_with("env") || w.ends_with("env"))
}

/// Simple assignments of a file, in the order they were met: name → the string it holds.
#[derive(Default)]
pub(crate) struct Consts(HashMap<String, String>);

impl Consts {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Remember `name = value` when the value is more than holes.
    pub fn set(&mut self, name: &str, value: String) {
        if value.replace(HOLE, "").is_empty() {
            self.0.remove(name);
            return;
        }
        if self.0.len() < MAX_CONSTS || self.0.contains_key(name) {
            self.0.insert(name.to_owned(), cap(value));
        }
    }
}

/// A built string past the length cap is cut at a character boundary.
pub(crate) fn cap(mut s: String) -> String {
    if s.len() > MAX_BUILT_LEN {
        let mut at = MAX_BUILT_LEN;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
    s
}

/// Whether building may go one level deeper.
pub(crate) fn deeper(depth: usize) -> bool {
    depth < MAX_EVAL_DEPTH
}

/// `urljoin(base, rel)`: an absolute path replaces the base's path, a relative one its last
/// segment, a full URL the whole base.
pub(crate) fn urljoin(base: &str, rel: &str) -> String {
    if rel.contains("://") {
        return rel.to_owned();
    }
    let origin_end = match base.find("://") {
        Some(i) => base[i + 3..].find('/').map(|j| i + 3 + j).unwrap_or(base.len()),
        None => base.find('/').unwrap_or(base.len()),
    };
    if let Some(path) = rel.strip_prefix('/') {
        return format!("{}/{path}", &base[..origin_end]);
    }
    match base.rfind('/') {
        Some(i) if i >= origin_end => format!("{}{rel}", &base[..=i]),
        _ => format!("{base}/{rel}"),
    }
}

/// `os.path.join`, `path.join`, `url.JoinPath`: parts joined by single slashes.
pub(crate) fn path_join(parts: &[String]) -> String {
    let mut out = String::new();
    for p in parts {
        if out.is_empty() {
            out.push_str(p);
        } else if p.starts_with('/') && !p.contains("://") {
            out = format!("{}{p}", out.trim_end_matches('/'));
        } else {
            out = format!("{}/{}", out.trim_end_matches('/'), p);
        }
    }
    out
}

/// `"{}/x/{name}".format(a, name=b)` and `"%s/x/%d" % (…)`, `fmt.Sprintf`: placeholders filled
/// by the arguments, in order or by name; what is missing is a hole.
pub(crate) fn fill_placeholders(template: &str, positional: &[String], named: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(i) = rest.find(['{', '%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(inner) = tail.strip_prefix('{') {
            if let Some(close) = inner.find('}') {
                let key = inner[..close].split([':', '!']).next().unwrap_or("");
                let v = if key.is_empty() {
                    next += 1;
                    positional.get(next - 1)
                } else if let Ok(n) = key.parse::<usize>() {
                    positional.get(n)
                } else {
                    named.iter().find(|(k, _)| k == key).map(|(_, v)| v)
                };
                out.push_str(v.map(String::as_str).unwrap_or(HOLE));
                rest = &inner[close + 1..];
                continue;
            }
            out.push('{');
            rest = inner;
        } else {
            let verb = tail.get(1..2).unwrap_or("");
            if matches!(verb, "s" | "d" | "v" | "q" | "i") {
                next += 1;
                out.push_str(positional.get(next - 1).map(String::as_str).unwrap_or(HOLE));
                rest = &tail[2..];
            } else {
                out.push('%');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(Lang::of_path("a/b.py"), Some(Lang::Python));
        assert_eq!(Lang::of_path("x.mjs"), Some(Lang::JavaScript));
        assert_eq!(Lang::of_path("x.ts"), Some(Lang::TypeScript));
        assert_eq!(Lang::of_path("deploy.sh"), Some(Lang::Bash));
        assert_eq!(Lang::of_path("main.go"), Some(Lang::Go));
        assert_eq!(Lang::of_path("Makefile"), None);
        assert_eq!(Lang::of_path("x.rb"), None);
    }

    #[test]
    fn languages_by_shebang_without_an_extension() {
        assert_eq!(Lang::of_file("tools/run_job", "#!/usr/bin/env python3\nimport os\n"), Some(Lang::Python));
        assert_eq!(Lang::of_file("bin/trigger", "#!/bin/bash\ncurl x\n"), Some(Lang::Bash));
        assert_eq!(Lang::of_file("bin/x", "#!/usr/bin/env -S node --no-warnings\n"), Some(Lang::JavaScript));
        assert_eq!(Lang::of_file("bin/x", "#!/usr/bin/perl\n"), None);
        assert_eq!(Lang::of_file("bin/x", "python3 x.py\n"), None);
        // An extension speaks first: a Ruby file with a shell shebang stays Ruby's (text).
        assert_eq!(Lang::of_file("x.rb", "#!/bin/sh\n"), None);
    }

    #[test]
    fn environment_callees_by_word() {
        for c in ["os.getenv", "os.environ.get", "dg.EnvVar", "get_env", "os.LookupEnv", "Deno.env.get", "readEnvVar"] {
            assert!(is_env_callee(c), "{c}");
        }
        for c in ["prevent", "send_event", "inventory.add", "Seventh"] {
            assert!(!is_env_callee(c), "{c}");
        }
    }

    #[test]
    fn a_file_that_does_not_parse_is_left_to_text() {
        assert!(read(Lang::Python, "x = os.environ['DBT_TOKEN']\n", None).is_some());
        assert!(read(Lang::Python, "{% if x %}\nx = os.environ['DBT_TOKEN']\n{% endif %}\n", None).is_none());
    }

    #[test]
    fn joins_and_placeholders() {
        assert_eq!(urljoin("https://h/api/v3/", "users/1/credentials/"), "https://h/api/v3/users/1/credentials/");
        assert_eq!(urljoin("https://h/api/v3/accounts", "/api/v2/users/1/apikey/"), "https://h/api/v2/users/1/apikey/");
        assert_eq!(path_join(&["https://h/api/v3/".into(), "users".into(), "7".into()]), "https://h/api/v3/users/7");
        assert_eq!(fill_placeholders("{}/users/{uid}/x", &["B".into()], &[]), "B/users/{}/x");
        assert_eq!(fill_placeholders("%s/users/%d/", &["B".into()], &[]), "B/users/{}/");
        assert_eq!(fill_placeholders("100%", &[], &[]), "100%");
    }
}
