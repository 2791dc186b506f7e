//! The prefilter: from a file's kind and one byte search, whether it can yield anything at all
//! and whether it deserves a parser. Most files are dropped here, before any decoding.
//!
//! - Prose, data and every other file that is never parsed ([`FileKind::Other`],
//!   [`FileKind::Data`]) is kept only when it holds a literal token prefix (`dbtc_`, `dbtu_`,
//!   exact case, as the literal search reads them) or a Semantic Layer JDBC URL.
//! - Terraform, CI pipelines, the Cloud CLI config and the configs known by their name
//!   (compose, Helm values, Pulumi, Astro settings, MCP clients, env files) are parsed when they
//!   mention dbt at all, as every signal tokenwise reads contains `dbt`: their declarations
//!   resolve across files (a variable, a provider), so none is judged by a keyword.
//! - Other YAML, JSON and code, which in a dbt project mention dbt everywhere (`dbt_utils`,
//!   `dbt_expectations`), are parsed only when they also hold a token-relevant keyword: a
//!   credential word of a dbt token name (`token`, `pat`, `apikey`, `api_key`, as a word), a
//!   dbt Cloud name (`dbtcloud`, `dbt_cloud`, `dbt-cloud`, the orchestrators' dbt Cloud APIs, the
//!   Airflow connection types), a dbt Cloud host, a literal prefix, a JDBC URL, `mcpServers`.
//!   Every use an extractor reports needs one of them: a literal, a name that
//!   `classify::names::is_dbt_token_name` accepts (which needs a credential word), or a dbt
//!   Cloud API.
//! - A dbt credential cache by name and place (`.dbt/oauth_sessions.json`) is always kept: its
//!   tokens are neither literals nor named after dbt.
//! - Any file that a rule above drops but that may hide a token (a letter of `dbt` escaped,
//!   `\x64btu_…`, `%64btu_…`; `dbt` followed by an escape, `dbtu\u005f…`; the base64 of a token
//!   prefix) is kept for its literals, read as [`FileKind::Other`].
//! - So is a file that holds a suppression comment (`tokenwise: ignore[`), so that a comment
//!   that suppresses nothing is seen (TW002). Both are one search, run on the files dropped
//!   above only.

use crate::extract;
use crate::kind::FileKind;
use crate::policy::Signals;
use aho_corasick::{AhoCorasick, Input, MatchKind, Span, packed};
use std::sync::OnceLock;

/// Exact-case byte patterns, leftmost first: searched with SIMD (Teddy) where the CPU has it,
/// else with an automaton.
enum Finder {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Finder {
    fn new(patterns: &[Vec<u8>]) -> Option<Finder> {
        let packed =
            packed::Config::new().match_kind(packed::MatchKind::LeftmostFirst).builder().extend(patterns).build();
        match packed {
            Some(s) => Some(Finder::Packed(s)),
            None => {
                AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(patterns).ok().map(Finder::Automaton)
            }
        }
    }

    /// The first match starting at or after `from`: its pattern and start.
    fn find(&self, bytes: &[u8], from: usize) -> Option<(usize, usize)> {
        let from = from.min(bytes.len());
        let m = match self {
            Finder::Packed(s) => s.find_in(bytes, Span::from(from..bytes.len())),
            Finder::Automaton(ac) => ac.find(Input::new(bytes).range(from..)),
        };
        m.map(|m| (m.pattern().as_usize(), m.start()))
    }
}

/// Every spelling of `word` in upper and lower case (letters only), for exact-case search.
fn cases(word: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![Vec::new()];
    for &b in word {
        let (lower, upper) = (b.to_ascii_lowercase(), b.to_ascii_uppercase());
        out = out
            .into_iter()
            .flat_map(|v| {
                let with = |c: u8| [v.as_slice(), &[c]].concat();
                if lower == upper { vec![with(b)] } else { vec![with(lower), with(upper)] }
            })
            .collect();
    }
    out
}

/// `dbt` in any case: every signal contains it.
fn dbt_finder() -> Option<&'static Finder> {
    static FINDER: OnceLock<Option<Finder>> = OnceLock::new();
    FINDER.get_or_init(|| Finder::new(&cases(b"dbt"))).as_ref()
}

/// Whether the bytes mention dbt, in any case.
pub fn mentions_dbt(bytes: &[u8]) -> bool {
    dbt_finder().is_none_or(|f| f.find(bytes, 0).is_some())
}

