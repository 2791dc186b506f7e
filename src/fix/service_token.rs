//! The least-privilege service token for a personal token misused in production or a partner
//! integration: a `dbtcloud_service_token` named after the workflow, with the permission sets
//! `advise` gives for it on the project the repository shows, and the resource that moves its
//! `token_string` into the CI secret store the workflow reads when that provider is configured.
//! It names the token by reference only: no token value is ever written.

use super::{Edit, Fix};
use crate::kind::FileKind;
use crate::model::{ClassifiedUse, Workflow};
use crate::policy::Policy;
use crate::rules::Input;
use regex::Regex;
use std::sync::OnceLock;

/// The resource written for one use.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The `dbtcloud_service_token` label.
    pub label: String,
    pub sets: Vec<String>,
    /// The HCL: the token and, where the provider is configured, its CI secret.
    pub hcl: String,
    /// The folder of the Terraform configuration that uses the dbt Cloud provider, if any
    /// (`""` for the current folder).
    pub root: Option<String>,
}

/// The name of the CI secret the new token goes into, and the workflow should read.
pub const SECRET: &str = "DBT_CLOUD_SERVICE_TOKEN";

/// The production tool a file belongs to, by the names `advise --integration` knows.
fn tool(kind: FileKind) -> Option<&'static str> {
    Some(match kind {
        FileKind::GithubActions => "GitHub Actions",
        FileKind::GitlabCi => "GitLab CI",
        FileKind::AzurePipelines => "Azure Pipelines",
        FileKind::CircleCi => "CircleCI",
        FileKind::BitbucketPipelines => "Bitbucket Pipelines",
        FileKind::Jenkins => "Jenkins",
        FileKind::Terraform | FileKind::TerraformVars | FileKind::TerraformJson | FileKind::Terragrunt => "Terraform",
        _ => return None,
    })
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern: {e}")))
}

