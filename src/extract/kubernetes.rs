//! Kubernetes manifests and Helm values: the environment of deployed containers, the Secrets
//! they read, and who runs them (a custom app or agent: partner integration; an orchestrator:
//! production).

use super::Ctx;
use super::values::{self, Deployed, Role, ValueRef};
use crate::classify::names::is_dbt_token_name;
use crate::model::TokenUse;
use crate::model::fact::{Basis, Fact};
use crate::tree::{Node, NodeKind};
use std::collections::HashMap;

/// A manifest: `apiVersion` and `kind` at the top of the document.
pub fn is_manifest(doc: &Node) -> bool {
    doc.get("apiVersion").is_some() && doc.get("kind").and_then(Node::as_str).is_some()
}

/// `values.yaml`, `values-prod.yaml`, `values.staging.yaml`.
pub fn is_helm_values(path: &str, signals: &crate::policy::Signals) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let Some(stem) = file.strip_suffix(".yaml").or_else(|| file.strip_suffix(".yml")) else { return false };
    signals
        .ecosystems
        .helm_values_files
        .iter()
        .any(|v| stem == v || [".", "-", "_"].iter().any(|sep| stem.starts_with(&format!("{v}{sep}"))))
}

/// Longest `data:` value decoded: a token is far shorter.
const MAX_ENCODED: usize = 400;

/// The prefix of the token a Secret's base64 `data:` value holds, if it holds one.
fn decoded_token(value: &str, signals: &crate::policy::Signals) -> Option<&'static str> {
    let value = value.trim();
    if value.len() > MAX_ENCODED || !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b)) {
        return None;
    }
    let plain: String = crate::encoded::decode(value.trim_end_matches('=').as_bytes())
        .into_iter()
        .map(|b| if b.is_ascii() { char::from(b) } else { '\u{1a}' })
        .collect();
    crate::literal::find(&plain, signals).first().map(|l| l.prefix())
}

/// A value stored in a Secret or ConfigMap of the file, and the use made of it.
struct Stored {
    object: String,
    key: String,
    use_index: usize,
    consumed: bool,
}

/// The values stored in the file's Secrets and ConfigMaps, found by object (and key) in one
/// lookup: matching thousands of workloads against thousands of Secrets stays linear.
#[derive(Default)]
struct Store {
    stored: Vec<Stored>,
    /// (object, key) → the first value stored under it.
    by_key: HashMap<(String, String), usize>,
    /// object → every value it stores, in order.
    by_object: HashMap<String, Vec<usize>>,
}

impl Store {
    fn push(&mut self, s: Stored) {
        let i = self.stored.len();
        self.by_key.entry((s.object.clone(), s.key.clone())).or_insert(i);
        self.by_object.entry(s.object.clone()).or_default().push(i);
        self.stored.push(s);
    }

    fn find(&mut self, object: &str, key: &str) -> Option<&mut Stored> {
        let i = *self.by_key.get(&(object.to_owned(), key.to_owned()))?;
        self.stored.get_mut(i)
    }

    fn of_object(&self, object: &str) -> Vec<usize> {
        self.by_object.get(object).cloned().unwrap_or_default()
    }
}

fn name_of(doc: &Node) -> String {
    doc.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("").to_owned()
}