/// The searchers of one run, built once from its signals.
pub struct Gate {
    /// Exact-case literal prefixes and the JDBC prefix, for files that are never parsed.
    literal: Option<Finder>,
    /// Whether each pattern of `literal` is a literal prefix (else the JDBC prefix).
    literal_is_token: Vec<bool>,
    /// The first [`START`] bytes of every keyword, in every case: the places where one may
    /// start.
    starts: Option<Finder>,
    /// For each pattern of `starts`, the group of keywords that start so.
    start_group: Vec<Option<usize>>,
    /// The token-relevant keywords, lowercase, grouped by their first bytes, each with the
    /// check a match must pass.
    groups: Vec<Vec<(Vec<u8>, Check)>>,
    /// Keywords shorter than [`START`].
    short: Vec<(Vec<u8>, Check)>,
    /// Where a token may hide from the other searches (see [`hidden_patterns`]), and the
    /// suppression comments ([`crate::ignore_comment::STARTS`]): what keeps a file the other rules drop.
    hidden: Option<Finder>,
}

/// What a token written with escapes or in base64 must contain, exactly: an escaped `d`, `b` or
/// `t` (their hex and octal digits are digits, so each escape has one spelling), `dbt` followed
/// by an escape, or the base64 of a token prefix.
fn hidden_patterns() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = crate::unescape::dbt_forms().into_iter().map(String::into_bytes).collect();
    for p in ["dbt", "dbtc", "dbtu"] {
        out.push(format!("{p}\\").into_bytes());
        out.push(format!("{p}%").into_bytes());
    }
    out.extend(crate::encoded::prefix_forms().map(|p| p.as_bytes().to_vec()));
    out
}

/// What a keyword match must also satisfy.
#[derive(Clone, Debug)]
enum Check {
    /// Nothing: the keyword alone is enough.
    Any,
    /// A credential word of a name: its remaining words follow (separated by anything but a
    /// letter or digit, or by nothing), and the last ends a word as
    /// `classify::names::words` splits one.
    Word(Vec<Vec<u8>>),
}

/// Literal token prefixes as `literal::find` reads them.
const TOKEN_PREFIXES: [&str; 2] = ["dbtc_", "dbtu_"];

/// dbt Cloud names and hosts that need no credential word beside them.
const CLOUD_WORDS: [&str; 6] = ["dbtcloud", "dbt_cloud", "dbt-cloud", "getdbt", "dbt.com", "mcpservers"];

/// Bytes of a keyword searched for in every case; the rest is compared where they match.
const START: usize = 3;

impl Gate {
    pub fn new(signals: &Signals) -> Gate {
        let eco = &signals.ecosystems;
        let mut literal: Vec<Vec<u8>> = TOKEN_PREFIXES.iter().map(|p| p.as_bytes().to_vec()).collect();
        let mut literal_is_token = vec![true; literal.len()];
        if !eco.jdbc_prefix.is_empty() {
            // `semantic_layer::extract` looks for the prefix as written or in capitals.
            literal.push(eco.jdbc_prefix.clone().into_bytes());
            literal.push(eco.jdbc_prefix.to_ascii_uppercase().into_bytes());
            literal_is_token.extend([false, false]);
        }
        let mut keywords: Vec<(Vec<u8>, Check)> = Vec::new();
        let mut any = |w: &str| {
            if !w.is_empty() {
                keywords.push((w.to_ascii_lowercase().into_bytes(), Check::Any));
            }
        };
        for w in TOKEN_PREFIXES.iter().chain(&CLOUD_WORDS) {
            any(w);
        }
        any(&eco.jdbc_prefix);
        for o in &eco.orchestrators {
            // `Connection` takes a token only with a dbt Cloud `conn_type`, matched below.
            for call in o.calls.iter().filter(|c| !o.typed_calls.contains(c)) {
                any(call);
            }
            for w in o.block_loads.iter().chain(&o.connection_args) {
                any(w);
            }
        }
        for t in &eco.airflow_conn_types {
            any(t);
            any(&t.replace('_', "-"));
        }
        for hint in &signals.name_credential {
            let mut parts =
                hint.split(['_', ' ']).filter(|p| !p.is_empty()).map(|p| p.to_ascii_lowercase().into_bytes());
            if let Some(first) = parts.next() {
                keywords.push((first, Check::Word(parts.collect())));
            }
        }
        // A keyword that starts with another one needs no search of its own (`dbtcloudhook`
        // holds `dbtcloud`).
        let plain: Vec<Vec<u8>> =
            keywords.iter().filter(|(_, c)| matches!(c, Check::Any)).map(|(k, _)| k.clone()).collect();
        keywords
            .retain(|(k, c)| !matches!(c, Check::Any) || !plain.iter().any(|p| p.len() < k.len() && k.starts_with(p)));
        let mut seen: Vec<Vec<u8>> = Vec::new();
        keywords.retain(|(k, c)| {
            let again = matches!(c, Check::Any) && seen.contains(k);
            seen.push(k.clone());
            !again
        });
        // Each start is searched in every case; a place where one matches is checked against
        // the keywords of that start only, and against those shorter than a start.
        let mut starts: Vec<Vec<u8>> = Vec::new();
        let mut groups: Vec<Vec<(Vec<u8>, Check)>> = Vec::new();
        let mut start_group = Vec::new();
        let mut short = Vec::new();
        for (k, check) in keywords {
            if k.len() < START {
                for c in cases(&k) {
                    starts.push(c);
                    start_group.push(None);
                }
                short.push((k, check));
                continue;
            }
            let lower = &k[..START];
            match groups.iter().position(|g| g.first().is_some_and(|(w, _)| w.starts_with(lower))) {
                Some(i) => groups[i].push((k, check)),
                None => {
                    for c in cases(lower) {
                        starts.push(c);
                        start_group.push(Some(groups.len()));
                    }
                    groups.push(vec![(k, check)]);
                }
            }
        }
        Gate {
            literal: Finder::new(&literal),
            literal_is_token,
            starts: Finder::new(&starts),
            start_group,
            groups,
            short,
            hidden: Finder::new(
                &hidden_patterns()
                    .into_iter()
                    .chain(crate::ignore_comment::STARTS.map(|p| p.as_bytes().to_vec()))
                    .collect::<Vec<_>>(),
            ),
        }
    }

