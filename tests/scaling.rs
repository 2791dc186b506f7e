//! No quadratic file: for each construct a hostile or merely large file repeats (token reads,
//! token keys, literals on one line, Terraform declarations, Kubernetes Secrets and workloads,
//! CI jobs and scripts, …), the pipeline on four times the input costs at most about four times
//! as much. Costs are compared within the test, never against a clock: they are the CPU time of
//! the test's own thread (where the platform says it), so a loaded machine slows both sizes
//! alike.

mod inprocess;

use inprocess::{assert_ratio, costs, pipeline, scan};
use std::path::PathBuf;
use tokenwise::extract::{Ctx, extract, kubernetes, notebook};
use tokenwise::kind;
use tokenwise::model::TokenUse;
use tokenwise::parse::{json, yaml};
use tokenwise::policy::builtin;
use tokenwise::render;
use tokenwise::scan::Scan;
use tokenwise::source::SourceFile;
use tokenwise::tree::Node;

/// A fake token body (random-looking, never a real token) numbered `i`.
fn body(i: usize) -> String {
    let mut x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd1b5_4a32_d192_ed03;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..40)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

fn pat(i: usize) -> String {
    format!("dbtu_{}", body(i))
}

/// One file's extraction alone (literals, parse, extractor): (token uses, literals).
fn extraction(src: &SourceFile) -> (usize, usize) {
    let ctx = Ctx { file: 0, src, policy: builtin() };
    let facts = extract(&ctx, kind::of_path(&src.display));
    (facts.uses.len(), facts.literals.len())
}

/// `n` and `4n` repetitions of a construct, prepared by `prepare` (untimed), then `work` on
/// each: `work` on the larger costs at most `MAX_RATIO` times as much, and counts (uses,
/// literals, …) at least three times as many things.
fn assert_work_linear<T>(what: &str, n: usize, prepare: impl Fn(usize) -> T, work: impl Fn(&T) -> usize) {
    let (small, large) = (prepare(n), prepare(4 * n));
    let (a, b) = (work(&small), work(&large));
    assert!(a > 0, "{what}: nothing found");
    assert!(b >= 3 * a, "{what}: {a} then {b}");
    assert_ratio(
        what,
        costs([&small, &large], |input| {
            work(input);
        }),
    );
}

fn source(path: &str, text: String) -> SourceFile {
    SourceFile::new(PathBuf::from(path), path.to_owned(), text.into_bytes())
}

/// Like [`assert_linear`] for a construct whose cost lies in its file's extractor: only the
/// extraction is timed, so that the sizes that show a quadratic extractor stay small.
fn assert_extraction_linear(what: &str, path: &str, n: usize, file: impl Fn(usize) -> String) {
    assert_work_linear(
        what,
        n,
        |n| source(path, file(n)),
        |src| {
            let (uses, literals) = extraction(src);
            uses + literals
        },
    );
}

/// Like [`assert_extraction_linear`] for YAML, without the parse (the same for any extractor):
/// `extractor` alone is timed.
fn assert_yaml_extractor_linear(
    what: &str,
    path: &str,
    n: usize,
    file: impl Fn(usize) -> String,
    extractor: fn(&Ctx, &[Node]) -> Vec<TokenUse>,
) {
    let prepare = |n| {
        let src = source(path, file(n));
        let docs = yaml::parse(&src.text).unwrap_or_else(|e| panic!("{what}: {e:?}"));
        (src, docs)
    };
    assert_work_linear(what, n, prepare, |(src, docs)| extractor(&Ctx { file: 0, src, policy: builtin() }, docs).len());
}

/// `file(n)` is a file at `path` with `n` repetitions of a construct: the pipeline on `4n`
/// costs at most `MAX_RATIO` times the pipeline on `n`, and does 4× the work.
fn assert_linear(what: &str, path: &str, n: usize, file: impl Fn(usize) -> String) {
    let (small, large) = (file(n), file(4 * n));
    let (a, b) = (pipeline(path, &small), pipeline(path, &large));
    // The construct is read, not skipped: the uses or findings grow with it.
    assert!(a.0 + a.1 > 0, "{what}: nothing found in {path}");
    assert!(b.0 + b.1 >= 3 * (a.0 + a.1), "{what}: {a:?} then {b:?}");
    assert_ratio(
        what,
        costs([&small, &large], |text| {
            pipeline(path, text);
        }),
    );
}