pub fn extract(ctx: &Ctx, docs: &[Node]) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let mut uses = Vec::new();
    let mut stored = Store::default();
    // Secrets and ConfigMaps first, so that the containers reading them can be matched.
    for doc in docs.iter().filter(|d| is_manifest(d)) {
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
        if kind != "Secret" && kind != "ConfigMap" {
            continue;
        }
        let object = name_of(doc);
        for (field, encoded) in [("stringData", false), ("data", kind == "Secret")] {
            for (k, v) in doc.get(field).map(Node::entries).unwrap_or_default() {
                let Some(key) = k.as_str() else { continue };
                let refs = if encoded {
                    // base64: the decoded value says its type when it is a token; else the key
                    // says what it holds.
                    let raw = ctx.text(v.span.start, v.span.end);
                    let (s, e) = values::trim_quotes(raw);
                    let literal = decoded_token(raw.get(s..e).unwrap_or(""), signals);
                    if !(literal.is_some() || is_dbt_token_name(key, signals)) || s >= e {
                        continue;
                    }
                    vec![ValueRef {
                        start: v.span.start + s,
                        end: v.span.start + e,
                        reference: format!("{kind} `{object}` key `{key}`"),
                        literal,
                        name: None,
                    }]
                } else {
                    scalar_refs(ctx, key, v, is_dbt_token_name(key, signals))
                };
                for r in refs {
                    let mut u = values::token_use(ctx, &r, key, format!("key `{key}` of Kubernetes {kind} `{object}`"));
                    if !crate::classify::token_type::says_a_type(&u.type_facts, signals) {
                        values::name_type(&mut u, &[&object]);
                    }
                    stored.push(Stored {
                        object: object.clone(),
                        key: key.to_owned(),
                        use_index: uses.len(),
                        consumed: false,
                    });
                    uses.push(u);
                }
            }
        }
    }
    let workloads = &signals.ecosystems.workload_kinds;
    for doc in docs.iter().filter(|d| is_manifest(d)) {
        let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
        if !workloads.iter().any(|w| w.eq_ignore_ascii_case(kind)) {
            continue;
        }
        let workload = name_of(doc);
        let mut containers = Vec::new();
        collect_containers(doc, &mut containers);
        for c in containers {
            let cname = c.get("name").and_then(Node::as_str).unwrap_or("");
            let image = c.get("image").and_then(Node::as_str).unwrap_or("");
            let env = c.get("env").map(Node::items).unwrap_or_default();
            let airflow_conn =
                env.iter().any(|i| i.get("name").and_then(Node::as_str).is_some_and(|n| is_airflow_conn(n, ctx)));
            let what = format!("Kubernetes {kind} `{workload}`");
            let role = role_for(&[image, cname, &workload], &what, image, airflow_conn, signals);
            let hint = Fact::Runs { role, basis: Basis::Config };
            let place = format!("container `{cname}` of {what}");
            for item in env {
                env_item(ctx, item, &place, &hint, &mut stored, &mut uses);
            }
            for from in c.get("envFrom").map(Node::items).unwrap_or_default() {
                env_from(ctx, from, &place, &hint, &mut stored, &mut uses);
            }
        }
    }
    // A Secret no container of this file reads belongs to a deployment described elsewhere:
    // judge it by its own name.
    for s in stored.stored.iter().filter(|s| !s.consumed) {
        let what = format!("Kubernetes object `{}`", s.object);
        let role = role_for(&[&s.object], &what, "", false, signals);
        if let Some(u) = uses.get_mut(s.use_index) {
            u.saw(Fact::Runs { role, basis: Basis::NameOnly });
        }
    }
    uses
}

fn is_airflow_conn(name: &str, ctx: &Ctx) -> bool {
    let prefix = &ctx.policy.signals.ecosystems.airflow_conn_prefix;
    !prefix.is_empty() && name.to_ascii_uppercase().starts_with(prefix.as_str())
}

/// The role of a deployment from its names; an Airflow connection in its environment makes it
/// the orchestrator's.
fn role_for(names: &[&str], what: &str, image: &str, airflow_conn: bool, signals: &crate::policy::Signals) -> Role {
    let image = if image.is_empty() { String::new() } else { format!(" (image `{image}`)") };
    match values::deployed_kind(names, signals) {
        Deployed::Orchestrator(name) => Role::Orchestrator(format!("{what} runs {name}{image}: an orchestrator")),
        Deployed::App if airflow_conn => {
            Role::Orchestrator(format!("{what} defines an Airflow connection: an orchestrator's deployment"))
        }
        Deployed::Agent(_) => Role::Agent(format!("{what} runs an MCP server or AI agent others use{image}")),
        Deployed::App => Role::App(format!("{what} runs a service the team deploys{image}: a custom app")),
    }
}

/// Every container of a workload, wherever its pod template sits (Deployment, CronJob, Pod, …).
fn collect_containers<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    match &n.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if matches!(k.as_str(), Some("containers" | "initContainers")) && matches!(v.kind, NodeKind::Seq(_)) {
                    out.extend(v.items().iter().filter(|c| c.get("name").is_some() || c.get("image").is_some()));
                } else {
                    collect_containers(v, out);
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| collect_containers(i, out)),
        _ => {}
    }
}

/// The references in a scalar value under `key` (an Airflow connection's password for
/// `AIRFLOW_CONN_*`).
fn scalar_refs(ctx: &Ctx, key: &str, v: &Node, dbt_key: bool) -> Vec<ValueRef> {
    if !matches!(v.kind, NodeKind::Scalar { .. }) {
        return Vec::new();
    }
    values::airflow_conn_refs(ctx, key, v.span.start, v.span.end)
        .unwrap_or_else(|| values::refs(ctx, v.span.start, v.span.end, dbt_key))
}

