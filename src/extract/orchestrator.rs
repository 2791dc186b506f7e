//! Orchestrator code (Airflow DAGs, Dagster definitions, Prefect flows): the token handed to the
//! dbt Cloud APIs of their packages, and Airflow connections set in `AIRFLOW_CONN_*` variables.

use super::Ctx;
use super::values::{self, ValueRef};
use crate::classify::names::dev_segment;
use crate::literal;
use crate::model::TokenUse;
use crate::model::fact::{Fact, OrchestratorPart, Seen};
use crate::policy::{Orchestrator, Signals};
use regex::Regex;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::OnceLock;

/// How many assignments are followed back from a token argument (`token = …; f(auth_token=token)`).
const MAX_ASSIGNMENT_HOPS: usize = 3;

/// The orchestrator whose code a file is: its imports first, then its folder (`dags/`).
pub fn file_orchestrator<'a>(path: &str, text: &str, signals: &'a Signals) -> Option<&'a Orchestrator> {
    let orchestrators = &signals.ecosystems.orchestrators;
    let modules = imported_modules(text);
    let dirs: Vec<String> = path.split('/').rev().skip(1).map(str::to_lowercase).collect();
    orchestrators
        .iter()
        .find(|o| o.imports.iter().any(|i| modules.contains(i)))
        .or_else(|| orchestrators.iter().find(|o| o.paths.iter().any(|p| dirs.contains(p))))
}

/// The top-level Python modules a file imports (`from airflow.models import X` → `airflow`).
fn imported_modules(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let names: Vec<&str> = if let Some(rest) = t.strip_prefix("from ") {
            rest.split_whitespace().next().into_iter().collect()
        } else if let Some(rest) = t.strip_prefix("import ") {
            rest.split(',').filter_map(|p| p.split_whitespace().next()).collect()
        } else {
            continue;
        };
        for n in names {
            out.push(n.split('.').next().unwrap_or("").to_ascii_lowercase());
        }
    }
    out
}

/// What is seen about orchestrator code at `path`: the orchestrator, and a path segment that
/// marks it developmental (a staging deployment, tests).
pub(crate) fn orchestrator_facts(ctx: &Ctx, name: &str, part: OrchestratorPart) -> Vec<Seen> {
    let mut facts = vec![Seen::new(Fact::Orchestrator { name: name.to_owned(), part })];
    if let Some(seg) = dev_segment(&ctx.src.display, &ctx.policy.signals) {
        facts.push(Seen::new(Fact::DevPathSegment { segment: seg }));
    }
    facts
}

/// The token uses of a code file: dbt Cloud API calls in Python, Airflow connection variables in
/// any code (a Dockerfile `ENV`, a shell `export`, `os.environ[…] = …`).
pub fn extract(ctx: &Ctx) -> Vec<TokenUse> {
    let mut uses = Vec::new();
    if ctx.src.display.to_ascii_lowercase().ends_with(".py") {
        uses.extend(python_uses(ctx));
    }
    uses.extend(airflow_conn_text(ctx));
    uses
}

// --- Python -------------------------------------------------------------------------------

/// A string literal or comment in Python source: its span and, for strings, its content's.
#[derive(Clone, Copy, Debug)]
struct Lexeme {
    start: usize,
    end: usize,
    content: Option<(usize, usize)>,
}

/// Python source with its strings and comments located, so code can be told from text.
struct Py<'a> {
    text: &'a str,
    lexemes: Vec<Lexeme>,
    /// Each bracket of the code and the bracket closing it (any kind closes any kind, as
    /// `expr_end` counts depth), sorted: finding a call's end is a lookup, not a scan, so
    /// nested or unclosed calls stay linear.
    closers: Vec<(usize, usize)>,
    /// The `name = …` assignments at line starts, by name, found in one pass when first needed.
    assignments: OnceCell<HashMap<&'a str, Vec<(usize, usize)>>>,
}

