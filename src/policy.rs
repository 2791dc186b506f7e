//! The policy data of `rules/dbt-cloud.yml`, embedded in the binary and read once.

use crate::globs::PathGlobs;
use crate::model::Severity;
use crate::parse::yaml;
use crate::tree::Node;
use regex::Regex;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("../rules/dbt-cloud.yml");

/// A rule's texts and default severity, as `rules/dbt-cloud.yml` writes them; the rule itself is
/// a [`crate::rules::Rule`], which finds its texts by code.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub severity: Severity,
    pub default_enabled: bool,
    pub summary: String,
    pub message: String,
    pub help: String,
    pub explanation: String,
    pub reference: String,
}

/// A partner integration and the permission sets its documentation names for its token.
#[derive(Debug, Clone, Default)]
pub struct Partner {
    pub name: String,
    pub keywords: Vec<String>,
    /// The sets to grant (Enterprise plans); empty when no page names any ([`NONE_FOUND`]).
    pub needs: Vec<String>,
    /// The sets the page names for legacy Team plans, when they differ.
    pub team_plan: Vec<String>,
    /// What the page says, in short.
    pub documented: Option<String>,
    /// The page the sets come from, or [`NONE_FOUND`]; `None` for a partner a project's config adds.
    pub source: Option<String>,
    pub checked: Option<String>,
}

/// The `source` of a fact no vendor or dbt page documents.
pub const NONE_FOUND: &str = "none found";

impl Partner {
    /// The page that documents the partner's sets, when there is one.
    pub fn source_page(&self) -> Option<&str> {
        self.source.as_deref().filter(|s| *s != NONE_FOUND)
    }
}

/// The classification signals. A project's `classify:` config extends the word lists.
#[derive(Debug, Clone)]
pub struct Signals {
    pub personal_prefix: String,
    pub service_prefix: String,
    pub body_min: usize,
    pub body_max: usize,
    pub min_entropy: f64,
    pub placeholder_words: Vec<String>,
    pub name_dbt: Vec<String>,
    pub name_credential: Vec<String>,
    pub name_not_dbt: Vec<String>,
    pub personal_names: Vec<String>,
    pub service_names: Vec<String>,
    pub personal_descriptions: Vec<String>,
    pub service_descriptions: Vec<String>,
    pub user_context_descriptions: Vec<String>,
    pub hosts: Regex,
    pub user_endpoints: Regex,
    /// Endpoints that create and manage service tokens (TW106).
    pub service_token_endpoints: Regex,
    /// Endpoints that are gone, whatever the token (TW202).
    pub retired_endpoints: Regex,
    /// Any of the three: the built URLs code readers keep.
    pub code_endpoints: Regex,
    pub provider_sources: Vec<String>,
    pub provider_default_names: Vec<String>,
    pub user_context_resources: Vec<String>,
    /// Repository resource types, the clone strategies that need a user token, and the URL
    /// path of the GitHub installations lookup (an installation id it returns needs one too).
    pub repository_types: Vec<String>,
    pub repository_user_strategies: Vec<String>,
    pub installations_lookup: String,
    pub dev_segments: Vec<String>,
    /// Folder words that mark examples and templates to copy (`example_cicd/`, `templates/`).
    pub example_segments: Vec<String>,
    /// Folder names and file-name words that mark a test.
    pub test_segments: Vec<String>,
    /// Extra path globs (from config) marking production, dev and partner files.
    pub production_globs: PathGlobs,
    pub dev_globs: PathGlobs,
    pub partner_globs: PathGlobs,
    pub broad_permissions: Vec<String>,
    pub write_permissions: Vec<String>,
    pub narrow_permissions: Vec<String>,
    /// Every permission set dbt knows (TW303), and those it will not assign to service tokens.
    pub known_permissions: Vec<String>,
    pub unassignable_permissions: Vec<String>,
    /// `writable_environment_categories` values that make a write set broad (TW301).
    pub broad_environment_categories: Vec<String>,
    pub partners: Vec<Partner>,
    /// Names that hold a legacy user API key only in a dbt Cloud client's config or call
    /// (`api-key`, `api_key`); a dbt token name (`DBT_CLOUD_API_KEY`) holds one anywhere.
    pub legacy_key_names: Vec<String>,
    /// Words whose presence in a file marks a dbt Cloud client there (`dbt_cloud`, `getdbt`).
    pub legacy_key_clients: Vec<String>,
    /// File names of dbt credential caches, and those that are caches only when they hold tokens.
    pub cache_files: Vec<String>,
    pub cache_files_with_tokens: Vec<String>,
    /// Access URLs: the shared region hosts dbt retires, and how account-specific ones look.
    pub access_urls: AccessUrls,
    /// Orchestrators, deployed apps, developer files, Semantic Layer and Pulumi signals.
    pub ecosystems: Ecosystems,
    /// The permission sets production automation needs, per task (advise).
    pub production: ProductionNeeds,
}

