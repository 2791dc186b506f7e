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
        return FileKind::Yaml;
    }
    if matches!(ext, "json" | "jsonc" | "ipynb") {
        return FileKind::Json;
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
        || matches!(lower.as_str(), "makefile" | "jenkinsfile" | "dockerfile" | "justfile" | "procfile");
    if script_ext || script_name || lower.starts_with("jenkinsfile") {
        return FileKind::Script;
    }
    FileKind::Other
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
        assert_eq!(of_path("Jenkinsfile"), FileKind::Script);
        assert_eq!(of_path("README.md"), FileKind::Other);
    }
}
