//! Airflow connections across files: a DAG reads a connection by id (`dbt_cloud_conn_id="x"`)
//! that another file defines (`AIRFLOW_CONN_X` in compose, Helm values or an env file,
//! `airflow_settings.yaml`). The definition's type is the reading use's too.

use crate::classify::token_type;
use crate::model::fact::{TypeFact, TypeSeen};
use crate::model::{AirflowConn, TokenUse};
use crate::policy::Signals;
use crate::source::SourceFile;
use std::collections::BTreeMap;

/// Give every use that reads a connection the types its definitions show themselves.
pub fn follow(uses: &mut [TokenUse], files: &[SourceFile], signals: &Signals) {
    let mut defined: BTreeMap<String, Vec<TypeSeen>> = BTreeMap::new();
    for u in uses.iter() {
        let Some(AirflowConn::Defines(id)) = &u.airflow_conn else { continue };
        let Some((seen, _)) = token_type::strongest_own(&u.type_facts, signals) else {
            continue;
        };
        let place = files
            .get(u.at.file)
            .map(|f| format!("{}:{}", f.display, f.line_col(u.at.span.start).0))
            .unwrap_or_default();
        let fact = TypeFact::ConnectionDefinedAt { id: id.clone(), place, then: Box::new(seen.fact.clone()) };
        defined.entry(id.clone()).or_default().push(TypeSeen {
            fact,
            at: Some(seen.at.unwrap_or(u.at)),
            inherited: true,
        });
    }
    for u in uses.iter_mut() {
        let Some(AirflowConn::Reads(id)) = &u.airflow_conn else { continue };
        if let Some(hints) = defined.get(id) {
            u.type_facts.extend(hints.iter().cloned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::tree::Span;

    #[test]
    fn a_read_takes_the_type_of_its_definition() {
        let file = SourceFile::new("docker-compose.yml".into(), "docker-compose.yml".into(), b"x\ny\n".to_vec());
        let mut def = TokenUse::new(Loc { file: 0, span: Span::new(2, 3) }, "${DBT_PAT}", "env");
        def.saw_type(TypeFact::Name { called: "name".into(), name: "DBT_PAT".into() });
        def.airflow_conn = Some(AirflowConn::Defines("dbt_cloud".into()));
        let mut read = TokenUse::new(Loc { file: 0, span: Span::new(0, 1) }, "dbt_cloud", "conn");
        read.airflow_conn = Some(AirflowConn::Reads("dbt_cloud".into()));
        let mut other = read.clone();
        other.airflow_conn = Some(AirflowConn::Reads("warehouse".into()));
        let mut uses = vec![def, read, other];
        let signals = &crate::policy::builtin().signals;
        follow(&mut uses, &[file], signals);
        let hints = token_type::hints(&uses[1].type_facts, signals);
        assert_eq!(hints.len(), 1);
        assert!(hints[0].inherited);
        assert!(hints[0].evidence.text.contains("docker-compose.yml:2"), "{}", hints[0].evidence.text);
        assert!(uses[2].type_facts.is_empty());
    }
}
