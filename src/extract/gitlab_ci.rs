//! GitLab CI pipelines (`.gitlab-ci.yml` and the files it includes): CI/CD variables that carry
//! dbt Cloud tokens into `variables:`, `secrets:` and job scripts.

use super::Ctx;
use super::ci::{self, Dialect, Item, Pipeline, add, declared_trigger, strings, ticked};
use crate::model::TokenUse;
use crate::model::fact::{Event, EventKind};
use crate::tree::{Node, NodeKind};
use regex::Regex;
use std::sync::OnceLock;

/// Top-level keys that configure the pipeline rather than name a job.
const GLOBAL_KEYS: [&str; 12] = [
    "stages",
    "variables",
    "include",
    "default",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "spec",
];

/// Job keywords besides `script:`: a map with `script:` and one of these is a GitLab job.
const JOB_KEYS: [&str; 20] = [
    "stage",
    "image",
    "rules",
    "only",
    "except",
    "needs",
    "extends",
    "tags",
    "environment",
    "when",
    "artifacts",
    "before_script",
    "after_script",
    "variables",
    "services",
    "cache",
    "dependencies",
    "allow_failure",
    "resource_group",
    "interruptible",
];

/// A file that does not parse, read as text for its CI/CD variable references.
pub fn extract_text(ctx: &Ctx) -> Vec<TokenUse> {
    ci::extract_text(ctx, Dialect::Shell, "GitLab CI pipeline", "CI/CD variable")
}

pub fn extract(ctx: &Ctx, doc: &Node) -> Vec<TokenUse> {
    let mut p = Pipeline::new(Dialect::Shell, "CI/CD variable");
    let workflow_parts = doc.get("workflow").map(|w| rule_parts(w.get("rules"))).unwrap_or_default();
    let root = p.scope("the pipeline", declared_trigger("GitLab CI pipeline", &workflow_parts, None), None);
    p.entries(root, doc.get("variables"), |k| format!("variable `{k}` of the pipeline"));
    for key in ["before_script", "after_script"] {
        p.scripts(root, doc.get(key), &format!("`{key}:` of the pipeline"));
        p.scripts(root, doc.get("default").and_then(|d| d.get(key)), &format!("default `{key}:`"));
    }
    for (k, job) in doc.entries() {
        let Some(name) = k.as_str() else { continue };
        if GLOBAL_KEYS.contains(&name) || !matches!(job.kind, NodeKind::Map(_)) {
            continue;
        }
        let mut parts = rule_parts(job.get("rules"));
        parts.extend(only_parts(job.get("only")));
        if parts.is_empty() {
            parts = workflow_parts.clone();
        }
        let environment = job
            .get("environment")
            .and_then(|e| e.as_str().or_else(|| e.get("name").and_then(Node::as_str)))
            .map(str::to_owned);
        let job_label = format!("job `{name}`");
        let evidence =
            declared_trigger(&format!("GitLab CI {job_label}"), &parts, environment.as_deref().map(|e| ("it", e)));
        let scope = p.scope(job_label.clone(), evidence, Some(root));
        p.entries(scope, job.get("variables"), |k| format!("variable `{k}` of {job_label}"));
        secrets(&mut p, scope, job.get("secrets"), &job_label);
        for key in ["before_script", "after_script"] {
            p.scripts(scope, job.get(key), &format!("`{key}:` of {job_label}"));
        }
        // `script:` runs in the shell `before_script:` left (its own, else the default's or the
        // pipeline's): after its `cd app`, `python run.py` is `app/run.py`.
        let before = job
            .get("before_script")
            .or_else(|| doc.get("default").and_then(|d| d.get("before_script")))
            .or_else(|| doc.get("before_script"));
        let lines = ci::strings(before).join("\n");
        let dir = super::runs::final_dir(&lines, "");
        let script_scope = if dir.is_empty() {
            scope
        } else {
            let s = p.scope(job_label.clone(), p.scopes[scope].trigger.clone(), Some(scope));
            p.workdirs.insert(s, dir);
            s
        };
        p.scripts(script_scope, job.get("script"), &format!("`script:` of {job_label}"));
    }
    ci::uses(ctx, p)
}

