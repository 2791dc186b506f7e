//! TW201: a literal dbt Cloud token committed in a file.

use super::{Draft, Finding, Input, Rule, Spec, finding, fingerprint};
use crate::literal::Literal;
use crate::model::{Confidence, Evidence, Loc, TokenType};
use crate::source::SourceFile;
use crate::tree::Span;

pub const SPEC: Spec = Spec { code: "TW201", name: "hardcoded-token", slots: &["token_type"], mismatch: None, check };

fn check(_: Rule, input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(src) = input.files.get(file) else { continue };
        for lit in &facts.literals {
            // A literal in a Cloud CLI config: keep the file out of future commits (not in
            // `literal_finding`, which `history` also reports for past commits).
            let mut f = literal_finding(src, file, lit);
            f.fixes.extend(crate::fix::ignore_cloud_cli_config(&src.display));
            out.push(f);
        }
    }
}

/// The TW201 finding for literal `lit` of `src` (file `file` of the scan): also what `history`
/// reports for a token in a past commit.
pub fn literal_finding(src: &SourceFile, file: usize, lit: &Literal) -> Finding {
    let token = lit.token(&src.text);
    let kind = if lit.token_type == TokenType::Personal { "personal access" } else { "service" };
    let prefix = if lit.token_type == TokenType::Personal { "dbtu_" } else { "dbtc_" };
    let at = Loc { file, span: Span::new(lit.start, lit.end) };
    let draft = Draft {
        at,
        subject: Some(at),
        workflow: None,
        token_type: Some(lit.token_type),
        confidence: Confidence::High,
        evidence: vec![Evidence::at(
            format!("token: literal `{prefix}` prefix with a random body says {}", lit.token_type.as_str()),
            at,
        )],
        vars: vec![("token_type", kind.to_owned())],
        help: None,
        key: vec![fingerprint::literal_hash(token)],
    };
    finding(Rule::HardcodedToken, draft)
}
