//! The module layout. No import circles in `src/`: each file is a module; a module depends on
//! the modules its code names (`crate::a::b`, `super::c`, `use crate::{d, e}`), its tests left
//! out. Data flows one way through the pipeline, and a leaf (globs, words, path names) is shared
//! instead of two modules reaching into each other. And extractors and resolvers record facts:
//! only `classify/` turns them into workflows, token types and confidences.

mod common;

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Circles known today, each to be removed by the change that splits the modules involved.
const KNOWN: &[&[&str]] = &[];

/// Module path → its code without tests and comments.
fn modules(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    let tests = Regex::new(r"#\[cfg\(test\)\]\s*mod ").unwrap_or_else(|e| panic!("{e}"));
    let comment = Regex::new(r"//[^\n]*").unwrap_or_else(|e| panic!("{e}"));
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = p.strip_prefix(root).unwrap_or(&p).with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{e}"));
            let code = tests.find(&text).map_or(text.as_str(), |m| &text[..m.start()]);
            out.insert(parts.join("::"), comment.replace_all(code, "").into_owned());
        }
    }
    out
}

/// Each module's dependencies among `mods`.
fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let path = Regex::new(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)").unwrap_or_else(|e| panic!("{e}"));
    let group = Regex::new(r"use (crate|super)::\{([^}]*)\}").unwrap_or_else(|e| panic!("{e}"));
    let mut out = BTreeMap::new();
    for (name, code) in mods {
        let own: Vec<&str> = if name.is_empty() { Vec::new() } else { name.split("::").collect() };
        // `super` is the enclosing module: of `a/b.rs` (`a::b`) and of `a/b/mod.rs` alike, `a`.
        let parent: Vec<&str> = own[..own.len().saturating_sub(1)].to_vec();
        let base = |kind: &str| if kind == "crate" { Vec::new() } else { parent.clone() };
        let mut deps = BTreeSet::new();
        let mut add = |full: Vec<&str>| {
            // The longest prefix that is a module.
            for k in (1..=full.len()).rev() {
                let m = full[..k].join("::");
                if mods.contains_key(&m) {
                    if m != *name && !name.starts_with(&format!("{m}::")) {
                        deps.insert(m);
                    }
                    break;
                }
            }
        };
        for c in path.captures_iter(code) {
            let mut full = base(&c[1]);
            full.extend(c[2].split("::").filter(|s| !s.is_empty()));
            add(full);
        }
        for c in group.captures_iter(code) {
            for item in c[2].split(',').map(|s| s.trim().split("::").next().unwrap_or("")) {
                let mut full = base(&c[1]);
                full.push(item);
                add(full);
            }
        }
        out.insert(name.clone(), deps);
    }
    out
}

/// The circles: strongly connected components of more than one module (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                scc.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }
    let mut s = State { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

#[test]
fn src_has_no_import_circles() {
    let mods = modules(&common::root().join("src"));
    assert!(mods.contains_key("config") && mods.contains_key("rules::mismatch"), "modules found: {:?}", mods.keys());
    let graph = edges(&mods);
    assert!(graph["config"].contains("policy"), "dependencies found: {:?}", graph["config"]);
    let found: Vec<Vec<String>> = circles(&graph)
        .into_iter()
        .filter(|c| !KNOWN.iter().any(|k| k.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>() == *c))
        .collect();
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            let links: Vec<String> = c
                .iter()
                .map(|m| format!("{m} -> {:?}", graph[m].iter().filter(|d| c.contains(d)).collect::<Vec<_>>()))
                .collect();
            links.join("; ")
        })
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", shown.join("\n"));
}

#[test]
fn the_circle_finder_finds_circles() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a", "d"]), ("d", vec![]), ("e", vec!["d"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(circles(&graph), [["a", "b", "c"]]);
}

/// The verdicts a module's code (tests and comments left out) constructs or names.
fn verdicts(code: &str) -> Vec<String> {
    let verdict = Regex::new(r"\b(Workflow|Confidence|TokenType|TypeSource)::[A-Za-z]+|\b(WorkflowHint|TypeHint)\b")
        .unwrap_or_else(|e| panic!("{e}"));
    verdict.find_iter(code).map(|m| m.as_str().to_owned()).collect()
}

#[test]
fn extractors_and_resolvers_record_facts_not_verdicts() {
    let mods = modules(&common::root().join("src"));
    let fact_side: Vec<(&String, &String)> = mods
        .iter()
        .filter(|(m, _)| m.as_str() == "extract" || m.starts_with("extract::") || m.starts_with("resolve"))
        .collect();
    assert!(fact_side.len() > 20 && mods.contains_key("resolve::terraform"), "modules found: {:?}", mods.keys());
    let found: Vec<String> = fact_side
        .into_iter()
        .filter_map(|(m, code)| {
            let v = verdicts(code);
            (!v.is_empty()).then(|| format!("{m}: {}", v.join(", ")))
        })
        .collect();
    assert!(
        found.is_empty(),
        "verdicts outside classify/ (record a `model::fact::Fact` instead):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_verdict_finder_finds_verdicts() {
    let code = "u.workflow(Workflow::Production, Confidence::High, e); let h: WorkflowHint = x; Fact::Notebook";
    assert_eq!(verdicts(code), ["Workflow::Production", "Confidence::High", "WorkflowHint"]);
    let code = "u.token_type(TokenType::Personal, TypeSource::Literal, e); let h: TypeHint = x;";
    assert_eq!(verdicts(code), ["TokenType::Personal", "TypeSource::Literal", "TypeHint"]);
    assert!(verdicts("u.saw(Fact::CiTrigger(trigger))").is_empty());
    assert!(verdicts("u.saw_type_at(TypeFact::Literal { prefix: lit.prefix().to_owned() }, at)").is_empty());
}