/// The permission sets production automation needs, per task, with their source.
#[derive(Debug, Clone, Default)]
pub struct ProductionNeeds {
    pub trigger_jobs: Vec<String>,
    pub manage_jobs: Vec<String>,
    pub manage_service_tokens: Vec<String>,
    pub manage_identity: Vec<String>,
    pub identity_resources: Vec<String>,
    /// Plans (as dbt names them) whose service tokens can hold only `limited_plan_sets`.
    pub limited_plans: Vec<String>,
    pub limited_plan_sets: Vec<String>,
    pub source: String,
    pub checked: String,
}

/// dbt Cloud access URLs (TW501).
#[derive(Debug, Clone, Default)]
pub struct AccessUrls {
    /// Shared region hosts of the old scheme, lowercase (`cloud.getdbt.com`).
    pub retiring: Vec<String>,
    /// The date dbt stops serving them to API integrations.
    pub retire_date: String,
    /// An account-specific host (`ab123.us1.dbt.com`).
    pub account: Option<Regex>,
    /// Environment variables that set the Terraform provider's host.
    pub host_env: Vec<String>,
    /// The Terraform provider's `host_url` when none is set.
    pub provider_default: String,
    /// Words of a key whose value is a host (`host_url`, `DBT_HOST`, `base_url`).
    pub host_key_words: Vec<String>,
    /// Words of a key whose value is prose (`description`): a mention there is not a use.
    pub prose_key_words: Vec<String>,
}

/// An orchestrator: the words that name it and the dbt Cloud APIs of its Python package.
#[derive(Debug, Clone)]
pub struct Orchestrator {
    pub name: String,
    /// Words in image, service, chart and path names.
    pub keywords: Vec<String>,
    /// Folder names that hold its code (`dags`).
    pub paths: Vec<String>,
    /// Python modules whose import marks its code.
    pub imports: Vec<String>,
    /// Classes and functions that take a dbt Cloud token (lowercase).
    pub calls: Vec<String>,
    /// Calls that take a dbt Cloud token only with a dbt Cloud `conn_type`.
    pub typed_calls: Vec<String>,
    pub token_args: Vec<String>,
    /// Arguments naming a stored connection that holds the token.
    pub connection_args: Vec<String>,
    /// Classes whose `.load("name")` reads a stored credentials block.
    pub block_loads: Vec<String>,
}

/// Deployed functions and containers: their folders, the code that marks them, their manifests
/// and deploy commands (markers are matched case-sensitively, as written in code).
#[derive(Clone, Debug, Default)]
pub struct Functions {
    pub paths: Vec<String>,
    pub code_markers: Vec<String>,
    pub manifest_files: Vec<String>,
    pub manifest_markers: Vec<String>,
    pub deploy_commands: Vec<String>,
    pub env_flags: Vec<String>,
}

/// Signals of the ecosystems beyond Terraform and CI, all from `rules/dbt-cloud.yml`.
#[derive(Debug, Clone, Default)]
pub struct Ecosystems {
    pub functions: Functions,
    pub orchestrators: Vec<Orchestrator>,
    pub airflow_conn_types: Vec<String>,
    pub airflow_conn_prefix: String,
    pub airflow_settings_files: Vec<String>,
    pub agent_keywords: Vec<String>,
    pub workload_kinds: Vec<String>,
    pub deployed_segments: Vec<String>,
    pub local_env_files: Vec<String>,
    pub deployed_env_files: Vec<String>,
    pub compose_files: Vec<String>,
    pub compose_dev_words: Vec<String>,
    pub helm_values_files: Vec<String>,
    pub mcp_configs: Vec<String>,
    pub mcp_server_keys: Vec<String>,
    pub jdbc_prefix: String,
    pub jdbc_token_params: Vec<String>,
    /// BI file extension → the partner integration its connections belong to.
    pub bi_files: Vec<(String, String)>,
    pub pulumi_files: Vec<String>,
    pub pulumi_service_token_types: Vec<String>,
    pub pulumi_provider_token_keys: Vec<String>,
}

