//! The command-line conventions users bring from ruff and zizmor: width, paths from any folder,
//! rule selection, colour, quiet, statistics, exit codes, confidence, SARIF details.

mod common;

use common::{bin, fixtures, root, run_in, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

/// Run tokenwise in `dir` with extra environment variables.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("FORCE_COLOR").env_remove("CLICOLOR_FORCE");
    c.env_remove("COLUMNS").stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("cannot run tokenwise: {e}"))
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// The words of a rendering: runs of non-space characters, box-drawing gutters left out.
fn words(text: &str) -> BTreeSet<String> {
    text.split_whitespace()
        .filter(|w| !w.chars().all(|c| "│·╭╰─┬├┤╮╯×⚠☞…".contains(c)))
        // A source line is clipped to the width, marked `…` where cut: not wrapped text.
        .filter(|w| !w.contains('…'))
        .map(str::to_owned)
        .collect()
}

fn assert_fits(text: &str, width: usize, wide: &str, what: &str) {
    for line in text.lines() {
        let n = line.chars().count();
        // Only a single word longer than the room (a URL) may overflow.
        assert!(n <= width || line.split_whitespace().count() == 1, "{what}: {n} columns: {line}");
    }
    let whole = words(wide);
    for w in words(text) {
        assert!(whole.contains(&w), "{what}: `{w}` is a piece of a word split at {width} columns");
    }
}

#[test]
fn pretty_wraps_to_80_columns_without_splitting_a_word() {
    let mut rendered = 0;
    for dir in fixtures() {
        let narrow = run_env(&dir, &["check", "--format", "pretty", "."], &[("COLUMNS", "80"), ("NO_COLOR", "1")]);
        let wide = run_env(&dir, &["check", "--format", "pretty", "."], &[("COLUMNS", "1000"), ("NO_COLOR", "1")]);
        let name = dir.display().to_string();
        assert_fits(&stdout(&narrow), 80, &stdout(&wide), &name);
        rendered += stdout(&narrow).matches("help:").count();
    }
    assert!(rendered > 50, "the fixtures render findings: {rendered}");
}

#[test]
fn advise_wraps_to_the_terminal_width() {
    for w in ["production", "partner-integration", "cloud-cli", "dev-script", "user-context-endpoint"] {
        let args = ["advise", "--workflow", w];
        let narrow = run_env(&root(), &args, &[("COLUMNS", "80")]);
        let wide = run_env(&root(), &args, &[("COLUMNS", "1000")]);
        assert_fits(&stdout(&narrow), 80, &stdout(&wide), w);
        assert!(stdout(&wide).lines().any(|l| l.chars().count() > 80), "{w}: the wide rendering is not wrapped");
    }
}

/// A copy of the demo repository (with a `.git` folder) in a temporary folder.
fn demo_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy(&root().join("fixtures/demo"), dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{e}")).filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn sarif_uris(o: &Output) -> Vec<String> {
    json(o)["runs"][0]["results"]
        .as_array()
        .map(|a| {
            a.iter().map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].to_string()).collect()
        })
        .unwrap_or_default()
}

#[test]
fn paths_from_a_subfolder_are_relative_to_the_cwd_for_people_and_to_the_root_for_code_scanning() {
    let repo = demo_repo();
    let sub = repo.path().join("infra");
    let concise = run_in(&sub, &["check", "--format", "concise", ".."]);
    assert!(stdout(&concise).contains("../.github/workflows/dbt-deploy.yml:13:28: TW101"), "{}", stdout(&concise));
    let sarif = run_in(&sub, &["check", "--format", "sarif", ".."]);
    let uris = sarif_uris(&sarif);
    assert!(uris.contains(&"\".github/workflows/dbt-deploy.yml\"".to_owned()), "{uris:?}");
    assert!(uris.iter().all(|u| !u.contains("..")), "{uris:?}");
    assert!(stdout(&sarif).contains("\"uriBaseId\": \"%SRCROOT%\""));
    let gitlab = run_in(&sub, &["check", "--format", "gitlab", ".."]);
    let paths: Vec<String> = json(&gitlab)
        .as_array()
        .map(|a| a.iter().map(|i| i["location"]["path"].to_string()).collect())
        .unwrap_or_default();
    assert!(paths.contains(&"\".github/workflows/dbt-deploy.yml\"".to_owned()), "{paths:?}");
    assert!(paths.iter().all(|u| !u.contains("..")), "{paths:?}");

    // An absolute path argument: relative paths all the same.
    let abs = repo.path().display().to_string();
    let concise = run_in(repo.path(), &["check", "--format", "concise", &abs]);
    assert!(stdout(&concise).contains("\n.github/workflows/dbt-deploy.yml:13:28: TW101"), "{}", stdout(&concise));
    assert!(!stdout(&concise).contains(&abs), "{}", stdout(&concise));
    let from_sub = run_in(&sub, &["check", "--format", "concise", &abs]);
    assert!(stdout(&from_sub).contains("../.github/workflows/dbt-deploy.yml:13:28"), "{}", stdout(&from_sub));
    let sarif = run_in(&sub, &["check", "--format", "sarif", &abs]);
    assert!(sarif_uris(&sarif).contains(&"\".github/workflows/dbt-deploy.yml\"".to_owned()));

    // --project-root names the root outright.
    let sarif = run_in(&sub, &["check", "--format", "sarif", "--project-root", "../.github", ".."]);
    assert!(sarif_uris(&sarif).contains(&"\"workflows/dbt-deploy.yml\"".to_owned()), "{:?}", sarif_uris(&sarif));
}