#[test]
fn a_script_reading_many_names() {
    assert_extraction_linear("distinct `$DBT_CLOUD_PAT_N` reads", "scripts/run.sh", 5000, |n| {
        // Names of one length, so that telling them apart takes a comparison.
        (0..n).map(|i| format!("echo $DBT_CLOUD_PAT_{i:06}\n")).collect()
    });
}

#[test]
fn a_partner_json_with_many_token_keys_on_one_line() {
    assert_linear("token keys of a minified partner JSON", "hightouch/config.json", 1500, |n| {
        let keys: Vec<String> = (0..n).map(|i| format!("\"dbt_cloud_token_{i}\":\"{}\"", pat(i))).collect();
        format!("{{\"dbt_cloud\":{{{}}}}}", keys.join(","))
    });
}

#[test]
fn many_tokens_on_one_minified_line() {
    assert_linear("tokens on one line", "static/app.js", 1500, |n| {
        let tokens: Vec<String> = (0..n).map(|i| format!("\"{}\"", pat(i))).collect();
        format!("var t=[{}];", tokens.join(","))
    });
}

#[test]
fn many_tokens_in_one_env_file() {
    assert_extraction_linear("tokens in a .env", ".env", 3000, |n| {
        // Settings, then tokens outside any `KEY=value` line: each is checked against them.
        let settings: String = (0..n).map(|i| format!("DBT_CLOUD_PAT_{i}=\n")).collect();
        let loose: String = (0..n).map(|i| format!("{}\n", pat(i))).collect();
        settings + &loose
    });
}

#[test]
fn terraform_with_many_variables_locals_providers_and_resources() {
    assert_linear("Terraform objects", "infra/prod/main.tf", 250, |n| {
        (0..n)
            .map(|i| {
                format!(
                    "variable \"dbt_pat_{i}\" {{\n  sensitive = true\n}}\nlocals {{\n  tok_{i} = var.dbt_pat_{i}\n}}\nprovider \"dbtcloud\" {{\n  alias = \"p{i}\"\n  token = local.tok_{i}\n}}\nresource \"dbtcloud_user_groups\" \"g{i}\" {{\n  provider = dbtcloud.p{i}\n  user_id = {i}\n}}\nmodule \"m{i}\" {{\n  source = \"./modules/m\"\n  token_{i} = var.dbt_pat_{i}\n}}\n"
                )
            })
            .collect()
    });
}

#[test]
fn kubernetes_secrets_read_by_many_workloads() {
    let file = |n: usize| {
        let keys: String = (0..n).map(|i| format!("  DBT_CLOUD_PAT_{i:06}: eA==\n")).collect();
        let secrets: String = (0..n)
            .map(|i| {
                format!(
                    "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: dbt-{i:06}\ndata:\n  DBT_CLOUD_PAT: eA==\n"
                )
            })
            .collect();
        // A workload reading every key and every Secret, and Secrets this file does not hold.
        let env: String = (0..n)
            .map(|i| {
                format!(
                    "            - {{name: T{i}, valueFrom: {{secretKeyRef: {{name: dbt-secret, key: DBT_CLOUD_PAT_{i:06}}}}}}}\n"
                )
            })
            .collect();
        let from: String = (0..n)
            .map(|i| {
                format!(
                    "            - secretRef: {{name: dbt-{i:06}}}\n            - secretRef: {{name: oth-{i:06}}}\n"
                )
            })
            .collect();
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: dbt-secret\ndata:\n{keys}{secrets}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api:1\n          env:\n{env}          envFrom:\n{from}"
        )
    };
    assert_yaml_extractor_linear("Kubernetes Secrets × workloads", "k8s/all.yaml", 1500, file, kubernetes::extract);
}

#[test]
fn a_notebook_reading_many_names() {
    let file = |n: usize| {
        // Each name read once, then the last one again and again: each read asks the names seen
        // (names of one length, so that telling them apart takes a comparison).
        let read = |i: usize| format!("t = os.environ[\\\"DBT_CLOUD_PAT_{i:06}\\\"]\\n");
        let reads: String = (0..n).map(read).collect::<String>() + &read(n - 1).repeat(4 * n);
        format!("{{\"cells\":[{{\"cell_type\":\"code\",\"source\":\"{reads}\"}}],\"metadata\":{{}},\"nbformat\":4}}")
    };
    let prepare = |n| {
        let src = source("nb/analysis.ipynb", file(n));
        let doc = json::parse(&src.text).unwrap_or_else(|e| panic!("{e:?}"));
        (src, doc)
    };
    assert_work_linear("names read by a notebook cell", 2500, prepare, |(src, doc)| {
        notebook::extract(&Ctx { file: 0, src, policy: builtin() }, doc).len()
    });
}

