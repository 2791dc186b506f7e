//! TW106: a personal access token authenticates the creation or management of service tokens:
//! dbt answers such requests with a 400 (the inverse of TW104). Found in Terraform: a service
//! token resource managed by a provider whose token is personal, following the resource's
//! `provider` alias and the providers a module is handed; in Pulumi: a `dbtcloud:ServiceToken`
//! of a project whose stack config gives the provider a personal token; in code: a request to
//! the service-tokens endpoints from a file whose dbt Cloud token is personal.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::extract::EndpointKind;
use crate::extract::terraform::{TfFile, is_service_token_type};
use crate::model::{ClassifiedUse, Evidence, Loc, TokenType};
use crate::resolve::terraform::{join, parent};

pub const SPEC: Spec = Spec { code: "TW106", name: "pat-creates-service-token", slots: &[], mismatch: None, check };

/// How many module levels a provider is followed up.
const MAX_DEPTH: usize = 8;

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let tfs: Vec<(usize, &str, &TfFile)> = input
        .facts
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((i, input.files.get(i)?.display.as_str(), f.terraform.as_ref()?)))
        .collect();
    for &(file, path, tf) in &tfs {
        let dir = parent(path);
        for r in tf.resources.iter().filter(|r| !r.data && is_service_token_type(&r.rtype)) {
            // Terraform's default provider for a type is its first word (`dbtcloud_…`).
            let target = r.provider.as_deref().map(str::trim).map(str::to_owned);
            let target = target.unwrap_or_else(|| r.rtype.split('_').next().unwrap_or("").to_owned());
            let Some(provider_use) = provider_use(input, &tfs, &dir, &target, 0) else { continue };
            if provider_use.class.token_type != TokenType::Personal {
                continue;
            }
            let Some(st) = tf.service_tokens.iter().find(|t| t.label == r.name) else { continue };
            let at = Loc { file, span: st.at };
            let mut evidence = vec![Evidence::at(
                format!("service token `{}.{}` is managed by provider `{target}`", r.rtype, r.name),
                at,
            )];
            evidence.extend(provider_use.class.evidence.iter().filter(|e| e.text.starts_with("token:")).cloned());
            evidence.push(Evidence::at(
                format!("token: the provider authenticates with {}", provider_use.usage.reference),
                provider_use.usage.at,
            ));
            let draft = Draft {
                at,
                subject: Some(at),
                workflow: Some(provider_use.class.workflow),
                token_type: Some(TokenType::Personal),
                confidence: provider_use.class.confidence,
                evidence,
                vars: vec![],
                help: None,
                key: vec![
                    format!("{}.{}", r.rtype, r.name),
                    fingerprint::of_use(&provider_use.usage, input.files.get(provider_use.usage.at.file)),
                ],
            };
            out.push(finding(rule, draft));
        }
    }
    pulumi(rule, input, out);
    code(rule, input, out);
}

/// Pulumi: a declared `dbtcloud:ServiceToken` and the provider token of the same project (its
/// `Pulumi.yaml` and stack configs share a folder) when that token is personal.
fn pulumi(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let s = &input.policy.signals;
    let dir_of = |file: usize| input.files.get(file).map(|f| parent(&f.display));
    let is_pulumi = |file: usize| {
        input.files.get(file).is_some_and(|f| crate::extract::pulumi::is_pulumi(&f.display, s))
    };
    let providers: Vec<&ClassifiedUse> = input
        .uses
        .iter()
        .filter(|u| !u.usage.declaration && is_pulumi(u.usage.at.file) && u.usage.sink.starts_with("Pulumi config"))
        .collect();
    for decl in input.uses.iter().filter(|u| u.usage.declaration && is_pulumi(u.usage.at.file)) {
        let dir = dir_of(decl.usage.at.file);
        let Some(provider) = providers
            .iter()
            .find(|p| dir_of(p.usage.at.file) == dir && p.class.token_type == TokenType::Personal)
        else {
            continue;
        };
        let at = decl.usage.at;
        let mut evidence =
            vec![Evidence::at(format!("service token `{}` is declared in the Pulumi project", decl.usage.reference), at)];
        evidence.extend(provider.class.evidence.iter().filter(|e| e.text.starts_with("token:")).cloned());
        evidence.push(Evidence::at(
            format!("token: the dbt Cloud provider authenticates with {}", provider.usage.reference),
            provider.usage.at,
        ));
        out.push(finding(
            rule,
            Draft {
                at,
                subject: Some(at),
                workflow: Some(provider.class.workflow),
                token_type: Some(TokenType::Personal),
                confidence: provider.class.confidence,
                evidence,
                vars: vec![],
                help: None,
                key: vec![
                    decl.usage.reference.clone(),
                    fingerprint::of_use(&provider.usage, input.files.get(provider.usage.at.file)),
                ],
            },
        ));
    }
}