    /// Whether the bytes may hold a token only decoding shows (see [`hidden_patterns`]), or a
    /// suppression comment.
    pub fn kept_anyway(&self, bytes: &[u8]) -> bool {
        self.hidden.as_ref().is_none_or(|f| f.find(bytes, 0).is_some())
    }

    /// The kind to read `bytes` as, or `None` when the file can yield nothing. A file kept
    /// only for its literals (prose, data) is read as [`FileKind::Other`].
    pub fn decide(&self, path: &str, kind: FileKind, bytes: &[u8], signals: &Signals) -> Option<FileKind> {
        // A credential cache holds tokens that are neither literals nor named after dbt.
        if extract::secrets::is_cache_path(path, &signals.cache_files).is_some() {
            return Some(if matches!(kind, FileKind::Data) { FileKind::Other } else { kind });
        }
        let decided = match kind {
            FileKind::Other | FileKind::Data => self.literal_or_jdbc(bytes).then_some(FileKind::Other),
            // SQL is mostly dbt models: read as Snowflake DDL only with a marker of it, else kept
            // for its literals as prose is.
            FileKind::Sql if extract::snowflake::has_marker(bytes) && mentions_dbt(bytes) => Some(kind),
            FileKind::Sql => self.literal_or_jdbc(bytes).then_some(FileKind::Other),
            FileKind::Yaml | FileKind::Json | FileKind::Script => {
                let parse = mentions_dbt(bytes) && (self.has_keyword(bytes) || extract::is_named_config(path, signals));
                // A Makefile is kept whatever it says: a CI step's `make target` runs its recipe.
                (parse || extract::runs::is_makefile(path)).then_some(kind)
            }
            FileKind::Terraform
            | FileKind::TerraformVars
            | FileKind::TerraformJson
            | FileKind::Terragrunt
            | FileKind::GithubActions
            | FileKind::CloudCli
            | FileKind::GitlabCi
            | FileKind::AzurePipelines
            | FileKind::CircleCi
            | FileKind::BitbucketPipelines
            | FileKind::Jenkins => mentions_dbt(bytes).then_some(kind),
        };
        decided.or_else(|| self.kept_anyway(bytes).then_some(FileKind::Other))
    }

    /// Whether the bytes may hold a literal token (its exact-case prefix), or a Semantic Layer
    /// JDBC URL in a file that mentions dbt.
    pub fn literal_or_jdbc(&self, bytes: &[u8]) -> bool {
        let Some(f) = &self.literal else { return true };
        match f.find(bytes, 0) {
            Some((p, _)) if self.literal_is_token.get(p).copied().unwrap_or(true) => true,
            // A literal prefix holds `dbt` itself; a JDBC URL needs it elsewhere.
            Some(_) => self.has_token_prefix(bytes) || mentions_dbt(bytes),
            None => false,
        }
    }

