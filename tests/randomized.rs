//! A randomized driver on stable Rust, run by hand (it is `#[ignore]`d):
//!
//! ```text
//! TOKENWISE_FUZZ_SECS=300 TOKENWISE_FUZZ_SEED=7 cargo test --release --test randomized -- --ignored --nocapture
//! ```
//!
//! It generates hostile inputs (random bytes, mutated fixtures, tokens planted in many forms
//! and places, constructs repeated thousands of times, UTF-16 files), runs each through the
//! pipeline and every renderer in this process (and now and then through the binary), and
//! checks: no panic, no 20-character piece of a planted token (or of its encoded form) in any
//! output, and no input whose cost grows faster than its size (4× the input costing more than
//! 8× as much, in CPU time of this thread). Inputs that fail are saved under the target
//! directory; `TOKENWISE_FUZZ_CASE=N` reruns case N of a seed alone.
//!
//! To plant a token in a new form, add it to `FORMS`; to plant it in a new place, to `PLACES`.

mod inprocess;

use inprocess::{costs, ratio, scan};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokenwise::render;
use tokenwise::scan::Scan;

/// A small, self-contained PRNG (splitmix64): inputs are reproducible from a seed alone.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh fake token: `dbtu_`/`dbtc_` and a random 50-character body.
fn token(rng: &mut Rng) -> String {
    let prefix = if rng.chance(50) { "dbtu_" } else { "dbtc_" };
    let body: String = (0..50).map(|_| ALPHABET[rng.below(ALPHABET.len())] as char).collect();
    format!("{prefix}{body}")
}

fn base64(bytes: &[u8]) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How a form writes a token.
type Form = fn(&str) -> String;

/// Ways of writing a token into a file: (name, how). Each is checked like the raw token: no
/// output may hold a 20-character piece of the token's body, nor of what the form writes in
/// its place (a base64 value is as secret as the token).
const FORMS: &[(&str, Form)] = &[
    ("raw", |t| t.to_owned()),
    ("double-quoted", |t| format!("\"{t}\"")),
    ("single-quoted", |t| format!("'{t}'")),
    ("hex-escaped", |t| format!("\\x64{}", &t[1..])),
    ("unicode-escaped", |t| format!("\\u0064{}", &t[1..])),
    ("escaped-underscore", |t| format!("{}\\u005f{}", &t[..4], &t[5..])),
    ("percent-encoded", |t| format!("%64{}", &t[1..])),
    ("ansi-c-quoted", |t| format!("$'\\x64{}'", &t[1..])),
    ("base64", |t| base64(t.as_bytes())),
    ("split-concatenated", |t| format!("\"{}\" + \"{}\"", &t[..t.len() / 2], &t[t.len() / 2..])),
    ("split-joined", |t| format!("[\"{}\", \"{}\"].join(\"\")", &t[..t.len() / 2], &t[t.len() / 2..])),
    ("url-glued", |t| format!("https://x.example/?a=1&token%3D{t}")),
    ("after-escaped-newline", |t| format!("\"line\\n{t}\"")),
    ("after-ansi-colour", |t| format!("\\u001b[32m{t}\\u001b[0m")),
    ("glued-to-a-word", |t| format!("x{t}")),
];

