//! The workflow table: what each fact seen about a use means (SPEC §3), how sure that is
//! (SPEC §7), and the evidence prose that says why. `classify` picks among the answers in the
//! SPEC's precedence; this is the only place facts become verdicts.

use crate::model::fact::{
    Basis, Consumer, DevMark, Fact, FunctionCode, FunctionManifest, IntegrationShownBy, OrchestratorPart,
    PartnerNamedBy, Role, Runs, Seen, Trigger,
};
use crate::model::{Confidence, Evidence, Workflow, WorkflowHint};

/// The workflow, confidence and evidence one fact gives a use; `all` is every fact of the use
/// (an example folder weakens what a CI trigger says).
pub fn hint(seen: &Seen, all: &[Seen]) -> WorkflowHint {
    let (workflow, confidence, text) = meaning(&seen.fact);
    // A workflow under an example folder does not run as it sits: it runs once copied, so what
    // its triggers say is weak.
    let example = all.iter().any(|s| matches!(s.fact, Fact::ExampleWorkflow { .. }));
    let confidence = if example && is_pipeline(&seen.fact) { Confidence::Low } else { confidence };
    WorkflowHint { workflow, confidence, evidence: Evidence { text, at: seen.at } }
}

/// The workflow a fact alone says.
pub fn workflow_of(fact: &Fact) -> Workflow {
    meaning(fact).0
}

/// Whether a fact says what a value is for whatever runs it (a user-context endpoint it is sent
/// to, the Cloud CLI it configures): what code run by CI says of it holds for the CI variable.
pub fn says_purpose(fact: &Fact) -> bool {
    matches!(workflow_of(fact), Workflow::UserContextEndpoint | Workflow::CloudCli)
}

/// The hints of every fact of a use, in the order they were seen.
pub fn hints(facts: &[Seen]) -> Vec<WorkflowHint> {
    facts.iter().map(|s| hint(s, facts)).collect()
}

/// A value with several consumers is judged by the least forgiving: if any of them is
/// production, the token must be fit for production (the first production consumer speaks).
pub fn least_forgiving(facts: Vec<Seen>) -> Vec<Seen> {
    if facts.iter().any(|s| workflow_of(&s.fact) == Workflow::Production) {
        facts.into_iter().filter(|s| workflow_of(&s.fact) == Workflow::Production).take(1).collect()
    } else {
        facts
    }
}

/// What a CI system or an action says about when it runs: production CI/CD automation.
fn is_pipeline(fact: &Fact) -> bool {
    matches!(fact, Fact::CiTrigger { .. } | Fact::UnparsedCi { .. } | Fact::ActionInput | Fact::ActionCodeReadsInput)
}

/// "`what` runs on a, b (CI/CD automation)"; "; it deploys to environment `production`".
fn trigger_text(t: &Trigger) -> String {
    let what = &t.what;
    let mut text = match &t.runs {
        Runs::On(events) if !events.is_empty() => {
            let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
            format!("{what} runs on {} (CI/CD automation)", names.join(", "))
        }
        Runs::On(_) | Runs::WithoutPerson => format!("{what} runs without a person (CI/CD automation)"),
        Runs::WhenUsed { by } => format!("{what} runs in {by} (CI/CD automation)"),
        Runs::ByHandOrSchedule => format!("{what} runs by hand or on a schedule (CI/CD automation)"),
    };
    if let Some((who, env)) = &t.environment {
        text.push_str(&format!("; {who} deploys to environment `{env}`"));
    }
    text
}

