//! TW501: a token sent to, or a client that carries one configured with, a shared region URL
//! that dbt retires for API integrations; or a client whose default is one and that sets none.

use super::{Draft, Finding, Input, Remedy, Rule, Spec, finding};
use crate::classify::names::words;
use crate::extract::access_url::HostMention;
use crate::kind::FileKind;
use crate::model::{Confidence, Evidence, Loc};
use crate::tree::Span;
use std::collections::{BTreeMap, BTreeSet};

pub const SPEC: Spec = Spec { code: "TW501", name: "retiring-access-url", slots: &["url"], mismatch: None, check };

fn check(rule: Rule, input: &Input, out: &mut Vec<Finding>) {
    let urls = &input.policy.signals.access_urls;
    let candidate = account_host(input);
    let help = |host: &str| match &candidate {
        Some(new) => format!(
            "replace `{host}` with this account's own access URL `{new}` (the repository uses it elsewhere); dbt retires the shared region URLs for API integrations on {}",
            urls.retire_date
        ),
        None => format!(
            "replace `{host}` with your account's access URL (Account settings → Access URLs, `https://ACCOUNT_PREFIX.REGION.dbt.com`) before {}",
            urls.retire_date
        ),
    };
    let files_with_uses: BTreeSet<usize> = input.uses.iter().map(|u| u.usage.at.file).collect();
    for (file, facts) in input.facts.iter().enumerate() {
        // Most files name no retiring host: their paths are not read at all.
        if !facts.hosts.iter().any(|m| m.retiring && !m.comment) {
            continue;
        }
        let Some(src) = input.files.get(file) else { continue };
        let kind = crate::kind::of_path(&src.display);
        let config_kind = matches!(
            kind,
            FileKind::Terraform
                | FileKind::TerraformVars
                | FileKind::TerraformJson
                | FileKind::Terragrunt
                | FileKind::CloudCli
        );
        let has_token = files_with_uses.contains(&file);
        // A test's URL is the one its mock answers (`responses.add(POST, url)`): it is not a
        // client's configuration unless the test itself sends a dbt Cloud token.
        if !has_token && crate::classify::names::is_test_file(&src.display, &input.policy.signals) {
            continue;
        }
        // An example or template shows the syntax; whoever copies it gives their own URL.
        if crate::classify::names::example_segment(&src.display, &input.policy.signals).is_some() {
            continue;
        }
        let terraform = config_kind && kind != FileKind::CloudCli;
        for m in facts.hosts.iter().filter(|m| m.retiring && !m.comment) {
            if terraform && is_fallback(m, &src.text) {
                continue;
            }
            let Some(why) = why_a_client(m, config_kind, has_token, input) else { continue };
            let at = Loc { file, span: Span::new(m.start, m.end) };
            let draft = Draft {
                at,
                subject: None,
                workflow: None,
                token_type: None,
                confidence: Confidence::High,
                evidence: vec![Evidence::at(why, at)],
                vars: vec![("url", m.host.clone())],
                help: Some(help(&m.host)),
                key: vec![m.host.clone()],
            };
            let mut f = finding(rule, draft);
            f.remedy = Some(Remedy::ReplaceHost { host: at, with: candidate.clone() });
            out.push(f);
        }
    }
    if input.facts.iter().any(|f| f.sets_host_env) {
        return;
    }
    for (file, provider) in providers_without_host(input) {
        let at = Loc { file, span: provider.1 };
        let draft = Draft {
            at,
            subject: None,
            workflow: None,
            token_type: None,
            confidence: Confidence::Medium,
            evidence: vec![Evidence::at(
                format!(
                    "url: provider `{}` sets no `host_url` and nothing in the repository sets `{}`, so it uses its default `{}`",
                    provider.0,
                    urls.host_env.join("`/`"),
                    urls.provider_default
                ),
                at,
            )],
            vars: vec![("url", urls.provider_default.clone())],
            help: Some(match &candidate {
                Some(new) => format!("set `host_url = \"https://{new}/api\"` on the provider (or `DBT_CLOUD_HOST_URL` where it runs) before {}", urls.retire_date),
                None => format!("set `host_url` to your account's access URL (`https://ACCOUNT_PREFIX.REGION.dbt.com/api`) on the provider, or `DBT_CLOUD_HOST_URL` where it runs, before {}", urls.retire_date),
            }),
            key: vec!["default-host".to_owned(), provider.0.clone()],
        };
        let mut f = finding(rule, draft);
        // The fix writes an HCL line: not into Terraform's JSON syntax.
        let json = input.facts.get(file).and_then(|f| f.terraform.as_ref()).is_some_and(|tf| tf.json);
        if !json {
            f.remedy = Some(Remedy::SetProviderHost { provider: at, with: candidate.as_ref().map(|h| format!("https://{h}/api")) });
        }
        out.push(f);
    }
}

/// Why a mention is a client's URL, or `None` for a mere mention: the value of a host key, a
/// URL in a file that carries a dbt token, or one in Terraform or a Cloud CLI config.
fn why_a_client(m: &HostMention, config_kind: bool, has_token: bool, input: &Input) -> Option<String> {
    let urls = &input.policy.signals.access_urls;
    let key_words = m.key.as_deref().map(words).unwrap_or_default();
    if key_words.iter().any(|w| urls.prose_key_words.contains(w)) {
        return None;
    }
    if let Some(key) = &m.key
        && key_words.iter().any(|w| urls.host_key_words.contains(w))
    {
        return Some(format!("url: `{key}` is set to the shared region host `{}`", m.host));
    }
    if has_token {
        return Some(format!("url: the file sends a dbt Cloud token, and names the shared region host `{}`", m.host));
    }
    config_kind.then(|| format!("url: dbt Cloud configuration names the shared region host `{}`", m.host))
}

