//! Fuzz target: the Terraform extractor (HCL through `hcl-edit`) never panics and every span it
//! records lies within the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use tokenwise::extract::{Ctx, terraform};
use tokenwise::kind::FileKind;
use tokenwise::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (kind, name) =
        if selector % 2 == 0 { (FileKind::Terraform, "main.tf") } else { (FileKind::TerraformVars, "prod.tfvars") };
    let src = SourceFile::new(PathBuf::from(name), name.to_owned(), rest.to_vec());
    let ctx = Ctx { file: 0, src: &src, policy: tokenwise::policy::builtin() };
    let len = src.text.len();
    match terraform::extract(&ctx, kind) {
        Ok((tf, uses)) => {
            for u in &uses {
                assert!(u.at.span.start <= u.at.span.end && u.at.span.end <= len);
            }
            let exprs = tf.providers.iter().filter_map(|p| p.token.as_ref());
            let exprs = exprs.chain(tf.assignments.iter().map(|(_, e)| e)).chain(tf.locals.iter().map(|(_, e)| e));
            for e in exprs {
                assert!(e.span.start <= e.span.end && e.span.end <= len, "{:?}", e.span);
            }
            for v in &tf.variables {
                assert!(v.at.end <= len);
            }
        }
        Err(e) => assert!(e.offset <= len),
    }
});
