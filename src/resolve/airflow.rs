//! Airflow connections across files: a DAG reads a connection by id (`dbt_cloud_conn_id="x"`)
//! that another file defines (`AIRFLOW_CONN_X` in compose, Helm values or an env file,
//! `airflow_settings.yaml`). The definition's type is the reading use's too.

use crate::model::{AirflowConn, Evidence, TokenType, TokenUse, TypeHint};
use crate::source::SourceFile;
use std::collections::BTreeMap;

/// Give every use that reads a connection the types its definitions show themselves.
pub fn follow(uses: &mut [TokenUse], files: &[SourceFile]) {
    let mut defined: BTreeMap<String, Vec<TypeHint>> = BTreeMap::new();
    for u in uses.iter() {
        let Some(AirflowConn::Defines(id)) = &u.airflow_conn else { continue };
        let Some(h) =
            u.type_hints.iter().filter(|h| !h.inherited && h.token_type != TokenType::Unknown).max_by_key(|h| h.source)
        else {
            continue;
        };
        let place = files
            .get(u.at.file)
            .map(|f| format!("{}:{}", f.display, f.line_col(u.at.span.start).0))
            .unwrap_or_default();
        let evidence = Evidence::at(
            format!("connection `{id}` is defined at {place}: {}", h.evidence.text),
            h.evidence.at.unwrap_or(u.at),
        );
        defined.entry(id.clone()).or_default().push(TypeHint {
            token_type: h.token_type,
            source: h.source,
            evidence,
            inherited: true,
        });
    }
    for u in uses.iter_mut() {
        let Some(AirflowConn::Reads(id)) = &u.airflow_conn else { continue };
        if let Some(hints) = defined.get(id) {
            u.type_hints.extend(hints.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Loc, TypeSource};
    use crate::tree::Span;

    #[test]
    fn a_read_takes_the_type_of_its_definition() {
        let file = SourceFile::new("docker-compose.yml".into(), "docker-compose.yml".into(), b"x\ny\n".to_vec());
        let mut def = TokenUse::new(Loc { file: 0, span: Span::new(2, 3) }, "${DBT_PAT}", "env");
        def.token_type(TokenType::Personal, TypeSource::Name, Evidence::new("name `DBT_PAT` says personal"));
        def.airflow_conn = Some(AirflowConn::Defines("dbt_cloud".into()));
        let mut read = TokenUse::new(Loc { file: 0, span: Span::new(0, 1) }, "dbt_cloud", "conn");
        read.airflow_conn = Some(AirflowConn::Reads("dbt_cloud".into()));
        let mut other = read.clone();
        other.airflow_conn = Some(AirflowConn::Reads("warehouse".into()));
        let mut uses = vec![def, read, other];
        follow(&mut uses, &[file]);
        assert_eq!(uses[1].type_hints.len(), 1);
        assert!(uses[1].type_hints[0].inherited);
        assert!(
            uses[1].type_hints[0].evidence.text.contains("docker-compose.yml:2"),
            "{}",
            uses[1].type_hints[0].evidence.text
        );
        assert!(uses[2].type_hints.is_empty());
    }
}