/// `secrets:` read from Vault, Azure Key Vault, GCP Secret Manager and the like: the secret's
/// path or name is the reference that may say the type.
fn secrets(p: &mut Pipeline, scope: usize, map: Option<&Node>, job: &str) {
    for (k, v) in map.map(Node::entries).unwrap_or_default() {
        let Some(key) = k.as_str() else { continue };
        let at = match v.get("vault") {
            Some(vault) if vault.as_str().is_some() => Some(vault),
            Some(vault) => vault.get("path"),
            None => ["azure_key_vault", "gcp_secret_manager", "akeyless", "aws_secrets_manager"]
                .iter()
                .find_map(|s| v.get(s).and_then(|n| n.as_str().map(|_| n).or_else(|| n.get("name")))),
        };
        let Some(at) = at else { continue };
        let mut name = at.as_str().unwrap_or("").to_owned();
        if let Some(field) = v.get("vault").and_then(|vault| vault.get("field")).and_then(Node::as_str) {
            name = format!("{name}/{field}");
        }
        p.items.push(Item::Source {
            scope,
            key: Some(key.to_owned()),
            name,
            at: at.span,
            kind: "secret",
            sink: format!("secret `{key}` of {job}"),
        });
    }
}

fn if_patterns() -> &'static [Regex; 3] {
    static RES: OnceLock<[Regex; 3]> = OnceLock::new();
    RES.get_or_init(|| {
        let re = crate::pattern::constant;
        [
            re(r#"\$CI_COMMIT_(?:BRANCH|REF_NAME)\s*==\s*["']([^"']+)["']"#),
            re(r#"\$CI_PIPELINE_SOURCE\s*==\s*["']([a-z_]+)["']"#),
            re(r"\$CI_COMMIT_TAG\b"),
        ]
    })
}

/// What the `if:` expressions of `rules:` say about when a job runs (`when: never` rules
/// excluded).
fn rule_parts(rules: Option<&Node>) -> Vec<Event> {
    let mut parts = Vec::new();
    for rule in rules.map(Node::items).unwrap_or_default() {
        if rule.get("when").and_then(Node::as_str) == Some("never") {
            continue;
        }
        let Some(expr) = rule.get("if").and_then(Node::as_str) else { continue };
        let [branch, source, tag] = if_patterns();
        if expr.contains("$CI_DEFAULT_BRANCH") {
            add(&mut parts, Event::new(EventKind::Push, "the default branch"));
        }
        for c in branch.captures_iter(expr) {
            if let Some(b) = c.get(1) {
                add(&mut parts, Event::new(EventKind::Push, format!("push to `{}`", b.as_str())));
            }
        }
        for c in source.captures_iter(expr) {
            if let Some(s) = c.get(1) {
                add(&mut parts, source_name(s.as_str()));
            }
        }
        if tag.is_match(expr) {
            add(&mut parts, Event::new(EventKind::Tag, "tags"));
        }
        if expr.contains("$CI_MERGE_REQUEST_") {
            add(&mut parts, Event::new(EventKind::PullRequest, "merge requests"));
        }
    }
    parts
}

fn source_name(s: &str) -> Event {
    match s {
        "schedule" => Event::new(EventKind::Schedule, "a schedule"),
        "merge_request_event" => Event::new(EventKind::PullRequest, "merge requests"),
        "push" => Event::new(EventKind::Push, "push"),
        "web" => Event::new(EventKind::Manual, "a run started in the UI"),
        "api" | "trigger" => Event::new(EventKind::Upstream, "an API trigger"),
        "pipeline" | "parent_pipeline" => Event::new(EventKind::Upstream, "another pipeline"),
        other => Event::new(EventKind::Other, format!("`{other}`")),
    }
}

/// What `only:` (a list, or a map with `refs:`) says about when a job runs.
fn only_parts(only: Option<&Node>) -> Vec<Event> {
    let refs = match only {
        Some(n) if matches!(n.kind, NodeKind::Map(_)) => strings(n.get("refs")),
        other => strings(other),
    };
    let mut parts = Vec::new();
    let mut branches = Vec::new();
    for r in refs {
        match r.as_str() {
            "schedules" => add(&mut parts, Event::new(EventKind::Schedule, "a schedule")),
            "tags" => add(&mut parts, Event::new(EventKind::Tag, "tags")),
            "merge_requests" | "external_pull_requests" => {
                add(&mut parts, Event::new(EventKind::PullRequest, "merge requests"))
            }
            "branches" | "pushes" => add(&mut parts, Event::new(EventKind::Push, "push to any branch")),
            "web" => add(&mut parts, Event::new(EventKind::Manual, "a run started in the UI")),
            "api" | "triggers" => add(&mut parts, Event::new(EventKind::Upstream, "an API trigger")),
            "pipelines" => add(&mut parts, Event::new(EventKind::Upstream, "another pipeline")),
            "chat" | "external" => {}
            branch => branches.push(branch.to_owned()),
        }
    }
    if !branches.is_empty() {
        parts.insert(0, Event::new(EventKind::Push, format!("push to {}", ticked(&branches))));
    }
    parts
}

/// Job keywords no other YAML format puts beside `script:`: outside the usual CI folders, a job
/// needs one of them (`image:`, `variables:` or `tags:` beside a `script:` could be anything).
const GITLAB_ONLY_JOB_KEYS: [&str; 15] = [
    "stage",
    "rules",
    "only",
    "except",
    "needs",
    "extends",
    "environment",
    "when",
    "artifacts",
    "dependencies",
    "allow_failure",
    "resource_group",
    "interruptible",
    "before_script",
    "after_script",
];

/// Whether a YAML file outside the usual names is a GitLab CI file that `.gitlab-ci.yml`
/// includes. `include: local:` (or the shorthand `include: '/pipelines/dbt.yml'`) may pull in a
/// file from any folder, and files are read one at a time, so the file's own shape decides: a
/// top-level job (a map with `script:` and another job keyword). Under a `ci` or `.gitlab`
/// folder any job keyword will do; elsewhere the job needs a keyword only GitLab uses, or the
/// file must look like GitLab CI otherwise (a hidden `.template` job, top-level `stages:`,
/// `include:`, `workflow:` or `default:`).
pub fn is_included_file(path: &str, doc: &Node) -> bool {
    if doc.get("apiVersion").is_some() || doc.get("kind").is_some() {
        return false;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    let ci_folder =
        dirs.iter().any(|d| matches!(d.to_ascii_lowercase().as_str(), "ci" | ".gitlab" | "gitlab-ci" | ".gitlab-ci"));
    let gitlab_file = ci_folder || ["stages", "include", "workflow", "default"].iter().any(|k| doc.get(k).is_some());
    doc.entries().iter().any(|(k, job)| {
        let name = k.as_str().unwrap_or("");
        let has_script = matches!(job.get("script").map(|s| &s.kind), Some(NodeKind::Scalar { .. } | NodeKind::Seq(_)));
        if GLOBAL_KEYS.contains(&name) || !has_script {
            return false;
        }
        let has = |keys: &[&str]| keys.iter().any(|key| job.get(key).is_some());
        has(&GITLAB_ONLY_JOB_KEYS) || ((gitlab_file || name.starts_with('.')) && has(&JOB_KEYS))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Workflow;
    use crate::parse::yaml;
    use crate::policy::builtin;
    use crate::source::SourceFile;

    fn uses_of(text: &str) -> Vec<TokenUse> {
        let src = SourceFile::new(".gitlab-ci.yml".into(), ".gitlab-ci.yml".into(), text.into());
        let ctx = Ctx { file: 0, src: &src, policy: builtin() };
        yaml::parse(text)
            .unwrap_or_else(|e| panic!("the test input must parse: {e:?}"))
            .iter()
            .flat_map(|d| extract(&ctx, d))
            .collect()
    }

    #[test]
    fn a_token_is_reported_once_where_its_name_says_the_type() {
        let uses = uses_of(concat!(
            "variables:\n",
            "  DBT_CLOUD_TOKEN: $DBT_CLOUD_PAT\n",
            "deploy:\n",
            "  script:\n",
            "    - curl -H \"Token $DBT_CLOUD_TOKEN\" https://cloud.getdbt.com/api/v2/accounts/1/jobs/2/run/\n",
            "    - echo $DBT_CLOUD_PAT $DBT_CLOUD_PAT\n",
            "    - export DBT_NEXT_TOKEN=$DBT_CLOUD_TOKEN\n",
            "    - echo $DBT_NEXT_TOKEN\n",
        ));
        let refs: Vec<&str> = uses.iter().map(|u| u.reference.as_str()).collect();
        assert_eq!(refs, ["$DBT_CLOUD_PAT"]);
        assert_eq!(uses[0].facts.len(), 1);
    }

    #[test]
    fn a_script_that_calls_a_user_endpoint_makes_the_use_user_context() {
        let uses = uses_of(concat!(
            "refresh:\n",
            "  variables:\n",
            "    DBT_TOKEN: $DBT_USER_PAT\n",
            "  script:\n",
            "    - echo start\n",
            "    - 'curl -H \"Authorization: Token $DBT_TOKEN\" https://cloud.getdbt.com/api/v3/users/4/credentials/'\n",
            "nightly:\n",
            "  script:\n",
            "    - 'curl -H \"Authorization: Token $DBT_JOB_PAT\" https://cloud.getdbt.com/api/v2/accounts/1/jobs/2/run/'\n",
        ));
        let workflows: Vec<Vec<Workflow>> = uses
            .iter()
            .map(|u| u.facts.iter().map(|f| crate::classify::workflow::workflow_of(&f.fact)).collect())
            .collect();
        assert_eq!(workflows, [vec![Workflow::Production, Workflow::UserContextEndpoint], vec![Workflow::Production]]);
    }

    fn doc(text: &str) -> Node {
        yaml::parse(text)
            .ok()
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Node { kind: NodeKind::Alias, span: Default::default() })
    }

    #[test]
    fn rules_say_when_a_job_runs() {
        let d = doc(concat!(
            "rules:\n",
            "  - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n",
            "  - if: $CI_PIPELINE_SOURCE == \"schedule\"\n",
            "  - if: $CI_COMMIT_REF_NAME == 'release'\n",
            "  - if: $CI_COMMIT_TAG\n",
            "  - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n",
            "    when: never\n",
        ));
        assert_eq!(
            crate::model::fact::names(&rule_parts(d.get("rules"))),
            ["the default branch", "a schedule", "push to `release`", "tags"]
        );
    }

    #[test]
    fn only_says_when_a_job_runs() {
        let d = doc("a: [main, schedules, tags]\nb: {refs: [merge_requests]}\n");
        assert_eq!(crate::model::fact::names(&only_parts(d.get("a"))), ["push to `main`", "a schedule", "tags"]);
        assert_eq!(crate::model::fact::names(&only_parts(d.get("b"))), ["merge requests"]);
    }

    #[test]
    fn included_files_are_recognised_by_shape() {
        let job = doc("deploy:\n  stage: deploy\n  script: [./run.sh]\n");
        assert!(is_included_file("ci/deploy.yml", &job));
        assert!(is_included_file("templates/.gitlab/dbt.yml", &job));
        // `include: local:` can pull a file in from anywhere.
        assert!(is_included_file("pipelines/dbt.yml", &job));
        let generic = doc("migrate:\n  image: python:3.12\n  script: ./migrate.sh\n");
        assert!(is_included_file("ci/migrate.yml", &generic));
        assert!(!is_included_file("config/tasks.yml", &generic));
        let hidden = doc(".dbt-base:\n  image: python:3.12\n  script: [dbt-cloud job run]\n");
        assert!(is_included_file("templates/dbt.yml", &hidden));
        let staged = doc("stages: [deploy]\nmigrate:\n  image: python:3.12\n  script: ./migrate.sh\n");
        assert!(is_included_file("pipelines/all.yml", &staged));
        let travis = doc("language: python\nscript: [pytest]\ndeploy:\n  provider: script\n  script: ./d.sh\n");
        assert!(!is_included_file("config/travis.yml", &travis));
        let ansible = doc("- name: x\n  script: run.sh\n");
        assert!(!is_included_file("ci/tasks.yml", &ansible));
        let k8s = doc("apiVersion: v1\nkind: Job\nspec:\n  script: x\n  image: y\n");
        assert!(!is_included_file("ci/job.yml", &k8s));
    }
}