    /// Whether the bytes hold a literal token prefix (exact case).
    pub fn has_token_prefix(&self, bytes: &[u8]) -> bool {
        memchr::memmem::find_iter(bytes, b"dbt")
            .any(|i| matches!(bytes.get(i + 3), Some(b'c' | b'u')) && bytes.get(i + 4) == Some(&b'_'))
    }

    /// Whether the bytes hold a token-relevant keyword.
    pub fn has_keyword(&self, bytes: &[u8]) -> bool {
        let Some(starts) = &self.starts else { return true };
        let mut from = 0;
        while let Some((pattern, at)) = starts.find(bytes, from) {
            // The search reports one pattern for a place: a short keyword may start there too.
            let group = self.start_group.get(pattern).copied().flatten().and_then(|g| self.groups.get(g));
            if group.into_iter().flatten().chain(&self.short).any(|(k, check)| keyword_at(bytes, at, k, check)) {
                return true;
            }
            from = at + 1;
        }
        false
    }
}

/// Whether keyword `k` (lowercase) starts at `at` and passes its check.
fn keyword_at(bytes: &[u8], at: usize, k: &[u8], check: &Check) -> bool {
    let end = at + k.len();
    bytes.get(at..end).is_some_and(|w| w.eq_ignore_ascii_case(k))
        && match check {
            Check::Any => true,
            Check::Word(rest) => word_at(bytes, end, rest),
        }
}

/// Whether the words `rest` follow a credential word ending at `end`, and the last of them
/// ends a word. `classify::names::words` splits a name on every byte that is not an ASCII
/// letter or digit and between a lowercase letter or digit and a capital.
fn word_at(bytes: &[u8], mut end: usize, rest: &[Vec<u8>]) -> bool {
    for part in rest {
        let start = end;
        while bytes.get(end).is_some_and(|b| !b.is_ascii_alphanumeric()) {
            end += 1;
        }
        let glued = end == start;
        let next = bytes.get(end..end + part.len());
        if !next.is_some_and(|n| n.eq_ignore_ascii_case(part)) {
            return false;
        }
        // Glued words (`apiKey`) split only at a case change.
        if glued && !(end > 0 && is_lower(bytes[end - 1]) && bytes[end].is_ascii_uppercase()) {
            return false;
        }
        end += part.len();
    }
    ends_word(bytes, end)
}

fn ends_word(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        None => true,
        Some(b) if !b.is_ascii_alphanumeric() => true,
        Some(b) => end > 0 && is_lower(bytes[end - 1]) && b.is_ascii_uppercase(),
    }
}

