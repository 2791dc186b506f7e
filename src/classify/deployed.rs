//! Deployed functions and containers (Google Cloud Functions, AWS Lambda, Azure): code and
//! manifests of an app the team deploys for others to call, so a custom app (SPEC §3,
//! partner-integration), not a developer's script.

use crate::classify::names::words;
use crate::model::fact::{Fact, FunctionCode};
use crate::policy::Signals;

/// Whether code is a deployed function: its folder (`cloud_functions/`, `lambda/`) or an entry
/// point or framework it names (`def lambda_handler(`, `functions_framework`).
pub fn function_code(path: &str, text: &str, s: &Signals) -> Option<Fact> {
    let f = &s.ecosystems.functions;
    let segments: Vec<&str> = path.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    let why = if let Some(dir) = dirs.iter().find(|d| f.paths.contains(&d.to_ascii_lowercase())) {
        FunctionCode::Folder((*dir).to_owned())
    } else {
        let marker = f.code_markers.iter().find(|m| text.contains(m.as_str()))?;
        FunctionCode::Marker(marker.clone())
    };
    Some(Fact::FunctionCode { why })
}

/// Whether a YAML file declares deployed functions: `serverless.yml`, or an AWS SAM or
/// CloudFormation template by its markers.
pub fn is_function_manifest(path: &str, text: &str, s: &Signals) -> bool {
    let f = &s.ecosystems.functions;
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = file.split('.').next().unwrap_or("");
    f.manifest_files.iter().any(|m| m == stem) || f.manifest_markers.iter().any(|m| text.contains(m.as_str()))
}

/// The deploy command a shell line runs (`gcloud functions deploy`), by its words.
pub fn deploy_command<'a>(line: &str, s: &'a Signals) -> Option<&'a str> {
    let ws = words(line);
    s.ecosystems.functions.deploy_commands.iter().map(String::as_str).find(|c| {
        let cw = words(c);
        !cw.is_empty() && ws.windows(cw.len()).any(|w| w == cw.as_slice())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{builtin, raw_list};

    #[test]
    fn policy_examples_hold() {
        let s = &builtin().signals;
        let ex = builtin().examples.get("deployments").and_then(|d| d.get("functions")).and_then(|f| f.get("examples"));
        let ex = ex.cloned().unwrap_or_else(|| panic!("functions examples"));
        for p in raw_list(&ex, "function_paths") {
            assert!(function_code(&p, "", s).is_some(), "{p}");
        }
        for p in raw_list(&ex, "other_paths") {
            assert!(function_code(&p, "import requests\n", s).is_none(), "{p}");
        }
        for c in raw_list(&ex, "function_code") {
            assert!(function_code("src/main.py", &c, s).is_some(), "{c}");
        }
        for c in raw_list(&ex, "other_code") {
            assert!(function_code("src/main.py", &c, s).is_none(), "{c}");
        }
        for m in raw_list(&ex, "manifests") {
            assert!(is_function_manifest(&m, "", s) || is_function_manifest("infra/x.yaml", &m, s), "{m}");
        }
        for m in raw_list(&ex, "not_manifests") {
            assert!(!is_function_manifest(&m, "", s), "{m}");
        }
        for c in raw_list(&ex, "deploy_commands") {
            assert!(deploy_command(&c, s).is_some(), "{c}");
        }
        for c in raw_list(&ex, "other_commands") {
            assert!(deploy_command(&c, s).is_none(), "{c}");
        }
    }
}
