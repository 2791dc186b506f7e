//! The data that flows through the pipeline: token uses and their classification.

pub mod fact;

use crate::tree::Span;
use fact::{Fact, Seen, TypeFact, TypeSeen};
use serde::Serialize;

/// The two kinds of dbt Cloud token, or `Unknown` when nothing says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenType {
    Personal,
    Service,
    Unknown,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Personal => "personal",
            TokenType::Service => "service",
            TokenType::Unknown => "unknown",
        }
    }
}

/// The workflows of SPEC §3, in order of precedence (most specific first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workflow {
    UserContextEndpoint,
    CloudCli,
    PartnerIntegration,
    DevScript,
    Production,
    Unknown,
}

impl Workflow {
    pub const ALL: [Workflow; 6] = [
        Workflow::UserContextEndpoint,
        Workflow::CloudCli,
        Workflow::PartnerIntegration,
        Workflow::DevScript,
        Workflow::Production,
        Workflow::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::UserContextEndpoint => "user-context-endpoint",
            Workflow::CloudCli => "cloud-cli",
            Workflow::PartnerIntegration => "partner-integration",
            Workflow::DevScript => "dev-script",
            Workflow::Production => "production",
            Workflow::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Workflow> {
        Workflow::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// How sure a classification is (SPEC §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A place in a scanned file: the file's index in the scan and a byte span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: usize,
    pub span: Span,
}

impl Loc {
    /// Whether `other` lies within this place (the same place included).
    pub fn contains(&self, other: &Loc) -> bool {
        self.file == other.file && self.span.start <= other.span.start && other.span.end <= self.span.end
    }
}

/// One reason behind a classification, optionally pointing at the source that shows it
/// (rendered as a secondary label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub text: String,
    pub at: Option<Loc>,
}

impl Evidence {
    pub fn new(text: impl Into<String>) -> Self {
        Evidence { text: text.into(), at: None }
    }

    pub fn at(text: impl Into<String>, loc: Loc) -> Self {
        Evidence { text: text.into(), at: Some(loc) }
    }
}

/// A candidate workflow for a use, as `classify::workflow` reads one fact; classification
/// picks the most specific one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowHint {
    pub workflow: Workflow,
    pub confidence: Confidence,
    pub evidence: Evidence,
}

/// How strong a piece of token-type evidence is (SPEC §4), strongest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeSource {
    Name,
    Definition,
    Literal,
}

/// A candidate token type for a use, as `classify::token_type` reads it from a type fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeHint {
    pub token_type: TokenType,
    pub source: TypeSource,
    pub evidence: Evidence,
    /// True when the hint comes from another use upstream or downstream of this one (a CI
    /// secret feeding a Terraform variable): such a use is shown in the inventory but the
    /// finding belongs to the reference that shows the type itself.
    pub inherited: bool,
}

/// Where a token value goes next, when that place is in another file and must be resolved
/// once every file is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// `TF_VAR_<name>` set from CI: the Terraform variable `name` somewhere in the repository,
    /// or in the folder Terraform runs in (`-chdir=`), applied with a variables file
    /// (`-var-file=staging.tfvars`) that may name its environment.
    TerraformVariable { name: String, run: TerraformRun },
    /// A CI variable in the environment of steps that run files of the repository: those
    /// files' reads of `var` are this value.
    /// `developer`: what runs them is a person's own environment (a dev container), not CI.
    StepEnv { var: String, runs: Vec<StepRun>, trigger: fact::Trigger, developer: bool },
}

/// How a CI job runs Terraform, as far as its commands say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TerraformRun {
    /// `-chdir=DIR`, relative to the repository root.
    pub chdir: Option<String>,
    /// `-var-file=PATH`.
    pub var_file: Option<String>,
}

/// What a CI step runs: a file, every file under a folder, or a Makefile target, by path
/// relative to the repository root (the CI file's own root).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunTarget {
    File(String),
    Dir(String),
    /// `make target` run in `dir` (an empty target is the Makefile's first).
    Make {
        dir: String,
        target: String,
    },
}

/// One command of a CI step that runs repository code, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRun {
    pub target: RunTarget,
    pub command: String,
    pub at: Loc,
}