/// One `env:` entry: `{name, value}` or `{name, valueFrom: {secretKeyRef: {name, key}}}`.
fn env_item(ctx: &Ctx, item: &Node, place: &str, hint: &Fact, stored: &mut Store, uses: &mut Vec<TokenUse>) {
    let signals = &ctx.policy.signals;
    let Some(key) = item.get("name").and_then(Node::as_str) else { return };
    if let Some(v) = item.get("value") {
        for r in scalar_refs(ctx, key, v, is_dbt_token_name(key, signals)) {
            let mut u = values::token_use(ctx, &r, key, format!("environment variable `{key}` of {place}"));
            u.saw(hint.clone());
            uses.push(u);
        }
        return;
    }
    let Some(from) = item.get("valueFrom") else { return };
    for (field, what) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
        let Some(sel) = from.get(field) else { continue };
        let object = sel.get("name").and_then(Node::as_str).unwrap_or("");
        let skey = sel.get("key").and_then(Node::as_str).unwrap_or("");
        // The value is stored in this file: one use, where it is stored.
        if let Some(s) = stored.find(object, skey) {
            s.consumed = true;
            if let Some(u) = uses.get_mut(s.use_index) {
                u.saw(hint.clone());
            }
            continue;
        }
        if ![key, skey, object].iter().any(|n| is_dbt_token_name(n, signals)) {
            continue;
        }
        let Some(node) = sel.get("key").or_else(|| sel.get("name")) else { continue };
        let (s, e) = values::trim_quotes(ctx.text(node.span.start, node.span.end));
        let mut u = crate::model::TokenUse::new(
            ctx.loc(node.span.start + s, node.span.start + e),
            format!("{what} `{object}` key `{skey}`"),
            format!("environment variable `{key}` of {place}, from {what} `{object}`"),
        );
        values::name_type(&mut u, &[skey, object, key]);
        u.saw(hint.clone());
        uses.push(u);
    }
}

/// One `envFrom:` entry: every key of a Secret or ConfigMap becomes an environment variable.
fn env_from(ctx: &Ctx, item: &Node, place: &str, hint: &Fact, stored: &mut Store, uses: &mut Vec<TokenUse>) {
    let signals = &ctx.policy.signals;
    for (field, what) in [("secretRef", "Secret"), ("configMapRef", "ConfigMap")] {
        let Some(node) = item.get(field).and_then(|r| r.get("name")) else { continue };
        let Some(object) = node.as_str() else { continue };
        let mut matched = false;
        for i in stored.of_object(object) {
            let Some(s) = stored.stored.get_mut(i) else { continue };
            matched = true;
            s.consumed = true;
            if let Some(u) = uses.get_mut(s.use_index) {
                u.saw(hint.clone());
            }
        }
        if matched || !is_dbt_token_name(object, signals) {
            continue;
        }
        let (s, e) = values::trim_quotes(ctx.text(node.span.start, node.span.end));
        let mut u = crate::model::TokenUse::new(
            ctx.loc(node.span.start + s, node.span.start + e),
            format!("{what} `{object}`"),
            format!("environment of {place}, from {what} `{object}`"),
        );
        values::name_type(&mut u, &[object]);
        u.saw(hint.clone());
        uses.push(u);
    }
}

/// Helm values: every value under a dbt token key (`dbtCloud: {token: …}`, `env:` lists and
/// maps), for the service the chart deploys.
pub fn extract_helm_values(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let path = ctx.src.display.as_str();
    let mut names: Vec<&str> = vec![path];
    names.extend(doc.entries().iter().filter_map(|(k, _)| k.as_str()));
    let mut images = Vec::new();
    collect_images(doc, &mut images);
    names.extend(images.iter().copied());
    let airflow_conn = ctx.src.text.contains(signals.ecosystems.airflow_conn_prefix.as_str())
        && !signals.ecosystems.airflow_conn_prefix.is_empty();
    let role = role_for(&names, &format!("Helm values `{path}`"), "", airflow_conn, signals);
    let hint = Fact::Runs { role, basis: Basis::Config };
    let mut uses = Vec::new();
    walk_values(ctx, doc, &mut Vec::new(), &hint, &mut uses);
    uses
}

fn collect_images<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
    for (k, v) in n.entries() {
        match (k.as_str(), v.as_str()) {
            (Some("repository" | "image"), Some(s)) => out.push(s),
            _ => collect_images(v, out),
        }
    }
    for i in n.items() {
        collect_images(i, out);
    }
}

