//! The advice commands end to end: `advise` (text and JSON, per workflow and integration, and
//! its usage errors), `explain` for every rule by code and by name, and the `rules` table.

mod common;

use common::{root, run_in, stderr, stdout};
use std::process::Output;
use tokenwise::policy::builtin;
use tokenwise::rules::Rule;

fn run(args: &[&str]) -> Output {
    run_in(&root(), args)
}

/// Exit 0 with nothing on stderr; the stdout.
fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{args:?}");
    stdout(&out)
}

/// Exit 2 with nothing on stdout; the error message.
fn usage_error(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
    assert_eq!(stdout(&out), "", "{args:?}");
    let err = stderr(&out);
    err.trim_end().strip_prefix("tokenwise: error: ").unwrap_or_else(|| panic!("{args:?}: {err}")).to_owned()
}

fn json(args: &[&str]) -> serde_json::Value {
    let text = ok(args);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"))
}

/// The items of the field `key:`: its line and the lines aligned under it, each item with the
/// lines it wraps onto (indented two columns further) joined back.
fn field(text: &str, key: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(&format!("{key}:")));
    let mut out: Vec<String> = lines.next().map(str::to_owned).into_iter().collect();
    for l in lines.take_while(|l| l.starts_with(' ')) {
        match out.last_mut() {
            Some(last) if l.starts_with(&" ".repeat(19)) => {
                last.push(' ');
                last.push_str(l.trim());
            }
            _ => out.push(l.trim().to_owned()),
        }
    }
    out
}

#[test]
fn tableau_gets_the_semantic_layer_sets() {
    let text = ok(&["advise", "--workflow", "partner-integration", "--integration", "Tableau"]);
    assert_eq!(field(&text, "workflow"), ["workflow:        partner-integration (Tableau)"]);
    assert_eq!(field(&text, "use"), ["use:             service token (`dbtc_…`)"]);
    assert_eq!(
        field(&text, "permission sets"),
        [
            "permission sets: Tableau: `semantic_layer_only` + `metadata_only`; (source: https://docs.getdbt.com/docs/cloud-integrations/avail-sl-integrations, checked 2026-12-01)"
        ]
    );
    assert!(text.contains("reference:       https://docs.getdbt.com/docs/dbt-apis/authentication"));
}

#[test]
fn integrations_match_however_they_are_written() {
    for (asked, canonical, sets) in [
        ("power bi", "Power BI", vec!["semantic_layer_only", "metadata_only"]),
        ("HIGHTOUCH", "Hightouch", vec!["readonly"]),
        ("google-sheets", "Semantic Layer (Google Sheets)", vec!["semantic_layer_only", "metadata_only"]),
        ("Atlan", "Atlan", vec!["job_viewer"]),
        ("datafold", "Datafold", vec!["developer"]),
        ("Monte Carlo", "Monte Carlo", vec![]),
    ] {
        let v = json(&["advise", "--workflow", "partner-integration", "--integration", asked, "--format", "json"]);
        assert_eq!(v["integration"], canonical, "{asked}");
        assert_eq!(v["permission_sets"][0]["sets"], serde_json::json!(sets), "{asked}");
    }
}

