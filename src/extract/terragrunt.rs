//! Terragrunt (`terragrunt.hcl`): which Terraform module a folder applies
//! (`terraform { source = "…" }`, else the folder's own `.tf` files) and the `inputs` it gives
//! that module's variables. `resolve::terraform` follows each input that reads the environment
//! (`get_env("DBT_CLOUD_PAT")`) into the module, as it follows `TF_VAR_` from CI.

use super::Ctx;
use super::terraform::{TfFile, TgConfig, expr, parse_body};
use crate::tree::ParseError;
use hcl_edit::expr::{Expression, ObjectKey};

pub fn extract(ctx: &Ctx) -> Result<TfFile, ParseError> {
    let body = parse_body(&ctx.src.text)?;
    let mut tg = TgConfig::default();
    for block in body.blocks() {
        match block.ident.as_str() {
            "terraform" => {
                tg.source =
                    block.body.get_attribute("source").map(|a| expr(ctx, &a.value).text.trim_matches('"').to_owned())
            }
            "locals" => {
                for attr in block.body.attributes() {
                    tg.locals.push((attr.key.as_str().to_owned(), expr(ctx, &attr.value)));
                }
            }
            _ => {}
        }
    }
    if let Some(Expression::Object(obj)) = body.get_attribute("inputs").map(|a| &a.value) {
        for (k, v) in obj.iter() {
            let key = match k {
                ObjectKey::Ident(i) => i.as_str().to_owned(),
                ObjectKey::Expression(e) => expr(ctx, e).text.trim_matches('"').to_owned(),
            };
            tg.inputs.push((key, expr(ctx, v.expr())));
        }
    }
    Ok(TfFile { terragrunt: Some(tg), ..TfFile::default() })
}

/// The environment variables an expression reads with `get_env("NAME")` or
/// `get_env("NAME", "default")`: (name, span of the quoted name).
pub fn env_reads(e: &super::terraform::TfExpr) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = e.text.get(from..).and_then(|t| t.find("get_env(")) {
        let open = from + i + "get_env(".len();
        let rest = e.text.get(open..).unwrap_or("");
        let lead = rest.len() - rest.trim_start().len();
        let quoted = rest.trim_start();
        if let Some(inner) = quoted.strip_prefix('"') {
            let len = inner.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
            if len > 0 && inner.as_bytes().get(len) == Some(&b'"') {
                let start = e.span.start + open + lead;
                out.push((inner[..len].to_owned(), start, start + len + 2));
            }
        }
        from = open;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn reads_the_source_inputs_and_locals() {
        let text = "include \"root\" {\n  path = find_in_parent_folders()\n}\nlocals {\n  pat = get_env(\"DBT_CLOUD_PAT\")\n}\nterraform {\n  source = \"../../../modules//dbt\"\n}\ninputs = {\n  dbt_token = get_env(\"DBT_CLOUD_PAT\", \"\")\n  \"dbt_host\" = \"https://x.us1.dbt.com/api\"\n  other = local.pat\n}\n";
        let policy = crate::policy::builtin();
        let src =
            SourceFile::new("live/prod/dbt/terragrunt.hcl".into(), "live/prod/dbt/terragrunt.hcl".into(), text.into());
        let ctx = Ctx { file: 0, src: &src, policy };
        let tf = extract(&ctx).unwrap_or_else(|e| panic!("{e:?}"));
        let tg = tf.terragrunt.unwrap_or_default();
        assert_eq!(tg.source.as_deref(), Some("../../../modules//dbt"));
        let names: Vec<&str> = tg.inputs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["dbt_token", "dbt_host", "other"]);
        let reads = env_reads(&tg.inputs[0].1);
        assert_eq!(reads.len(), 1);
        assert_eq!(reads[0].0, "DBT_CLOUD_PAT");
        assert_eq!(text.get(reads[0].1..reads[0].2), Some("\"DBT_CLOUD_PAT\""));
        assert_eq!(tg.locals.len(), 1);
        assert!(env_reads(&tg.inputs[1].1).is_empty());
    }
}