impl<'a> Py<'a> {
    fn new(text: &'a str) -> Self {
        let b = text.as_bytes();
        let mut lexemes = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'#' => {
                    let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j);
                    lexemes.push(Lexeme { start: i, end, content: None });
                    i = end;
                }
                q @ (b'"' | b'\'') => {
                    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
                    let open = if triple { 3 } else { 1 };
                    let mut j = i + open;
                    let mut close = None;
                    while j < b.len() {
                        if b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if !triple && b[j] == b'\n' {
                            break;
                        }
                        if b[j] == q && (!triple || (b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q))) {
                            close = Some(j);
                            break;
                        }
                        j += 1;
                    }
                    let (content_end, end) = match close {
                        Some(c) => (c, c + open),
                        None => (j.min(b.len()), j.min(b.len())),
                    };
                    lexemes.push(Lexeme { start: i, end, content: Some((i + open, content_end.max(i + open))) });
                    i = end.max(i + 1);
                }
                _ => i += 1,
            }
        }
        let closers = match_brackets(b, &lexemes);
        Py { text, lexemes, closers, assignments: OnceCell::new() }
    }

    /// The bracket closing the one at `open`, if any.
    fn closer(&self, open: usize) -> Option<usize> {
        let i = self.closers.binary_search_by_key(&open, |&(o, _)| o).ok()?;
        self.closers.get(i).map(|&(_, c)| c)
    }

    /// The assignments to `name` at line starts in code: (start of the line's match, start of
    /// the right-hand side).
    fn assignments_to(&self, name: &str) -> &[(usize, usize)] {
        let all = self.assignments.get_or_init(|| {
            let mut all: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
            for c in assignment_pattern().captures_iter(self.text) {
                let (Some(m), Some(n)) = (c.get(0), c.get(1)) else { continue };
                if self.in_code(m.start()) && self.text.as_bytes().get(m.end()) != Some(&b'=') {
                    all.entry(n.as_str()).or_default().push((m.start(), m.end()));
                }
            }
            all
        });
        all.get(name).map_or(&[], Vec::as_slice)
    }

    /// The string or comment containing `pos`, if any.
    fn lexeme_at(&self, pos: usize) -> Option<&Lexeme> {
        let i = self.lexemes.partition_point(|l| l.start <= pos);
        self.lexemes.get(i.checked_sub(1)?).filter(|l| pos < l.end)
    }

    fn in_code(&self, pos: usize) -> bool {
        self.lexeme_at(pos).is_none()
    }

    /// The end of the expression starting at `from`: the first `,` or closing bracket at its
    /// own depth, or `limit`; a statement (`in_brackets` false) also ends at its line's end.
    /// Strings and comments are skipped.
    fn expr_end(&self, from: usize, limit: usize, in_brackets: bool) -> usize {
        let b = self.text.as_bytes();
        let mut i = from;
        while i < limit {
            if let Some(l) = self.lexeme_at(i) {
                i = l.end.max(i + 1);
                continue;
            }
            match b.get(i) {
                // A bracketed group holds no end: jump to its closer (none: it runs to `limit`).
                Some(b'(' | b'[' | b'{') => match self.closer(i) {
                    Some(c) if c < limit => i = c,
                    _ => return limit,
                },
                Some(b')' | b']' | b'}' | b',') => return i,
                Some(b'\n')
                    if !in_brackets && self.text.get(from..i).is_some_and(|t| !t.trim_end().ends_with('\\')) =>
                {
                    return i;
                }
                _ => {}
            }
            i += 1;
        }
        limit
    }

    /// The position of the `)` closing the `(` at `open`.
    fn close_of(&self, open: usize) -> Option<usize> {
        self.closer(open).filter(|&c| self.text.as_bytes().get(c) == Some(&b')'))
    }

    /// The top-level arguments between `open` and `close`: (keyword, value span).
    fn args(&self, open: usize, close: usize) -> Vec<(Option<String>, usize, usize)> {
        let mut out = Vec::new();
        let mut i = open + 1;
        while i < close {
            let e = self.expr_end(i, close, true);
            let raw = self.text.get(i..e).unwrap_or("");
            let lead = raw.len() - raw.trim_start().len();
            let arg = raw.trim();
            let kw = kwarg_pattern()
                .captures(arg)
                .and_then(|c| c.get(1).zip(c.get(0)))
                .filter(|(_, all)| arg.as_bytes().get(all.end()) != Some(&b'='));
            match kw {
                Some((name, all)) => out.push((Some(name.as_str().to_owned()), i + lead + all.end(), e)),
                None if !arg.is_empty() => out.push((None, i + lead, e)),
                None => {}
            }
            i = e + 1;
        }
        out
    }

    /// The first string literal's content span in `start..end`; in a Dagster config dict
    /// (`{"env": "X"}`) the value's, not the key's.
    fn first_string(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let from = self.lexemes.partition_point(|l| l.start < start);
        let inside = self.lexemes.get(from..).unwrap_or_default().iter().take_while(|l| l.start < end);
        let mut strings = inside.filter(|l| l.end <= end).filter_map(|l| l.content);
        let first = strings.next()?;
        if self.text.get(first.0..first.1) == Some("env") {
            return strings.next().or(Some(first));
        }
        Some(first)
    }
}