/// The first number `what` (`job`, `project`, `account`) is given in `text`: in an API path
/// (`/jobs/114/`) or as an id (`DBT_CLOUD_JOB_ID: 114`, `project-id: "270542"`).
pub fn id_in(text: &str, what: &str) -> Option<String> {
    static JOB: OnceLock<Regex> = OnceLock::new();
    static PROJECT: OnceLock<Regex> = OnceLock::new();
    static ACCOUNT: OnceLock<Regex> = OnceLock::new();
    let r = match what {
        "job" => re(&JOB, r#"(?i)/jobs/(\d+)|\bjob[_-]?id["']?[\s:=]\s*["']?(\d+)"#),
        "project" => re(&PROJECT, r#"(?i)/projects/(\d+)|project[_-]?id["']?[\s:=]\s*["']?(\d+)"#),
        _ => re(&ACCOUNT, r#"(?i)/accounts/(\d+)|account[_-]?id["']?[\s:=]\s*["']?(\d+)"#),
    };
    let c = r.captures(text)?;
    c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_owned())
}

/// True when the file manages jobs rather than only triggering them.
fn manages_jobs(text: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r#"(?i)\b(create|update|delete)_job\b|dbt[- ]cloud\s+job\s+(create|update|delete)|"dbtcloud_job""#)
        .is_match(text)
}

/// The permission sets a use needs, with what they are for; `None` for a workflow that should
/// use a personal token.
pub fn needs(cu: &ClassifiedUse, path: &str, manages: bool, policy: &Policy) -> Option<(Vec<String>, String)> {
    match cu.class.workflow {
        Workflow::PartnerIntegration => {
            // The partner the extractor named, else the one the path or the evidence names.
            let signals = &policy.signals;
            let evidence = cu.class.evidence.iter().map(|e| e.text.as_str()).collect::<Vec<_>>().join(" ");
            let partner = cu.usage.integration.as_deref().or_else(|| {
                crate::classify::names::partner_in(path, signals)
                    .or_else(|| crate::classify::names::partner_in(&evidence, signals))
                    .map(|p| p.name.as_str())
            });
            let advice = crate::advise::advise("partner-integration", partner, policy).ok()?;
            let sets = match partner {
                // No page documents the partner's sets: none is written for it.
                Some(_) => Some(advice.permission_sets.first()?.sets.clone()).filter(|s| !s.is_empty())?,
                None => vec!["metadata_only".to_owned()],
            };
            Some((sets, partner.unwrap_or("the integration").to_owned()))
        }
        Workflow::Production => {
            let tool = tool(crate::kind::of_path(path));
            if manages || tool == Some("Terraform") {
                return Some((vec!["job_admin".to_owned()], "managing dbt Cloud jobs".to_owned()));
            }
            let advice = crate::advise::advise("production", tool, policy).ok()?;
            let grant = advice.permission_sets.iter().find(|g| !g.sets.is_empty())?;
            Some((grant.sets.clone(), "triggering dbt Cloud jobs".to_owned()))
        }
        _ => None,
    }
}

/// A Terraform name: lowercase letters, digits and `_`, starting with a letter.
fn label_of(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => out,
        Some(_) => format!("t_{out}"),
        None => "dbt_cloud".to_owned(),
    }
}

/// The workflow's name: its file's stem (`deploy` for `.github/workflows/deploy.yml`), or the
/// integration's name.
fn workflow_name(cu: &ClassifiedUse, path: &str, partner: Option<&str>) -> String {
    if cu.class.workflow == Workflow::PartnerIntegration
        && let Some(i) = cu.usage.integration.as_deref().or(partner)
    {
        return label_of(i);
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.trim_start_matches('.');
    let stem = stem.split('.').next().unwrap_or(stem);
    label_of(stem)
}

/// What the fixes of a run's findings read of the whole repository, gathered once per rule
/// (not once per finding: a repository of many findings stays linear).
pub struct Repo<'a> {
    pub input: &'a Input<'a>,
    /// The folder of the first Terraform configuration (in path order) that uses the dbt
    /// Cloud provider (`""` for the current folder).
    dbt_root: Option<String>,
    /// The dbt Cloud provider's local name there.
    dbt_local: String,
    github: bool,
    gitlab: bool,
    /// Every `dbtcloud_service_token` label, with the file that declares it.
    labels: Vec<(String, String)>,
    /// CI secrets that hold a service token, with the file that shows it: read as a service
    /// token by a workflow, or written from a `token_string` by Terraform. Sorted, by name.
    pub service_secrets: Vec<(String, usize)>,
    ids: Vec<std::cell::OnceCell<Ids>>,
}

/// The ids a file shows, and whether it manages jobs.
#[derive(Debug, Default)]
pub struct Ids {
    pub project: Option<String>,
    pub job: Option<String>,
    pub account: Option<String>,
    pub manages_jobs: bool,
}

/// The name a CI secret reference reads (`secrets.DBT_CLOUD_PAT` → `DBT_CLOUD_PAT`).
pub fn secret_name(reference: &str) -> Option<&str> {
    let name = reference.trim().strip_prefix("secrets.")?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(name)
}

impl<'a> Repo<'a> {
    pub fn of(input: &'a Input<'a>) -> Repo<'a> {
        let mut roots: Vec<(String, String)> = Vec::new();
        let (mut github, mut gitlab) = (false, false);
        let mut labels = Vec::new();
        let mut service_secrets: Vec<(String, usize)> = Vec::new();
        // The resolver consumed the Terraform facts: read the configurations again (once).
        for (file, src) in input.files.iter().enumerate() {
            if crate::kind::of_path(&src.display) != FileKind::Terraform || src.is_excerpt() {
                continue;
            }
            let ctx = crate::extract::Ctx { file, src, policy: input.policy };
            let Ok((tf, _)) = crate::extract::terraform::extract(&ctx, FileKind::Terraform) else { continue };
            let sources = &input.policy.signals.provider_sources;
            let has = |name: &str| {
                tf.required.iter().any(|(local, source)| {
                    local == name
                        || source.ends_with(&format!("/{name}"))
                        || (name == "dbtcloud" && sources.contains(source))
                }) || tf.providers.iter().any(|pr| pr.local == name)
                    || tf.resources.iter().any(|r| r.rtype.starts_with(&format!("{name}_")))
            };
            if has("dbtcloud") {
                let dir = src.display.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default();
                // A provider known under another local name must be named by the resource.
                let local = tf
                    .required
                    .iter()
                    .find(|(_, source)| sources.contains(source))
                    .map(|(l, _)| l.clone())
                    .unwrap_or_else(|| "dbtcloud".to_owned());
                roots.push((dir, local));
            }
            github |= has("github");
            gitlab |= has("gitlab");
            labels.extend(tf.service_tokens.iter().map(|t| (t.label.clone(), src.display.clone())));
            for s in &tf.ci_secrets {
                if s.value.text.contains("dbtcloud_service_token.") && s.value.text.contains(".token_string") {
                    service_secrets.push((s.name.trim_matches('"').to_owned(), file));
                }
            }
        }
        for u in input.uses {
            if u.class.token_type == crate::model::TokenType::Service
                && let Some(n) = secret_name(&u.usage.reference)
            {
                service_secrets.push((n.to_owned(), u.usage.at.file));
            }
        }
        roots.sort();
        service_secrets.sort();
        service_secrets.dedup();
        let ids = input.files.iter().map(|_| std::cell::OnceCell::new()).collect();
        let (dbt_root, dbt_local) =
            roots.into_iter().next().map(|(d, l)| (Some(d), l)).unwrap_or((None, "dbtcloud".into()));
        Repo { input, dbt_root, dbt_local, github, gitlab, labels, service_secrets, ids }
    }

    /// The ids file `file` shows, read once.
    pub fn ids(&self, file: usize) -> &Ids {
        static NONE: Ids = Ids { project: None, job: None, account: None, manages_jobs: false };
        let (Some(cell), Some(src)) = (self.ids.get(file), self.input.files.get(file)) else { return &NONE };
        cell.get_or_init(|| Ids {
            project: id_in(&src.text, "project"),
            job: id_in(&src.text, "job"),
            account: id_in(&src.text, "account"),
            manages_jobs: manages_jobs(&src.text),
        })
    }
}