#[test]
fn a_partner_names_its_documented_sets_and_their_source() {
    for (asked, sets, source) in [
        ("Datafold", vec!["developer"], "https://docs.datafold.com/integrations/orchestrators/dbt_cloud"),
        ("Atlan", vec!["job_viewer"], "https://docs.atlan.com/apps/connectors/etl-tools/dbt/how-tos/set-up-dbt-cloud"),
        ("Hightouch", vec!["readonly"], "https://hightouch.com/docs/extensions/dbt-cloud"),
        ("Census", vec![], "none found"),
    ] {
        let v = json(&["advise", "--workflow", "partner-integration", "--integration", asked, "--format", "json"]);
        let grant = &v["permission_sets"][0];
        assert_eq!(grant["sets"], serde_json::json!(sets), "{asked}");
        assert_eq!(grant["source"], source, "{asked}");
        assert_eq!(grant["checked"], "2026-12-01", "{asked}");
        let text = ok(&["advise", "--workflow", "partner-integration", "--integration", asked]);
        assert!(
            field(&text, "permission sets")[0].contains(&format!("(source: {source}, checked 2026-12-01)")),
            "{text}"
        );
    }
    // The plan-specific set the page names for legacy Team plans follows.
    let v = json(&["advise", "--workflow", "partner-integration", "--integration", "Atlan", "--format", "json"]);
    assert_eq!(v["permission_sets"][1]["for"], "Atlan on legacy Team plans");
    assert_eq!(v["permission_sets"][1]["sets"], serde_json::json!(["readonly"]));
}

#[test]
fn an_integration_alone_picks_its_workflow() {
    let v = json(&["advise", "--integration", "Datafold", "--format", "json"]);
    assert_eq!(v["workflow"], "partner-integration");
    assert_eq!(v["permission_sets"][0]["sets"], serde_json::json!(["developer"]));
    assert_eq!(v["permission_sets"][0]["source"], "https://docs.datafold.com/integrations/orchestrators/dbt_cloud");
    let v = json(&["advise", "--integration", "terraform", "--format", "json"]);
    assert_eq!(v["workflow"], "production");
    assert!(
        usage_error(&["advise", "--integration", "Nonesuch"])
            .starts_with("unknown integration `Nonesuch`; known: Hightouch")
    );
}

#[test]
fn an_unknown_integration_lists_the_known_ones() {
    let msg = usage_error(&["advise", "--workflow", "partner-integration", "--integration", "Nonesuch"]);
    let known: Vec<&str> = builtin().signals.partners.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(msg, format!("unknown integration `Nonesuch`; known: {}", known.join(", ")));
    assert!(known.contains(&"Tableau") && known.contains(&"Hightouch"));
}

#[test]
fn production_advice_separates_ci_orchestrators_and_terraform() {
    let text = ok(&["advise", "--workflow", "production"]);
    let sets = field(&text, "permission sets");
    assert_eq!(sets.len(), 8, "{text}");
    assert!(sets[0].contains("CI/CD pipelines that trigger dbt Cloud jobs (GitHub Actions, GitLab CI"), "{text}");
    assert!(sets[0].contains(": `job_runner`; `job_admin` instead only if the pipeline creates or edits jobs"));
    assert!(
        sets[1].contains(
            "orchestrators that trigger jobs and wait for their runs (Airflow, Dagster, Prefect): `job_runner`"
        )
    );
    assert_eq!(sets[2], "Terraform or Pulumi triggering jobs: `job_runner`");
    assert_eq!(
        sets[3],
        "Terraform or Pulumi managing jobs and their environments: `job_admin`; on the projects it manages only"
    );
    assert!(
        sets[4].starts_with("Terraform or Pulumi managing projects, connections and credentials: the narrowest sets")
    );
    // Account Admin is granted only where dbt or the provider docs require it: service tokens
    // and the resources the provider names; Security Admin is enough for groups, SSO, IP rules.
    assert!(
        sets[5].starts_with("Terraform or Pulumi creating service tokens (`dbtcloud_service_token`): `account_admin`;")
    );
    assert!(sets[6].contains("(`dbtcloud_group`, `dbtcloud_user_groups`, `dbtcloud_license_map`, `dbtcloud_ip_restrictions_rule`): `security_admin`; enough for users, groups, licenses, SSO and IP restrictions"), "{text}");
    assert!(sets[7].contains("`dbtcloud_group_partial_permissions`") && sets[7].contains(": `account_admin`;"));
    let notes = field(&text, "note");
    assert!(
        notes[0].contains("`git_clone_strategy = \"deploy_token\"`"),
        "PATs on an aliased provider for user lookups"
    );
    assert!(
        notes.iter().any(|n| n
            .starts_with("on Developer and Starter plans a service token can hold only `semantic_layer_only`")
            && n.contains("(source: https://docs.getdbt.com/docs/dbt-apis/service-tokens, checked 2026-12-01)")),
        "{text}"
    );
}