/// The brackets of `b` outside strings and comments, each with the bracket closing it, in
/// order: one pass with a stack.
fn match_brackets(b: &[u8], lexemes: &[Lexeme]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open = Vec::new();
    let mut next = lexemes.iter().peekable();
    let mut i = 0;
    while i < b.len() {
        while next.peek().is_some_and(|l| l.end <= i) {
            next.next();
        }
        if let Some(l) = next.peek().filter(|l| l.start <= i) {
            i = l.end.max(i + 1);
            continue;
        }
        match b.get(i) {
            Some(b'(' | b'[' | b'{') => open.push(i),
            Some(b')' | b']' | b'}') => {
                if let Some(o) = open.pop() {
                    out.push((o, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.sort_unstable();
    out
}

/// `name = ` (or `name: type = `) at the start of a line.
fn assignment_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_.]*)[ \t]*(?::[^=\n]*)?=[ \t]*"))
}

fn kwarg_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r"^([A-Za-z_][A-Za-z0-9_]*)\s*="))
}

/// Call sites: a dotted name followed by `(`.
fn call_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r"([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\("))
}

/// `"key": value` entries of a dict written inside a call (`.configured({"auth_token": …})`).
fn dict_key_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r#"["']([A-Za-z_][A-Za-z0-9_]*)["']\s*:"#))
}

/// A token argument found in a call: what it is, where its value is.
struct TokenArg {
    orchestrator: String,
    call: String,
    arg: String,
    start: usize,
    end: usize,
    /// Another argument of the call that names the stored credential (`conn_id`).
    label: Option<String>,
}

