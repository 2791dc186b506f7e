//! What extractors and resolvers saw about the place a token is used: facts, not verdicts.
//! A fact says what is there (a CI trigger, an orchestrator, a notebook, a path segment, an
//! endpoint); `classify::workflow` alone says what workflow it means, how sure that is, and
//! writes its evidence prose.

use crate::model::{Loc, Workflow};

/// A fact and the source that shows it, when there is one (rendered as a secondary label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub fact: Fact,
    pub at: Option<Loc>,
}

impl Seen {
    pub fn new(fact: Fact) -> Self {
        Seen { fact, at: None }
    }

    pub fn at(fact: Fact, loc: Loc) -> Self {
        Seen { fact, at: Some(loc) }
    }
}

/// One thing seen about a token use's context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A CI pipeline runs the scope the use is in, started as `trigger` says.
    CiTrigger(Trigger),
    /// A CI file that does not parse, read as text; `system` describes the file.
    UnparsedCi { system: String },
    /// A script of the scope sends the token to a user-context endpoint.
    SentToUserEndpoint { endpoint: String },
    /// A user-context endpoint on the same line of a file read as text.
    UserEndpointOnLine { endpoint: String },
    /// The file sends requests to a user-context endpoint.
    CallsUserEndpoint { endpoint: String },
    /// The file builds a user-context endpoint's URL from parts (`url` unmasked; masked in prose).
    BuildsUserEndpoint { endpoint: String, url: String },
    /// A request collection (Postman, Insomnia, …) calls a user-context endpoint.
    CollectionCallsUserEndpoint { endpoint: String },
    /// A GitHub Action's code reads one of its inputs.
    ActionCodeReadsInput,
    /// An input of a GitHub Action's own definition.
    ActionInput,
    /// An input of a GitHub Action whose description says it configures the Cloud CLI.
    ActionInputForCloudCli { input: String, phrase: String },
    /// A workflow found by its shape under an example, template or docs folder.
    ExampleWorkflow { folder: String },
    /// Orchestrator code or configuration: the orchestrator (`name`) and what of it was seen.
    Orchestrator { name: String, part: OrchestratorPart },
    /// A script that is an orchestrator's code (`name`: the orchestrator).
    OrchestratorCode { name: String },
    /// A Snowflake secret (`CREATE SECRET`): what the warehouse's external-access routines read.
    WarehouseSecret { name: String },
    /// A Snowflake external-access routine (`kind`: procedure or function) that reads a secret:
    /// the warehouse runs it (a task, a call from a pipeline), without a person.
    WarehouseProcedure { kind: String, name: String },
    /// A folder of the path names developmental work (`staging`, `tests`).
    DevPathSegment { segment: String },
    /// A Jupyter notebook.
    Notebook { path: String },
    /// A request collection (`what`: "Postman collection", …), sent by a person.
    RequestCollection { what: String },
    /// A Semantic Layer JDBC URL, with the BI tool or partner that holds it when known.
    SemanticLayerJdbc { partner: Option<String> },
    /// Configuration read by a partner, and what names the partner.
    PartnerConfig { partner: String, named_by: PartnerNamedBy },
    /// A key of `dbt_cloud.yml`, the Cloud CLI's configuration.
    CloudCliConfig { key: String },
    /// A CI step that runs a deploy command.
    CiDeployStep { command: String },
    /// The environment a deploy command gives the app it deploys.
    DeployCommand { command: String },
    /// A manifest of deployed functions.
    FunctionManifest { kind: FunctionManifest },
    /// Code that is a deployed function.
    FunctionCode { why: FunctionCode },
    /// Infrastructure code (`tool`: "Terraform", "Pulumi"), marked developmental or not.
    Infrastructure { tool: String, dev: Option<DevMark> },
    /// A declared service token for an integration, and what shows it.
    ServiceTokenFor { integration: String, shown_by: IntegrationShownBy },
    /// A Terraform provider alias used only by resources or modules that need a user token.
    ProviderOnlyFor { provider: String, consumers: Vec<Consumer> },
    /// A Terraform variable described as needed for user-context work.
    VariableForUserContext { variable: String, purpose: String },
    /// A value passed to a partner's Terraform resource.
    PartnerResource { holder: String, partner: String },
    /// A Terraform variable no place reads: only the context of its file speaks, weakly.
    Unread(Box<Fact>),
    /// A CI value that flows through `TF_VAR_<variable>` into Terraform, where `then` is seen.
    ThroughTerraformVariable { variable: String, then: Box<Fact> },
    /// A Terragrunt input that sets variable `input` of the module in folder `module`, where
    /// `then` is seen (in the environment of the Terragrunt folder).
    ThroughTerragruntInput { input: String, module: String, then: Box<Fact> },
    /// Who runs what a deployment or local configuration configures.
    Runs { role: Role, basis: Basis },
    /// A CI step runs the use's file with the use's variable `var` in its environment: `command` at
    /// `place` (`path:line`), started as `trigger` says.
    RunByCi { command: String, var: String, place: String, trigger: Trigger },
    /// For a CI variable: the code its steps run (`place`) is where `then` is seen.
    InCodeItRuns { place: String, then: Box<Fact> },
    /// The project's `classify:` globs name the path (chosen by `classify::names::configured_path`).
    ConfiguredPath { workflow: Workflow, pattern: String, origin: String },
}