#[test]
fn python_orchestrator_calls_names_and_nesting() {
    assert_linear("Airflow operator calls", "dags/dag.py", 600, |n| {
        let calls: String = (0..n)
            .map(|i| {
                format!(
                    "tok_{i} = os.environ['DBT_CLOUD_PAT_{i}']\nDbtCloudRunJobOperator(task_id='t{i}', dbt_cloud_conn_id='dbt_{i}', token=tok_{i}, job_id={i})\n"
                )
            })
            .collect();
        // Calls nested in calls, and calls never closed: each finds its end once.
        format!("from airflow import DAG\n{calls}x = {}{}\ny = {}\n", "f(".repeat(n), ")".repeat(n), "g(".repeat(n))
    });
}

#[test]
fn a_github_workflow_of_many_steps_and_scripts() {
    assert_extraction_linear("GitHub Actions steps", ".github/workflows/deploy.yml", 400, |n| {
        let env: String =
            (0..n).map(|i| format!("  DBT_CLOUD_PAT_{i}: ${{{{ secrets.DBT_CLOUD_PAT_{i} }}}}\n")).collect();
        let steps: String = (0..n)
            .map(|i| {
                format!(
                    "      - uses: acme/dbt-cloud-action@v{i}\n        with:\n          dbt_cloud_token: ${{{{ secrets.DBT_CLOUD_PAT_{i} }}}}\n      - run: curl -H \"Token $DBT_CLOUD_PAT_{i}\" https://cloud.getdbt.com/api/v3/users/{i}/credentials/ ${{{{ secrets.DBT_CLOUD_PAT_{i} }}}}\n"
                )
            })
            .collect();
        format!("on: push\nenv:\n{env}jobs:\n  deploy:\n    runs-on: x\n    steps:\n{steps}")
    });
}

#[test]
fn gitlab_jobs_sending_tokens_to_user_endpoints() {
    assert_extraction_linear("GitLab CI variables × scripts", ".gitlab-ci.yml", 650, |n| {
        let vars: String = (0..n).map(|i| format!("    DBT_CLOUD_TOKEN_{i}: $DBT_CLOUD_PAT_{i}\n")).collect();
        let script: String = (0..n)
            .map(|i| format!("    - curl -H \"Token $DBT_CLOUD_TOKEN_{i}\" https://cloud.getdbt.com/api/v3/users/{i}/credentials/\n"))
            .collect();
        format!("deploy:\n  variables:\n{vars}  script:\n{script}")
    });
}

#[test]
fn azure_pipelines_with_many_variable_groups_and_jobs() {
    assert_linear("Azure variable groups × jobs", "azure-pipelines.yml", 300, |n| {
        let groups: String = (0..n).map(|i| format!("  - group: dbt-cloud-pat-{i}\n")).collect();
        let jobs: String = (0..n)
            .map(|i| format!("  - job: j{i}\n    steps:\n      - script: curl $(DBT_CLOUD_TOKEN_{i})\n"))
            .collect();
        format!("trigger: [main]\nvariables:\n{groups}jobs:\n{jobs}")
    });
}

#[test]
fn circleci_jobs_run_by_many_workflows() {
    assert_extraction_linear("CircleCI contexts × variables", ".circleci/config.yml", 200, |n| {
        // Variables whose names say no type ask every context of the job's workflows.
        let env: String = (0..n).map(|i| format!("      DBT_CLOUD_TOKEN_{i}: ${{X_{i}}}\n")).collect();
        let runs: String = (0..n)
            .map(|i| format!("  w{i}:\n    jobs:\n      - deploy:\n          context: [dbt-cloud-pat-{i}]\n"))
            .collect();
        format!(
            "version: 2.1\njobs:\n  deploy:\n    docker: [{{image: x}}]\n    environment:\n{env}    steps:\n      - run: dbt-cloud job run\nworkflows:\n{runs}"
        )
    });
}

