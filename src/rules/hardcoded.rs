//! TW201: a literal dbt Cloud token committed in a file.

use super::{Draft, Input, finding};
use crate::model::{Confidence, Evidence, Finding, Loc, TokenType};
use crate::policy::builtin;
use crate::tree::Span;
use sha2::{Digest, Sha256};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    for (file, facts) in input.facts.iter().enumerate() {
        let Some(src) = input.files.get(file) else { continue };
        for lit in &facts.literals {
            let token = lit.token(&src.text);
            // The baseline keys on a hash of the token, never the token itself.
            let digest = Sha256::digest(token.as_bytes());
            let hash: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            let kind = if lit.token_type == TokenType::Personal { "personal access" } else { "service" };
            let prefix = if lit.token_type == TokenType::Personal { "dbtu_" } else { "dbtc_" };
            let at = Loc { file, span: Span::new(lit.start, lit.end) };
            let draft = Draft {
                at,
                workflow: None,
                token_type: Some(lit.token_type),
                confidence: Confidence::High,
                evidence: vec![Evidence::at(
                    format!("token: literal `{prefix}` prefix with a random body says {}", lit.token_type.as_str()),
                    at,
                )],
                vars: vec![("token_type", kind.to_owned())],
                help: None,
                key: format!("{}\u{1f}{hash}", src.display),
            };
            out.extend(finding(builtin(), "TW201", draft));
        }
    }
}