#[test]
fn terraform_advice_names_what_each_task_needs() {
    let v = json(&["advise", "--workflow", "production", "--integration", "terraform", "--format", "json"]);
    let grants = v["permission_sets"].as_array().cloned().unwrap_or_default();
    let by_purpose = |word: &str| {
        grants
            .iter()
            .find(|g| g["for"].as_str().is_some_and(|p| p.contains(word)))
            .unwrap_or_else(|| panic!("no grant for {word}: {v}"))
            .clone()
    };
    assert_eq!(by_purpose("triggering jobs")["sets"], serde_json::json!(["job_runner"]));
    assert_eq!(by_purpose("managing jobs")["sets"], serde_json::json!(["job_admin"]));
    assert_eq!(by_purpose("creating service tokens")["sets"], serde_json::json!(["account_admin"]));
    assert_eq!(by_purpose("groups, SSO and IP rules")["sets"], serde_json::json!(["security_admin"]));
    for word in ["triggering jobs", "managing jobs", "creating service tokens", "groups, SSO and IP rules"] {
        let g = by_purpose(word);
        assert!(
            g["source"]
                .as_str()
                .is_some_and(|s| s.contains("https://docs.getdbt.com/docs/cloud/manage-access/enterprise-permissions")),
            "{word}"
        );
        assert_eq!(g["checked"], "2026-12-01", "{word}");
    }
}

#[test]
fn a_production_tool_narrows_the_advice() {
    for (asked, canonical, sets) in [
        ("GitHub Actions", "GitHub Actions", vec![vec!["job_runner"]]),
        ("gitlab", "GitLab CI", vec![vec!["job_runner"]]),
        ("jenkins", "Jenkins", vec![vec!["job_runner"]]),
        ("Airflow", "Airflow", vec![vec!["job_runner"]]),
        ("dagster", "Dagster", vec![vec!["job_runner"]]),
        (
            "Terraform",
            "Terraform",
            vec![
                vec!["job_runner"],
                vec!["job_admin"],
                vec![],
                vec!["account_admin"],
                vec!["security_admin"],
                vec!["account_admin"],
            ],
        ),
    ] {
        let v = json(&["advise", "--workflow", "production", "--integration", asked, "--format", "json"]);
        assert_eq!(v["integration"], canonical, "{asked}");
        assert_eq!(v["token_type"], "service");
        let got: Vec<serde_json::Value> =
            v["permission_sets"].as_array().map(|a| a.iter().map(|g| g["sets"].clone()).collect()).unwrap_or_default();
        assert_eq!(serde_json::Value::Array(got), serde_json::json!(sets), "{asked}");
    }
}

#[test]
fn names_in_the_wrong_workflow_say_which_to_use() {
    assert_eq!(
        usage_error(&["advise", "--workflow", "production", "--integration", "Tableau"]),
        "`Tableau` is a partner integration: use --workflow partner-integration"
    );
    assert_eq!(
        usage_error(&["advise", "--workflow", "partner-integration", "--integration", "Airflow"]),
        "`Airflow` is production automation, not a partner integration: use --workflow production"
    );
    assert!(
        usage_error(&["advise", "--workflow", "production", "--integration", "Nonesuch"])
            .starts_with("unknown production tool `Nonesuch`; known: GitHub Actions, GitLab CI, Azure Pipelines, CircleCI, Bitbucket Pipelines, Jenkins, Airflow, Dagster, Prefect, Terraform, Pulumi")
    );
    assert_eq!(
        usage_error(&["advise", "--workflow", "cloud-cli", "--integration", "Tableau"]),
        "--integration applies to --workflow partner-integration or production, not `cloud-cli`"
    );
    assert_eq!(
        usage_error(&["advise", "--workflow", "unknown"]),
        "unknown workflow `unknown`; use one of: production, partner-integration, cloud-cli, dev-script, user-context-endpoint"
    );
}

