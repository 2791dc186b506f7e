//! No quadratic file: for each construct a hostile or merely large file repeats (token reads,
//! token keys, literals on one line, Terraform declarations, Kubernetes Secrets and workloads,
//! CI jobs and scripts, …), the whole pipeline on four times the input costs at most about four
//! times as much. Costs are compared in the same run, never against a clock: the machine may be
//! slow or loaded, but it is equally so for both sizes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokenwise::cli::build_report;
use tokenwise::policy::builtin;
use tokenwise::render;
use tokenwise::scan::{self, Options};
use tokenwise::source::SourceFile;

/// Largest cost ratio accepted for 4× the input. Linear work costs about 4×, quadratic 16×:
/// the bound leaves room for noise on a loaded machine and still catches quadratic paths.
const MAX_RATIO: f64 = 8.0;

/// Runs of each size; the least is kept (load only ever adds time).
const RUNS: usize = 3;

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

/// One file through the whole pipeline (read, extract, resolve, rules, report, two renderers),
/// in this process: (token uses, findings, bytes rendered).
fn pipeline(path: &str, text: &str) -> (usize, usize, usize) {
    let opts = Options {
        paths: Vec::new(),
        no_ignore: false,
        threads: 1,
        max_parse_bytes: tokenwise::read::DEFAULT_MAX_FILE_SIZE,
        stdin: Some((path.to_owned(), text.as_bytes().to_vec())),
        config: Arc::new(Default::default()),
        progress: false,
    };
    let scan = scan::run(&opts, builtin());
    let report = build_report(&scan, |f, _| Some(f.severity), None);
    let rendered = render::concise::render(&report).len() + render::json::render(&report).len();
    (scan.uses.len(), report.findings.len(), rendered)
}

/// The least time `work` takes over `RUNS` runs of each input, the sizes interleaved so that
/// a burst of load weighs on both.
fn costs<T>(inputs: [&T; 2], work: impl Fn(&T)) -> [Duration; 2] {
    let mut best = [Duration::MAX; 2];
    for _ in 0..RUNS {
        for (i, input) in inputs.iter().enumerate() {
            let started = Instant::now();
            work(input);
            best[i] = best[i].min(started.elapsed());
        }
    }
    best
}

fn assert_ratio(what: &str, [small, large]: [Duration; 2]) {
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-6);
    eprintln!("{what}: {small:?} → {large:?} for 4× the input ({ratio:.1}×)");
    assert!(ratio <= MAX_RATIO, "{what}: 4× the input costs {ratio:.1}× ({small:?} → {large:?}): quadratic?");
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
    assert_linear("distinct `$DBT_CLOUD_PAT_N` reads", "scripts/run.sh", 3000, |n| {
        (0..n).map(|i| format!("echo $DBT_CLOUD_PAT_{i}\n")).collect()
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
    assert_linear("tokens in a .env", ".env", 2000, |n| {
        (0..n).map(|i| format!("DBT_TOKEN_{i}={}\n", pat(i))).collect()
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
    assert_linear("Kubernetes Secrets × workloads", "k8s/all.yaml", 300, |n| {
        let secrets: String = (0..n)
            .map(|i| {
                format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: dbt-{i}\ndata:\n  DBT_CLOUD_PAT: eA==\n---\n")
            })
            .collect();
        let workloads: String = (0..n)
            .map(|i| {
                format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api-{i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: acme/api:1\n          env:\n            - name: DBT_CLOUD_TOKEN\n              valueFrom:\n                secretKeyRef:\n                  name: dbt-{i}\n                  key: DBT_CLOUD_PAT\n          envFrom:\n            - secretRef:\n                name: dbt-{i}\n---\n"
                )
            })
            .collect();
        secrets + &workloads
    });
}

#[test]
fn a_notebook_reading_many_names() {
    assert_linear("names read by notebook cells", "nb/analysis.ipynb", 2000, |n| {
        let cells: Vec<String> = (0..n)
            .map(|i| {
                format!("{{\"cell_type\":\"code\",\"source\":[\"t = os.environ[\\\"DBT_CLOUD_PAT_{i}\\\"]\\n\"]}}")
            })
            .collect();
        format!("{{\"cells\":[{}],\"metadata\":{{}},\"nbformat\":4}}", cells.join(","))
    });
}

#[test]
fn many_semantic_layer_urls() {
    assert_linear("Semantic Layer JDBC URLs", "bi/datasource.txt", 2000, |n| {
        (0..n)
            .map(|i| {
                format!(
                    "jdbc:arrow-flight-sql://semantic-layer.cloud.getdbt.com:443?environmentId={i}&token=dbtc_{}\n",
                    body(i)
                )
            })
            .collect()
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
    assert_linear("GitHub Actions steps", ".github/workflows/deploy.yml", 400, |n| {
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
    assert_linear("GitLab CI jobs and scripts", ".gitlab-ci.yml", 400, |n| {
        (0..n)
            .map(|i| {
                format!(
                    "j{i}:\n  variables:\n    DBT_CLOUD_TOKEN: $DBT_CLOUD_PAT_{i}\n  script:\n    - curl -H \"Token $DBT_CLOUD_TOKEN\" https://cloud.getdbt.com/api/v3/users/{i}/credentials/\n"
                )
            })
            .collect()
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
    assert_linear("CircleCI jobs × workflows", ".circleci/config.yml", 400, |n| {
        let jobs: String = (0..n)
            .map(|i| {
                format!(
                    "  j{i}:\n    docker: [{{image: x}}]\n    environment:\n      DBT_CLOUD_TOKEN: ${{DBT_CLOUD_PAT_{i}}}\n    steps:\n      - run: dbt-cloud job run\n"
                )
            })
            .collect();
        let workflows: String = (0..n)
            .map(|i| format!("  w{i}:\n    jobs:\n      - j{i}:\n          context: [dbt-{i}]\n      - j0:\n          filters: {{branches: {{only: [b{i}]}}}}\n"))
            .collect();
        format!("version: 2.1\njobs:\n{jobs}workflows:\n{workflows}")
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
    // Every 16th offset of one line of two-byte characters: a column is counted from a
    // checkpoint, not from the line's start.
    let line = |n: usize| SourceFile::new(PathBuf::from("x"), "x".into(), "é".repeat(n).into_bytes());
    let (small, large) = (line(40_000), line(160_000));
    let columns = |f: &SourceFile| (0..f.text.len()).step_by(32).map(|o| f.line_col(o).1).max().unwrap_or(0);
    assert_eq!(columns(&small), 40_000 - 15);
    assert_ratio(
        "columns on one non-ASCII line",
        costs([&small, &large], |f| {
            columns(f);
        }),
    );
}