#[test]
fn extend_select_adds_a_rule_where_select_replaces_the_set() {
    let dirs = ["fixtures/unknown-type", "fixtures/demo"];
    let codes = |args: &[&str]| -> BTreeSet<String> {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        a.extend_from_slice(&dirs);
        let v = json(&run_in(&root(), &a));
        v["findings"]
            .as_array()
            .map(|f| f.iter().map(|f| f["code"].as_str().unwrap_or("").to_owned()).collect())
            .unwrap_or_default()
    };
    let default = codes(&[]);
    assert!(!default.contains("TW401") && default.contains("TW101"), "{default:?}");
    let extended = codes(&["--extend-select", "TW401"]);
    assert!(extended.contains("TW401") && extended.is_superset(&default), "{extended:?}");
    assert_eq!(codes(&["--select", "TW401"]), BTreeSet::from(["TW401".to_owned()]));
    let less = codes(&["--extend-ignore", "TW101,hardcoded-token"]);
    assert!(!less.contains("TW101") && !less.contains("TW201") && less.contains("TW301"), "{less:?}");
    let explain = run_in(&root(), &["explain", "TW401"]);
    assert!(stdout(&explain).contains("--extend-select TW401"), "{}", stdout(&explain));
}

#[test]
fn a_mistyped_rule_or_workflow_gets_a_suggestion() {
    let out = run_in(&root(), &["check", "--select", "pat-in-productoin", "fixtures/demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown rule `pat-in-productoin` (did you mean `pat-in-production`?)"),
        "{}",
        stderr(&out)
    );
    let out = run_in(&root(), &["explain", "TW1O1"]);
    assert!(stderr(&out).contains("(did you mean `TW101`?)"), "{}", stderr(&out));
    let out = run_in(&root(), &["advise", "--workflow", "partner-integraton"]);
    assert!(stderr(&out).contains("(did you mean `partner-integration`?)"), "{}", stderr(&out));
    let out = run_in(&root(), &["check", "--extend-ignore", "nothing-like-it", "fixtures/demo"]);
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
}