/// Places a token is written: (path, file with `{V}` where the token's form goes).
const PLACES: &[(&str, &str)] = &[
    (
        ".github/workflows/deploy.yml",
        "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      DBT_CLOUD_TOKEN: {V}\n    steps:\n      - run: dbt-cloud job run --token {V}\n",
    ),
    (
        "infra/prod/main.tf",
        "provider \"dbtcloud\" {\n  token = \"{V}\"\n}\nvariable \"dbt_pat\" {\n  default = {V}\n}\n",
    ),
    (".env", "DBT_CLOUD_HOST=cloud.getdbt.com\nDBT_CLOUD_TOKEN={V}\n{V}\n"),
    (
        "scripts/run.sh",
        "export DBT_CLOUD_TOKEN={V}\ncurl -H \"Authorization: Token {V}\" https://cloud.getdbt.com/api/v2/accounts/\n",
    ),
    (
        "scripts/trigger.py",
        "import os, requests\nTOKEN = {V}\nrequests.post(URL, headers={\"Authorization\": f\"Token {V}\"})\n",
    ),
    (
        "postman/env.json",
        "{\"name\": \"dbt\", \"values\": [{\"key\": \"token\", \"value\": \"{V}\"}, {\"key\": \"x\", \"value\": {V}}]}\n",
    ),
    (
        "k8s/api.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dbt-cloud\ndata:\n  DBT_CLOUD_PAT: {V}\nstringData:\n  DBT_TOKEN: {V}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api:1\n          env:\n            - name: DBT_CLOUD_TOKEN\n              valueFrom:\n                secretKeyRef: {name: dbt-cloud, key: DBT_CLOUD_PAT}\n",
    ),
    (
        ".dbt/dbt_cloud.yml",
        "version: \"1\"\ncontext:\n  active-project: \"1\"\nprojects:\n  - project-id: \"1\"\n    account-host: cloud.getdbt.com\n    token-value: {V}\n",
    ),
    (
        "nb/analysis.ipynb",
        "{\"cells\":[{\"cell_type\":\"code\",\"source\":[\"t = {V}\\n\"],\"outputs\":[{\"text\":[\"{V}\"]}]}],\"metadata\":{},\"nbformat\":4}\n",
    ),
    (".gitlab-ci.yml", "deploy:\n  variables:\n    DBT_CLOUD_TOKEN: {V}\n  script:\n    - dbt-cloud job run {V}\n"),
    (
        "Jenkinsfile",
        "pipeline {\n  environment {\n    DBT_CLOUD_TOKEN = '{V}'\n  }\n  stages { stage('x') { steps { sh \"curl {V}\" } } }\n}\n",
    ),
    ("hightouch/dbt.yml", "dbt_cloud:\n  api_token: {V}\n"),
    ("notes/readme.md", "dbt Cloud token: {V}\n"),
    (
        "bi/datasource.tds",
        "<connection url='jdbc:arrow-flight-sql://semantic-layer.cloud.getdbt.com:443?environmentId=1&amp;token={V}'/>\n",
    ),
    (
        ".cursor/mcp.json",
        "{\"mcpServers\": {\"dbt\": {\"command\": \"uvx\", \"args\": [\"dbt-mcp\", {V}], \"env\": {\"DBT_TOKEN\": {V}}}}}\n",
    ),
];

/// Bits of syntax that push generated and mutated inputs past the first parse error.
const FRAGMENTS: &[&str] = &[
    "\n",
    "\r\n",
    "\t",
    " ",
    "- ",
    ": ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "'",
    "\\",
    "#",
    "//",
    "=",
    "${{ ",
    " }}",
    "&a ",
    "*a",
    "---\n",
    "<<: ",
    "|\n",
    ">-\n",
    "\u{feff}",
    "\u{0}",
    "\u{1b}[2J",
    "é",
    "\u{10ffff}",
    "dbt",
    "dbtc_",
    "dbtu_",
    "DBT_CLOUD_TOKEN",
    "$DBT_PAT",
    "secrets.DBT_CLOUD_PAT",
    "var.dbt_pat",
    "local.x",
    "env:",
    "token = ",
    "tokenwise: ignore[",
    "/api/v3/users/1/credentials",
    "AIRFLOW_CONN_DBT=dbt-cloud://1:",
    "jdbc:arrow-flight-sql://semantic-layer.x:443?token=",
];

/// One generated input: a file and the secrets planted in it.
struct Input {
    kind: &'static str,
    path: String,
    bytes: Vec<u8>,
    /// Texts no output may show a 20-character piece of, with the form that wrote each.
    secrets: Secrets,
    /// The same input with its repeated part 4× as long, when it has one.
    grown: Option<Vec<u8>>,
}