fn is_lower(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    fn gate() -> Gate {
        Gate::new(&builtin().signals)
    }

    fn parsed(path: &str, text: &str) -> bool {
        let kind = crate::kind::of_path(path);
        gate().decide(path, kind, text.as_bytes(), &builtin().signals) == Some(kind)
    }

    #[test]
    fn mentions_dbt_in_any_case() {
        assert!(mentions_dbt(b"provider \"dbtcloud\" {}"));
        assert!(mentions_dbt(b"TOKEN: ${{ secrets.DBT_PAT }}"));
        assert!(mentions_dbt(b"x DbT y"));
        assert!(!mentions_dbt(b"select 1 from orders"));
    }

    #[test]
    fn dbt_alone_does_not_make_a_yaml_file_worth_parsing() {
        let props = "version: 2\nmodels:\n  - name: orders\n    tests:\n      - dbt_expectations.expect_column_values_to_be_of_type:\n          column_type: varchar\n";
        assert!(!parsed("models/_orders.yml", props));
        assert!(!parsed("scripts/helpers.py", "# helpers for the dbt project\nimport os\npath = os.getcwd()\n"));
        assert!(!parsed("x.json", "{\"dbt\": {\"dispatch\": [\"dbt_utils\"], \"tokens\": 1, \"Tokenizer\": 2}}"));
    }

    #[test]
    fn token_names_clouds_and_literals_do() {
        for text in [
            "env:\n  DBT_CLOUD_TOKEN: x\n",
            "dbt:\n  token: ${X}\n",
            "dbtPat: 1\n",
            "dbt_pat: 1\n",
            "dbtCloudApiKey: x\n",
            "DBT_CLOUD__API_KEY: x\n",
            "dbt: {api-key: x}\n",
            "conn_type: dbt_cloud\n",
            "AIRFLOW_CONN_X: dbt-cloud://1:t@h\n",
            "dbt: https://cloud.getdbt.com/api/v2/\n",
            "x: dbtu_\n",
            "x: jdbc:arrow-flight-sql://semantic-layer.dbt.com\n",
        ] {
            assert!(parsed("config/x.yml", text), "{text}");
        }
        assert!(parsed("dags/run.py", "from dagster_dbt import DbtCloudClientResource\n"));
    }

    #[test]
    fn a_credential_word_must_be_a_whole_word() {
        for text in
            ["dbt: {path: x}", "dbt: {dispatch: x}", "dbt: {tokens: 1}", "dbt: {api: {example: key}}", "DBT_PATH: 1"]
        {
            assert!(!parsed("config/x.yml", text), "{text}");
        }
        assert!(parsed("config/x.yml", "dbt: {patX: 1}"), "a case change ends a word");
        assert!(!parsed("config/x.yml", "dbt: {apikeyring: 1}"));
    }

    #[test]
    fn pipelines_terraform_and_named_configs_need_only_dbt() {
        assert!(parsed(".github/workflows/ci.yml", "jobs: {run: {steps: [{run: dbt build}]}}\n"));
        assert!(parsed("infra/variables.tf", "variable \"x\" { description = \"dbt\" }\n"));
        assert!(parsed("docker-compose.yml", "services: {dbt: {image: x}}\n"));
        assert!(parsed(".cursor/mcp.json", "{\"mcpServers\": {\"dbt\": {\"headers\": {\"Authorization\": \"x\"}}}}"));
        assert!(!parsed("infra/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"));
    }

    #[test]
    fn prose_and_data_are_kept_only_for_literals_and_jdbc_urls() {
        let g = gate();
        let s = &builtin().signals;
        let decide =
            |path: &str, text: &str| g.decide(path, crate::kind::of_file(path, text.as_bytes()), text.as_bytes(), s);
        assert_eq!(decide("models/orders.sql", "select {{ dbt_utils.star(ref('x')) }} -- token"), None);
        assert_eq!(decide("notes.md", "old key dbtu_abc"), Some(FileKind::Other));
        assert_eq!(decide("notes.md", "old key DBTU_abc"), None, "literals are exact-case");
        let artifact = "{\"metadata\": {\"dbt_schema_version\": \"https://schemas.getdbt.com/dbt/manifest/v12.json\"}";
        assert_eq!(decide("state/manifest.json", &format!("{artifact}, \"dbt_token\": \"x\"}}")), None);
        assert_eq!(decide("state/manifest.json", &format!("{artifact}, \"x\": \"dbtc_abc\"}}")), Some(FileKind::Other));
        let jdbc = "url=jdbc:arrow-flight-sql://semantic-layer.cloud.getdbt.com:443?token=x";
        assert_eq!(decide("bi/x.tds", jdbc), Some(FileKind::Other));
        assert_eq!(decide("bi/x.tds", "url=jdbc:arrow-flight-sql://semantic-layer.example.com"), None);
    }

    #[test]
    fn a_file_whose_only_token_is_escaped_or_encoded_is_kept_for_its_literals() {
        let g = gate();
        let s = &builtin().signals;
        for (path, text) in [
            ("notes.txt", r"t = '\x64btu_abc'"),
            ("x.json", r#"{"t": "\u0064btu_abc"}"#),
            ("x.json", r#"{"t": "dbtu\u005fabc"}"#),
            ("url.txt", "t=%64btu_abc"),
            ("run.sh", r"T=$'\144\142\164\165_abc'"),
            ("k8s/secret.yaml", "data:\n  api-key: ZGJ0dV9hYmM=\n"),
        ] {
            let kind = crate::kind::of_file(path, text.as_bytes());
            assert_eq!(g.decide(path, kind, text.as_bytes(), s), Some(FileKind::Other), "{path}: {text}");
        }
        assert_eq!(g.decide("notes.txt", FileKind::Other, br"C:\new\x41 100%", s), None);
    }

    #[test]
    fn a_file_with_a_suppression_comment_is_kept_as_text() {
        let g = gate();
        let s = &builtin().signals;
        // tokenwise: ignore[TW002] -- test input
        for text in ["x = 1  # tokenwise: ignore[TW201]\n", "// tokenwise:ignore[TW9]\n"] {
            assert_eq!(g.decide("src/app.py", FileKind::Script, text.as_bytes(), s), Some(FileKind::Other), "{text}");
        }
        assert_eq!(g.decide("src/app.py", FileKind::Script, b"# tokenwise reads this\n", s), None);
    }
}