fn meaning(fact: &Fact) -> (Workflow, Confidence, String) {
    use Confidence::{High, Low, Medium};
    use Workflow::{CloudCli, DevScript, PartnerIntegration, Production, UserContextEndpoint};
    match fact {
        Fact::CiTrigger(trigger) => (Production, High, trigger_text(trigger)),
        Fact::UnparsedCi { system } => (
            Production,
            Medium,
            format!("{system} (CI/CD automation); the file does not parse, so it was read as text"),
        ),
        Fact::SentToUserEndpoint { endpoint } => {
            (UserContextEndpoint, High, format!("sent to the user-context endpoint `{endpoint}`"))
        }
        Fact::UserEndpointOnLine { endpoint } => {
            (UserContextEndpoint, Medium, format!("sent to the user-context endpoint `{endpoint}` on the same line"))
        }
        Fact::CallsUserEndpoint { endpoint } => {
            (UserContextEndpoint, High, format!("sends requests to the user-context endpoint `{endpoint}`"))
        }
        Fact::BuildsUserEndpoint { endpoint, url } => (
            UserContextEndpoint,
            High,
            format!(
                "sends requests to the user-context endpoint `{endpoint}` (the URL `{}` built from parts)",
                crate::literal::mask(url)
            ),
        ),
        Fact::CollectionCallsUserEndpoint { endpoint } => {
            (UserContextEndpoint, High, format!("the collection calls the user-context endpoint `{endpoint}`"))
        }
        Fact::ActionCodeReadsInput => (
            Production,
            Medium,
            "a GitHub Action's code reads its input: it runs in the workflows that call it (CI/CD automation)"
                .to_owned(),
        ),
        Fact::ActionInput => {
            (Production, Medium, "a GitHub Action runs in the workflows that call it (CI/CD automation)".to_owned())
        }
        Fact::ActionInputForCloudCli { input, phrase } => (
            CloudCli,
            High,
            format!("the description of input `{input}` says it configures the Cloud CLI (`{phrase}`)"),
        ),
        Fact::ExampleWorkflow { folder } => (
            Production,
            Low,
            format!("folder `{folder}` holds an example workflow: it runs once copied into `.github/workflows/`"),
        ),
        Fact::Orchestrator { name, part } => {
            let what = match part {
                OrchestratorPart::Code => format!("{name} code"),
                OrchestratorPart::Component => format!("{name} component"),
                OrchestratorPart::Connection(id) => format!("{name} connection `{id}`"),
            };
            (Production, High, format!("{what} runs without a person (orchestrator)"))
        }
        Fact::OrchestratorCode { name } => {
            (Production, High, format!("{name} code runs on a schedule without a person (orchestrator)"))
        }
        Fact::WarehouseSecret { name } => (
            Production,
            Medium,
            format!("Snowflake secret `{name}` is read by the warehouse's external-access code, without a person"),
        ),
        Fact::WarehouseProcedure { kind, name } => (
            Production,
            High,
            format!(
                "Snowflake {kind} `{name}` calls out with external access from the warehouse, without a person (orchestrator-like)"
            ),
        ),
        Fact::DevPathSegment { segment } => {
            (DevScript, Low, format!("path segment `{segment}` marks developmental work"))
        }
        Fact::Notebook { path } => {
            (DevScript, Medium, format!("notebook `{path}`: its cells are run by a person (developmental)"))
        }
        Fact::RequestCollection { what } => {
            (DevScript, High, format!("{what}: requests sent by a person (developmental)"))
        }
        Fact::SemanticLayerJdbc { partner } => (
            PartnerIntegration,
            High,
            format!(
                "Semantic Layer JDBC URL: {} connects to dbt's Semantic Layer with this token",
                partner.as_deref().unwrap_or("a Semantic Layer integration")
            ),
        ),
        Fact::PartnerConfig { partner, named_by } => {
            let why = match named_by {
                PartnerNamedBy::Path(path) => format!("its path `{path}` names it"),
                PartnerNamedBy::Key(key) => format!("key `{key}` names it"),
            };
            (PartnerIntegration, Medium, format!("configuration handed to {partner}: {why}"))
        }
        Fact::CloudCliConfig { key } => {
            (CloudCli, High, format!("`{key}` in `dbt_cloud.yml` configures the dbt Cloud CLI"))
        }
        Fact::CiDeployStep { command } => (
            PartnerIntegration,
            High,
            format!("the step runs `{command}`: the token goes to an app the team deploys, a custom app"),
        ),
        Fact::DeployCommand { command } => {
            (PartnerIntegration, High, format!("`{command}` deploys an app the team runs for others: a custom app"))
        }
        Fact::FunctionManifest { kind } => {
            let what = match kind {
                FunctionManifest::Serverless => "a Serverless Framework service",
                FunctionManifest::SamOrCloudFormation => "an AWS SAM / CloudFormation template",
            };
            (PartnerIntegration, Medium, format!("the file declares {what}: a deployed function, a custom app"))
        }
        Fact::FunctionCode { why } => {
            let why = match why {
                FunctionCode::Folder(dir) => format!("folder `{dir}` holds a deployed function"),
                FunctionCode::Marker(marker) => format!("the code is a deployed function (`{marker}`)"),
            };
            (PartnerIntegration, Medium, format!("{why}: a custom app the team deploys"))
        }
        Fact::Infrastructure { tool, dev: Some(mark) } => {
            let where_ = match mark {
                DevMark::Stack(s) => format!("stack `{s}`"),
                DevMark::PathSegment(s) => format!("path segment `{s}`"),
                DevMark::Under(s) => format!("under `{s}`"),
                DevMark::Workspace { name, word } => format!("in workspace `{name}` (`{word}`)"),
                DevMark::VarFile { path, word } => format!("applied with `-var-file={path}` (`{word}`)"),
            };
            (DevScript, Low, format!("{tool} {where_} is developmental (staging/dev/sandbox)"))
        }
        Fact::Infrastructure { tool, dev: None } => {
            (Production, Medium, format!("{tool} applies without a person: production unless marked staging/dev"))
        }
        Fact::ServiceTokenFor { integration, shown_by } => {
            let why = match shown_by {
                IntegrationShownBy::NameMentions => format!("its name mentions {integration}"),
                IntegrationShownBy::PassedTo { holder, rtype: None } => format!("its token is passed to `{holder}`"),
                IntegrationShownBy::PassedTo { holder, rtype: Some(rtype) } => {
                    format!("its token is passed to `{holder}` (`{rtype}`)")
                }
            };
            (PartnerIntegration, Medium, format!("service token for {integration}: {why}"))
        }
        Fact::ProviderOnlyFor { provider, consumers } => {
            let list: Vec<String> = consumers
                .iter()
                .map(|c| match c {
                    Consumer::Resource { rtype, name } => format!("`{rtype}.{name}`"),
                    Consumer::Module(name) => format!("module `{name}`"),
                })
                .collect();
            (
                UserContextEndpoint,
                High,
                format!(
                    "provider `{provider}` is used only by {}, which the provider docs say need a user token",
                    list.join(", ")
                ),
            )
        }
        Fact::VariableForUserContext { variable, purpose } => (
            UserContextEndpoint,
            Medium,
            format!("variable `{variable}` is described as needed for user-context work (\"{purpose}\")"),
        ),
        Fact::PartnerResource { holder, partner } => {
            (PartnerIntegration, Medium, format!("passed to `{holder}`, a resource of {partner}'s Terraform provider"))
        }
        Fact::Unread(inner) => {
            let (workflow, _, text) = meaning(inner);
            (workflow, Low, text)
        }
        Fact::RunByCi { command, var, place, trigger } => (
            Production,
            High,
            format!("run by `{command}` ({place}) with `{var}` in its environment: {}", trigger_text(trigger)),
        ),
        Fact::InCodeItRuns { place, then } => {
            let (workflow, confidence, text) = meaning(then);
            (workflow, confidence, format!("the code it runs ({place}): {text}"))
        }
        Fact::ThroughTerraformVariable { variable, then } => {
            let (workflow, confidence, text) = meaning(then);
            (
                workflow,
                confidence,
                format!("flows through `TF_VAR_{variable}` into Terraform variable `{variable}`: {text}"),
            )
        }
        Fact::ThroughTerragruntInput { input, module, then } => {
            let (workflow, confidence, text) = meaning(then);
            let module = if module.is_empty() { "the root module".to_owned() } else { format!("module `{module}`") };
            (workflow, confidence, format!("Terragrunt input `{input}` sets variable `{input}` of {module}: {text}"))
        }
        Fact::Runs { role, basis } => {
            let confidence = match basis {
                Basis::Config => Medium,
                Basis::NameOnly => Low,
            };
            let (workflow, text) = match role {
                Role::App(t) | Role::Agent(t) => (PartnerIntegration, t),
                Role::Orchestrator(t) => (Production, t),
                Role::Local(t) => (DevScript, t),
            };
            (workflow, confidence, text.clone())
        }
        Fact::ConfiguredPath { workflow, pattern, origin } => {
            let what = match workflow {
                PartnerIntegration => "a partner integration",
                DevScript => "developmental work",
                _ => "production",
            };
            (*workflow, Medium, format!("path matches `{pattern}` ({origin}): {what}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(fact: Fact) -> Seen {
        Seen::new(fact)
    }

    fn trigger() -> Fact {
        Fact::CiTrigger(Trigger {
            what: "GitLab CI job `deploy`".to_owned(),
            runs: Runs::On(vec![crate::model::fact::Event::new(crate::model::fact::EventKind::Schedule, "a schedule")]),
            environment: Some(("it".to_owned(), "production".to_owned())),
        })
    }

    #[test]
    fn every_fact_of_a_kind_says_its_workflow() {
        let table = [
            (trigger(), Workflow::Production, Confidence::High),
            (Fact::Notebook { path: "a.ipynb".to_owned() }, Workflow::DevScript, Confidence::Medium),
            (Fact::CloudCliConfig { key: "token-value".to_owned() }, Workflow::CloudCli, Confidence::High),
            (Fact::DevPathSegment { segment: "staging".to_owned() }, Workflow::DevScript, Confidence::Low),
            (
                Fact::SentToUserEndpoint { endpoint: "/users/1".to_owned() },
                Workflow::UserContextEndpoint,
                Confidence::High,
            ),
            (
                Fact::Runs { role: Role::Orchestrator("Airflow".to_owned()), basis: Basis::NameOnly },
                Workflow::Production,
                Confidence::Low,
            ),
        ];
        let said = hint(&seen(trigger()), &[]).evidence.text;
        assert_eq!(
            said,
            "GitLab CI job `deploy` runs on a schedule (CI/CD automation); it deploys to environment `production`"
        );
        for (fact, workflow, confidence) in table {
            let h = hint(&seen(fact.clone()), &[]);
            assert_eq!((h.workflow, h.confidence), (workflow, confidence), "{fact:?}");
        }
    }

    #[test]
    fn an_example_folder_weakens_what_a_trigger_says_and_nothing_else() {
        let facts = [
            seen(trigger()),
            seen(Fact::CiDeployStep { command: "gcloud functions deploy".to_owned() }),
            seen(Fact::ExampleWorkflow { folder: "examples".to_owned() }),
        ];
        let hs = hints(&facts);
        assert_eq!(hs[0].confidence, Confidence::Low);
        assert_eq!(hs[1].confidence, Confidence::High);
        assert_eq!(hint(&facts[0], &facts[..1]).confidence, Confidence::High);
    }

    #[test]
    fn wrapped_facts_keep_their_workflow() {
        let base = Fact::Infrastructure { tool: "Terraform".to_owned(), dev: None };
        let unread = hint(&seen(Fact::Unread(Box::new(base.clone()))), &[]);
        assert_eq!((unread.workflow, unread.confidence), (Workflow::Production, Confidence::Low));
        let through = Fact::ThroughTerraformVariable { variable: "dbt_pat".to_owned(), then: Box::new(base) };
        let h = hint(&seen(through), &[]);
        assert_eq!((h.workflow, h.confidence), (Workflow::Production, Confidence::Medium));
        assert!(
            h.evidence
                .text
                .starts_with("flows through `TF_VAR_dbt_pat` into Terraform variable `dbt_pat`: Terraform applies")
        );
    }

    #[test]
    fn the_least_forgiving_consumer_speaks() {
        let user = seen(Fact::SentToUserEndpoint { endpoint: "/users/1".to_owned() });
        let prod = seen(Fact::Infrastructure { tool: "Terraform".to_owned(), dev: None });
        let dev = seen(Fact::DevPathSegment { segment: "dev".to_owned() });
        assert_eq!(least_forgiving(vec![user.clone(), prod.clone(), prod.clone()]), [prod]);
        assert_eq!(least_forgiving(vec![user.clone(), dev.clone()]), [user, dev]);
    }
}