#[test]
fn every_workflow_has_advice_in_json() {
    for (workflow, token_type) in [
        ("production", "service"),
        ("partner-integration", "service"),
        ("cloud-cli", "personal"),
        ("dev-script", "personal"),
        ("user-context-endpoint", "personal"),
    ] {
        let v = json(&["advise", "--workflow", workflow, "--format", "json"]);
        assert_eq!(v["version"], 1);
        assert_eq!(v["workflow"], workflow);
        assert_eq!(v["token_type"], token_type, "{workflow}");
        assert_eq!(v["integration"], serde_json::Value::Null);
        let sets = v["permission_sets"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(sets > 0, token_type == "service", "{workflow}: only service tokens have sets to choose");
        assert!(v["why"].as_str().is_some_and(|w| !w.is_empty()));
        assert!(v["references"][0].as_str().is_some_and(|r| r.starts_with("https://docs.getdbt.com/")));
    }
}

#[test]
fn explain_knows_every_rule_by_code_and_by_name() {
    let real_looking = regex::Regex::new(r"dbt[cu]_[A-Za-z0-9_-]{40,}").unwrap_or_else(|e| panic!("{e}"));
    for rule in Rule::ALL {
        let (code, name, r) = (rule.code(), rule.name(), rule.texts());
        let by_code = ok(&["explain", code]);
        assert_eq!(ok(&["explain", name]), by_code, "{code} by name");
        assert_eq!(ok(&["explain", &code.to_lowercase()]), by_code, "{code} in lower case");
        assert!(by_code.starts_with(&format!("# {code} {name} ({})\n\n## What it does\n", r.summary)));
        for section in ["## Why is this bad?", "## Example", "## Fix"] {
            assert!(by_code.contains(section), "{code} lacks {section}");
        }
        let off = if r.default_enabled { "" } else { " (off by default)" };
        assert!(by_code.contains(&format!("\nDefault severity: {}{off}\n", r.severity.as_str())), "{by_code}");
        assert!(by_code.ends_with(&format!("Reference: {}\n", r.reference)));
        assert!(!real_looking.is_match(&by_code), "{code}: examples show no real-looking token");
    }
}

#[test]
fn explain_of_an_unknown_rule_is_a_usage_error() {
    for unknown in ["TW999", "pat-in-prod", ""] {
        assert_eq!(
            usage_error(&["explain", unknown]),
            format!("unknown rule `{unknown}`; `tokenwise rules` lists them")
        );
    }
}

#[test]
fn rules_lists_every_rule_once_with_its_severity() {
    let text = ok(&["rules"]);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["CODE", "NAME", "SEVERITY", "SUMMARY"]);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), Rule::ALL.len());
    for (row, rule) in rows.iter().zip(Rule::ALL) {
        let r = rule.texts();
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[..2], [rule.code(), rule.name()], "{row}");
        let severity =
            if r.default_enabled { r.severity.as_str().to_owned() } else { format!("{} (off)", r.severity.as_str()) };
        assert!(row.contains(&format!("  {severity}  ")) || row.contains(&format!("  {severity} ")), "{row}");
        assert!(row.ends_with(&r.summary), "{row}");
    }
    let off: Vec<&str> =
        rows.iter().filter(|r| r.contains(" (off)  ")).filter_map(|r| r.split_whitespace().next()).collect();
    let want: Vec<&str> = Rule::ALL.iter().filter(|r| !r.texts().default_enabled).map(|r| r.code()).collect();
    assert!(!want.is_empty() && off == want, "rules off by default are marked: {off:?}");
}
