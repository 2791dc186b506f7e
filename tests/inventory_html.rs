//! `inventory`'s documents. The HTML page opened in a real browser: headless Chromium loads it
//! from disk and its DOM must show the workflows × token types matrix and every use, never a
//! token literal (without Chromium that test is skipped with a note, except in CI (`CI` set),
//! where it fails). Both documents are deterministic and keep hostile names as text.

mod common;

use common::{root, run_in, stderr, stdout};
use regex::Regex;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The names a Chromium build goes by on `PATH` (Debian, Ubuntu, Chrome).
const CHROMIUM: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The first Chromium on `PATH` (`TOKENWISE_CHROMIUM` names another).
fn chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("TOKENWISE_CHROMIUM").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(named));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| CHROMIUM.map(|name| dir.join(name))).find(|p| p.is_file())
}

/// Long enough for a cold start on a loaded CI machine; a hung browser fails the test.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Load `page` in headless Chromium and return the DOM it built.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let mut pipe = child.stdout.take().unwrap_or_else(|| panic!("no stdout pipe"));
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = pipe.read_to_string(&mut dom);
        dom
    });
    let deadline = Instant::now() + BROWSER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
            }
            Err(e) => panic!("waiting for chromium: {e}"),
        }
    };
    let dom = reader.join().unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}); DOM so far:\n{dom}");
    dom
}

/// The attributes of the matrix cell for (workflow, token type).
fn cell<'a>(dom: &'a str, workflow: &str, token_type: &str) -> &'a str {
    let tag = Regex::new(r"<td ([^>]*)>").unwrap_or_else(|e| panic!("{e}"));
    let (w, t) = (format!("data-workflow=\"{workflow}\""), format!("data-token-type=\"{token_type}\""));
    tag.captures_iter(dom)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .find(|attrs| attrs.contains(&w) && attrs.contains(&t))
        .unwrap_or_else(|| panic!("no matrix cell {workflow} × {token_type} in the DOM:\n{dom}"))
}

fn classes(attrs: &str) -> Vec<&str> {
    let start = attrs.find("class=\"").map(|i| i + 7).unwrap_or(attrs.len());
    let end = attrs[start..].find('"').map(|i| start + i).unwrap_or(start);
    attrs[start..end].split_whitespace().collect()
}

/// The page's text, as a reader sees it (tags dropped, the entities the page uses decoded).
fn text(dom: &str) -> String {
    let tags = Regex::new(r"<[^>]*>").unwrap_or_else(|e| panic!("{e}"));
    tags.replace_all(dom, "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Every real-looking token literal in the demo's files.
fn demo_literals() -> Vec<String> {
    let re = Regex::new(r"dbt[cu]_[A-Za-z0-9_-]{20,}").unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut stack = vec![root().join("fixtures/demo")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")).filter_map(Result::ok) {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(s) = std::fs::read_to_string(&p) {
                out.extend(re.find_iter(&s).map(|m| m.as_str().to_owned()));
            }
        }
    }
    out
}