/// Service token permissions declared in infrastructure code, for TW301.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub permission_set: String,
    pub all_projects: bool,
    /// `writable_environment_categories` (`all`, `production`, …) as written, lowercase; empty
    /// when the grant does not set them.
    pub writable_environments: Vec<String>,
    pub at: Loc,
}

/// One place where a dbt Cloud token is configured or used.
#[derive(Clone, Debug)]
pub struct TokenUse {
    /// The token reference itself: the expression, secret reference or literal.
    pub at: Loc,
    /// The reference as shown to users; literal tokens are masked.
    pub reference: String,
    /// Where the value goes ("dbtcloud provider `token`", "HTTP request to …").
    pub sink: String,
    /// True for a literal token value in the file (TW201 is reported separately).
    pub literal: bool,
    /// True where a token is created (`dbtcloud_service_token`), not used: judged for its
    /// permissions (TW301), not for its workflow.
    pub declaration: bool,
    /// What was seen about the use's context; `classify` decides what it means.
    pub facts: Vec<Seen>,
    /// What was seen that may say the token's type; `classify::token_type` decides.
    pub type_facts: Vec<TypeSeen>,
    pub flow: Option<Flow>,
    /// For declared service tokens: the integration they are for and their grants.
    pub integration: Option<String>,
    pub grants: Vec<Grant>,
    /// The Airflow connection this use defines or reads, when it is one: the connection id
    /// links a DAG's `dbt_cloud_conn_id` to the file that defines the connection.
    pub airflow_conn: Option<AirflowConn>,
    /// A read of a name that does not say dbt token: a use only if a CI step that runs the file
    /// puts a token under that name (resolution drops the others).
    pub latent: bool,
}

/// An Airflow connection, by id (lowercase, as `AIRFLOW_CONN_<ID>` names it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AirflowConn {
    /// The connection's password is set here (`AIRFLOW_CONN_DBT_CLOUD=…`, `conn_password:`).
    Defines(String),
    /// Code reads the connection (`dbt_cloud_conn_id="dbt_cloud"`, `get_connection("x")`).
    Reads(String),
}

impl TokenUse {
    pub fn new(at: Loc, reference: impl Into<String>, sink: impl Into<String>) -> Self {
        TokenUse {
            at,
            reference: reference.into(),
            sink: sink.into(),
            literal: false,
            declaration: false,
            facts: Vec::new(),
            type_facts: Vec::new(),
            flow: None,
            integration: None,
            grants: Vec::new(),
            airflow_conn: None,
            latent: false,
        }
    }

    /// Record a fact about the use's context.
    pub fn saw(&mut self, fact: Fact) {
        self.facts.push(Seen::new(fact));
    }

    /// Record a fact and the source that shows it.
    pub fn saw_at(&mut self, fact: Fact, at: Loc) {
        self.facts.push(Seen::at(fact, at));
    }

    /// Record a fact that may say the token's type.
    pub fn saw_type(&mut self, fact: TypeFact) {
        self.type_facts.push(TypeSeen::new(fact));
    }

    /// Record a fact that may say the token's type, and the source that shows it.
    pub fn saw_type_at(&mut self, fact: TypeFact, at: Loc) {
        self.type_facts.push(TypeSeen::at(fact, at));
    }

    /// Point every location of the use at `file`. Files are read in parallel, before their
    /// place in the scan is known, and an extractor sees only its own file.
    pub fn relocate(&mut self, file: usize) {
        self.at.file = file;
        let facts = self.facts.iter_mut().map(|s| &mut s.at);
        for at in facts.flatten() {
            at.file = file;
        }
        for t in &mut self.type_facts {
            t.relocate(file);
        }
        for g in &mut self.grants {
            g.at.file = file;
        }
        if let Some(Flow::StepEnv { runs, .. }) = self.flow.as_mut() {
            for r in runs {
                r.at.file = file;
            }
        }
    }
}

/// The classification of one use, decided from its hints.
#[derive(Clone, Debug)]
pub struct Classification {
    pub workflow: Workflow,
    pub token_type: TokenType,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    /// False when the type came only from another use: report the mismatch there instead.
    pub type_shown_here: bool,
}

/// A classified use, as listed by `inventory` and judged by the rules.
#[derive(Clone, Debug)]
pub struct ClassifiedUse {
    pub usage: TokenUse,
    pub class: Classification,
}

/// Rule severities, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}
