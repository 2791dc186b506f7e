//! TW204: a Terraform `output` that exposes a service token's (or a SCIM token's)
//! `token_string` without `sensitive = true`, directly or through a local: plan and apply logs
//! print it.

use super::{Draft, Finding, Input, Remedy, Rule, Spec, finding};
use crate::model::{Confidence, Evidence, Loc};
use crate::resolve::terraform::parent;
use regex::Regex;
use std::sync::OnceLock;

pub const SPEC: Spec = Spec { code: "TW204", name: "exposed-token-output", slots: &["output"], mismatch: None, check };

/// `dbtcloud_service_token.X.token_string`, `dbtcloud_scim_config_token.X.token_string`.
fn token_string() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\bdbt_?cloud_(?:service_token|scim_config_token)\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.token_string\b").ok())
        .as_ref()
}

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let Some(re) = token_string() else { return };
    // Per folder, the locals whose value holds a token string.
    let mut secret_locals: Vec<(String, String)> = Vec::new();
    for (file, facts) in input.facts.iter().enumerate() {
        let (Some(tf), Some(src)) = (&facts.terraform, input.files.get(file)) else { continue };
        for (name, value) in &tf.locals {
            if re.is_match(&value.text) {
                secret_locals.push((parent(&src.display), name.clone()));
            }
        }
    }
    for (file, facts) in input.facts.iter().enumerate() {
        let (Some(tf), Some(src)) = (&facts.terraform, input.files.get(file)) else { continue };
        let dir = parent(&src.display);
        for o in tf.outputs.iter().filter(|o| !o.sensitive) {
            let direct = re.find(&o.value.text).map(|m| m.as_str().to_owned());
            let via_local = secret_locals
                .iter()
                .filter(|(d, _)| *d == dir)
                .find(|(_, l)| o.value.text.contains(&format!("local.{l}")))
                .map(|(_, l)| format!("local.{l}"));
            let Some(what) = direct.or(via_local) else { continue };
            let at = Loc { file, span: o.at };
            let draft = Draft {
                at,
                subject: None,
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![Evidence::at(format!("output: its value is `{what}`, and it is not marked sensitive"), at)],
                vars: vec![("output", o.name.clone())],
                help: None,
                key: vec![o.name.clone()],
            };
            let mut f = finding(rule, draft);
            // The fix writes an HCL line: not into Terraform's JSON syntax.
            if !tf.json {
                f.remedy = Some(Remedy::MarkSensitive { block: Loc { file, span: o.block } });
            }
            out.push(f);
        }
    }
}