#[test]
fn the_html_inventory_of_the_demo_renders_in_chromium() {
    let Some(browser) = chromium() else {
        assert!(
            !in_ci(),
            "no Chromium on PATH ({CHROMIUM:?}): CI must install it (`apt-get install -y chromium`, see .ci/run)"
        );
        eprintln!("note: skipping the browser test: no Chromium on PATH (apt-get install chromium to run it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let page = dir.path().join("inventory.html");
    let page_arg = page.to_string_lossy().into_owned();
    let out = run_in(&root(), &["inventory", "--format", "html", "--output", &page_arg, "fixtures/demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "--output writes the file, not stdout");

    let dom = dump_dom(&browser, &page, &dir.path().join("profile"));
    assert!(dom.contains("<title>dbt Cloud token inventory</title>"), "the page did not load:\n{dom}");

    // The matrix: every cell present, counts right, mismatching combinations highlighted.
    for w in ["user-context-endpoint", "cloud-cli", "partner-integration", "dev-script", "production", "unknown"] {
        for t in ["personal", "service", "unknown"] {
            cell(&dom, w, t);
        }
    }
    let pat_in_prod = cell(&dom, "production", "personal");
    assert!(pat_in_prod.contains("data-count=\"1\""), "{pat_in_prod}");
    assert!(pat_in_prod.contains("data-rule=\"TW101\""), "{pat_in_prod}");
    assert!(classes(pat_in_prod).contains(&"mismatch") && classes(pat_in_prod).contains(&"error"), "{pat_in_prod}");
    let svc_on_user = cell(&dom, "user-context-endpoint", "service");
    assert!(svc_on_user.contains("data-count=\"1\"") && classes(svc_on_user).contains(&"error"), "{svc_on_user}");
    let svc_in_prod = cell(&dom, "production", "service");
    assert!(svc_in_prod.contains("data-count=\"1\"") && !classes(svc_in_prod).contains(&"mismatch"), "{svc_in_prod}");
    let empty_mismatch = cell(&dom, "cloud-cli", "service");
    assert!(empty_mismatch.contains("data-count=\"0\"") && !classes(empty_mismatch).contains(&"error"));
    assert!(dom.contains("<th>6</th></tr></tfoot>"), "the total is every use");

    // Every use listed; the PAT in production with its location, reference, sink and evidence.
    assert_eq!(dom.matches("<tr id=\"use-").count(), 6, "{dom}");
    let page_text = text(&dom);
    for expected in [
        "fixtures/demo/.github/workflows/dbt-deploy.yml:13",
        "secrets.DBT_CLOUD_PAT",
        "environment variable DBT_CLOUD_TOKEN of job deploy",
        "token: secret name DBT_CLOUD_PAT says personal",
        "fixtures/demo/scripts/reset_dev_credentials.py:10",
        "fixtures/demo/.dbt/dbt_cloud.yml:10",
    ] {
        assert!(page_text.contains(expected), "`{expected}` missing from the page:\n{page_text}");
    }
    assert!(
        dom.contains("<tr id=\"use-2\" class=\"error\" data-workflow=\"production\" data-token-type=\"personal\">")
    );

    // The committed literal is listed, masked; no literal reaches the page.
    let literals = demo_literals();
    assert!(!literals.is_empty(), "the demo has a committed literal to mask");
    for literal in &literals {
        assert!(!dom.contains(literal.as_str()), "token literal in the page");
        assert!(page_text.contains(&format!("{}…{}", &literal[..5], &literal[literal.len() - 4..])));
    }
    let token_like = Regex::new(r"dbt[cu]_[A-Za-z0-9_-]{8,}").unwrap_or_else(|e| panic!("{e}"));
    assert!(!token_like.is_match(&dom), "token-like run in the page");

    // Self-contained: nothing to fetch, nothing to run.
    for tag in ["<script", "<link", "<img", "<iframe", "<object", "<embed"] {
        assert!(!dom.contains(tag), "the page has {tag}");
    }
}

#[test]
fn the_documents_are_deterministic_and_masked() {
    let literals = demo_literals();
    for format in ["markdown", "html"] {
        let first = run_in(&root(), &["inventory", "--format", format, "fixtures/demo"]);
        let second = run_in(&root(), &["inventory", "--format", format, "fixtures/demo"]);
        assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
        assert_eq!(stdout(&first), stdout(&second), "{format} is not byte-identical across runs");
        for literal in &literals {
            assert!(!stdout(&first).contains(literal.as_str()), "token literal in {format}");
        }
    }
    let md = stdout(&run_in(&root(), &["inventory", "--format", "markdown", "fixtures/demo"]));
    assert!(md.contains("| production | **1** ⛔ TW101 | 1 | 0 | 2 |\n"), "{md}");
    assert!(md.contains("| **total** | 3 | 3 | 0 | 6 |\n"), "{md}");
    assert!(md.contains("| `fixtures/demo/.github/workflows/dbt-deploy.yml:13:28` | production | personal | medium | `secrets.DBT_CLOUD_PAT` |"), "{md}");
}

#[test]
fn hostile_names_stay_text() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join(".github/workflows/deploy.yml"),
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    \
         environment: \"<img src=x onerror=alert(1)>|prod\"\n    env:\n      \
         DBT_CLOUD_TOKEN: ${{ secrets.DBT_CLOUD_PAT }}\n    steps:\n      - run: echo\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let html = stdout(&run_in(dir.path(), &["inventory", "--format", "html", "."]));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;|prod"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    let md = stdout(&run_in(dir.path(), &["inventory", "--format", "markdown", "."]));
    assert!(md.contains("`<img src=x onerror=alert(1)>\\|prod`"), "inside a code span, only the pipe is escaped: {md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("| `.github")).count(), 1, "{md}");
}