/// What of an orchestrator holds a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrchestratorPart {
    /// Its code (a DAG, Dagster definitions, a Prefect flow).
    Code,
    /// A component of its configuration (a Dagster component).
    Component,
    /// A connection it defines, by id.
    Connection(String),
}

/// What names the partner that reads a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartnerNamedBy {
    /// The file's path.
    Path(String),
    /// A key the value is under.
    Key(String),
}

/// What shows that a declared service token is for an integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntegrationShownBy {
    /// The token's name or display name mentions the integration.
    NameMentions,
    /// The token is passed to a partner's resource (`holder`), of type `rtype` when the tool
    /// names one apart from the holder (Pulumi).
    PassedTo { holder: String, rtype: Option<String> },
}

/// What starts a CI scope (a pipeline, a job, a step), as its CI system declares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trigger {
    /// The scope, named as its system does: "GitLab CI job `deploy`", "Azure pipeline".
    pub what: String,
    pub runs: Runs,
    /// The deployment environment, and who deploys to it ("it", "job `deploy`").
    pub environment: Option<(String, String)>,
}

/// When a CI scope runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Runs {
    /// On these events.
    On(Vec<Event>),
    /// No trigger is declared: it runs without a person.
    #[default]
    WithoutPerson,
    /// A template, command or step definition: it runs in the pipelines or jobs that use it
    /// (`by` names them).
    WhenUsed { by: String },
    /// A pipeline started by hand or on a schedule (a Bitbucket custom pipeline).
    ByHandOrSchedule,
}

/// An event that starts a CI scope: what kind it is, for the table, and the system's own words
/// for it (`push to `main``, `merge requests`, `a schedule`), for evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub name: String,
}

impl Event {
    pub fn new(kind: EventKind, name: impl Into<String>) -> Self {
        Event { kind, name: name.into() }
    }
}

/// The system's words for each event, for tests that read them.
#[cfg(test)]
pub fn names(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.name.clone()).collect()
}

/// The kinds of event that start CI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A push to a branch (any, named ones, the default branch).
    Push,
    /// A pull or merge request.
    PullRequest,
    /// A tag.
    Tag,
    /// A schedule.
    Schedule,
    /// A person starts it by hand (a dispatch, a run started in the UI).
    Manual,
    /// Another pipeline, job or workflow, or an API call.
    Upstream,
    /// An event the system names that none of these is.
    Other,
}

/// Who runs what a config configures: that decides the workflow of the tokens in it. The text
/// names the thing configured and what shows its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A service the team deploys for others: a custom app.
    App(String),
    /// A deployed MCP server or AI agent that others use.
    Agent(String),
    /// An orchestrator's deployment.
    Orchestrator(String),
    /// A developer's own local setup.
    Local(String),
}

/// What a role was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The configuration itself: a manifest, a compose file, an env file's name.
    Config,
    /// Only a name or a folder: a Secret no workload of its file reads, an env file in a
    /// deployment folder.
    NameOnly,
}

/// Where infrastructure code is marked developmental.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DevMark {
    /// A Pulumi stack (`Pulumi.staging.yaml`).
    Stack(String),
    /// A folder of the path, as Pulumi names it.
    PathSegment(String),
    /// A folder of the path, as Terraform names it.
    Under(String),
    /// A Terraform Cloud workspace and the word of its name that marks it.
    Workspace { name: String, word: String },
    /// The variables file Terraform is applied with (`-var-file=staging.tfvars`) and the word
    /// of its path that marks it.
    VarFile { path: String, word: String },
}

