//! The rules: each judges classified uses (or raw file facts) and emits findings. A rule is a
//! value of [`Rule`]; its check is in its own file here, its texts and default severity are in
//! `rules/dbt-cloud.yml`, and the registry below is the one list of them that `run`, `rules`,
//! `explain`, SARIF, the inventory and the README's rule table follow.

mod finding;
pub mod fingerprint;
mod mismatch;

pub use finding::{Draft, Finding, Remedy, finding};
pub use hardcoded::literal_finding;
pub use unused_suppression::findings as unused_suppressions;

use crate::extract::FileFacts;
use crate::model::{ClassifiedUse, TokenType, Workflow};
use crate::policy::{Policy, RuleMeta};
use crate::source::SourceFile;
use std::sync::OnceLock;

/// What the registry knows of a rule: its identity, the `{slot}`s its message has, and its check.
pub struct Spec {
    pub code: &'static str,
    pub name: &'static str,
    /// The `{slot}`s of its message in `rules/dbt-cloud.yml`; each finding fills every one.
    pub slots: &'static [&'static str],
    /// For the rules that judge a token type against its workflow: the pair that does not fit.
    pub mismatch: Option<(TokenType, Workflow)>,
    /// Appends the rule's findings; it is handed its own [`Rule`].
    pub check: fn(Rule, &Input, &mut Vec<Finding>),
}

/// The registry: one line per rule, `Variant => file`, in report order (the order of `rules`,
/// SARIF and `rules/dbt-cloud.yml`). Each file under `rules/` defines its rule's `SPEC`.
macro_rules! registry {
    ($($rule:ident => $file:ident,)*) => {
        $(mod $file;)*

        /// A rule. The variants are the registry; a rule's code and name are in its [`Spec`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($rule,)*
        }

        impl Rule {
            /// Every rule, in report order.
            pub const ALL: &'static [Rule] = &[$(Rule::$rule,)*];

            pub fn spec(self) -> &'static Spec {
                match self {
                    $(Rule::$rule => &$file::SPEC,)*
                }
            }
        }
    };
}

registry! {
    ParseError => parse_error,
    UnusedSuppression => unused_suppression,
    PatInProduction => pat_in_production,
    PatInPartnerIntegration => pat_in_partner_integration,
    ServiceTokenInCloudCli => service_token_in_cloud_cli,
    ServiceTokenOnUserEndpoint => service_token_on_user_endpoint,
    ServiceTokenInDevWorkflow => service_token_in_dev_workflow,
    PatCreatesServiceToken => pat_creates_service_token,
    HardcodedToken => hardcoded,
    LegacyUserApiKey => legacy_key,
    CommittedCredentialCache => credential_cache,
    ExposedTokenOutput => exposed_output,
    OverprivilegedIntegrationToken => overprivileged,
    UnassignablePermissionSet => unassignable_set,
    UnknownTokenType => unknown_type,
    RetiringAccessUrl => retiring_url,
}

impl Rule {
    pub fn code(self) -> &'static str {
        self.spec().code
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Its position in [`Rule::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The rule a code (any case) or name stands for.
    pub fn parse(code_or_name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code().eq_ignore_ascii_case(code_or_name) || r.name() == code_or_name)
    }

    /// The rule a token type breaks in a workflow, if any.
    pub fn for_mismatch(t: TokenType, w: Workflow) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.spec().mismatch == Some((t, w)))
    }

    /// The rule's texts and default severity, from the embedded `rules/dbt-cloud.yml` (a project's
    /// config extends signals, never rule texts).
    pub fn texts(self) -> &'static RuleMeta {
        texts()[self.index()]
    }
}

/// The texts of every rule, in registry order.
fn texts() -> &'static [&'static RuleMeta] {
    static TEXTS: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let texts = &crate::policy::builtin().rules;
        Rule::ALL
            .iter()
            .map(|r| match texts.iter().find(|m| m.code == r.code()) {
                Some(m) => m,
                // The file is part of the binary and checked against the registry by tests.
                None => panic!("embedded rules/dbt-cloud.yml has no texts for {}", r.code()),
            })
            .collect()
    })
}

/// What the rules read.
pub struct Input<'a> {
    pub files: &'a [SourceFile],
    pub facts: &'a [FileFacts],
    pub uses: &'a [ClassifiedUse],
    pub policy: &'a Policy,
}

/// Run every rule and give the findings their fingerprints; they come out in report order (path,
/// position, code), each rule reporting a place once. The caller filters by selection and
/// severity.
pub fn run(input: &Input) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in Rule::ALL {
        (rule.spec().check)(*rule, input, &mut out);
    }
    out.sort_by(report_order);
    out.dedup_by(|a, b| a.rule == b.rule && a.at == b.at);
    complete(&mut out, input.files);
    out
}

/// Report order: path, position, code. Files are in path order, so their indices sort as their
/// paths do.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (a.at.file, a.at.span.start, a.code(), a.at.span.end, &a.message).cmp(&(
        b.at.file,
        b.at.span.start,
        b.code(),
        b.at.span.end,
        &b.message,
    ))
}

/// Give findings in report order their fingerprints and their remedies' fixes, and keep every
/// fix free of secrets.
pub fn complete(findings: &mut [Finding], files: &[SourceFile]) {
    fingerprint::assign(findings, files);
    for f in findings {
        // A remedy's fix comes first: it is the safe one.
        if let Some(fix) = f.remedy.as_ref().and_then(|r| crate::fix::remedy::fix(r, files)) {
            f.fixes.insert(0, fix);
        }
        crate::fix::guard(&mut f.fixes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_index_the_registry() {
        for (i, r) in Rule::ALL.iter().enumerate() {
            assert_eq!(r.index(), i, "{r:?}");
            assert_eq!(Rule::parse(r.code()), Some(*r));
            assert_eq!(Rule::parse(&r.code().to_lowercase()), Some(*r));
            assert_eq!(Rule::parse(r.name()), Some(*r));
            assert_eq!(r.texts().code, r.code());
        }
        assert_eq!(Rule::parse("TW999"), None);
        assert_eq!(Rule::parse("PAT-IN-PRODUCTION"), None, "names are exact");
    }

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        codes.sort_unstable();
        codes.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!((codes.len(), names.len()), (Rule::ALL.len(), Rule::ALL.len()));
    }
}