/// Whether a Terraform mention is a fallback rather than the value a client is given: a
/// variable's `default`, or an argument after the first of `coalesce(…)` / `try(…)` /
/// `lookup(…)` (`coalesce(var.host, "https://cloud.getdbt.com")`). The value callers set wins
/// there, and where they set the old URL, that is the finding.
fn is_fallback(m: &HostMention, text: &str) -> bool {
    if m.key.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("default")) {
        return true;
    }
    // Back from the mention to the call that holds it, over at most a few lines.
    let from = m.start.saturating_sub(FALLBACK_CONTEXT);
    let Some(before) = text.get(from..m.start) else { return false };
    let bytes = before.as_bytes();
    let (mut depth, mut commas) = (0usize, 0usize);
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => {
                let name = before.get(..i).unwrap_or("").trim_end();
                let call = name.rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or("");
                return commas > 0 && FALLBACK_CALLS.contains(&call);
            }
            b'[' | b'{' => return false,
            b',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    false
}

/// The Terraform functions whose later arguments are fallbacks.
const FALLBACK_CALLS: [&str; 3] = ["coalesce", "try", "lookup"];

/// How far back a fallback's call is looked for.
const FALLBACK_CONTEXT: usize = 2048;

/// The account-specific host the repository shows, when it shows exactly one.
fn account_host(input: &Input) -> Option<String> {
    let hosts: BTreeSet<String> = input
        .facts
        .iter()
        .flat_map(|f| f.hosts.iter())
        .filter(|m| !m.retiring)
        .map(|m| m.host.to_ascii_lowercase())
        .collect();
    (hosts.len() == 1).then(|| hosts.into_iter().next()).flatten()
}

/// The dbt Cloud provider blocks that set no `host_url`, as (file, (local name, label span)).
fn providers_without_host(input: &Input) -> Vec<(usize, (String, Span))> {
    let s = &input.policy.signals;
    // Per folder, the local names mapped to a source, and those mapped to dbt Cloud's.
    let mut mapped: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (file, facts) in input.facts.iter().enumerate() {
        let (Some(tf), Some(src)) = (&facts.terraform, input.files.get(file)) else { continue };
        let entry = mapped.entry(folder(&src.display)).or_default();
        for (local, source) in &tf.required {
            entry.0.insert(local.clone());
            if s.provider_sources.iter().any(|p| p == source) {
                entry.1.insert(local.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (file, facts) in input.facts.iter().enumerate() {
        let (Some(tf), Some(src)) = (&facts.terraform, input.files.get(file)) else { continue };
        let (all, dbt) = mapped.get(&folder(&src.display)).cloned().unwrap_or_default();
        for p in tf.providers.iter().filter(|p| p.host_url.is_none()) {
            let is_dbt = dbt.contains(&p.local) || (!all.contains(&p.local) && s.provider_default_names.contains(&p.local));
            if is_dbt {
                out.push((file, (p.local.clone(), p.at)));
            }
        }
    }
    out
}

fn folder(path: &str) -> String {
    path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::extract::access_url::mentions;

    #[test]
    fn defaults_and_fallbacks_are_not_a_clients_value() {
        let urls = crate::policy::builtin().signals.access_urls.clone();
        let fallback = |text: &str| {
            let got = mentions(text, &urls.retiring, urls.account.as_ref(), false);
            got.iter().map(|m| super::is_fallback(m, text)).collect::<Vec<_>>()
        };
        assert_eq!(fallback("variable \"h\" {\n  default = \"https://cloud.getdbt.com\"\n}\n"), [true]);
        assert_eq!(fallback("  h = coalesce(var.h, \"https://cloud.getdbt.com\")\n"), [true]);
        assert_eq!(fallback("  h = coalesce(\n    var.h,\n    try(x(y), null),\n    \"https://emea.dbt.com\",\n  )\n"), [true]);
        assert_eq!(fallback("  h = try(local.h, \"https://au.dbt.com\")\n"), [true]);
        // The first argument, a plain value, a list, another function: the client's value.
        assert_eq!(fallback("  h = coalesce(\"https://cloud.getdbt.com\", var.h)\n"), [false]);
        assert_eq!(fallback("  host_url = \"https://cloud.getdbt.com/api\"\n"), [false]);
        assert_eq!(fallback("  hosts = [var.h, \"https://cloud.getdbt.com\"]\n"), [false]);
        assert_eq!(fallback("  u = format(\"%s/x\", \"https://cloud.getdbt.com\")\n"), [false]);
    }

    #[test]
    fn the_policy_examples_hold() {
        let p = crate::policy::builtin();
        let urls = &p.signals.access_urls;
        let ex = p.examples.get("access_urls").and_then(|n| n.get("examples")).cloned();
        let ex = ex.unwrap_or_else(|| panic!("access_urls has examples"));
        for (group, retiring, account) in [("retiring", 1, 0), ("account", 0, 1), ("neither", 0, 0)] {
            for text in crate::policy::raw_list(&ex, group) {
                let got = mentions(&text, &urls.retiring, urls.account.as_ref(), false);
                assert_eq!(got.iter().filter(|m| m.retiring).count(), retiring, "{group}: {text}");
                assert_eq!(got.iter().filter(|m| !m.retiring).count(), account, "{group}: {text}");
            }
        }
    }
}