#[test]
fn an_mcp_config_of_many_servers() {
    assert_linear("MCP servers", ".cursor/mcp.json", 1500, |n| {
        let servers: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "\"dbt{i}\":{{\"command\":\"uvx\",\"args\":[\"dbt-mcp\",\"{}\"],\"env\":{{\"DBT_TOKEN\":\"{}\"}}}}",
                    pat(i),
                    pat(i + n)
                )
            })
            .collect();
        format!("{{\"mcpServers\":{{{}}}}}", servers.join(","))
    });
}

#[test]
fn airflow_connections_on_one_line() {
    assert_linear("Airflow connections on one line", "Dockerfile", 1500, |n| {
        let conns: Vec<String> =
            (0..n).map(|i| format!("AIRFLOW_CONN_DBT_{i}='dbt-cloud://1:dbtc_{}@cloud.getdbt.com'", body(i))).collect();
        format!("ENV {}\n", conns.join(" "))
    });
}

#[test]
fn columns_on_one_long_non_ascii_line() {
    // Every 4th character of one line of two-byte characters: a column is counted from a
    // checkpoint, not from the line's start.
    let line = |n: usize| SourceFile::new(PathBuf::from("x"), "x".into(), "é".repeat(n).into_bytes());
    let (small, large) = (line(100_000), line(400_000));
    let columns = |f: &SourceFile| (0..f.text.len()).step_by(8).map(|o| f.line_col(o).1).max().unwrap_or(0);
    assert_eq!(columns(&small), 100_000 - 3);
    assert_ratio(
        "columns on one non-ASCII line",
        costs([&small, &large], |f| {
            columns(f);
        }),
    );
}

#[test]
fn pretty_with_many_findings_in_one_file() {
    // Each finding's window is cut from its line and masked, never the whole file per finding:
    // on many lines and on one line (a window of one long line is still a window).
    let files = |n: usize| {
        let lines: String = (0..n).map(|i| format!("DBT_CLOUD_TOKEN_{i}={}\n", pat(i))).collect();
        let one_line: String = (0..n).map(|i| format!("\"t{i}\": \"{}\", ", pat(i))).collect();
        [("deploy/.env", lines), ("postman/env.json", format!("{{{one_line}\"x\": 1}}"))]
    };
    let (small, large) = (files(400), files(1600));
    let pretty = |s: &Scan| {
        render::pretty::render(&tokenwise::report::build(s, |f, _| Some(f.severity), |_, _| true, None), false, 120)
    };
    for ((path, small), (_, large)) in small.iter().zip(&large) {
        let scans = [scan(path, small.clone().into_bytes()), scan(path, large.clone().into_bytes())];
        let out = pretty(&scans[1]);
        assert!(out.matches("dbtu_…").count() >= 1600, "{path}: every finding is rendered");
        assert!(!out.contains(&pat(7)[..25]), "{path}: a token is printed");
        assert_ratio(
            &format!("pretty, findings in {path}"),
            costs([&scans[0], &scans[1]], |s| {
                pretty(s);
            }),
        );
    }
}

#[test]
fn code_read_by_a_parser_with_many_reads_on_one_line() {
    // Python, JavaScript and shell through their parsers: reads and assignments fed by a read,
    // all on one line, so that nothing is looked up from a read to its line's end.
    for (path, read) in [
        ("scripts/trigger.py", "DBT_CLOUD_TOKEN_{i} = os.environ[\"DBT_CLOUD_PAT_{i:06}\"]; "),
        ("scripts/trigger.js", "const DBT_CLOUD_TOKEN_{i} = process.env.DBT_CLOUD_PAT_{i:06}; "),
        ("scripts/run.sh", "DBT_CLOUD_TOKEN_{i}=$DBT_CLOUD_PAT_{i:06}; "),
    ] {
        assert_extraction_linear(&format!("reads on one line of {path}"), path, 1500, |n| {
            (0..n).map(|i| read.replace("{i:06}", &format!("{i:06}")).replace("{i}", &i.to_string())).collect()
        });
    }
}

#[test]
fn many_tokens_on_one_line_of_a_ci_script() {
    // Whether a CI step deploys an app is asked once per line, not once per use on it.
    assert_linear("tokens on one line of a CI script", ".gitlab-ci.yml", 500, |n| {
        let runs: Vec<String> = (0..n).map(|i| format!("- dbt-cloud job run {}", pat(i))).collect();
        format!("deploy:\n  script:\n    - {}\n", runs.join("     "))
    });
}