/// The whole embedded policy.
#[derive(Debug)]
pub struct Policy {
    /// The rule texts, in the file's order.
    pub rules: Vec<RuleMeta>,
    pub signals: Signals,
    /// The `examples:` of each signal group, for the data tests.
    pub examples: Node,
}

/// The built-in policy, parsed on first use.
pub fn builtin() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| match load(BUILTIN) {
        Ok(p) => p,
        // The file is part of the binary and checked by tests; reaching this is a build defect.
        Err(e) => panic!("embedded rules/dbt-cloud.yml is invalid: {e}"),
    })
}

fn load(text: &str) -> Result<Policy, String> {
    let docs = yaml::parse(text).map_err(|e| format!("{} at byte {}", e.message, e.offset))?;
    let root = docs.into_iter().next().ok_or("empty policy")?;
    let rules = root.get("rules").ok_or("no rules")?.items().iter().map(rule).collect::<Result<Vec<_>, _>>()?;
    let s = root.get("signals").ok_or("no signals")?;
    let lit = s.get("literal").ok_or("no signals.literal")?;
    let names = s.get("names").ok_or("no signals.names")?;
    let tn = s.get("type_names").ok_or("no signals.type_names")?;
    let td = s.get("type_descriptions").ok_or("no signals.type_descriptions")?;
    let tf = s.get("terraform").ok_or("no signals.terraform")?;
    let perms = s.get("permissions").ok_or("no signals.permissions")?;
    let prefixes = lit.get("prefixes").ok_or("no literal.prefixes")?;
    let signals = Signals {
        personal_prefix: string(prefixes, "personal")?,
        service_prefix: string(prefixes, "service")?,
        body_min: number(lit, "body_min")? as usize,
        body_max: number(lit, "body_max")? as usize,
        min_entropy: number(lit, "min_entropy")?,
        placeholder_words: list(lit, "placeholder_words"),
        name_dbt: list(names, "dbt"),
        name_credential: list(names, "credential"),
        name_not_dbt: list(names, "not_dbt_cloud"),
        personal_names: list(tn, "personal"),
        service_names: list(tn, "service"),
        personal_descriptions: list(td, "personal"),
        service_descriptions: list(td, "service"),
        user_context_descriptions: s.get("user_context_descriptions").map(|n| list(n, "phrases")).unwrap_or_default(),
        hosts: alternation(s.get("hosts"))?,
        user_endpoints: alternation(s.get("user_context_endpoints"))?,
        service_token_endpoints: alternation(s.get("service_token_endpoints"))?,
        retired_endpoints: alternation(s.get("retired_endpoints"))?,
        code_endpoints: any_of(&[
            s.get("user_context_endpoints"),
            s.get("service_token_endpoints"),
            s.get("retired_endpoints"),
        ])?,
        provider_sources: list(tf, "provider_sources"),
        provider_default_names: list(tf, "default_local_names"),
        user_context_resources: list(tf, "user_context_resources"),
        repository_types: tf.get("repositories").map(|n| list(n, "types")).unwrap_or_default(),
        repository_user_strategies: tf
            .get("repositories")
            .map(|n| list(n, "user_clone_strategies"))
            .unwrap_or_default(),
        installations_lookup: tf
            .get("repositories")
            .and_then(|n| n.get("installations_lookup"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_lowercase(),
        dev_segments: s.get("paths").map(|n| list(n, "dev_segments")).unwrap_or_default(),
        example_segments: s.get("paths").map(|n| list(n, "example_segments")).unwrap_or_default(),
        test_segments: s.get("paths").map(|n| list(n, "test_segments")).unwrap_or_default(),
        production_globs: PathGlobs::default(),
        dev_globs: PathGlobs::default(),
        partner_globs: PathGlobs::default(),
        broad_permissions: list(perms, "broad"),
        write_permissions: list(perms, "write_capable"),
        narrow_permissions: list(perms, "narrow"),
        known_permissions: list(perms, "known"),
        unassignable_permissions: list(perms, "unassignable"),
        broad_environment_categories: list(perms, "broad_environment_categories"),
        partners: s
            .get("partners")
            .map(|n| {
                n.items()
                    .iter()
                    .map(|p| {
                        let text = |key: &str| p.get(key).and_then(Node::as_str).map(str::to_owned);
                        Partner {
                            name: text("name").unwrap_or_default(),
                            keywords: list(p, "keywords"),
                            needs: list(p, "needs"),
                            team_plan: list(p, "team_plan"),
                            documented: text("documented"),
                            source: text("source"),
                            checked: text("checked"),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        legacy_key_names: s.get("legacy_keys").map(|n| list(n, "names")).unwrap_or_default(),
        legacy_key_clients: s.get("legacy_keys").map(|n| list(n, "client_words")).unwrap_or_default(),
        cache_files: s.get("credential_caches").map(|n| list(n, "files")).unwrap_or_default(),
        cache_files_with_tokens: s.get("credential_caches").map(|n| list(n, "only_with_tokens")).unwrap_or_default(),
        access_urls: access_urls(s.get("access_urls"))?,
        ecosystems: ecosystems(s),
        production: production_needs(s.get("production_needs")),
    };
    Ok(Policy { rules, signals, examples: s.clone() })
}

fn production_needs(n: Option<&Node>) -> ProductionNeeds {
    let Some(n) = n else { return ProductionNeeds::default() };
    let text = |key: &str| n.get(key).and_then(Node::as_str).unwrap_or("").to_owned();
    ProductionNeeds {
        trigger_jobs: list(n, "trigger_jobs"),
        manage_jobs: list(n, "manage_jobs"),
        manage_service_tokens: list(n, "manage_service_tokens"),
        manage_identity: list(n, "manage_identity"),
        identity_resources: list(n, "identity_resources"),
        limited_plans: raw_list(n, "limited_plans"),
        limited_plan_sets: list(n, "limited_plan_sets"),
        source: text("source"),
        checked: text("checked"),
    }
}

fn access_urls(n: Option<&Node>) -> Result<AccessUrls, String> {
    let Some(n) = n else { return Ok(AccessUrls::default()) };
    let text = |key: &str| n.get(key).and_then(Node::as_str).unwrap_or("").to_owned();
    let pattern = text("account_pattern");
    let account = match pattern.is_empty() {
        true => None,
        false => Some(Regex::new(&pattern).map_err(|e| format!("access_urls.account_pattern: {e}"))?),
    };
    Ok(AccessUrls {
        retiring: list(n, "retiring"),
        retire_date: text("retire_date"),
        account,
        host_env: raw_list(n, "host_env"),
        provider_default: text("provider_default"),
        host_key_words: list(n, "host_key_words"),
        prose_key_words: list(n, "prose_key_words"),
    })
}

fn ecosystems(s: &Node) -> Ecosystems {
    let empty = Node { kind: crate::tree::NodeKind::Alias, span: Default::default() };
    let orch = s.get("orchestrators").unwrap_or(&empty);
    let dep = s.get("deployments").unwrap_or(&empty);
    let dev = s.get("developer_files").unwrap_or(&empty);
    let sl = s.get("semantic_layer").unwrap_or(&empty);
    let pulumi = s.get("pulumi").unwrap_or(&empty);
    let text = |n: &Node, key: &str| n.get(key).and_then(Node::as_str).unwrap_or("").to_owned();
    let fun = dep.get("functions").unwrap_or(&empty);
    Ecosystems {
        functions: Functions {
            paths: list(fun, "paths"),
            code_markers: raw_list(fun, "code_markers"),
            manifest_files: list(fun, "manifest_files"),
            manifest_markers: raw_list(fun, "manifest_markers"),
            deploy_commands: list(fun, "deploy_commands"),
            env_flags: list(fun, "env_flags"),
        },
        orchestrators: orch
            .get("list")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|o| Orchestrator {
                name: text(o, "name"),
                keywords: list(o, "keywords"),
                paths: list(o, "paths"),
                imports: list(o, "imports"),
                calls: list(o, "calls"),
                typed_calls: list(o, "typed_calls"),
                token_args: list(o, "token_args"),
                connection_args: list(o, "connection_args"),
                block_loads: list(o, "block_loads"),
            })
            .collect(),
        airflow_conn_types: list(orch, "airflow_conn_types"),
        airflow_conn_prefix: text(orch, "airflow_conn_prefix"),
        airflow_settings_files: list(orch, "airflow_settings_files"),
        agent_keywords: list(dep, "agent_keywords"),
        workload_kinds: list(dep, "workload_kinds"),
        deployed_segments: list(dep, "deployed_segments"),
        local_env_files: list(dep, "local_env_files"),
        deployed_env_files: list(dep, "deployed_env_files"),
        compose_files: list(dep, "compose_files"),
        compose_dev_words: list(dep, "compose_dev_words"),
        helm_values_files: list(dep, "helm_values_files"),
        mcp_configs: list(dev, "mcp_configs"),
        mcp_server_keys: list(dev, "mcp_server_keys"),
        jdbc_prefix: text(sl, "jdbc_prefix").to_lowercase(),
        jdbc_token_params: list(sl, "token_params"),
        bi_files: sl
            .get("bi_files")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|b| (text(b, "extension").to_lowercase(), text(b, "partner")))
            .collect(),
        pulumi_files: list(pulumi, "files"),
        pulumi_service_token_types: list(pulumi, "service_token_types"),
        pulumi_provider_token_keys: list(pulumi, "provider_token_keys"),
    }
}

fn rule(n: &Node) -> Result<RuleMeta, String> {
    let severity = string(n, "severity")?;
    Ok(RuleMeta {
        code: string(n, "code")?,
        name: string(n, "name")?,
        severity: Severity::parse(&severity).ok_or(format!("bad severity {severity}"))?,
        default_enabled: n.get("default_enabled").and_then(Node::as_str) != Some("false"),
        summary: string(n, "summary")?,
        message: string(n, "message")?,
        help: string(n, "help")?,
        explanation: string(n, "explanation")?,
        reference: string(n, "reference")?,
    })
}

fn string(n: &Node, key: &str) -> Result<String, String> {
    n.get(key).and_then(Node::as_str).map(str::to_owned).ok_or_else(|| format!("missing `{key}`"))
}

fn number(n: &Node, key: &str) -> Result<f64, String> {
    string(n, key)?.parse().map_err(|_| format!("`{key}` is not a number"))
}

/// A list of strings under `key` (lowercased: all matching is case-insensitive).
pub fn list(n: &Node, key: &str) -> Vec<String> {
    n.get(key).map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_lowercase).collect()).unwrap_or_default()
}

/// A list of strings under `key`, as written (the signal examples keep their case).
pub fn raw_list(n: &Node, key: &str) -> Vec<String> {
    n.get(key).map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

/// The patterns of several groups as one alternation.
fn any_of(groups: &[Option<&Node>]) -> Result<Regex, String> {
    let pats: Vec<String> = groups.iter().flatten().flat_map(|n| raw_list(n, "patterns")).collect();
    Regex::new(&format!("(?i)(?:{})", pats.join("|"))).map_err(|e| e.to_string())
}

fn alternation(n: Option<&Node>) -> Result<Regex, String> {
    let n = n.ok_or("missing pattern group")?;
    let pats: Vec<String> = n
        .get("patterns")
        .map(|l| l.items().iter().filter_map(Node::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Regex::new(&format!("(?i)(?:{})", pats.join("|"))).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signal groups that state facts about dbt or a vendor: each names its source and the
    /// date it was checked, because dbt's guidance changes.
    const FACT_GROUPS: [&str; 8] = [
        "legacy_keys",
        "credential_caches",
        "access_urls",
        "permissions",
        "production_needs",
        "terraform.repositories",
        "service_token_endpoints",
        "retired_endpoints",
    ];

    fn is_date(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 10
            && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
    }

    fn fact_errors(signals: &Node) -> Vec<String> {
        let mut errors = Vec::new();
        for group in FACT_GROUPS {
            let mut path = group.split('.');
            let first = path.next().and_then(|k| signals.get(k));
            let Some(g) = path.fold(first, |n, k| n.and_then(|n| n.get(k))) else {
                errors.push(format!("{group}: missing"));
                continue;
            };
            let source = g.get("source").and_then(Node::as_str).unwrap_or("");
            let checked = g.get("checked").and_then(Node::as_str).unwrap_or("");
            if source.trim().is_empty() {
                errors.push(format!("{group}: no source"));
            }
            if !is_date(checked) {
                errors.push(format!("{group}: no check date (`checked: YYYY-MM-DD`)"));
            }
        }
        // Each partner's sets come from a page, or no page was found (and then none is asserted).
        for p in signals.get("partners").map(Node::items).unwrap_or_default() {
            let name = p.get("name").and_then(Node::as_str).unwrap_or("?");
            let source = p.get("source").and_then(Node::as_str).unwrap_or("");
            let checked = p.get("checked").and_then(Node::as_str).unwrap_or("");
            let needs = list(p, "needs");
            match source {
                NONE_FOUND if !needs.is_empty() => errors.push(format!("{name}: sets asserted without a source")),
                NONE_FOUND => {}
                s if s.starts_with("https://") => {}
                "" => errors.push(format!("{name}: no source (a page, or `source: {NONE_FOUND}`)")),
                other => errors.push(format!("{name}: source `{other}` is neither a page nor `{NONE_FOUND}`")),
            }
            if !is_date(checked) {
                errors.push(format!("{name}: no check date (`checked: YYYY-MM-DD`)"));
            }
        }
        errors
    }

    #[test]
    fn a_partner_without_a_page_says_none_found() {
        let p = builtin();
        let none: Vec<&str> = p
            .signals
            .partners
            .iter()
            .filter(|x| x.source.as_deref() == Some(NONE_FOUND))
            .map(|x| x.name.as_str())
            .collect();
        assert!(none.contains(&"Monte Carlo") && none.contains(&"Census"), "{none:?}");
        // `none found` is accepted as a source; a missing one, another word, or sets asserted
        // under `none found` are not.
        let edit = |from: &str, to: &str| {
            let text = BUILTIN.replacen(from, to, 1);
            assert_ne!(text, BUILTIN, "{from}");
            fact_errors(&load(&text).unwrap_or_else(|e| panic!("{e}")).examples)
        };
        assert_eq!(
            edit(
                "{name: Monte Carlo, keywords: [montecarlo, monte_carlo], needs: [], source: none found, ",
                "{name: Monte Carlo, keywords: [montecarlo, monte_carlo], needs: [], "
            ),
            ["Monte Carlo: no source (a page, or `source: none found`)"]
        );
        assert_eq!(
            edit(
                "needs: [], source: none found, checked: 2026-12-01}\n    - {name: Metaplane",
                "needs: [], source: unknown, checked: 2026-12-01}\n    - {name: Metaplane"
            ),
            ["Monte Carlo: source `unknown` is neither a page nor `none found`"]
        );
        assert_eq!(
            edit(
                "{name: Sigma, keywords: [sigma, sigmacomputing], needs: []",
                "{name: Sigma, keywords: [sigma, sigmacomputing], needs: [metadata_only]"
            ),
            ["Sigma: sets asserted without a source"]
        );
        assert_eq!(
            edit(
                "      source: https://docs.atlan.com/apps/connectors/etl-tools/dbt/how-tos/set-up-dbt-cloud\n      checked: 2026-12-01\n",
                "      source: https://docs.atlan.com/apps/connectors/etl-tools/dbt/how-tos/set-up-dbt-cloud\n"
            ),
            ["Atlan: no check date (`checked: YYYY-MM-DD`)"]
        );
    }

    #[test]
    fn every_fact_carries_its_source_and_check_date() {
        let p = builtin();
        assert_eq!(fact_errors(&p.examples), Vec::<String>::new());
        // The check can fail: a group without them is reported.
        let bare =
            load(&BUILTIN.replace(
                "    source: https://docs.getdbt.com/docs/dbt-apis/user-tokens\n    checked: 2026-12-01\n",
                "",
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            fact_errors(&bare.examples),
            ["legacy_keys: no source", "legacy_keys: no check date (`checked: YYYY-MM-DD`)"]
        );
        // Rule texts that cite a source say when it was checked.
        for r in &p.rules {
            if r.explanation.contains("Source") {
                assert!(r.explanation.contains("(checked 20"), "{}: a cited source without its check date", r.code);
            }
        }
    }

    #[test]
    fn endpoint_examples_hold() {
        let p = builtin();
        let s = &p.signals;
        for (group, re) in
            [("service_token_endpoints", &s.service_token_endpoints), ("retired_endpoints", &s.retired_endpoints)]
        {
            let ex = p.examples.get(group).and_then(|g| g.get("examples")).unwrap_or_else(|| panic!("{group}"));
            let (yes, no) = (raw_list(ex, "endpoint"), raw_list(ex, "other"));
            assert!(!yes.is_empty() && !no.is_empty(), "{group}");
            for e in yes {
                assert!(re.is_match(&e) && s.code_endpoints.is_match(&e), "{group}: {e}");
                assert!(!s.user_endpoints.is_match(&e), "{group}: {e} is not user-context");
            }
            for e in no {
                assert!(!re.is_match(&e), "{group}: {e}");
            }
        }
    }

    #[test]
    fn every_explanation_has_the_fixed_sections() {
        for r in &builtin().rules {
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix"] {
                assert!(r.explanation.contains(section), "{} lacks {section}", r.code);
            }
            assert!(r.reference.starts_with("https://docs.getdbt.com/"), "{}", r.code);
        }
    }
}