fn python_uses(ctx: &Ctx) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let eco = &signals.ecosystems;
    let text = ctx.src.text.as_str();
    let py = Py::new(text);
    let file_orch = file_orchestrator(&ctx.src.display, text, signals);
    let mut found: Vec<TokenArg> = Vec::new();
    let mut uses = Vec::new();
    for caps in call_pattern().captures_iter(text) {
        let (Some(all), Some(callee)) = (caps.get(0), caps.get(1)) else { continue };
        if !py.in_code(callee.start()) {
            continue;
        }
        let segments: Vec<String> =
            callee.as_str().split('.').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect();
        let last = segments.last().cloned().unwrap_or_default();
        let open = all.end() - 1;
        let Some(close) = py.close_of(open) else { continue };
        let owner = |pred: &dyn Fn(&Orchestrator) -> bool| {
            file_orch.filter(|o| pred(o)).or_else(|| eco.orchestrators.iter().find(|o| pred(o)))
        };
        // `DbtCloudCredentials.load("block")`: a stored block named by a string.
        if last == "load" && segments.len() >= 2 {
            let class = &segments[segments.len() - 2];
            if let Some(o) = owner(&|o: &Orchestrator| o.block_loads.contains(class))
                && let Some((None, s, e)) = py.args(open, close).first().cloned()
                && let Some((cs, ce)) = py.first_string(s, e)
                && cs < ce
            {
                let name = ctx.text(cs, ce).to_owned();
                let r =
                    ValueRef { start: cs, end: ce, reference: name.clone(), literal: None, name: Some(name.clone()) };
                let sink = format!("{} `{}` block `{name}` loaded by the code", o.name, callee_name(callee.as_str()));
                let mut u = values::token_use(ctx, &r, "", sink);
                u.facts = orchestrator_facts(ctx, &o.name, OrchestratorPart::Code);
                uses.push(u);
            }
            continue;
        }
        let Some(call) = segments.iter().find(|s| eco.orchestrators.iter().any(|o| o.calls.contains(s))) else {
            continue;
        };
        let Some(o) = owner(&|o: &Orchestrator| o.calls.contains(call)) else { continue };
        let args = py.args(open, close);
        let kw = |name: &str| {
            args.iter().find(|(k, _, _)| k.as_deref() == Some(name)).and_then(|(_, s, e)| py.first_string(*s, *e))
        };
        if o.typed_calls.contains(call) {
            let typed =
                kw("conn_type").is_some_and(|(s, e)| eco.airflow_conn_types.contains(&ctx.text(s, e).to_lowercase()));
            if !typed {
                continue;
            }
        }
        let token_args: Vec<&String> = eco.orchestrators.iter().flat_map(|o| o.token_args.iter()).collect();
        let label = kw("conn_id").map(|(s, e)| ctx.text(s, e).to_owned());
        for (k, s, e) in &args {
            if let Some(k) = k
                && token_args.contains(&k)
            {
                found.push(TokenArg {
                    orchestrator: o.name.clone(),
                    call: callee_name(callee.as_str()),
                    arg: k.clone(),
                    start: *s,
                    end: *e,
                    label: label.clone(),
                });
            }
        }
        // Dict configs inside the call: `{"auth_token": {"env": "X"}}`.
        let inner = text.get(open..close).unwrap_or("");
        for c in dict_key_pattern().captures_iter(inner) {
            let (Some(all), Some(key)) = (c.get(0), c.get(1)) else { continue };
            if !token_args.iter().any(|t| *t == key.as_str()) {
                continue;
            }
            let vs = open + all.end();
            found.push(TokenArg {
                orchestrator: o.name.clone(),
                call: callee_name(callee.as_str()),
                arg: key.as_str().to_owned(),
                start: vs,
                end: py.expr_end(vs, close, true),
                label: None,
            });
        }
    }
    for t in &found {
        let Some((r, source)) = token_expr(ctx, &py, t.start, t.end, 0) else { continue };
        let sink = format!("`{}` of `{}` ({}), from {source}", t.arg, t.call, t.orchestrator);
        let mut u = values::token_use(ctx, &r, t.label.as_deref().unwrap_or(""), sink);
        u.facts = orchestrator_facts(ctx, &t.orchestrator, OrchestratorPart::Code);
        // `Connection(conn_id="x", password=…)` defines the connection other code reads by id.
        if let Some(id) = t.label.as_deref().filter(|_| t.call.eq_ignore_ascii_case("connection")) {
            u.airflow_conn = Some(crate::model::AirflowConn::Defines(id.to_ascii_lowercase()));
        }
        uses.push(u);
    }
    uses.extend(connection_ids(ctx, &py));
    if file_orch.is_some_and(|o| o.name.eq_ignore_ascii_case("airflow")) {
        for u in airflow_http_uses(ctx, &py) {
            let overlaps = uses.iter().any(|o| o.at.span.start < u.at.span.end && u.at.span.start < o.at.span.end);
            if !overlaps {
                uses.push(u);
            }
        }
    }
    uses
}