/// The resource for a use, if its workflow wants a service token.
pub fn resource(cu: &ClassifiedUse, repo: &Repo) -> Option<Resource> {
    let src = repo.input.files.get(cu.usage.at.file)?;
    let ids = repo.ids(cu.usage.at.file);
    let (sets, purpose) = needs(cu, &src.display, ids.manages_jobs, repo.input.policy)?;
    let partner =
        (cu.class.workflow == Workflow::PartnerIntegration && purpose != "the integration").then_some(purpose.as_str());
    let mut label = workflow_name(cu, &src.display, partner);
    // Written by an earlier run: not offered again (the workflow still has to switch to it).
    if repo.labels.iter().any(|(l, file)| *l == label && file.ends_with(&file_name(&label))) {
        return None;
    }
    if repo.labels.iter().any(|(l, _)| *l == label) {
        label = format!("{label}_least_privilege");
    }
    let kind = crate::kind::of_path(&src.display);
    let (project, job) = (&ids.project, &ids.job);
    let mut hcl = format!(
        "# Least-privilege service token for `{}` ({purpose}): {}.\n",
        src.display,
        sets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" + ")
    );
    if let Some(job) = &job {
        hcl.push_str(&format!("# The workflow runs job {job}; the token is limited to that job's project.\n"));
    }
    hcl.push_str(&format!("resource \"dbtcloud_service_token\" \"{label}\" {{\n"));
    if repo.dbt_root.is_some() && repo.dbt_local != "dbtcloud" {
        hcl.push_str(&format!("  provider = {}\n  name     = \"{label}\"\n", repo.dbt_local));
    } else {
        hcl.push_str(&format!("  name = \"{label}\"\n"));
    }
    let project_line = match &project {
        Some(id) => format!("    project_id     = {id}\n"),
        None => "    project_id     = var.dbt_cloud_project_id # the id of the project the workflow uses\n".to_owned(),
    };
    for set in &sets {
        hcl.push_str(&format!(
            "\n  service_token_permissions {{\n    permission_set = \"{set}\"\n    all_projects   = false\n{project_line}  }}\n"
        ));
    }
    hcl.push_str("}\n");
    let value = format!("dbtcloud_service_token.{label}.token_string");
    if repo.github && kind == FileKind::GithubActions {
        hcl.push_str(&format!(
            "\n# Stores the token as the secret the workflow reads: `${{{{ secrets.{SECRET} }}}}`.\nresource \"github_actions_secret\" \"{label}_dbt_cloud_token\" {{\n  repository      = var.github_repository # the repository of `{}`\n  secret_name     = \"{SECRET}\"\n  plaintext_value = {value}\n}}\n",
            src.display
        ));
    } else if repo.gitlab && kind == FileKind::GitlabCi {
        hcl.push_str(&format!(
            "\n# Stores the token as the CI/CD variable the pipeline reads: `${SECRET}`.\nresource \"gitlab_project_variable\" \"{label}_dbt_cloud_token\" {{\n  project   = var.gitlab_project_id # the project of `{}`\n  key       = \"{SECRET}\"\n  value     = {value}\n  masked    = true\n  protected = true\n}}\n",
            src.display
        ));
    }
    Some(Resource { label, sets, hcl, root: repo.dbt_root.clone() })
}

/// The file the resource is written to, in the Terraform configuration's folder.
fn file_name(label: &str) -> String {
    format!("dbt_cloud_token_{label}.tf")
}

/// The fix that writes the resource: unsafe where a Terraform configuration with the dbt Cloud
/// provider exists (a new file there), display-only otherwise. `None` when the workflow wants
/// a personal token, or the HCL would not parse (never offered broken).
pub fn fix(cu: &ClassifiedUse, repo: &Repo) -> Option<Fix> {
    let r = resource(cu, repo)?;
    if hcl_edit::parser::parse_body(&r.hcl).is_err() {
        return None;
    }
    let sets = r.sets.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" + ");
    Some(match &r.root {
        Some(root) => {
            let file = if root.is_empty() { file_name(&r.label) } else { format!("{root}/{}", file_name(&r.label)) };
            let mut f = Fix::unsafe_(
                format!(
                    "create the least-privilege service token `dbtcloud_service_token.{}` ({sets}) in `{file}`; apply it, then switch the workflow to it",
                    r.label
                ),
                vec![Edit::append_line(file, r.hcl.trim_end())],
            );
            f.content = Some(r.hcl);
            f
        }
        None => {
            let title = format!(
                "create a least-privilege service token ({sets}) with this Terraform and switch the workflow to it"
            );
            Fix::display(title, r.hcl)
        }
    })
}
