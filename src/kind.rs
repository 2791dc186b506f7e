//! What kind of file a path is, which decides the parser and the extractor.

/// The file kinds tokenwise reads. Anything not listed is scanned as text for literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `*.tf`
    Terraform,
    /// `*.tfvars`
    TerraformVars,
    /// `.github/workflows/*.yml` and `action.yml` composite actions.
    GithubActions,
    /// `dbt_cloud.yml`, the Cloud CLI's configuration.
    CloudCli,
    /// `.gitlab-ci.yml`, `*.gitlab-ci.yml` and YAML under `.gitlab/ci/` (other included files
    /// are recognised by content).
    GitlabCi,
    /// `azure-pipelines*.yml`, `*.azure-pipelines.yml` and YAML under `.azure-pipelines/`.
    AzurePipelines,
    /// YAML under `.circleci/`.
    CircleCi,
    /// `bitbucket-pipelines.yml`.
    BitbucketPipelines,
    /// `Jenkinsfile`, `Jenkinsfile.*`, `*.jenkinsfile`.
    Jenkins,
    /// Other YAML.
    Yaml,
    /// JSON (Postman collections and environments are recognised by content).
    Json,
    /// Shell, Python, JavaScript, `.env`, Makefiles and other code: read as text.
    Script,
    /// Prose and everything else: literal tokens only.
    Other,
}

/// Classify a path (with `/` separators) by its name and place.
pub fn of_path(path: &str) -> FileKind {
    let file = path.rsplit('/').next().unwrap_or(path);
    let lower = file.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if lower == "dbt_cloud.yml" || lower == "dbt_cloud.yaml" {
        return FileKind::CloudCli;
    }
    match ext {
        "tf" => return FileKind::Terraform,
        "tfvars" => return FileKind::TerraformVars,
        _ => {}
    }
    if matches!(ext, "yml" | "yaml") {
        let in_workflows = path.contains(".github/workflows/");
        if in_workflows || lower == "action.yml" || lower == "action.yaml" {
            return FileKind::GithubActions;
        }
        return ci_yaml_kind(path, &lower).unwrap_or(FileKind::Yaml);
    }
    if matches!(ext, "json" | "jsonc" | "ipynb") {
        return FileKind::Json;
    }
    if lower.starts_with("jenkinsfile") || lower.ends_with(".jenkinsfile") {
        return FileKind::Jenkins;
    }
    let script_ext = matches!(
        ext,
        "sh" | "bash"
            | "zsh"
            | "ksh"
            | "fish"
            | "py"
            | "ps1"
            | "psm1"
            | "js"
            | "mjs"
            | "cjs"
            | "ts"
            | "rb"
            | "go"
            | "java"
            | "kt"
            | "groovy"
            | "scala"
            | "r"
            | "env"
            | "cfg"
            | "ini"
            | "toml"
            | "properties"
            | "conf"
            | "mk"
            | "bat"
            | "cmd"
            | "http"
            | "rest"
    );
    let script_name = lower.starts_with(".env")
        || lower.ends_with(".env")
        || matches!(lower.as_str(), "makefile" | "dockerfile" | "justfile" | "procfile");
    if script_ext || script_name {
        return FileKind::Script;
    }
    FileKind::Other
}

/// The CI system a YAML file configures, by its name and folder.
fn ci_yaml_kind(path: &str, lower: &str) -> Option<FileKind> {
    let dirs: Vec<&str> = path.rsplit_once('/').map(|(d, _)| d.split('/').collect()).unwrap_or_default();
    let stem = lower.rsplit_once('.').map(|(s, _)| s).unwrap_or(lower);
    if stem == ".gitlab-ci" || stem.ends_with(".gitlab-ci") || dirs.windows(2).any(|w| w == [".gitlab", "ci"]) {
        return Some(FileKind::GitlabCi);
    }
    if stem.starts_with("azure-pipelines") || stem.ends_with(".azure-pipelines") || dirs.contains(&".azure-pipelines") {
        return Some(FileKind::AzurePipelines);
    }
    if dirs.contains(&".circleci") {
        return Some(FileKind::CircleCi);
    }
    if stem == "bitbucket-pipelines" {
        return Some(FileKind::BitbucketPipelines);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        assert_eq!(of_path("infra/main.tf"), FileKind::Terraform);
        assert_eq!(of_path("prod.tfvars"), FileKind::TerraformVars);
        assert_eq!(of_path(".github/workflows/ci.yml"), FileKind::GithubActions);
        assert_eq!(of_path(".github/actions/run/action.yml"), FileKind::GithubActions);
        assert_eq!(of_path("x/.dbt/dbt_cloud.yml"), FileKind::CloudCli);
        assert_eq!(of_path("postman/env.json"), FileKind::Json);
        assert_eq!(of_path("scripts/run.sh"), FileKind::Script);
        assert_eq!(of_path(".env.local"), FileKind::Script);
        assert_eq!(of_path("Jenkinsfile"), FileKind::Jenkins);
        assert_eq!(of_path("README.md"), FileKind::Other);
    }

    #[test]
    fn ci_kinds_by_path() {
        assert_eq!(of_path(".gitlab-ci.yml"), FileKind::GitlabCi);
        assert_eq!(of_path("templates/deploy.gitlab-ci.yml"), FileKind::GitlabCi);
        assert_eq!(of_path(".gitlab/ci/dbt.yml"), FileKind::GitlabCi);
        assert_eq!(of_path(".gitlab/issue_templates/x.yml"), FileKind::Yaml);
        assert_eq!(of_path("azure-pipelines.yml"), FileKind::AzurePipelines);
        assert_eq!(of_path("ci/release.azure-pipelines.yaml"), FileKind::AzurePipelines);
        assert_eq!(of_path(".azure-pipelines/deploy.yml"), FileKind::AzurePipelines);
        assert_eq!(of_path(".circleci/config.yml"), FileKind::CircleCi);
        assert_eq!(of_path("bitbucket-pipelines.yml"), FileKind::BitbucketPipelines);
        assert_eq!(of_path("ci/Jenkinsfile.deploy"), FileKind::Jenkins);
        assert_eq!(of_path("jobs/release.jenkinsfile"), FileKind::Jenkins);
        assert_eq!(of_path("ci/deploy.yml"), FileKind::Yaml);
    }
}