/// `{{ conn.<id>.password }}` in an operator's header, `get_connection(<id>).password`
/// (`BaseHook`, `HttpHook`) and `Variable.get("<name>")`: the ways Airflow code outside the dbt
/// Cloud provider reads a token it sends to the dbt Cloud API itself (an `HttpOperator` with an
/// `Authorization: Token …` header). A connection's password counts when it is sent as a dbt
/// Cloud `Token` header or the connection's id says dbt; a Variable when its name is a dbt
/// token's.
fn airflow_http_uses(ctx: &Ctx, py: &Py) -> Vec<TokenUse> {
    let s = &ctx.policy.signals;
    let text = py.text;
    let token_header = text.contains("Token {") || text.contains("Token \"") || text.contains("Token '");
    let dbt_id = |id: &str| crate::classify::names::words(id).iter().any(|w| w.starts_with("dbt"));
    let mut uses = Vec::new();
    let mut push = |start: usize, end: usize, reference: String, name: Option<String>, sink: String| {
        let conn = sink.contains("connection").then(|| name.clone()).flatten();
        let r = ValueRef { start, end, reference, literal: None, name };
        let mut u = values::token_use(ctx, &r, "", sink);
        u.airflow_conn = conn.map(|c| crate::model::AirflowConn::Reads(c.to_ascii_lowercase()));
        u.facts = orchestrator_facts(ctx, "Airflow", OrchestratorPart::Code);
        uses.push(u);
    };
    for m in conn_template_pattern().captures_iter(text) {
        let (Some(all), Some(id)) = (m.get(0), m.get(1)) else { continue };
        let sent_as_token = text.get(all.start().saturating_sub(8)..all.start()).is_some_and(|b| b.contains("Token"));
        if py.in_code(all.start()) || !(sent_as_token || dbt_id(id.as_str())) {
            continue;
        }
        let sink = format!("password of Airflow connection `{}` in a request header template", id.as_str());
        push(all.start(), all.end(), all.as_str().to_owned(), Some(id.as_str().to_owned()), sink);
    }
    for m in get_connection_pattern().captures_iter(text) {
        let (Some(all), Some(arg)) = (m.get(0), m.get(1)) else { continue };
        if !py.in_code(all.start()) {
            continue;
        }
        let arg = arg.as_str().trim();
        let id = arg.trim_matches(['"', '\'']);
        // A written id says which connection it is; an id passed in (`http_conn_id`) counts when
        // the file sends a `Token` header to dbt Cloud.
        let written = arg.starts_with(['"', '\'']);
        let dbt_file = s.hosts.is_match(text) || text.contains("dbt_cloud") || text.contains("dbt Cloud");
        if !(dbt_id(id) || (!written && token_header && dbt_file)) {
            continue;
        }
        let sink = format!("password of Airflow connection `{id}` read by `get_connection`");
        push(all.start(), all.end(), format!("connection `{id}`"), Some(id.to_owned()), sink);
    }
    for m in variable_get_pattern().captures_iter(text) {
        let (Some(all), Some(name)) = (m.get(0), m.get(1)) else { continue };
        if !py.in_code(all.start()) || !crate::classify::names::is_dbt_token_name(name.as_str(), s) {
            continue;
        }
        let sink = format!("Airflow Variable `{}` read by the code", name.as_str());
        push(name.start(), name.end(), name.as_str().to_owned(), Some(name.as_str().to_owned()), sink);
    }
    uses
}

/// `{{ conn.<id>.password }}` (Airflow's template for a connection's password).
fn conn_template_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r"\{\{\s*conn\.([A-Za-z0-9_-]+)\.password\s*\}\}"))
}

/// `get_connection(<id>).password`, the id a string or a name.
fn get_connection_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::pattern::constant(
            r#"get_connection\s*\(\s*((?:"[^"\n]*"|'[^'\n]*'|[A-Za-z_][A-Za-z0-9_.]*))\s*\)\s*\.\s*password\b"#,
        )
    })
}

/// `Variable.get("<name>")`.
fn variable_get_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r#"\bVariable\s*\.\s*get\s*\(\s*["']([A-Za-z_][A-Za-z0-9_.-]*)["']"#))
}

/// The last segment of a callee as written (`dg.EnvVar` → `EnvVar`), for messages.
fn callee_name(callee: &str) -> String {
    let parts: Vec<&str> = callee.split('.').map(str::trim).collect();
    match parts.as_slice() {
        [.., a, b] if b.eq_ignore_ascii_case("configured") || b.eq_ignore_ascii_case("load") => format!("{a}.{b}"),
        [.., last] => (*last).to_owned(),
        [] => String::new(),
    }
}