/// Code: a request to the service-tokens endpoints from a file whose dbt Cloud token use is
/// personal (the file's requests carry its token).
fn code(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let calls: Vec<_> = facts.endpoint_calls.iter().filter(|c| c.kind == EndpointKind::ServiceTokens).collect();
        let Some(call) = calls.first() else { continue };
        let Some(token) = input
            .uses
            .iter()
            .find(|u| u.usage.at.file == file && !u.usage.latent && u.class.token_type == TokenType::Personal)
        else {
            continue;
        };
        let at = Loc { file, span: call.span };
        let mut evidence = vec![Evidence::at(format!("the code calls the service-tokens endpoint `{}`", call.endpoint), at)];
        evidence.extend(token.class.evidence.iter().filter(|e| e.text.starts_with("token:")).cloned());
        evidence.push(Evidence::at(format!("token: the file's requests carry {}", token.usage.reference), token.usage.at));
        out.push(finding(
            rule,
            Draft {
                at,
                subject: Some(token.usage.at),
                workflow: Some(token.class.workflow),
                token_type: Some(TokenType::Personal),
                confidence: token.class.confidence,
                evidence,
                vars: vec![],
                help: None,
                key: vec![call.endpoint.to_lowercase(), fingerprint::of_use(&token.usage, input.files.get(file))],
            },
        ));
    }
}

/// The use of the token of provider `target` (`local` or `local.alias`) as seen in `dir`: its
/// block there, or, when `dir` is a module, the provider its callers hand it.
fn provider_use<'a>(
    input: &'a Input,
    tfs: &[(usize, &str, &TfFile)],
    dir: &str,
    target: &str,
    depth: usize,
) -> Option<&'a ClassifiedUse> {
    let (local, alias) = match target.split_once('.') {
        Some((l, a)) => (l, Some(a)),
        None => (target, None),
    };
    for &(file, _, tf) in tfs.iter().filter(|(_, p, _)| parent(p) == dir) {
        if let Some(p) = tf.providers.iter().find(|p| p.local == local && p.alias.as_deref() == alias) {
            let at = Loc { file, span: p.token.as_ref()?.span };
            return input.uses.iter().find(|u| u.usage.at == at || at.contains(&u.usage.at));
        }
    }
    if depth >= MAX_DEPTH {
        return None;
    }
    // A module: the provider its caller maps to this name, or the caller's own default.
    for &(_, path, tf) in tfs {
        let caller = parent(path);
        for m in tf.modules.iter().filter(|m| join(&caller, &m.source).as_deref() == Some(dir)) {
            let outer = match m.providers.iter().find(|(inner, _)| inner.trim() == target) {
                Some((_, outer)) => outer.trim().to_owned(),
                None if m.providers.is_empty() && alias.is_none() => local.to_owned(),
                None => continue,
            };
            if let Some(u) = provider_use(input, tfs, &caller, &outer, depth + 1) {
                return Some(u);
            }
        }
    }
    None
}
