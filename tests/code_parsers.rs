//! Code read by parsers, end to end: the workflow, token type and confidence of each use in the
//! code fixtures, and the uses that must not exist.

mod common;

use common::{root, run_in};

/// (workflow, token type, confidence, line) of every use in a fixture, in report order.
fn uses(fixture: &str) -> Vec<(String, String, String, u64)> {
    let out = run_in(&root().join("fixtures").join(fixture), &["inventory", "--format", "json", "."]);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("the output must be JSON: {e}"));
    json["token_uses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap_or("").to_owned();
            (s("workflow"), s("token_type"), s("confidence"), u["line"].as_u64().unwrap_or(0))
        })
        .collect()
}

fn row(w: &str, t: &str, c: &str, line: u64) -> (String, String, String, u64) {
    (w.to_owned(), t.to_owned(), c.to_owned(), line)
}

#[test]
fn urls_built_from_parts_are_judged_by_their_endpoint() {
    for (fixture, t, line) in [
        ("py-built-user-endpoint-service", "service", 13),
        ("py-built-user-endpoint-pat", "personal", 13),
        ("js-built-user-endpoint-service", "service", 3),
        ("js-built-user-endpoint-pat", "personal", 3),
        ("sh-built-user-endpoint-service", "service", 8),
        ("sh-built-user-endpoint-pat", "personal", 8),
        ("go-built-user-endpoint-service", "service", 19),
        ("go-built-user-endpoint-pat", "personal", 19),
    ] {
        assert_eq!(uses(fixture), [row("user-context-endpoint", t, "medium", line)], "{fixture}");
    }
    // The same base constant building the job-run endpoint is not a user-context call.
    let got = uses("py-built-jobs-endpoint-service");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_ne!(got[0].0, "user-context-endpoint");
}

#[test]
fn a_read_is_a_read_and_each_read_is_a_use() {
    assert_eq!(uses("py-helper-read-dev-service"), [row("dev-script", "service", "low", 13)]);
    assert_eq!(uses("py-env-read-test-service"), [row("dev-script", "service", "low", 12)]);
    assert_eq!(
        uses("go-read-dev-service"),
        [row("dev-script", "service", "low", 11), row("dev-script", "service", "low", 15)]
    );
    // Keyword arguments, dict keys, a placeholder constant and a token's name are no uses.
    assert_eq!(uses("py-kwarg-mock-service"), []);
}
