//! TW101: a personal access token used in a production workflow. Fixes: point the workflow at
//! the service-token secret the repository already defines (unsafe: that the secret is for the
//! same account is only as sure as the ids the repository shows), and the least-privilege
//! service token.

use super::{Finding, Spec, mismatch};
use crate::fix::service_token::Repo;
use crate::fix::{Edit, Fix};
use crate::model::{ClassifiedUse, TokenType, Workflow};

pub const SPEC: Spec = Spec {
    check: |rule, input, out| mismatch::check_then(rule, input, out, attach),
    ..mismatch::spec("TW101", "pat-in-production", TokenType::Personal, Workflow::Production)
};

fn attach(cu: &ClassifiedUse, repo: &Repo, f: &mut Finding) {
    f.fixes.extend(service_secret(cu, repo));
    mismatch::attach_service_token(cu, repo, f);
}

/// Switch `secrets.PAT` to the one service-token secret the repository defines (a workflow
/// reading it as a service token, or Terraform writing a `token_string` into it), when there is
/// exactly one and the account ids the two files show (if any) agree.
fn service_secret(cu: &ClassifiedUse, repo: &Repo) -> Option<Fix> {
    let input = repo.input;
    let name = crate::fix::service_token::secret_name(&cu.usage.reference)?;
    let src = input.files.get(cu.usage.at.file)?;
    let account = &repo.ids(cu.usage.at.file).account;
    let same_account = |file: usize| {
        let other = &repo.ids(file).account;
        account.is_none() || other.is_none() || other == account
    };
    let mut candidates: Vec<&(String, usize)> =
        repo.service_secrets.iter().filter(|(n, file)| n != name && same_account(*file)).collect();
    candidates.dedup_by(|a, b| a.0 == b.0);
    let [(secret, file)] = candidates.as_slice() else { return None };
    let text = src.text.get(cu.usage.at.span.start..cu.usage.at.span.end)?;
    let i = text.find(&format!("secrets.{name}"))? + "secrets.".len();
    let start = cu.usage.at.span.start + i;
    let mut at = cu.usage.at;
    at.span = crate::tree::Span::new(start, start + name.len());
    let defined = input.files.get(*file).map(|s| s.display.as_str()).unwrap_or("");
    Some(Fix::unsafe_(
        format!(
            "read the service-token secret `{secret}` (used in `{defined}`) instead of `{name}`; unsafe: check that it belongs to the same dbt Cloud account and has the permission sets this job needs"
        ),
        vec![Edit::replace(at, secret.clone())],
    ))
}