/// What a token expression reads: a literal, an environment variable, an Airflow Variable, a
/// Prefect Secret, a name assigned earlier in the file. Returns the reference and its source.
fn token_expr(ctx: &Ctx, py: &Py, start: usize, end: usize, hops: usize) -> Option<(ValueRef, String)> {
    let raw = ctx.text(start, end);
    let s = start + (raw.len() - raw.trim_start().len());
    let e = start + raw.trim_end().len();
    let text = ctx.text(s, e);
    if text.is_empty() {
        return None;
    }
    if let Some(l) = literal::find(text, &ctx.policy.signals).first() {
        let r = ValueRef {
            start: s + l.start,
            end: s + l.end,
            reference: literal::mask_token(text.get(l.start..l.end).unwrap_or("")),
            literal: Some(l.prefix()),
            name: None,
        };
        return Some((r, "a literal in the code".to_owned()));
    }
    let is_ident = text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if is_ident {
        if hops < MAX_ASSIGNMENT_HOPS
            && let Some((rs, re)) = assignment(py, text, s)
            && let Some(found) = token_expr(ctx, py, rs, re, hops + 1)
        {
            return Some(found);
        }
        let r = ValueRef { start: s, end: e, reference: text.to_owned(), literal: None, name: Some(text.to_owned()) };
        return Some((r, format!("the Python name `{text}`")));
    }
    if let Some((cs, ce)) = py.first_string(s, e) {
        let content = ctx.text(cs, ce);
        let plain_string = py.lexeme_at(s).is_some();
        // An Airflow template (`"{{ var.value.dbt_cloud_pat }}"`) names the Variable it reads.
        if content.contains("{{") {
            let r = values::refs(ctx, cs, ce, true).into_iter().find(|r| r.name.is_some())?;
            return Some((r, "an Airflow template".to_owned()));
        }
        if plain_string || content.is_empty() {
            // A string that is not a token (`"changeme"`) holds no token to judge.
            return None;
        }
        let source = if text.contains("EnvVar") || text.contains("\"env\"") || text.contains("'env'") {
            "a Dagster environment variable"
        } else if text.contains("environ") || text.contains("getenv") {
            "an environment variable"
        } else if text.contains("Variable.get") || text.contains("Variable .get") {
            "an Airflow Variable"
        } else if text.contains("Secret.load") {
            "a Prefect Secret block"
        } else {
            "a value the code reads"
        };
        let r = ValueRef {
            start: cs,
            end: ce,
            reference: content.to_owned(),
            literal: None,
            name: Some(content.to_owned()),
        };
        return Some((r, format!("{source} `{content}`")));
    }
    let shown: String = text.chars().take(60).collect();
    let r = ValueRef { start: s, end: e, reference: literal::mask(&shown).into_owned(), literal: None, name: None };
    Some((r, "an expression".to_owned()))
}

/// The right-hand side of the last `name = …` at the start of a line before `before` (or, when
/// there is none, anywhere in the file).
fn assignment(py: &Py, name: &str, before: usize) -> Option<(usize, usize)> {
    let hits = py.assignments_to(name);
    let last_before = hits.partition_point(|(s, _)| *s < before).checked_sub(1).and_then(|i| hits.get(i));
    let (_, rhs) = last_before.or_else(|| hits.first()).copied()?;
    Some((rhs, py.expr_end(rhs, py.text.len(), false)))
}

/// Patterns compiled for each argument name.
type PatternCache = std::sync::Mutex<Vec<(String, Option<Regex>)>>;