fn walk_values<'a>(ctx: &Ctx, n: &'a Node, keys: &mut Vec<&'a str>, hint: &Fact, uses: &mut Vec<TokenUse>) {
    match &n.kind {
        NodeKind::Map(entries) => {
            if n.get("name").and_then(Node::as_str).is_some()
                && (n.get("value").is_some() || n.get("valueFrom").is_some())
            {
                let place = format!("Helm value `{}`", keys.join("."));
                env_item(ctx, n, &place, hint, &mut Store::default(), uses);
                return;
            }
            for (k, v) in entries {
                let Some(key) = k.as_str() else { continue };
                if matches!(v.kind, NodeKind::Scalar { .. }) {
                    let dbt = values::dbt_key(key, keys, &ctx.policy.signals);
                    for r in scalar_refs(ctx, key, v, dbt) {
                        let dotted = if keys.is_empty() { key.to_owned() } else { format!("{}.{key}", keys.join(".")) };
                        let mut u = values::token_use(ctx, &r, key, format!("Helm value `{dotted}`"));
                        u.saw(hint.clone());
                        uses.push(u);
                    }
                } else {
                    keys.push(key);
                    walk_values(ctx, v, keys, hint, uses);
                    keys.pop();
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| walk_values(ctx, i, keys, hint, uses)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;
    use crate::source::SourceFile;
    use std::path::PathBuf;

    fn uses(path: &str, text: &str) -> Vec<TokenUse> {
        let src = SourceFile::new(PathBuf::from(path), path.to_owned(), text.as_bytes().to_vec());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        let docs = crate::parse::yaml::parse(text).unwrap_or_else(|e| panic!("the test input must parse: {e:?}"));
        if docs.iter().any(is_manifest) { extract(&ctx, &docs) } else { extract_helm_values(&ctx, &docs[0]) }
    }

    #[test]
    fn a_secret_read_by_a_container_is_one_use() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: dbt}\nstringData:\n  DBT_CLOUD_PAT: ${X}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api\n          env:\n            - name: TOKEN\n              valueFrom: {secretKeyRef: {name: dbt, key: DBT_CLOUD_PAT}}\n";
        let u = uses("k8s/api.yaml", text);
        assert_eq!(u.len(), 1);
        assert_eq!(&text[u[0].at.span.start..u[0].at.span.end], "${X}");
        assert_eq!(u[0].facts.len(), 1);
        assert_eq!(
            crate::classify::workflow::workflow_of(&u[0].facts[0].fact),
            crate::model::Workflow::PartnerIntegration
        );
    }

    #[test]
    fn orchestrator_images_are_production_and_other_names_are_not_tokens() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: sync}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: run\n              image: dagster/user-code:1\n              env:\n                - {name: DBT_CLOUD_SERVICE_TOKEN, value: $(TOKEN)}\n                - {name: NPM_TOKEN, value: abc}\n";
        let u = uses("k8s/sync.yaml", text);
        assert_eq!(u.len(), 1);
        assert_eq!(crate::classify::workflow::workflow_of(&u[0].facts[0].fact), crate::model::Workflow::Production);
    }

    #[test]
    fn a_base64_data_value_holding_a_token_says_its_type() {
        // `dbtu_` and a random body, in base64; the key says nothing.
        let value = "ZGJ0dV9aeDhRbTNUdEExZks5d1ZiMkxwUjdzWWM0TmRFNmdIajB1V29JazV5QnZYYV9RLTNmOWE="; // tokenwise: ignore[TW201]
        let text = format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: app}}\ndata:\n  api-key: {value}\n");
        let u = uses("k8s/app.yaml", &text);
        assert_eq!(u.len(), 1);
        assert_eq!(&text[u[0].at.span.start..u[0].at.span.end], value);
        assert_eq!(
            crate::classify::token_type::hints(&u[0].type_facts, &crate::policy::builtin().signals)
                .first()
                .map(|h| h.token_type),
            Some(crate::model::TokenType::Personal)
        );
    }

    #[test]
    fn helm_values_names() {
        let s = &builtin().signals;
        for p in ["charts/app/values.yaml", "values-prod.yaml", "helm/values.staging.yml"] {
            assert!(is_helm_values(p, s), "{p}");
        }
        for p in ["valuesets.yaml", "values.json", "my-values.yaml"] {
            assert!(!is_helm_values(p, s), "{p}");
        }
    }
}