#[test]
fn no_message_says_a_unknown() {
    let out = run_in(&root(), &["check", "--format", "concise", "--select", "ALL", "fixtures"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("TW401"), "{text}");
    assert!(!text.contains("a unknown"), "{text}");
}

#[test]
fn sarif_tags_parse_errors_apart_from_security_and_separates_text_from_markdown() {
    let v = json(&run_in(&root(), &["check", "--format", "sarif", "fixtures/parse-error"]));
    let driver = &v["runs"][0]["tool"]["driver"];
    assert!(driver["informationUri"].as_str().is_some_and(|u| u.contains("tokenwise")), "{}", driver["informationUri"]);
    let rules = driver["rules"].as_array().cloned().unwrap_or_default();
    let tw001 = rules.iter().find(|r| r["id"] == "TW001").cloned().unwrap_or_default();
    let tags = tw001["properties"]["tags"].to_string();
    assert!(!tags.contains("security"), "{tags}");
    assert!(tw001["properties"]["security-severity"].is_null());
    let tw101 = rules.iter().find(|r| r["id"] == "TW101").cloned().unwrap_or_default();
    assert!(tw101["fullDescription"]["text"].as_str().is_some_and(|d| d.starts_with("Finds")), "{tw101}");
    assert!(tw101["properties"]["tags"].to_string().contains("security"));
    for r in &rules {
        let full = r["fullDescription"]["text"].as_str().unwrap_or("");
        let short = r["shortDescription"]["text"].as_str().unwrap_or("");
        assert!(full.len() > short.len() && !full.contains('#'), "{}: {full}", r["id"]);
        let text = r["help"]["text"].as_str().unwrap_or("");
        assert!(!text.contains("```") && !text.contains("## ") && !text.contains('`'), "{}: {text}", r["id"]);
        assert!(r["help"]["markdown"].as_str().is_some_and(|m| m.contains("## ")), "{}", r["id"]);
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let demo = root().join("fixtures/demo");
    let esc = |o: &Output| stdout(o).contains('\u{1b}');
    let args = |c: &'static str| ["check", "--format", "pretty", "--color", c, "."];
    assert!(esc(&run_env(&demo, &args("always"), &[("NO_COLOR", "1")])));
    assert!(!esc(&run_env(&demo, &args("never"), &[("FORCE_COLOR", "1")])));
    assert!(!esc(&run_env(&demo, &args("auto"), &[])), "no colour off a terminal");
    assert!(esc(&run_env(&demo, &args("auto"), &[("FORCE_COLOR", "1")])));
    assert!(esc(&run_env(&demo, &args("auto"), &[("CLICOLOR_FORCE", "1")])));
}

#[test]
fn quiet_statistics_exit_zero_and_min_confidence() {
    let demo = root().join("fixtures/demo");
    let loud = run_in(&demo, &["check", "--format", "concise", "."]);
    let quiet = run_in(&demo, &["check", "--format", "concise", "--quiet", "."]);
    assert!(stdout(&loud).contains("Found 4 findings"), "{}", stdout(&loud));
    let loud_text = stdout(&loud);
    let body: Vec<&str> = loud_text.lines().take(4).collect();
    assert_eq!(stdout(&quiet), format!("{}\n", body.join("\n")));
    assert!(stdout(&quiet).lines().all(|l| l.contains(": TW")), "{}", stdout(&quiet));
    assert_eq!(quiet.status.code(), Some(1));

    let stats = run_in(&root(), &["check", "--statistics", "fixtures/demo", "fixtures/tf-prod-pat"]);
    assert_eq!(stats.status.code(), Some(1));
    let lines: Vec<String> = stdout(&stats).lines().map(str::to_owned).collect();
    assert!(lines.contains(&"2\tTW101\tpat-in-production".to_owned()), "{lines:?}");
    assert!(lines.iter().all(|l| l.split('\t').count() == 3), "{lines:?}");
    let stats = json(&run_in(&demo, &["check", "--statistics", "--format", "json", "."]));
    assert_eq!(stats.as_array().map(Vec::len), Some(4), "{stats}");

    let zero = run_in(&demo, &["check", "--exit-zero", "."]);
    assert_eq!(zero.status.code(), Some(0));
    assert!(stdout(&zero).contains("TW101"));
    assert_eq!(run_in(&demo, &["check", "--exit-zero", "--select", "TW999", "."]).status.code(), Some(2));

    let count = |args: &[&str]| {
        let mut a = vec!["check", "--format", "json", "--select", "ALL"];
        a.extend_from_slice(args);
        a.push("fixtures");
        let v = json(&run_in(&root(), &a));
        let f = v["findings"].as_array().cloned().unwrap_or_default();
        (f.len(), f.iter().filter(|f| f["confidence"] != "high").count())
    };
    let (all, unsure) = count(&[]);
    let (high, unsure_high) = count(&["--min-confidence", "high"]);
    assert!(unsure > 0, "the fixtures have findings below high confidence");
    assert_eq!((high, unsure_high), (all - unsure, 0));
}

#[test]
fn a_literal_has_one_span_across_rules_without_its_quotes() {
    let dir = root().join("fixtures/cloud-cli-service");
    let v = json(&run_in(&dir, &["check", "--format", "json", "."]));
    let f = v["findings"].as_array().cloned().unwrap_or_default();
    let span = |code: &str| {
        f.iter()
            .find(|x| x["code"] == code)
            .map(|x| (x["line"].clone(), x["column"].clone(), x["end_line"].clone(), x["end_column"].clone()))
    };
    assert!(span("TW103").is_some(), "{v}");
    assert_eq!(span("TW103"), span("TW201"));
    let text = std::fs::read_to_string(dir.join("dbt_cloud.yml")).unwrap_or_default();
    let (line, col) = (f[0]["line"].as_u64().unwrap_or(0) as usize, f[0]["column"].as_u64().unwrap_or(0) as usize);
    let at: String = text.lines().nth(line - 1).unwrap_or("").chars().skip(col - 1).take(5).collect();
    assert_eq!(at, "dbtc_", "the span starts at the token, not its quote");
}

#[test]
fn tokenwise_is_clean_on_its_own_repository() {
    // The root `.tokenwise.yml` governs a plain `check .`, as it would in any repository.
    for args in [&["check", "--format", "concise", "."][..], &["check", "--format", "concise"][..]] {
        let out = run_in(&root(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).starts_with("No findings in "), "{}", stdout(&out));
    }
    // From a subfolder the same config governs (found upward), and the fixtures stay excluded.
    let sub = run_in(&root().join("tests"), &["check", "--format", "concise", ".."]);
    assert_eq!(sub.status.code(), Some(0), "{}{}", stdout(&sub), stderr(&sub));
    // The fixtures are still checked when named, although the root config excludes `fixtures`:
    // the pattern matches the named folder's parent, so it does not apply inside it.
    let demo = run_in(&root(), &["check", "--format", "concise", "fixtures/demo"]);
    assert_eq!(demo.status.code(), Some(1), "{}", stdout(&demo));
    assert_eq!(stdout(&demo).lines().filter(|l| l.contains(": TW")).count(), 4, "{}", stdout(&demo));
    let all = run_in(&root().join("fixtures"), &["check", "--format", "concise", "."]);
    assert_eq!(all.status.code(), Some(1), "the fixtures folder named as `.`: {}", stderr(&all));
    // A fixture with a config of its own is governed by it, not by the root's.
    let own = run_in(&root(), &["check", "--format", "concise", "fixtures/config-exclude"]);
    assert_eq!(own.status.code(), Some(0), "its `vendor` stays excluded: {}", stdout(&own));
    // A file named on the command line (pre-commit's file list) is excluded as the walk's are.
    let file = run_in(&root(), &["check", "--format", "concise", "fixtures/demo/.github/workflows/dbt-deploy.yml"]);
    assert_eq!(file.status.code(), Some(0), "{}", stdout(&file));
}

#[test]
fn the_html_footer_names_the_root_the_commit_and_the_version() {
    let repo = demo_repo();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(repo.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(repo.path().join(".git/packed-refs"), format!("{sha} refs/heads/main\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let page = stdout(&run_in(repo.path(), &["inventory", "--format", "html"]));
    let footer = page.split("<footer>").nth(1).unwrap_or("");
    let shown = repo.path().display().to_string().replace('/', "/<wbr>").replace('.', ".<wbr>");
    assert!(footer.contains(&format!("<code>{shown}</code>")), "{footer}");
    assert!(footer.contains(&format!("<code id=\"commit\">{sha}</code>")), "{footer}");
    assert!(footer.contains(&format!("<span id=\"version\">{}</span>", env!("CARGO_PKG_VERSION"))), "{footer}");
    let sub = stdout(&run_in(repo.path(), &["inventory", "--format", "html", "infra"]));
    assert!(sub.contains("<span id=\"scanned\"><code>infra</code></span>"), "{sub}");
    // Outside a git work tree: no commit.
    let plain = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    copy(&root().join("fixtures/demo"), plain.path());
    let page = stdout(&run_in(plain.path(), &["inventory", "--format", "html"]));
    assert!(page.contains("<footer>Inventory of ") && !page.contains("id=\"commit\""), "{page}");
    // Paths break at their seams only.
    assert!(page.contains(".loc code, .ref code, footer code { overflow-wrap: normal;"));
}

#[test]
fn every_format_counts_columns_in_characters() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap_or_else(|e| panic!("{e}"));
    // The literal is built here so that no fixture holds a token: 26 characters, 33 bytes before it.
    let pat = format!("dbtu_{}", "Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a");
    std::fs::write(dir.path().join("deploy/.env"), format!("# é😀\nNOTE=ééé DBT_CLOUD_TOKEN={pat}\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = |format: &str| stdout(&run_in(dir.path(), &["check", "--format", format, "."]));
    assert!(out("concise").contains("deploy/.env:2:26:"), "{}", out("concise"));
    assert!(out("pretty").contains("[deploy/.env:2:26]"), "{}", out("pretty"));
    assert!(out("json").contains("\"column\": 26"), "{}", out("json"));
    assert!(out("sarif").contains("\"startColumn\": 26"), "{}", out("sarif"));
    assert!(out("github").contains("line=2,col=26"), "{}", out("github"));
}