/// `arg=` or `"arg":`, compiled once per argument name: every Python file of a scan asks.
fn connection_arg_pattern(arg: &str) -> Option<Regex> {
    static CACHE: OnceLock<PatternCache> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().ok()?;
    if let Some((_, re)) = cache.iter().find(|(a, _)| a == arg) {
        return re.clone();
    }
    let re = Regex::new(&format!(r#"(?i)\b{0}\s*=|["']{0}["']\s*:"#, regex::escape(arg))).ok();
    cache.push((arg.to_owned(), re.clone()));
    re
}

/// `dbt_cloud_conn_id="…"` (as an argument or a `default_args` entry): the stored Airflow
/// connection that holds the token.
fn connection_ids(ctx: &Ctx, py: &Py) -> Vec<TokenUse> {
    let eco = &ctx.policy.signals.ecosystems;
    let mut uses = Vec::new();
    for o in &eco.orchestrators {
        for arg in &o.connection_args {
            let Some(pat) = connection_arg_pattern(arg) else { continue };
            for m in pat.find_iter(py.text) {
                // A keyword in code, or a dict key that is a whole string: not text in a comment
                // or a docstring.
                let in_code = py.in_code(m.start())
                    || py.lexeme_at(m.start()).is_some_and(|l| l.start == m.start() && l.content.is_some());
                if !in_code {
                    continue;
                }
                let end = py.expr_end(m.end(), py.text.len(), true);
                // Only a written id names the connection (`os.environ.get("X")` names a variable).
                let value = py.text.get(m.end()..end).unwrap_or("");
                let value_start = m.end() + (value.len() - value.trim_start().len());
                if py.lexeme_at(value_start).is_none_or(|l| l.content.is_none()) {
                    continue;
                }
                let Some((cs, ce)) = py.first_string(m.end(), end) else { continue };
                let id = ctx.text(cs, ce);
                if id.is_empty() || id.contains("{{") {
                    continue;
                }
                let r =
                    ValueRef { start: cs, end: ce, reference: id.to_owned(), literal: None, name: Some(id.to_owned()) };
                let mut u = values::token_use(ctx, &r, "", format!("{} connection `{id}` (`{arg}`)", o.name));
                u.airflow_conn = Some(crate::model::AirflowConn::Reads(id.to_ascii_lowercase()));
                u.facts = orchestrator_facts(ctx, &o.name, OrchestratorPart::Code);
                uses.push(u);
            }
        }
    }
    uses
}

// --- Airflow connections in environment variables -----------------------------------------

fn conn_var_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| crate::pattern::constant(r"(?i)\bAIRFLOW_CONN_[A-Z0-9_]+"))
}