/// The secrets an input holds: (text, the form that wrote it, what the form wrote).
type Secrets = Vec<(String, &'static str, String)>;

/// Write a token in a random form; returns the text and records what is secret.
fn plant(rng: &mut Rng, secrets: &mut Secrets) -> String {
    let t = token(rng);
    let (name, form) = rng.pick(FORMS);
    let written = form(&t);
    secrets.push((t[5..].to_owned(), name, written.clone()));
    if *name == "base64" {
        secrets.push((written.trim_end_matches('=').to_owned(), name, written.clone()));
    }
    written
}

fn fill(rng: &mut Rng, template: &str, secrets: &mut Secrets) -> String {
    let mut out = String::new();
    let mut parts = template.split("{V}").peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            out.push_str(&plant(rng, secrets));
        }
    }
    out
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = rng.next() as u8;
            }
            1 => {
                let f = rng.pick(FRAGMENTS).as_bytes();
                bytes.splice(at..at, f.iter().copied());
            }
            2 if at < bytes.len() => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 if at < bytes.len() => {
                let end = (at + rng.below(80)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            4 => bytes.truncate(at),
            _ => {}
        }
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let units = (if bom { Some(0xfeff) } else { None }).into_iter().chain(text.encode_utf16());
    units.flat_map(|u| if big_endian { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if let (Ok(bytes), Ok(rel)) = (std::fs::read(&p), p.strip_prefix(root)) {
                // The fixture's path inside its case folder names its kind.
                let rel: PathBuf = rel.components().skip(1).collect();
                out.push((rel.to_string_lossy().into_owned(), bytes));
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

fn generate(rng: &mut Rng, fixtures: &[(String, Vec<u8>)]) -> Input {
    let mut secrets = Vec::new();
    let mode = rng.below(100);
    let (kind, path, bytes, grown) = if mode < 30 {
        let (path, template) = rng.pick(PLACES);
        let mut bytes = fill(rng, template, &mut secrets).into_bytes();
        if rng.chance(30) {
            mutate(rng, &mut bytes);
        }
        ("planted", path.to_string(), bytes, None)
    } else if mode < 55 && !fixtures.is_empty() {
        let (path, fixture) = rng.pick(fixtures);
        let mut bytes = fixture.clone();
        mutate(rng, &mut bytes);
        let at = rng.below(bytes.len() + 1);
        let planted = plant(rng, &mut secrets);
        bytes.splice(at..at, planted.into_bytes());
        if rng.chance(30) {
            let (other, more) = rng.pick(fixtures);
            let at = rng.below(bytes.len() + 1);
            bytes.splice(at..at, more.iter().copied());
            let path = if rng.chance(50) { path } else { other };
            ("spliced fixtures", path.clone(), bytes, None)
        } else {
            ("mutated fixture", path.clone(), bytes, None)
        }
    } else if mode < 65 {
        let len = rng.below(3000);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        for _ in 0..rng.below(20) {
            let at = rng.below(bytes.len() + 1);
            let f = if rng.chance(20) { plant(rng, &mut secrets) } else { rng.pick(FRAGMENTS).to_string() };
            bytes.splice(at..at, f.into_bytes());
        }
        let (path, _) = rng.pick(PLACES);
        ("random bytes", path.to_string(), bytes, None)
    } else if mode < 75 {
        let (path, template) = rng.pick(PLACES);
        let text = fill(rng, template, &mut secrets);
        let bytes = utf16(&text, rng.chance(50), rng.chance(50));
        ("utf-16", path.to_string(), bytes, None)
    } else {
        // A construct repeated many times, on many lines or one: the 4× variant checks that
        // its cost grows with its size.
        let (path, template) = rng.pick(PLACES);
        let unit = if rng.chance(50) {
            let lines: Vec<&str> = template.lines().collect();
            let line = rng.pick(&lines).to_string();
            fill(rng, &line, &mut secrets)
        } else {
            fill(rng, template, &mut secrets)
        };
        let sep = if rng.chance(40) { " " } else { "\n" };
        let count = 50 + rng.below(400);
        let head = fill(rng, template, &mut secrets);
        let make = |n: usize| format!("{head}{}", vec![unit.trim_end(); n].join(sep)).into_bytes();
        ("repeated construct", path.to_string(), make(count), Some(make(4 * count)))
    };
    let grown = grown.or_else(|| {
        // Any other input, 4 times over.
        let mut four = bytes.clone();
        for _ in 0..3 {
            four.push(b'\n');
            four.extend_from_slice(&bytes);
        }
        Some(four)
    });
    // A later mutation or splice may cut a planted token: what is left of it is no longer a
    // token (nor its base64), so only tokens the input still holds as written are checked.
    let holds = |written: &str| {
        let text = if kind == "utf-16" { None } else { Some(&bytes) };
        text.is_none_or(|b| b.windows(written.len().max(1)).any(|w| w == written.as_bytes()))
    };
    secrets.retain(|(_, _, written)| holds(written));
    Input { kind, path, bytes, secrets, grown }
}

/// Every output of every format for one scan.
fn outputs(scan: &Scan) -> Vec<(&'static str, Result<String, String>)> {
    renders(scan, |_| true)
}

/// The outputs of the formats `which` selects.
fn renders(scan: &Scan, which: impl Fn(&str) -> bool) -> Vec<(&'static str, Result<String, String>)> {
    let report = tokenwise::report::build(scan, |f, _| Some(f.severity), |_, _| true, None);
    let renderers: [(&'static str, &dyn Fn() -> String); 11] = [
        ("pretty", &|| render::pretty::render(&report, false, 100)),
        ("concise", &|| render::concise::render(&report)),
        ("json", &|| render::json::render(&report)),
        ("sarif", &|| render::sarif::render(&report)),
        ("github", &|| render::github::render(&report)),
        ("gitlab", &|| render::gitlab::render(&report)),
        ("junit", &|| render::junit::render(&report)),
        ("inventory table", &|| tokenwise::inventory::table(&report)),
        ("inventory json", &|| tokenwise::inventory::json(&report)),
        ("inventory markdown", &|| tokenwise::inventory::markdown(&report)),
        ("inventory html", &|| tokenwise::inventory::html(&report)),
    ];
    renderers
        .iter()
        .filter(|(name, _)| which(name))
        .map(|(name, render)| {
            (*name, std::panic::catch_unwind(std::panic::AssertUnwindSafe(render)).map_err(|_| panicked()))
        })
        .collect()
}

thread_local! {
    /// Where the last panic of this thread happened (never its message: it may quote input).
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn panicked() -> String {
    PANIC_AT.with(|p| p.borrow().clone())
}

/// Every 20-character piece of a set of secrets, searched for in one pass over an output.
struct Pieces {
    finder: Option<aho_corasick::AhoCorasick>,
    /// For each piece: the form of its secret and how far into the secret it starts.
    origin: Vec<(&'static str, usize)>,
}

impl Pieces {
    fn of(secrets: &[(String, &'static str, String)]) -> Self {
        let mut seen = std::collections::HashSet::new();
        let (mut pieces, mut origin) = (Vec::new(), Vec::new());
        for (s, form, _) in secrets {
            let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
            for w in starts.windows(21) {
                let piece = &s[w[0]..w[20]];
                if seen.insert(piece) {
                    pieces.push(piece);
                    origin.push((*form, w[0]));
                }
            }
        }
        let finder = (!pieces.is_empty()).then(|| aho_corasick::AhoCorasick::new(&pieces).ok()).flatten();
        Pieces { finder, origin }
    }

    /// The first piece that `text` shows: (the form of that secret, a masked description).
    fn leaked(&self, text: &str) -> Option<(&'static str, String)> {
        let m = self.finder.as_ref()?.find(text)?;
        let (form, at) = self.origin.get(m.pattern().as_usize()).copied()?;
        let head = text.get(m.start()..m.start() + 4).unwrap_or("");
        Some((form, format!("{head}… ({at} bytes into the secret)")))
    }
}

/// Secrets of an input: the planted ones and every literal token the scan found in it.
fn all_secrets(input: &Input, scan: &Scan) -> Secrets {
    let mut secrets = input.secrets.clone();
    for src in &scan.files {
        for lit in tokenwise::literal::find(&src.text, &tokenwise::policy::builtin().signals) {
            if let Some(body) = src.text.get(lit.start + 5..lit.end) {
                secrets.push((body.to_owned(), "a literal found in the file", String::new()));
            }
        }
    }
    secrets
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    pipeline_runs: usize,
    outputs: usize,
    binary_runs: usize,
    growth_checks: usize,
    by_kind: BTreeMap<&'static str, usize>,
    failures: BTreeMap<String, (usize, String)>,
}

impl Tally {
    fn fail(&mut self, what: String, example: String) {
        let e = self.failures.entry(what).or_insert((0, example));
        e.0 += 1;
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn save(dir: &Path, case: u64, input: &Input) -> String {
    let name = format!("case-{case}-{}", input.path.replace('/', "_"));
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(&name), &input.bytes);
    if let Some(grown) = &input.grown {
        let _ = std::fs::write(dir.join(format!("{name}.grown")), grown);
    }
    dir.join(name).display().to_string()
}

/// Through the binary: a repository holding the input, one command, a hang guard.
fn through_binary(input: &Input, rng: &mut Rng) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::create_dir(dir.path().join(".git")).map_err(|e| e.to_string())?;
    let file = dir.path().join(&input.path);
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(&file, &input.bytes).map_err(|e| e.to_string())?;
    let commands: &[&[&str]] = &[
        &["check", "--format", "pretty"],
        &["check", "--format", "concise"],
        &["check", "--format", "json"],
        &["check", "--format", "sarif"],
        &["check", "--format", "github"],
        &["check", "--format", "gitlab"],
        &["check", "--format", "junit"],
        &["inventory", "--format", "table"],
        &["inventory", "--format", "json"],
        &["inventory", "--format", "markdown"],
        &["inventory", "--format", "html"],
    ];
    let args = rng.pick(commands);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenwise"))
        .args(*args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Drained while it runs: a report larger than a pipe's buffer must not block the child.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        // A hang guard, not a speed bound: costs are compared in `growth`.
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?} hangs"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !matches!(status.code(), Some(0 | 1)) || text.contains("internal error") {
        return Err(format!("{args:?} exits {:?}", status.code()));
    }
    match Pieces::of(&input.secrets).leaked(&text) {
        Some((form, piece)) => Err(format!("{args:?} prints a piece of a {form} token: {piece}")),
        None => Ok(()),
    }
}

/// Which formats to render, by name.
type Formats = dyn Fn(&str) -> bool;

/// Cost of the in-process pipeline and the renderers `which` selects on `bytes`.
fn work(path: &str, bytes: &[u8], which: &Formats) {
    let s = scan(path, bytes.to_vec());
    let _ = renders(&s, which);
}

#[test]
#[ignore = "a randomized driver: run by hand (see the module documentation)"]
fn randomized_inputs_never_panic_leak_or_blow_up() {
    let seed = env_number("TOKENWISE_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs())
    });
    let budget = Duration::from_secs(env_number("TOKENWISE_FUZZ_SECS").unwrap_or(60));
    let only = env_number("TOKENWISE_FUZZ_CASE");
    let failures_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("randomized-{seed}"));
    eprintln!("randomized: seed {seed}, {budget:?}; failing inputs go to {}", failures_dir.display());
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        PANIC_AT.with(|p| *p.borrow_mut() = at);
    }));
    let fixtures = fixtures();
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut case = only.unwrap_or(0);
    while started.elapsed() < budget {
        // Each case has its own generator, so that one case reruns alone.
        let mut rng = Rng(seed ^ case.wrapping_mul(0x2545_f491_4f6c_dd1d));
        // Each input is masked as its own run would mask it.
        tokenwise::known::forget();
        let input = generate(&mut rng, &fixtures);
        tally.inputs += 1;
        *tally.by_kind.entry(input.kind).or_default() += 1;
        let example = || format!("case {case} ({}, {})", input.kind, input.path);
        let scanned = std::panic::catch_unwind(|| scan(&input.path, input.bytes.clone()));
        tally.pipeline_runs += 1;
        match scanned {
            Err(_) => {
                let saved = save(&failures_dir, case, &input);
                tally.fail(format!("panic in the scan at {}", panicked()), format!("{} → {saved}", example()));
            }
            Ok(s) => {
                let secrets = Pieces::of(&all_secrets(&input, &s));
                for (format, out) in outputs(&s) {
                    tally.outputs += 1;
                    match out {
                        Err(at) => {
                            let saved = save(&failures_dir, case, &input);
                            tally.fail(format!("panic in {format} at {at}"), format!("{} → {saved}", example()));
                        }
                        Ok(text) => {
                            if let Some((form, piece)) = secrets.leaked(&text) {
                                let saved = save(&failures_dir, case, &input);
                                tally.fail(
                                    format!("{format} prints a piece of a {form} token"),
                                    format!("{}: {piece} → {saved}", example()),
                                );
                            }
                        }
                    }
                }
                for w in &s.warnings {
                    if let Some((form, piece)) = secrets.leaked(w) {
                        tally.fail(
                            format!("a warning prints a piece of a {form} token"),
                            format!("{}: {piece}", example()),
                        );
                    }
                }
            }
        }
        // Growth: the repeated constructs always, a sample of the rest.
        if let Some(grown) =
            input.grown.as_ref().filter(|_| input.kind == "repeated construct" || case.is_multiple_of(10))
        {
            tally.growth_checks += 1;
            let small = input.bytes.clone();
            // `pretty` apart: its cost is its own.
            let parts: [(&str, &Formats); 2] =
                [("the pipeline and renderers", &|f| f != "pretty"), ("pretty", &|f| f == "pretty")];
            for (what, which) in parts {
                let measured = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    costs([&small, grown], |b| work(&input.path, b, which))
                }));
                let Ok(c) = measured else { continue };
                let r = ratio(c);
                // Small inputs are all fixed cost; only a grown input that costs real work can
                // tell linear from quadratic.
                if r > 8.0 && c[1] > Duration::from_millis(50) {
                    let saved = save(&failures_dir, case, &input);
                    tally.fail(
                        format!("4× the input costs more than 8× in {what}"),
                        format!("{}: {:?} → {:?} ({r:.1}×) → {saved}", example(), c[0], c[1]),
                    );
                }
            }
        }
        if case.is_multiple_of(40) || only.is_some() {
            tally.binary_runs += 1;
            if let Err(e) = through_binary(&input, &mut rng) {
                let saved = save(&failures_dir, case, &input);
                let what = e.split(": ").next().unwrap_or("").to_owned();
                tally.fail(format!("binary: {what}"), format!("{}: {e} → {saved}", example()));
            }
        }
        if only.is_some() {
            break;
        }
        case += 1;
    }
    let _ = std::panic::take_hook();
    let mut report = format!(
        "randomized: seed {seed}: {} inputs ({}), {} pipeline runs, {} outputs, {} binary runs, {} growth checks in {:?}\n",
        tally.inputs,
        tally.by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", "),
        tally.pipeline_runs,
        tally.outputs,
        tally.binary_runs,
        tally.growth_checks,
        started.elapsed()
    );
    let failed: usize = tally.failures.values().map(|(n, _)| n).sum();
    report.push_str(&format!("{failed} failures in {} kinds\n", tally.failures.len()));
    for (what, (n, example)) in &tally.failures {
        report.push_str(&format!("  {n:>6}  {what}\n          e.g. {example}\n"));
    }
    let _ = std::io::stderr().write_all(report.as_bytes());
    assert_eq!(failed, 0, "{report}");
}