/// A resource or module that uses a Terraform provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consumer {
    Resource { rtype: String, name: String },
    Module(String),
}

/// The kind of a function manifest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionManifest {
    Serverless,
    SamOrCloudFormation,
}

/// What shows that code is a deployed function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FunctionCode {
    Folder(String),
    Marker(String),
}

/// Something seen that may say which type a token is, and where: `classify::token_type` alone
/// says what type it means, how strong that evidence is, and writes its prose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSeen {
    pub fact: TypeFact,
    pub at: Option<Loc>,
    /// True when the fact was seen at another use upstream or downstream of this one (a CI
    /// secret feeding a Terraform variable): such a use is shown in the inventory but the
    /// finding belongs to the reference that shows the type itself.
    pub inherited: bool,
}

impl TypeSeen {
    pub fn new(fact: TypeFact) -> Self {
        TypeSeen { fact, at: None, inherited: false }
    }

    pub fn at(fact: TypeFact, at: Loc) -> Self {
        TypeSeen { fact, at: Some(at), inherited: false }
    }

    /// Point every location of the fact, its nested sources' included, at `file`.
    pub fn relocate(&mut self, file: usize) {
        if let Some(at) = &mut self.at {
            at.file = file;
        }
        if let TypeFact::Agreeing(sources) = &mut self.fact {
            for s in sources {
                s.relocate(file);
            }
        }
    }
}

/// One thing seen that may say a token's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeFact {
    /// A literal token with this prefix (`dbtu_`, `dbtc_`).
    Literal { prefix: String },
    /// A Terraform variable assigned a literal token with this prefix (in `.tfvars`).
    VariableSetToLiteral { variable: String, prefix: String },
    /// A name whose words may say a type; `called` is what its system calls it ("secret",
    /// "variable name", "name"), empty for a bare expression.
    Name { called: String, name: String },
    /// A secret source of a CI scope (`kind`: "context"), named by the scope's label.
    ScopeSource { kind: String, name: String, scope: String },
    /// The description of a key or input (`called`: "input", or empty for a key).
    Description { called: String, name: String, text: String },
    /// The documentation page (`url`) a secret `name` links to.
    DocumentationPage { name: String, url: String },
    /// The description of a Terraform variable.
    VariableDescription { variable: String, text: String },
    /// The value is a Terraform service token resource's `token_string`.
    ServiceTokenString { label: String },
    /// A resource that creates a service token (`dbtcloud_service_token`, a Pulumi resource).
    DeclaredBy { resource: String },
    /// A Terraform resource sets CI secret `secret` from a service token resource's `token_string`.
    CiSecretFromServiceToken { resource: String, secret: String, label: String },
    /// A Terraform resource sets CI secret `secret` from `var.<variable>`, where `then` is seen.
    CiSecretFromVariable { resource: String, secret: String, variable: String, then: Box<TypeFact> },
    /// The value is set from CI reference `reference`, where `then` is seen.
    SetFromCi { reference: String, then: Box<TypeFact> },
    /// The value is set by Terragrunt input `input` from `reference` (`get_env("X")`), where
    /// `then` is seen.
    SetByTerragrunt { input: String, reference: String, then: Box<TypeFact> },
    /// The value is what a CI step hands the code it runs from reference `reference` (in the
    /// step's environment), where `then` is seen.
    PassedByStep { reference: String, then: Box<TypeFact> },
    /// The Airflow connection `id` is defined at `place` (`file:line`), where `then` is seen.
    ConnectionDefinedAt { id: String, place: String, then: Box<TypeFact> },
    /// 40 hex characters as the value of `name`: a legacy user API key.
    LegacyUserKey { name: String },
    /// A dbt credential cache (`name`) holding a user's signed-in session.
    CredentialCache { name: String },
    /// The value is read by `key` from `file`, the Cloud CLI's `dbt_cloud.yml`, which holds a
    /// user's token.
    CloudCliConfigRead { file: String, key: String },
    /// Of these, the first that says a type speaks (a value's own name, then its key's).
    FirstOf(Vec<TypeFact>),
    /// Sources seen elsewhere (the secret sources of a CI scope): the first that says a type
    /// speaks when every one that says a type says the same.
    Agreeing(Vec<TypeSeen>),
}