/// `AIRFLOW_CONN_X=dbt-cloud://…` anywhere in code: the connection an orchestrator will use.
fn airflow_conn_text(ctx: &Ctx) -> Vec<TokenUse> {
    let text = ctx.src.text.as_str();
    let mut uses = Vec::new();
    let vars: Vec<regex::Match> = conn_var_pattern().find_iter(text).collect();
    let mut line_end = 0;
    for (i, m) in vars.iter().enumerate() {
        if line_end < m.end() {
            line_end = memchr::memchr(b'\n', text.as_bytes().get(m.end()..).unwrap_or_default())
                .map_or(text.len(), |j| m.end() + j);
        }
        // A value ends at its line's end, or where the next variable of the line starts
        // (`ENV AIRFLOW_CONN_A=… AIRFLOW_CONN_B=…`): each value is read once.
        let end = vars.get(i + 1).map_or(line_end, |next| next.start().min(line_end));
        let Some(refs) = values::airflow_conn_refs(ctx, m.as_str(), m.end(), end) else { continue };
        for r in refs {
            let mut u = values::token_use(ctx, &r, m.as_str(), format!("Airflow connection `{}`", m.as_str()));
            u.facts = orchestrator_facts(ctx, "Airflow", OrchestratorPart::Connection(m.as_str().to_owned()));
            uses.push(u);
        }
    }
    uses
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Ctx;
    use crate::extract::airflow_conn::airflow_conn_password;
    use crate::model::TokenType;
    use crate::policy::{builtin, raw_list};
    use crate::source::SourceFile;
    use std::path::PathBuf;

    fn uses(path: &str, text: &str) -> Vec<TokenUse> {
        let src = SourceFile::new(PathBuf::from(path), path.to_owned(), text.as_bytes().to_vec());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        extract(&ctx)
    }

    fn examples(key: &str) -> Vec<String> {
        let ex = builtin().examples.get("orchestrators").and_then(|o| o.get("examples")).cloned();
        ex.map(|e| raw_list(&e, key)).unwrap_or_default()
    }

    #[test]
    fn policy_examples_hold() {
        for call in examples("token_calls") {
            assert_eq!(uses("dags/x.py", &call).len(), 1, "{call}");
        }
        for call in examples("other_calls") {
            assert!(uses("dags/x.py", &call).is_empty(), "{call}");
        }
        let s = &builtin().signals;
        for c in examples("airflow_conns") {
            assert!(airflow_conn_password(&c, s).is_some(), "{c}");
        }
        for c in examples("other_conns") {
            assert!(airflow_conn_password(&c, s).is_none(), "{c}");
        }
    }

    #[test]
    fn follows_a_name_to_its_assignment() {
        let text = "import os\nfrom dagster_dbt import DbtCloudClientResource\n\ntoken = os.environ[\"DBT_CLOUD_PAT\"]\nr = DbtCloudClientResource(\n    auth_token=token,\n    account_id=1,\n)\n";
        let u = uses("defs.py", text);
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].reference, "DBT_CLOUD_PAT");
        assert_eq!(&text[u[0].at.span.start..u[0].at.span.end], "DBT_CLOUD_PAT");
        assert_eq!(
            crate::classify::token_type::hints(&u[0].type_facts, &crate::policy::builtin().signals)[0].token_type,
            TokenType::Personal
        );
        assert!(u[0].sink.contains("Dagster"), "{}", u[0].sink);
    }

    #[test]
    fn airflow_code_sending_its_own_token_header() {
        let conn = "from airflow.providers.http.operators.http import HttpOperator\nop = HttpOperator(task_id=\"x\", http_conn_id=\"dbt_api\", headers={\"Authorization\": \"Token {{ conn.dbt_api.password }}\"})\n";
        let u = uses("dags/x.py", conn);
        assert_eq!(u.len(), 1);
        assert_eq!(&conn[u[0].at.span.start..u[0].at.span.end], "{{ conn.dbt_api.password }}");
        let hook = "from airflow.providers.http.hooks.http import HttpHook\ndef f(cid):\n    token = HttpHook(http_conn_id=cid).get_connection(cid).password\n    return {\"Authorization\": f\"Token {token}\"}\nURL = \"https://cloud.getdbt.com/api/v2/\"\n";
        assert_eq!(uses("dags/x.py", hook).len(), 1);
        // The same hook in a file that never speaks to dbt Cloud reads another system's password.
        assert!(uses("dags/x.py", hook.split("URL").next().unwrap_or("")).is_empty());
        let var = "from airflow.models import Variable\nkey = Variable.get(\"dbt_cloud_pat\")\nother = Variable.get(\"slack_channel\")\n";
        let u = uses("dags/x.py", var);
        assert_eq!(u.len(), 1);
        assert_eq!(
            crate::classify::token_type::hints(&u[0].type_facts, &crate::policy::builtin().signals)[0].token_type,
            TokenType::Personal
        );
        // Another system's connection sent as a Bearer header is not a dbt Cloud token.
        let other = "from airflow.hooks.base import BaseHook\npw = BaseHook.get_connection(\"slack\").password\nh = {\"Authorization\": \"Bearer \" + pw}\nt = \"Bearer {{ conn.github.password }}\"\n";
        assert!(uses("dags/x.py", other).is_empty());
    }

    #[test]
    fn strings_and_comments_are_not_calls() {
        let text = "# DbtCloudClientResource(auth_token=EnvVar(\"DBT_PAT\"))\nx = \"DbtCloudClientResource(auth_token=EnvVar('DBT_PAT'))\"\n";
        assert!(uses("defs.py", text).is_empty());
    }

    #[test]
    fn airflow_conn_uri_password_span() {
        let s = &builtin().signals;
        let t = "AIRFLOW_CONN_DBT_CLOUD='dbt-cloud://123:${DBT_SVC_TOKEN}@cloud.getdbt.com'";
        let (a, b) = airflow_conn_password(t, s).unwrap_or_default();
        assert_eq!(&t[a..b], "${DBT_SVC_TOKEN}");
        let u = uses("Dockerfile", &format!("ENV {t}\n"));
        assert_eq!(u.len(), 1);
        assert_eq!(
            crate::classify::token_type::hints(&u[0].type_facts, &crate::policy::builtin().signals)[0].token_type,
            TokenType::Service
        );
    }
}
