//! End to end: run the binary on every fixture folder and compare the exact findings.

mod common;

use common::{fixtures, run_in, stdout};

/// Every fixture's concise report, snapshotted: the findings (code, path, line, column,
/// message) must match exactly.
#[test]
fn every_fixture_reports_exactly_its_findings() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "fixtures missing");
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out = run_in(&dir, &["check", "--format", "concise", "."]);
        let code = out.status.code().unwrap_or(-1);
        let report = format!("exit: {code}\n{}", stdout(&out));
        insta::assert_snapshot!(name, report);
    }
}

/// A folder whose name ends in an OK twin's suffix must stay silent; its NOT OK twin must not.
#[test]
fn ok_twins_are_silent_and_not_ok_twins_fire() {
    let silent = [
        "tf-prod-service",
        "tf-staging-pat",
        "tf-partner-narrow",
        "cloud-cli-pat",
        "postman-pat",
        "tf-managed-ci-secret-service",
        "postman-collection-user-endpoint-pat",
        "script-user-endpoint-pat",
        "gha-deploy-service",
        "placeholder",
        "non-dbt-pat",
        "ci-tfvar-user-context",
        "parse-ok",
        "unknown-type",
        "suppressed",
        "config-production-paths-service",
        "config-dev-paths-pat",
        "config-partner-paths-service",
        "config-rules-off",
        "config-exclude",
        "config-names-service",
        "config-rule-pack-partner-narrow",
        "gitlab-ci-service",
        "azure-pipelines-service",
        "circleci-service",
        "bitbucket-service",
        "jenkins-service",
        "gha-reusable-service",
        "gitlab-ci-tfvar-user-context",
        "ci-tfvar-every-system-user-context",
        "gitlab-ci-include-anywhere-service",
        "airflow-dag-service",
        "dagster-service",
        "prefect-service",
        "airflow-settings-pat",
        "airflow-conn-env-service",
        "partner-config-service",
        "semantic-layer-jdbc-service",
        "tf-partner-service",
        "k8s-app-service",
        "helm-values-service",
        "compose-app-service",
        "dotenv-local-pat",
        "mcp-local-pat",
        "notebook-pat",
        "pulumi-partner-narrow",
        "ci-tfvar-in-scripts-user-context",
        "cloud-cli-placeholder",
        "tf-duplicate-object-key-service",
        "gha-workflow-by-shape-service",
        "deployed-function-service",
        "dagster-components-service",
        "airflow-http-token-service",
        "gha-action-inputs-service",
        "dotenv-production-service",
        "tf-cloud-workspace-staging-pat",
        "airflow-conn-across-files-service",
        "py-built-user-endpoint-pat",
        "py-built-jobs-endpoint-service",
        "js-built-user-endpoint-pat",
        "sh-built-user-endpoint-pat",
        "go-built-user-endpoint-pat",
        "py-helper-read-dev-pat",
        "py-kwarg-mock-service",
        "go-read-dev-pat",
        "circleci-two-steps-service",
        "ci-run-script-user-endpoint-pat",
        "ci-make-tests-service",
        "gitlab-tfvar-user-api-token-service",
        "py-framework-env-dev-pat",
        "py-writes-cloud-cli-config-pat",
        "devcontainer-secret-pat",
        "legacy-user-api-key-sha",
        "credential-cache-settings",
        "retiring-access-url-account",
        "pat-creates-service-token-service",
        "py-env-name-in-parameter-service",
        "ci-make-variables-service",
        "unassignable-permission-set-valid",
        "exposed-token-output-sensitive",
        "ci-run-unusual-names-pat",
        "ci-workdir-pat",
        "code-credentials-file-pat",
        "snowflake-procedure-service",
        "code-token-client-pat",
        "tf-repository-deploy-token-user-context",
        "tf-repository-installations-lookup-user-context",
        "tf-partner-writable-development",
        "pulumi-pat-creates-service-token-service",
        "py-service-tokens-endpoint-jobs-pat",
        "sh-legacy-apikey-endpoint-account-apikeys",
        "tw002-unused-suppression-used",
        "tfjson-prod-service",
        "tfjson-cdktf-service",
        "terragrunt-staging-pat",
        "ci-tfvar-var-file-staging-pat",
    ];
    let firing = [
        ("tf-prod-pat", "TW101"),
        ("tf-staging-service", "TW105"),
        ("tf-partner-admin", "TW301"),
        ("cloud-cli-service", "TW103"),
        ("postman-service", "TW105"),
        ("script-user-endpoint-service", "TW104"),
        ("gha-deploy-pat", "TW101"),
        ("hardcoded-literal", "TW201"),
        ("ci-tfvar-default-provider", "TW101"),
        ("parse-error", "TW001"),
        ("parse-error-keeps-findings", "TW101"),
        ("ci-tfvar-reported-once", "TW101"),
        ("tf-prod-pat-via-local", "TW101"),
        ("tf-managed-ci-secret-pat", "TW101"),
        ("postman-collection-user-endpoint-service", "TW104"),
        ("config-production-paths-pat", "TW101"),
        ("config-dev-paths-service", "TW105"),
        ("config-partner-paths-pat", "TW102"),
        ("config-per-path", "TW101"),
        ("config-names-pat", "TW101"),
        ("config-rule-pack-partner-admin", "TW301"),
        ("gitlab-ci-pat", "TW101"),
        ("azure-pipelines-pat", "TW101"),
        ("circleci-pat", "TW101"),
        ("bitbucket-pat", "TW101"),
        ("jenkins-pat", "TW101"),
        ("gha-reusable-pat", "TW101"),
        ("gitlab-ci-tfvar-default-provider", "TW101"),
        ("ci-tfvar-every-system-default-provider", "TW101"),
        ("ci-parse-error-keeps-findings", "TW101"),
        ("ci-parse-error-service", "TW001"),
        ("gitlab-ci-include-anywhere-pat", "TW101"),
        ("airflow-dag-pat", "TW101"),
        ("dagster-pat", "TW101"),
        ("prefect-pat", "TW101"),
        ("airflow-settings-service", "TW105"),
        ("airflow-conn-env-pat", "TW101"),
        ("partner-config-pat", "TW102"),
        ("semantic-layer-jdbc-pat", "TW102"),
        ("semantic-layer-jdbc-pat", "TW201"),
        ("tf-partner-pat", "TW102"),
        ("k8s-app-pat", "TW102"),
        ("helm-values-pat", "TW102"),
        ("compose-app-pat", "TW102"),
        ("dotenv-deployed-pat", "TW102"),
        ("mcp-local-service", "TW105"),
        ("notebook-service", "TW105"),
        ("pulumi-partner-admin", "TW301"),
        ("ci-tfvar-in-scripts-default-provider", "TW101"),
        ("tf-duplicate-object-key-pat", "TW101"),
        ("gha-workflow-by-shape-pat", "TW101"),
        ("deployed-function-pat", "TW102"),
        ("dagster-components-pat", "TW101"),
        ("airflow-http-token-pat", "TW101"),
        ("gha-action-inputs-pat", "TW101"),
        ("gha-action-inputs-pat", "TW103"),
        ("dotenv-production-pat", "TW102"),
        ("tf-cloud-workspace-staging-service", "TW105"),
        ("airflow-conn-across-files-pat", "TW101"),
        ("py-built-user-endpoint-service", "TW104"),
        ("js-built-user-endpoint-service", "TW104"),
        ("sh-built-user-endpoint-service", "TW104"),
        ("go-built-user-endpoint-service", "TW104"),
        ("py-helper-read-dev-service", "TW105"),
        ("py-env-read-test-service", "TW105"),
        ("go-read-dev-service", "TW105"),
        ("circleci-two-steps-pat", "TW101"),
        ("ci-run-script-user-endpoint-service", "TW104"),
        ("ci-make-tests-pat", "TW101"),
        ("gitlab-tfvar-user-api-token-pat", "TW101"),
        ("py-framework-env-dev-service", "TW105"),
        ("py-writes-cloud-cli-config-service", "TW103"),
        ("devcontainer-secret-service", "TW105"),
        ("legacy-user-api-key", "TW202"),
        ("credential-cache", "TW203"),
        ("retiring-access-url", "TW501"),
        ("pat-creates-service-token", "TW106"),
        ("py-env-name-in-parameter-pat", "TW101"),
        ("ci-make-variables-pat", "TW101"),
        ("unassignable-permission-set", "TW303"),
        ("exposed-token-output", "TW204"),
        ("ci-run-unusual-names-service", "TW104"),
        ("ci-workdir-service", "TW104"),
        ("code-credentials-file-service", "TW104"),
        ("snowflake-secret-literal", "TW201"),
        ("snowflake-procedure-pat", "TW101"),
        ("code-token-client-service", "TW104"),
        ("tf-repository-github-app-pat", "TW101"),
        ("tf-partner-writable-environments", "TW301"),
        ("pulumi-partner-writable-environments", "TW301"),
        ("pulumi-pat-creates-service-token", "TW106"),
        ("py-service-tokens-endpoint-pat", "TW106"),
        ("sh-legacy-apikey-endpoint", "TW202"),
        ("js-legacy-apikey-endpoint-built", "TW202"),
        ("tw002-unused-suppression", "TW002"),
        ("tfjson-prod-pat", "TW101"),
        ("tfjson-cdktf-pat", "TW101"),
        ("tfjson-cdktf-pat", "TW106"),
        ("tfjson-cdktf-pat", "TW204"),
        ("tfjson-cdktf-pat", "TW301"),
        ("tfjson-cdktf-pat", "TW501"),
        ("terragrunt-prod-pat", "TW101"),
        ("ci-tfvar-var-file-prod-pat", "TW101"),
    ];
    let root = common::root().join("fixtures");
    for name in silent {
        let out = run_in(&root.join(name), &["check", "--format", "json", "--fail-on", "note", "."]);
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
        assert_eq!(json["findings"].as_array().map(Vec::len), Some(0), "{name} should be silent: {}", stdout(&out));
        assert_eq!(out.status.code(), Some(0), "{name}");
    }
    for (name, code) in firing {
        let out = run_in(&root.join(name), &["check", "--format", "json", "--fail-on", "note", "."]);
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
        let codes: Vec<&str> =
            json["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str()).collect();
        assert!(codes.contains(&code), "{name} should fire {code}, got {codes:?}");
        assert_eq!(out.status.code(), Some(1), "{name}");
    }
}

/// A DAG that reads an Airflow connection by id takes the type of the connection another file
/// defines (the finding stays at the definition, which shows the type itself).
#[test]
fn an_airflow_connection_id_is_followed_to_its_definition() {
    for (name, want) in
        [("airflow-conn-across-files-pat", "personal"), ("airflow-conn-across-files-service", "service")]
    {
        let out = run_in(&common::root().join("fixtures").join(name), &["inventory", "."]);
        let text = stdout(&out);
        let dag = text.lines().find(|l| l.starts_with("dags/nightly.py")).unwrap_or("");
        assert!(dag.contains(want), "{name}: {text}");
        assert!(text.contains("is defined at deploy/docker-compose.yml:6"), "{name}: {text}");
    }
}

/// A file a CI step runs (directly, as a module, or through a Makefile target and `cd`) reads
/// the step's variable: it takes the CI reference's type and the CI's workflow over its
/// `tests/` path, and a problem is reported once, where it shows.
#[test]
fn a_ci_step_is_followed_into_the_code_it_runs() {
    let cases = [
        (
            "ci-make-tests-service",
            "tests/integration/conftest.py",
            "production",
            "service",
            "run by `make integration`",
        ),
        ("ci-make-tests-pat", "tests/integration/conftest.py", "production", "personal", "run by `make integration`"),
        (
            "ci-run-script-user-endpoint-service",
            "ops/tools/rotate_creds.py",
            "user-context-endpoint",
            "service",
            "set from `secrets.",
        ),
        (
            "ci-run-script-user-endpoint-pat",
            "ops/tools/rotate_creds.py",
            "user-context-endpoint",
            "personal",
            "set from `secrets.",
        ),
    ];
    for (name, path, workflow, token_type, evidence) in cases {
        let out = run_in(&common::root().join("fixtures").join(name), &["inventory", "--format", "json", "."]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let uses = json["token_uses"].as_array().cloned().unwrap_or_default();
        let read = uses.iter().find(|u| u["path"] == path);
        let read = read.unwrap_or_else(|| panic!("{name}: no use in {path}: {}", stdout(&out)));
        assert_eq!(read["workflow"], workflow, "{name}");
        assert_eq!(read["token_type"], token_type, "{name}");
        assert!(read["evidence"].to_string().contains(evidence), "{name}: {}", read["evidence"]);
        // One finding at most, for the whole chain.
        let findings: usize = uses.iter().map(|u| u["findings"].as_array().map_or(0, Vec::len)).sum();
        assert!(findings <= 1, "{name}: {}", stdout(&out));
    }
}

#[test]
fn unknown_type_is_reported_only_when_selected() {
    let dir = common::root().join("fixtures/unknown-type");
    let out = run_in(&dir, &["check", "--format", "concise", "--select", "TW401", "."]);
    let text = stdout(&out);
    assert!(text.contains("TW401"), "{text}");
    assert_eq!(out.status.code(), Some(0), "notes do not fail at the default --fail-on warning");
}

/// One use's workflow, token type and a piece of its evidence, found by path and line.
fn use_at(fixture: &str, path: &str, line: u64) -> serde_json::Value {
    let out = run_in(&common::root().join("fixtures").join(fixture), &["inventory", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let uses = json["token_uses"].as_array().cloned().unwrap_or_default();
    let found = uses.into_iter().find(|u| u["path"] == path && u["line"] == line);
    found.unwrap_or_else(|| panic!("{fixture}: no use at {path}:{line}: {}", stdout(&out)))
}

fn assert_use(fixture: &str, path: &str, line: u64, workflow: &str, token_type: &str, evidence: &str) {
    let u = use_at(fixture, path, line);
    assert_eq!(u["workflow"], workflow, "{fixture} {path}:{line}: {u}");
    assert_eq!(u["token_type"], token_type, "{fixture} {path}:{line}: {u}");
    assert!(u["evidence"].to_string().contains(evidence), "{fixture} {path}:{line}: {}", u["evidence"]);
}

/// A value read from a local credentials file by key is a token use typed by the key, and the
/// Cloud CLI's `token-value` is a user's token; another system's key is no use.
#[test]
fn values_read_from_a_credentials_file_are_typed_by_key_and_file() {
    let svc = "code-credentials-file-service";
    assert_use(svc, "scripts/rotate_creds.py", 10, "user-context-endpoint", "service", "key `dbt.service_token`");
    assert_use(svc, "web/rotate.js", 2, "user-context-endpoint", "service", "key `dbtServiceToken`");
    assert_use(svc, "scripts/rotate.sh", 3, "user-context-endpoint", "service", "key `dbt.service_token`");
    let pat = "code-credentials-file-pat";
    for (path, line) in [("scripts/rotate_creds.py", 10), ("scripts/rotate.sh", 3), ("scripts/rotate.sh", 4)] {
        assert_use(pat, path, line, "user-context-endpoint", "personal", "the Cloud CLI's config");
    }
    assert_use(pat, "web/rotate.js", 7, "user-context-endpoint", "personal", "key `dbt.personalAccessToken`");
    assert_use(pat, "scripts/untyped.py", 4, "unknown", "unknown", "nothing says");
    for fixture in [svc, pat] {
        let out = run_in(&common::root().join("fixtures").join(fixture), &["inventory", "."]);
        assert!(!stdout(&out).contains("github_token"), "{fixture}: {}", stdout(&out));
    }
}

/// A caller that hands an environment read to a dbt Cloud client of the file (a class or
/// function that sends it as `Authorization: Token …`) uses a token, typed at the caller and
/// judged by the URL the client calls; another API's `Token` client is not dbt Cloud's.
#[test]
fn a_value_handed_to_a_token_client_is_a_token_use() {
    for (fixture, var, token_type) in
        [("code-token-client-service", "SERVICE_TOKEN", "service"), ("code-token-client-pat", "USER_PAT", "personal")]
    {
        for (path, line) in [("ops/cloud_client.py", 31), ("web/admin.js", 15), ("cmd/rotate/main.go", 22)] {
            let u = use_at(fixture, path, line);
            assert_eq!(u["reference"].as_str().unwrap_or(""), var, "{fixture} {path}");
            assert_eq!(u["token_type"], token_type, "{fixture} {path}");
            assert_eq!(u["workflow"], "user-context-endpoint", "{fixture} {path}");
        }
        let out = run_in(&common::root().join("fixtures").join(fixture), &["inventory", "."]);
        assert!(!stdout(&out).contains("NETBOX_API_TOKEN"), "{fixture}: {}", stdout(&out));
    }
}

/// A script a CI step runs by an unusual name, or from its working directory, is followed and
/// parsed though the prefilter would drop it.
#[test]
fn scripts_with_unusual_names_and_working_directories_are_followed() {
    // The read takes the step's secret: the step reached the file.
    for (path, line) in [
        ("tools/run_job", 8),
        ("bin/trigger", 4),
        ("scripts/deploy.mjs", 2),
        ("ci/dbt-cloud-run", 3),
        ("bin/rotate-all", 8),
    ] {
        let from = "set from `secrets.";
        assert_use("ci-run-unusual-names-pat", path, line, "user-context-endpoint", "personal", from);
        assert_use("ci-run-unusual-names-service", path, line, "user-context-endpoint", "service", from);
    }
    for path in ["ops/azure/rotate.py", "ops/gitlab/rotate.py", "ops/gha/rotate.py"] {
        assert_use("ci-workdir-service", path, 7, "user-context-endpoint", "service", "set from");
    }
    // An Azure task's `filePath:` names the file it runs.
    assert_use("ci-workdir-service", "ops/azure/rotate-task", 3, "user-context-endpoint", "service", "set from");
    let out = run_in(&common::root().join("fixtures/ci-workdir-service"), &["inventory", "--format", "json", "."]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let root = json["token_uses"].as_array().into_iter().flatten().filter(|u| u["path"] == "rotate.py").count();
    assert_eq!(root, 0, "the root copy is run by no step: {}", stdout(&out));
}

/// A Snowflake secret's committed token, and an external-access procedure that reads a secret
/// and calls dbt Cloud from the warehouse (`production`); a dbt model is not read.
#[test]
fn snowflake_secrets_and_external_access_procedures() {
    let lit = "snowflake-secret-literal";
    assert_use(lit, "snowflake/dbt_cloud_trigger.sql", 4, "production", "service", "literal `dbtc_`");
    assert_use(lit, "snowflake/dbt_cloud_trigger.sql", 31, "production", "service", "orchestrator-like");
    assert_use("snowflake-procedure-pat", "snowflake/trigger.sql", 19, "production", "personal", "dbt_cloud_pat");
    assert_use("snowflake-procedure-service", "snowflake/trigger.sql", 19, "production", "service", "procedure");
    let out = run_in(&common::root().join("fixtures").join(lit), &["check", "--format", "json", "."]);
    assert!(!stdout(&out).contains("Qw7Lr2Nv"), "the secret's token is masked: {}", stdout(&out));
}

#[test]
fn an_environment_variable_named_by_a_parameter_default_is_read() {
    // `token_env_var_name: str = "DBT_CLOUD_PAT"`, then `os.environ.get(token_env_var_name)`:
    // the use is where the name is written.
    assert_use("py-env-name-in-parameter-pat", "flows/nightly.py", 9, "production", "personal", "DBT_CLOUD_PAT");
    assert_use("py-env-name-in-parameter-service", "flows/nightly.py", 9, "production", "service", "SERVICE_TOKEN");
}

#[test]
fn a_makefile_recipe_is_read_with_its_variables_expanded() {
    // `PYTEST = $(UV) pytest`, `$(PYTEST) tests/integration`: the suite CI runs through `make`.
    assert_use(
        "ci-make-variables-service",
        "tests/integration/conftest.py",
        11,
        "production",
        "service",
        "make integration",
    );
}
