//! TW202: a committed legacy user API key (40 hex characters, no prefix) as the value of a dbt
//! token name: a leaked credential that no longer works. Also code that calls the legacy key
//! rotation endpoint (`/api/v2/users/{id}/apikey/`), which went away with the keys: the call
//! fails whatever token it carries, so it is dead as the keys are (TW104, which says "send a
//! PAT", would give the wrong fix).

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::extract::EndpointKind;
use crate::model::{Confidence, Evidence, Loc};
use crate::tree::Span;

pub const SPEC: Spec = Spec { code: "TW202", name: "legacy-user-api-key", slots: &["what"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(src) = input.files.get(file) else { continue };
        for v in &facts.hex_values {
            let Some(key) = src.text.get(v.start..v.end) else { continue };
            let at = Loc { file, span: Span::new(v.start, v.end) };
            let draft = Draft {
                at,
                subject: Some(at),
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![Evidence::at(
                    format!("token: 40 hex characters without a prefix as the value of `{}` is a legacy user API key", v.name),
                    at,
                )],
                vars: vec![("what", format!("committed as the value of `{}`", v.name))],
                help: None,
                key: vec![fingerprint::literal_hash(key)],
            };
            out.push(finding(rule, draft));
        }
        for call in facts.endpoint_calls.iter().filter(|c| c.kind == EndpointKind::Retired) {
            let at = Loc { file, span: call.span };
            // The token the file's requests carry is what is sent to the dead endpoint.
            let token = input.uses.iter().find(|u| u.usage.at.file == file && !u.usage.latent);
            let draft = Draft {
                at,
                subject: token.map(|u| u.usage.at),
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![Evidence::at(
                    format!("endpoint: `{}` rotated legacy user API keys, which no longer exist", call.endpoint),
                    at,
                )],
                vars: vec![("what", format!("endpoint `{}` called: it went away with the legacy keys", call.endpoint))],
                help: Some("remove the call: legacy user API keys no longer exist, so the endpoint fails whatever token it is sent; manage personal access tokens in Account settings → API tokens (or the account-apikeys endpoints) and use a service token for automation".into()),
                key: vec!["endpoint".into(), call.endpoint.to_lowercase()],
            };
            out.push(finding(rule, draft));
        }
    }
}
