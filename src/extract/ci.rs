//! What the CI/CD extractors share: variable references in pipeline text, the token uses a
//! pipeline's variables, secret stores and scripts make, and the reading as text of a pipeline
//! that does not parse.
//!
//! Each CI extractor (GitLab CI, Azure Pipelines, CircleCI, Bitbucket Pipelines, Jenkins) reads
//! its file's structure into [`Scope`]s (the pipeline, its jobs) and [`Item`]s (variable
//! entries, scripts, named secret sources); [`uses`] turns them into token uses. A token is
//! reported once, at the reference whose name or value says its type: a variable defined in
//! the file from a secret is judged at its definition, not again where a script reads it.

use super::Ctx;
use super::literal_fact;
use super::scope_tree::{FirstBy, ScopeTree};
use crate::classify::names::{is_dbt_token_name, is_other_credential};
use crate::classify::token_type;
use crate::literal;
use crate::model::fact::{Event, Fact, Runs, Trigger};
use crate::model::fact::{TypeFact, TypeSeen};
use crate::model::{Flow, StepRun, TokenUse};
use crate::tree::{Node, NodeKind, Span};
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// How a CI system writes a reference to a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// `$X`, `${X}`, `$env:X`: shell scripts (GitLab CI, CircleCI, Bitbucket Pipelines).
    Shell,
    /// The shell forms plus `$(X)` macros and `variables.X` / `variables['X']` expressions.
    Azure,
    /// The shell forms plus `env.X` and `params.X` (Jenkins pipelines).
    Groovy,
    /// The shell forms plus the secret stores `secrets.X` / `vars.X` and `env.X` of
    /// `${{ … }}` expressions (GitHub Actions).
    GithubActions,
}

/// A reference to a variable: its name and the span of the whole reference (`${X}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    pub span: Span,
    /// True for a secret store's own entry (`secrets.X`), which the file cannot define: never
    /// the read of a variable set elsewhere in the file.
    pub store: bool,
}

const SHELL: &str = r"\$env:([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}?|\$([A-Za-z_][A-Za-z0-9_]*)";

fn dialect_re(d: Dialect) -> &'static Regex {
    static RES: OnceLock<[Regex; 4]> = OnceLock::new();
    let res = RES.get_or_init(|| {
        let azure = format!(
            r"\$\(([A-Za-z_][A-Za-z0-9_.]*)\)|\bvariables\.([A-Za-z_][A-Za-z0-9_]*)|\bvariables\[\s*'([^']+)'\s*\]|{SHELL}"
        );
        let groovy = format!(
            r"\$\{{\s*(?:env|params)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}}|\b(?:env|params)\.([A-Za-z_][A-Za-z0-9_]*)|{SHELL}"
        );
        // The reference shown for a secret is `secrets.X`, without the expression's braces.
        let github = format!(
            r"\b(?P<store>(?:secrets|vars)\.([A-Za-z_][A-Za-z0-9_-]*))|\benv\.([A-Za-z_][A-Za-z0-9_]*)|{SHELL}"
        );
        [compile(SHELL), compile(&azure), compile(&groovy), compile(&github)]
    });
    match d {
        Dialect::Shell => &res[0],
        Dialect::Azure => &res[1],
        Dialect::Groovy => &res[2],
        Dialect::GithubActions => &res[3],
    }
}

fn compile(pattern: &str) -> Regex {
    crate::pattern::constant(pattern)
}

/// Every variable reference in `text`, with spans offset by `base`.
pub fn refs_in(text: &str, base: usize, d: Dialect) -> Vec<VarRef> {
    dialect_re(d)
        .captures_iter(text)
        .filter_map(|c| {
            let store = c.name("store");
            let whole = store.or_else(|| c.get(0))?;
            let name = c.iter().skip(1).flatten().find(|m| Some(*m) != store)?;
            let span = Span::new(base + whole.start(), base + whole.end());
            Some(VarRef { name: name.as_str().to_owned(), span, store: store.is_some() })
        })
        .collect()
}

/// Names compared the way CI systems map them to environment variables: Azure turns
/// `dbt.cloud.pat` into `DBT_CLOUD_PAT`.
fn norm(name: &str) -> String {
    name.replace('.', "_").to_ascii_uppercase()
}

/// `NAME=value` shell assignments (`export` optional): the name and the value's span.
fn assignments(text: &str, base: usize) -> Vec<(String, Span)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| compile(r#"(?m)^[\t ]*(?:-[\t ]+)?['"]?(?:export[\t ]+)?([A-Za-z_][A-Za-z0-9_]*)=([^\n]*)"#));
    re.captures_iter(text)
        .filter_map(|c| {
            let (name, value) = (c.get(1)?, c.get(2)?);
            Some((name.as_str().to_owned(), Span::new(base + value.start(), base + value.end())))
        })
        .collect()
}

/// `echo "NAME=value" >> $GITHUB_ENV` (GitHub Actions) and `echo "export NAME=value" >>
/// $BASH_ENV` (CircleCI): a variable defined for the job's later steps.
fn exported(text: &str, base: usize) -> Vec<(String, Span)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        compile(
            r#"\becho[\t ]+(?:-[a-z]+[\t ]+)?["']?(?:export[\t ]+)?([A-Za-z_][A-Za-z0-9_]*)=([^"'\n>]*?)["']?[\t ]*>>[\t ]*["']?\$\{?(?:GITHUB_ENV|BASH_ENV)\b"#,
        )
    });
    captures(re, text, base)
}

/// `-var "name=value"`, `-var 'name=value'`, `-var=name=value` of a Terraform command: the
/// Terraform variable `name` set like `TF_VAR_name`.
fn var_flags(text: &str, base: usize) -> Vec<(String, Span)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        compile(
            r#"(?:^|[\t \n"'])-{1,2}var(?:[\t ]+|=)["']?([A-Za-z_][A-Za-z0-9_-]*)=((?:\$\{\{[^}\n]*\}\}|[^"'\s])*)"#,
        )
    });
    captures(re, text, base)
}

fn captures(re: &Regex, text: &str, base: usize) -> Vec<(String, Span)> {
    re.captures_iter(text)
        .filter_map(|c| {
            let (name, value) = (c.get(1)?, c.get(2)?);
            Some((name.as_str().to_owned(), Span::new(base + value.start(), base + value.end())))
        })
        .collect()
}

/// Whether a script runs Terraform (or OpenTofu, or Terragrunt), so its `-var` flags are
/// Terraform's.
fn runs_terraform(text: &str) -> bool {
    ["terraform", "tofu", "terragrunt"].iter().any(|t| text.contains(t))
}

/// A part of a pipeline that runs together: the pipeline itself, a stage, a job, a step.
#[derive(Clone, Debug)]
pub struct Scope {
    /// How the scope is named in messages ("job `deploy`").
    pub label: String,
    /// Why it is production: what triggers it, where it deploys.
    pub trigger: Trigger,
    /// The enclosing scope; its variables and secret sources reach this one.
    pub parent: Option<usize>,
}

/// One thing of a pipeline file that can carry a token.
#[derive(Clone, Debug)]
pub enum Item {
    /// `KEY: value` of a `variables:` / `env:` / `environment:` map (or a shell assignment).
    Entry {
        scope: usize,
        key: String,
        value: Span,
        description: Option<String>,
        sink: String,
        /// The consumer says the value is a dbt Cloud token whatever the key is named (the
        /// credential input of a dbt Cloud action).
        carries_token: bool,
    },
    /// A script a job runs: shell lines, an inline task input, a string in a Jenkinsfile.
    Script { scope: usize, span: Span, sink: String },
    /// A named secret store whose name may say the type: a CircleCI context, an Azure variable
    /// group, a Jenkins credentials id, a GitLab Vault secret path. `key` is the variable it is
    /// bound to, when the file says.
    Source { scope: usize, key: Option<String>, name: String, at: Span, kind: &'static str, sink: String },
    /// A task input, template parameter or orb parameter: a definition when its key names a
    /// dbt token, otherwise text that may read one.
    Input { scope: usize, key: String, value: Span, sink: String },
}

impl Item {
    /// Sources first, then definitions, then scripts: a token is reported where it is defined.
    fn order(&self) -> (u8, usize) {
        match self {
            Item::Source { at, .. } => (0, at.start),
            Item::Entry { value, .. } => (1, value.start),
            Item::Script { span, .. } | Item::Input { value: span, .. } => (2, span.start),
        }
    }
}

/// A pipeline file read into scopes and items, with how its system writes references.
pub struct Pipeline {
    pub dialect: Dialect,
    /// What the system calls a variable in evidence ("CI/CD variable").
    pub var_kind: &'static str,
    pub scopes: Vec<Scope>,
    pub items: Vec<Item>,
    /// The folder a scope's scripts start in (`working-directory:`), relative to the
    /// repository root; a scope without one starts where its parent does.
    pub workdirs: std::collections::BTreeMap<usize, String>,
    /// Script files a step runs by path rather than by a command line (an Azure task's
    /// `filePath:` / `scriptPath:` input): the scope, the path from the repository root, and
    /// where the file names it.
    pub run_files: Vec<(usize, String, Span)>,
}

impl Pipeline {
    pub fn new(dialect: Dialect, var_kind: &'static str) -> Self {
        Pipeline {
            dialect,
            var_kind,
            scopes: Vec::new(),
            items: Vec::new(),
            workdirs: Default::default(),
            run_files: Vec::new(),
        }
    }

    /// Set the folder the scripts of `scope` start in, as the CI file writes it (the checkout's
    /// own variable first, `$(Build.SourcesDirectory)/ci`, is the repository root).
    pub fn set_workdir(&mut self, scope: usize, dir: &str) {
        self.workdirs.insert(scope, super::runs::checkout_relative(dir));
    }

    pub fn scope(&mut self, label: impl Into<String>, trigger: Trigger, parent: Option<usize>) -> usize {
        self.scopes.push(Scope { label: label.into(), trigger, parent });
        self.scopes.len() - 1
    }

    pub fn label(&self, scope: usize) -> &str {
        self.scopes.get(scope).map(|s| s.label.as_str()).unwrap_or("the pipeline")
    }

    /// Every entry of a `KEY: value` map. A value may be a map with `value:` and `description:`
    /// (GitLab); other non-scalar values are left alone.
    pub fn entries(&mut self, scope: usize, map: Option<&Node>, sink: impl Fn(&str) -> String) {
        for (k, v) in map.map(Node::entries).unwrap_or_default() {
            let Some(key) = k.as_str() else { continue };
            let (value, description) = match &v.kind {
                NodeKind::Scalar { .. } => (v, None),
                NodeKind::Map(_) => match v.get("value") {
                    Some(val) => (val, v.get("description").and_then(Node::as_str).map(str::to_owned)),
                    None => continue,
                },
                _ => continue,
            };
            self.items.push(Item::Entry {
                scope,
                key: key.to_owned(),
                value: value.span,
                description,
                sink: sink(key),
                carries_token: false,
            });
        }
    }

    /// Every scalar of a script: a string or a list of lines (nested lists included).
    pub fn scripts(&mut self, scope: usize, node: Option<&Node>, sink: &str) {
        let Some(node) = node else { return };
        match &node.kind {
            NodeKind::Scalar { .. } => {
                self.items.push(Item::Script { scope, span: node.span, sink: sink.to_owned() });
            }
            NodeKind::Seq(items) => {
                for item in items {
                    self.scripts(scope, Some(item), sink);
                }
            }
            _ => {}
        }
    }

    /// The folder the scripts of `scope` start in.
    fn workdir(&self, scope: usize) -> &str {
        let mut cur = Some(scope);
        for _ in 0..=self.scopes.len() {
            let Some(s) = cur else { break };
            if let Some(w) = self.workdirs.get(&s) {
                return w;
            }
            cur = self.scopes.get(s).and_then(|x| x.parent);
        }
        ""
    }

    /// Whether `scope` is `ancestor` or inside it.
    fn within(&self, scope: usize, ancestor: usize) -> bool {
        let mut cur = Some(scope);
        let mut steps = 0;
        while let Some(s) = cur {
            if s == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.scopes.len() {
                return false;
            }
            cur = self.scopes.get(s).and_then(|x| x.parent);
        }
        false
    }
}

/// The token uses of a pipeline.
pub fn uses(ctx: &Ctx, mut p: Pipeline) -> Vec<TokenUse> {
    for item in &mut p.items {
        if let Item::Input { scope, key, value, sink } = item {
            let (scope, value, sink) = (*scope, *value, std::mem::take(sink));
            *item = if is_dbt_token_name(key, &ctx.policy.signals) {
                Item::Entry { scope, key: std::mem::take(key), value, description: None, sink, carries_token: false }
            } else {
                Item::Script { scope, span: value, sink }
            };
        }
    }
    // Shell assignments in scripts define variables like a `variables:` map does; so do lines
    // that export one for later steps, and `-var` flags of Terraform commands (as `TF_VAR_x`).
    let mut assigned = Vec::new();
    let entry = |scope: usize, key: String, value: Span, sink: String| Item::Entry {
        scope,
        key,
        value,
        description: None,
        sink,
        carries_token: false,
    };
    // Entries replaced by the variables their flags set.
    let mut replaced = HashSet::new();
    // The scripts' Terraform commands that say where and how Terraform runs, by scope.
    let mut tf_runs = Vec::new();
    for (i, item) in p.items.iter().enumerate() {
        match item {
            Item::Script { scope, span, sink } => {
                let text = ctx.text(span.start, span.end);
                for (key, value) in assignments(text, span.start) {
                    assigned.push(entry(*scope, key.clone(), value, format!("variable `{key}` set in {sink}")));
                }
                for (key, value) in exported(text, span.start) {
                    let how = format!("variable `{key}` exported for later steps by {sink}");
                    assigned.push(entry(*scope, key, value, how));
                }
                if runs_terraform(text) {
                    let run = terraform_run(text);
                    if run != crate::model::TerraformRun::default() {
                        tf_runs.push((*scope, run));
                    }
                    for (name, value) in var_flags(text, span.start) {
                        let how = format!("Terraform variable `{name}` set with `-var` in {sink}");
                        assigned.push(entry(*scope, format!("TF_VAR_{name}"), value, how));
                    }
                }
            }
            // `TF_CLI_ARGS` / `TF_CLI_ARGS_apply` hold flags Terraform adds to its commands.
            Item::Entry { scope, key, value, sink, .. } if key.starts_with("TF_CLI_ARGS") => {
                for (name, v) in var_flags(ctx.text(value.start, value.end), value.start) {
                    let how = format!("Terraform variable `{name}` set with `-var` in {sink}");
                    assigned.push(entry(*scope, format!("TF_VAR_{name}"), v, how));
                    replaced.insert(i);
                }
            }
            _ => {}
        }
    }
    if !replaced.is_empty() {
        let mut i = 0;
        p.items.retain(|_| {
            i += 1;
            !replaced.contains(&(i - 1))
        });
    }
    p.items.extend(assigned);
    p.items.sort_by_key(Item::order);

    let parents: Vec<Option<usize>> = p.scopes.iter().map(|s| s.parent).collect();
    let mut run = Run {
        ctx,
        p: &p,
        defined: HashSet::new(),
        reported: HashSet::new(),
        script_reads: HashSet::new(),
        literals: HashSet::new(),
        stored: HashSet::new(),
        senders: Vec::new(),
        step_runs: Vec::new(),
        tree: ScopeTree::new(&parents),
        sending: None,
        by_span: HashMap::new(),
        said: Vec::new(),
        tf_runs,
    };
    run.collect_step_runs();
    run.collect_defined();
    run.collect_senders();
    run.index();
    let mut out = Vec::new();
    for item in &p.items {
        match item {
            Item::Source { scope, key, name, at, kind, sink } => {
                run.source(*scope, key.as_deref(), name, *at, kind, sink, &mut out)
            }
            Item::Entry { scope, key, value, description, sink, carries_token } => {
                run.entry(*scope, key, *value, description.as_deref(), sink, *carries_token, &mut out)
            }
            Item::Script { scope, span, sink } => run.script(*scope, *span, sink, &mut out),
            Item::Input { .. } => {}
        }
    }
    out
}

struct Run<'a, 'c> {
    ctx: &'a Ctx<'c>,
    p: &'a Pipeline,
    /// Variables the file itself defines from a secret or a literal (normalised names): a
    /// script that reads one is not another use.
    defined: HashSet<String>,
    /// Variables already reported from a script or a definition (normalised names).
    reported: HashSet<String>,
    /// Names reported only at script reads: each further script's read is its own use.
    script_reads: HashSet<String>,
    /// Literal tokens already turned into a use (by start offset).
    literals: HashSet<usize>,
    /// Secret references already turned into a use (by start offset): a shell assignment in a
    /// script is read as a definition, and the script must not report its value again.
    stored: HashSet<usize>,
    /// The scripts that call a user-context endpoint, read once: every use is checked against
    /// them, and reading every script again for each use made big files quadratic.
    senders: Vec<Sender>,
    /// The repository code each script runs, by the script's scope.
    step_runs: Vec<(usize, Vec<StepRun>)>,
    /// The scopes as a tree; `None` only if their parents loop (then scopes are compared by
    /// walking up, one sender at a time).
    tree: Option<ScopeTree>,
    /// Senders by the variable they read (`None`: a dbt token the file does not define), so
    /// the first one related to a use is a lookup, not a pass over every sender.
    sending: Option<FirstBy<Option<String>>>,
    /// How the scripts of each scope run Terraform (`-chdir`, `-var-file`).
    tf_runs: Vec<(usize, crate::model::TerraformRun)>,
    /// Senders by their script's span.
    by_span: HashMap<(usize, usize), Vec<usize>>,
    /// Per scope: what the secret sources of it and its ancestors say about the type.
    said: Vec<Option<Said>>,
}

/// The type the secret sources reaching a scope say: the first of them (in item order), and
/// whether they all say the same.
#[derive(Clone)]
struct Said {
    item: usize,
    /// The first source, and the type `classify` reads from it.
    seen: TypeSeen,
    token_type: crate::model::TokenType,
    same: bool,
}

/// What the sources of `a` and of `b` say together.
fn merge(a: Option<Said>, b: Option<Said>) -> Option<Said> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => {
            let same = a.same && b.same && a.token_type == b.token_type;
            let mut first = if a.item <= b.item { a } else { b };
            first.same = same;
            Some(first)
        }
    }
}

/// A script that calls a user-context endpoint.
struct Sender {
    scope: usize,
    span: Span,
    /// The variables it reads (normalised names).
    reads: HashSet<String>,
    /// Whether it reads a dbt token the file does not define.
    reads_undefined_token: bool,
    /// The endpoint: its place and text.
    endpoint: (usize, usize, String),
}

impl Run<'_, '_> {
    fn collect_defined(&mut self) {
        for item in &self.p.items {
            match item {
                Item::Entry { key, value, .. } => {
                    let text = self.ctx.text(value.start, value.end);
                    let signals = &self.ctx.policy.signals;
                    if !refs_in(text, 0, self.p.dialect).is_empty() || !literal::find(text, signals).is_empty() {
                        self.defined.insert(norm(key));
                    }
                }
                Item::Source { key: Some(key), .. } => {
                    self.defined.insert(norm(key));
                }
                _ => {}
            }
        }
    }

    fn collect_step_runs(&mut self) {
        for item in &self.p.items {
            let Item::Script { scope, span, .. } = item else { continue };
            let text = self.ctx.text(span.start, span.end);
            let runs: Vec<StepRun> = super::runs::runs(text, self.p.workdir(*scope))
                .into_iter()
                .map(|r| StepRun {
                    command: text.get(r.start..r.end).unwrap_or("").to_owned(),
                    target: r.target,
                    at: self.ctx.loc(span.start + r.start, span.start + r.end),
                })
                .collect();
            if !runs.is_empty() {
                self.step_runs.push((*scope, runs));
            }
        }
        for (scope, path, span) in &self.p.run_files {
            let run = StepRun {
                command: self.ctx.text(span.start, span.end).trim().to_owned(),
                target: crate::model::RunTarget::File(super::runs::checkout_relative(path)),
                at: self.ctx.loc(span.start, span.end),
            };
            self.step_runs.push((*scope, vec![run]));
        }
    }

    /// The flow of a variable defined in `scope` into the repository code its scripts run.
    fn step_env(&self, scope: usize, key: &str) -> Option<Flow> {
        let runs: Vec<StepRun> = self
            .step_runs
            .iter()
            .filter(|(s, _)| self.p.within(*s, scope))
            .flat_map(|(_, r)| r.iter().cloned())
            .collect();
        if runs.is_empty() {
            return None;
        }
        let trigger = self.p.scopes.get(scope).map(|s| s.trigger.clone()).unwrap_or_default();
        Some(Flow::StepEnv { var: key.to_owned(), runs, trigger, developer: false })
    }

    fn collect_senders(&mut self) {
        let signals = &self.ctx.policy.signals;
        for item in &self.p.items {
            let Item::Script { scope, span, .. } = item else { continue };
            let text = self.ctx.text(span.start, span.end);
            let Some(m) = signals.user_endpoints.find(text) else { continue };
            let refs = refs_in(text, 0, self.p.dialect);
            let reads_undefined_token =
                refs.iter().any(|r| !self.defined.contains(&norm(&r.name)) && is_dbt_token_name(&r.name, signals));
            self.senders.push(Sender {
                scope: *scope,
                span: *span,
                reads: refs.iter().map(|r| norm(&r.name)).collect(),
                reads_undefined_token,
                endpoint: (span.start + m.start(), span.start + m.end(), m.as_str().to_owned()),
            });
        }
    }

    /// Index the senders and the sources by scope, once.
    fn index(&mut self) {
        let Some(tree) = &self.tree else { return };
        let entries = self.senders.iter().enumerate().flat_map(|(i, s)| {
            let undefined = s.reads_undefined_token.then_some((None, s.scope, i));
            s.reads.iter().map(move |n| (Some(n.clone()), s.scope, i)).chain(undefined)
        });
        self.sending = Some(FirstBy::new(tree, entries));
        for (i, s) in self.senders.iter().enumerate() {
            self.by_span.entry((s.span.start, s.span.end)).or_default().push(i);
        }
        let signals = &self.ctx.policy.signals;
        let mut own: Vec<Option<Said>> = vec![None; self.p.scopes.len()];
        for (item, it) in self.p.items.iter().enumerate() {
            if let Item::Source { scope: s, name, at, kind, .. } = it
                && let Some(slot) = own.get_mut(*s)
            {
                let fact = TypeFact::ScopeSource {
                    kind: (*kind).to_owned(),
                    name: name.clone(),
                    scope: self.p.label(*s).to_owned(),
                };
                let seen = TypeSeen::at(fact, self.ctx.loc(at.start, at.end));
                if let Some(h) = token_type::hint(&seen, signals) {
                    let said = Said { item, seen, token_type: h.token_type, same: true };
                    *slot = merge(slot.take(), Some(said));
                }
            }
        }
        let mut said: Vec<Option<Said>> = vec![None; self.p.scopes.len()];
        for &s in tree.order() {
            let up = tree.parent(s).and_then(|p| said.get(p).cloned().flatten());
            let mine = own.get_mut(s).and_then(Option::take);
            if let Some(slot) = said.get_mut(s) {
                *slot = merge(up, mine);
            }
        }
        self.said = said;
    }

    /// Where a value bound to `key` in `scope` goes next (see [`terraform_flow`]), with how the
    /// Terraform commands of scopes within it or around it run it: the first with a variables
    /// file, else the first.
    fn terraform_flow(&self, scope: usize, key: &str) -> Option<Flow> {
        let mut flow = terraform_flow(key)?;
        // `terraform init` says the folder; the command with a variables file says more.
        let mut related = self.tf_runs.iter().filter(|(s, _)| self.related(*s, scope)).map(|(_, r)| r);
        let first = related.clone().next();
        if let Flow::TerraformVariable { run, .. } = &mut flow
            && let Some(found) = related.find(|r| r.var_file.is_some()).or(first)
        {
            *run = found.clone();
        }
        Some(flow)
    }

    /// Whether one of two scopes is the other or inside it.
    fn related(&self, a: usize, b: usize) -> bool {
        match &self.tree {
            Some(t) => t.within(a, b) || t.within(b, a),
            None => self.p.within(a, b) || self.p.within(b, a),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn source(
        &mut self,
        scope: usize,
        key: Option<&str>,
        name: &str,
        at: Span,
        kind: &str,
        sink: &str,
        out: &mut Vec<TokenUse>,
    ) {
        let signals = &self.ctx.policy.signals;
        if !(is_dbt_token_name(name, signals) || key.is_some_and(|k| names_dbt_token(k, signals))) {
            return;
        }
        let mut u = TokenUse::new(self.ctx.loc(at.start, at.end), format!("{kind} `{name}`"), sink);
        u.flow = key.and_then(|k| self.terraform_flow(scope, k));
        u.saw_type_at(TypeFact::Name { called: kind.to_owned(), name: name.to_owned() }, u.at);
        if let Some(k) = key {
            key_hint(&mut u, k, name);
            self.reported.insert(norm(k));
        }
        let names: Vec<String> = key.map(|k| vec![k.to_owned()]).unwrap_or_default();
        self.classify(&mut u, scope, &names, None);
        out.push(u);
    }

    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        scope: usize,
        key: &str,
        value: Span,
        description: Option<&str>,
        sink: &str,
        carries_token: bool,
        out: &mut Vec<TokenUse>,
    ) {
        let ctx = self.ctx;
        let signals = &ctx.policy.signals;
        let text = ctx.text(value.start, value.end);
        let key_is_dbt = carries_token || names_dbt_token(key, signals);
        let first = out.len();
        for r in refs_in(text, value.start, self.p.dialect) {
            let own = norm(&r.name) == norm(key);
            if !own && !r.store && self.defined.contains(&norm(&r.name)) {
                continue;
            }
            if !(key_is_dbt || is_dbt_token_name(&r.name, signals)) || is_other_credential(&r.name, signals) {
                continue;
            }
            if r.store && !self.stored.insert(r.span.start) {
                continue;
            }
            let mut u = self.ref_use(&r, sink);
            key_hint(&mut u, key, &r.name);
            if let Some(d) = description {
                u.saw_type(TypeFact::Description { called: String::new(), name: key.to_owned(), text: d.to_owned() });
            }
            self.inherit(&mut u, scope);
            self.classify(&mut u, scope, &[key.to_owned(), r.name.clone()], None);
            self.reported.insert(norm(&r.name));
            out.push(u);
        }
        self.literal_uses(scope, value, sink, &[key.to_owned()], out);
        // Only a use made here flows on (the steps are looked at for those alone).
        let made = out.len() > first;
        if let Some(flow) =
            self.terraform_flow(scope, key).or_else(|| made.then(|| self.step_env(scope, key)).flatten())
        {
            for u in out.iter_mut().skip(first) {
                u.flow = Some(flow.clone());
            }
        }
    }

    fn script(&mut self, scope: usize, span: Span, sink: &str, out: &mut Vec<TokenUse>) {
        let signals = &self.ctx.policy.signals;
        let text = self.ctx.text(span.start, span.end);
        // Each step's script is its own use of a variable it reads (two steps that send the
        // same token are two uses); within one script, the first read speaks.
        let mut in_script: HashSet<String> = HashSet::new();
        for r in refs_in(text, span.start, self.p.dialect) {
            let n = norm(&r.name);
            if !is_dbt_token_name(&r.name, signals) || is_other_credential(&r.name, signals) {
                continue;
            }
            // A secret written into the script is a use wherever it stands; a variable read is
            // one where the file defines it, or at its first read in each script.
            let fresh = if r.store {
                self.stored.insert(r.span.start)
            } else {
                let elsewhere = self.reported.contains(&n) && !self.script_reads.contains(&n);
                let fresh = !self.defined.contains(&n) && !elsewhere && in_script.insert(n.clone());
                if fresh && self.reported.insert(n.clone()) {
                    self.script_reads.insert(n);
                }
                fresh
            };
            if !fresh {
                continue;
            }
            let mut u = self.ref_use(&r, sink);
            self.inherit(&mut u, scope);
            self.classify(&mut u, scope, std::slice::from_ref(&r.name), Some(span));
            out.push(u);
        }
        self.literal_uses(scope, span, sink, &[], out);
    }

    /// A use at a variable reference, typed by the variable's name.
    fn ref_use(&self, r: &VarRef, sink: &str) -> TokenUse {
        let ctx = self.ctx;
        let mut u = TokenUse::new(ctx.loc(r.span.start, r.span.end), ctx.text(r.span.start, r.span.end), sink);
        let called = format!("{} name", self.p.var_kind);
        u.saw_type_at(TypeFact::Name { called, name: r.name.clone() }, u.at);
        u
    }

    fn literal_uses(&mut self, scope: usize, span: Span, sink: &str, names: &[String], out: &mut Vec<TokenUse>) {
        let ctx = self.ctx;
        for lit in literal::find(ctx.text(span.start, span.end), &ctx.policy.signals) {
            let (start, end) = (span.start + lit.start, span.start + lit.end);
            if !self.literals.insert(start) {
                continue;
            }
            let mut u = TokenUse::new(ctx.loc(start, end), literal::mask_token(ctx.text(start, end)), sink);
            u.literal = true;
            u.saw_type_at(literal_fact(lit.prefix()), u.at);
            self.classify(&mut u, scope, names, Some(span));
            out.push(u);
        }
    }

    /// A reference whose own name says no type takes the type a secret source of its scope
    /// says (a CircleCI context `dbt-cloud-pat`), as inherited evidence: the finding stays on
    /// the source.
    fn inherit(&self, u: &mut TokenUse, scope: usize) {
        let signals = &self.ctx.policy.signals;
        if token_type::says_a_type(&u.type_facts, signals) {
            return;
        }
        if self.tree.is_some() {
            if let Some(Some(said)) = self.said.get(scope)
                && said.same
            {
                u.type_facts.push(TypeSeen { inherited: true, ..said.seen.clone() });
            }
            return;
        }
        let mut sources = Vec::new();
        for item in &self.p.items {
            if let Item::Source { scope: s, name, at, kind, .. } = item
                && self.p.within(scope, *s)
            {
                let scope = self.p.label(*s).to_owned();
                let fact = TypeFact::ScopeSource { kind: (*kind).to_owned(), name: name.clone(), scope };
                sources.push(TypeSeen::at(fact, self.ctx.loc(at.start, at.end)));
            }
        }
        if !sources.is_empty() {
            u.type_facts.push(TypeSeen { fact: TypeFact::Agreeing(sources), at: None, inherited: true });
        }
    }

    /// Production, from the scope's triggers; user-context when a script of the scope sends one
    /// of `names` (or, with `here`, the script at hand) to a user-context endpoint.
    fn classify(&self, u: &mut TokenUse, scope: usize, names: &[String], here: Option<Span>) {
        if let Some(s) = self.p.scopes.get(scope) {
            u.saw(Fact::CiTrigger(s.trigger.clone()));
        }
        let wanted: Vec<String> = names.iter().map(|n| norm(n)).collect();
        // A secret source bound to no variable name is sent wherever a script reads a dbt token.
        let any_dbt = names.is_empty() && here.is_none();
        let sends = |s: &Sender| {
            here == Some(s.span)
                || if any_dbt { s.reads_undefined_token } else { wanted.iter().any(|n| s.reads.contains(n)) }
        };
        // The first sender (in order) of a related scope that sends one of the names.
        let first = match (&self.tree, &self.sending) {
            (Some(tree), Some(sending)) => {
                let keys: Vec<Option<String>> =
                    if any_dbt { vec![None] } else { wanted.iter().cloned().map(Some).collect() };
                let by_name = keys.iter().filter_map(|k| sending.first(tree, k, scope));
                let here = here.and_then(|h| self.by_span.get(&(h.start, h.end))).into_iter().flatten().copied();
                let here = here.filter(|&i| self.senders.get(i).is_some_and(|s| self.related(s.scope, scope)));
                by_name.chain(here).min()
            }
            _ => self.senders.iter().position(|s| self.related(s.scope, scope) && sends(s)),
        };
        if let Some(s) = first.and_then(|i| self.senders.get(i)) {
            let (start, end, endpoint) = &s.endpoint;
            u.saw_at(Fact::SentToUserEndpoint { endpoint: endpoint.clone() }, self.ctx.loc(*start, *end));
        }
    }
}

/// The Terraform variable a CI variable sets: `TF_VAR_dbt_pat` is `var.dbt_pat`.
fn terraform_variable(key: &str) -> Option<&str> {
    key.strip_prefix("TF_VAR_").filter(|v| !v.is_empty())
}

/// Where a value bound to `key` goes next: Terraform reads `TF_VAR_x` as `var.x`, and
/// resolution gives the CI use the workflow of the places that variable reaches.
fn terraform_flow(key: &str) -> Option<Flow> {
    terraform_variable(key)
        .map(|name| Flow::TerraformVariable { name: name.to_owned(), run: crate::model::TerraformRun::default() })
}

/// How a script runs Terraform: its `-chdir=DIR` and `-var-file=PATH` flags (the first of each).
fn terraform_run(text: &str) -> crate::model::TerraformRun {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| compile(r#"(?:^|[\t \n])-(chdir|var-file)(?:=|[\t ]+)["']?([^\s"';&|]+)"#));
    let mut run = crate::model::TerraformRun::default();
    for c in re.captures_iter(text) {
        let (Some(flag), Some(value)) = (c.get(1), c.get(2)) else { continue };
        let value = value.as_str().trim_start_matches("./").to_owned();
        let slot = if flag.as_str() == "chdir" { &mut run.chdir } else { &mut run.var_file };
        slot.get_or_insert(value);
    }
    run
}

/// Whether a variable name names a dbt token, itself or through the Terraform variable it sets.
fn names_dbt_token(key: &str, signals: &crate::policy::Signals) -> bool {
    is_dbt_token_name(key, signals) || terraform_variable(key).is_some_and(|v| is_dbt_token_name(v, signals))
}

/// The type the variable a reference is bound to says, when it differs from the reference.
fn key_hint(u: &mut TokenUse, key: &str, name: &str) {
    if norm(key) == norm(name) {
        return;
    }
    // First, so that the reference's own name speaks when both say a type.
    u.type_facts.insert(0, TypeSeen::new(TypeFact::Name { called: "name".to_owned(), name: key.to_owned() }));
}

/// A reference found by reading a file as text: the name it reads, what the system calls such a
/// name in evidence ("secret"), and the span of the whole reference.
pub struct TextRef {
    pub name: String,
    pub kind: &'static str,
    pub span: Span,
}

/// How a CI file that does not parse is read as text.
pub struct TextRead<'a> {
    /// What runs the file, for evidence ("GitLab CI pipeline").
    pub system: &'a str,
    /// What the file is called in a sink ("pipeline").
    pub noun: &'a str,
    /// The references read environment variables that the file may define itself
    /// (`DBT_CLOUD_TOKEN: $DBT_CLOUD_PAT`, then `$DBT_CLOUD_TOKEN` in a script): a token is
    /// reported once, where it is defined, as the parsed extractors do.
    pub variables: bool,
}

/// The token uses of a CI file that does not parse, from its references in the system's own
/// syntax (`dialect`): a TW001 must not hide the tokens the file still wires into automation.
pub fn extract_text(ctx: &Ctx, dialect: Dialect, system: &str, var_kind: &'static str) -> Vec<TokenUse> {
    let refs = refs_in(&ctx.src.text, 0, dialect)
        .into_iter()
        .map(|r| TextRef { name: r.name, kind: var_kind, span: r.span })
        .collect();
    text_uses(ctx, &TextRead { system, noun: "pipeline", variables: true }, refs)
}

/// Every reference to a dbt token among `refs`, judged as CI automation with medium confidence:
/// without the structure, triggers and jobs are unknown, and the variable a reference is bound
/// to is read from its line (`KEY: value`, `KEY=value`).
pub fn text_uses(ctx: &Ctx, read: &TextRead, refs: Vec<TextRef>) -> Vec<TokenUse> {
    let signals = &ctx.policy.signals;
    let text = ctx.src.text.as_str();
    let mut lines = Vec::new();
    for r in refs {
        let line_start = text.get(..r.span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
        let line_end = text.get(r.span.end..).and_then(|t| t.find('\n')).map_or(text.len(), |i| r.span.end + i);
        let prefix = text.get(line_start..r.span.start).unwrap_or("");
        if is_comment(prefix) {
            continue;
        }
        lines.push((line_key(prefix), Span::new(line_start, line_end), r));
    }
    let defined: HashSet<String> = if read.variables {
        lines.iter().filter(|(k, ..)| !k.is_empty()).map(|(k, ..)| norm(k)).collect()
    } else {
        HashSet::new()
    };
    let mut defs_seen: HashSet<(String, String)> = HashSet::new();
    let mut names_seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (key, line, r) in lines {
        let key_is_dbt = names_dbt_token(&key, signals);
        if !(key_is_dbt || is_dbt_token_name(&r.name, signals)) || is_other_credential(&r.name, signals) {
            continue;
        }
        if read.variables {
            let n = norm(&r.name);
            if n != norm(&key) && defined.contains(&n) {
                continue;
            }
            // A definition always speaks (it may carry the flow into Terraform); a script that
            // reads a name already reported does not.
            let fresh = if key_is_dbt { defs_seen.insert((norm(&key), n.clone())) } else { !names_seen.contains(&n) };
            names_seen.insert(n);
            if !fresh {
                continue;
            }
        }
        let sink = if key.is_empty() {
            format!("a line of a {} read as text", read.noun)
        } else {
            format!("`{key}` in a {} read as text", read.noun)
        };
        let mut u = TokenUse::new(ctx.loc(r.span.start, r.span.end), ctx.text(r.span.start, r.span.end), sink);
        u.saw_type_at(TypeFact::Name { called: format!("{} name", r.kind), name: r.name.clone() }, u.at);
        key_hint(&mut u, &key, &r.name);
        u.saw(Fact::UnparsedCi { system: read.system.to_owned() });
        if let Some(m) = signals.user_endpoints.find(ctx.text(line.start, line.end)) {
            let at = ctx.loc(line.start + m.start(), line.start + m.end());
            u.saw_at(Fact::UserEndpointOnLine { endpoint: m.as_str().to_owned() }, at);
        }
        u.flow = terraform_flow(&key);
        out.push(u);
    }
    out
}

/// Whether a reference sits in a YAML comment, given the text of its line before it.
fn is_comment(prefix: &str) -> bool {
    prefix.trim_start().starts_with('#') || prefix.contains(" #") || prefix.contains("\t#")
}

/// The variable a reference is bound to, from the text of its line before it: `KEY` of
/// `KEY: value` (in a list item or not) or of a shell assignment `export KEY=value`; empty
/// when there is none (a script line).
fn line_key(prefix: &str) -> String {
    let tail = prefix.trim_end().trim_end_matches("${{").trim_end().trim_end_matches(['"', '\'']);
    if let Some(before) = tail.strip_suffix('=') {
        let len = before.bytes().rev().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        let name = before.get(before.len() - len..).unwrap_or("");
        if name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') {
            return name.to_owned();
        }
    }
    let item = prefix.trim_start().trim_start_matches("- ").trim_start();
    let Some((key, _)) = item.split_once(':') else { return String::new() };
    let key = key.trim().trim_matches(['"', '\'']);
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if plain { key.to_owned() } else { String::new() }
}

/// "`main`, `release/*`": a list of names for evidence.
pub fn ticked(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// Push `part` unless already there.
pub fn add<T: PartialEq>(parts: &mut Vec<T>, part: T) {
    if !parts.contains(&part) {
        parts.push(part);
    }
}

/// What starts `what`: the events in `parts`, or nothing declared (it runs without a person);
/// `environment` is who deploys to which environment.
pub fn declared_trigger(what: &str, parts: &[Event], environment: Option<(&str, &str)>) -> Trigger {
    let runs = if parts.is_empty() { Runs::WithoutPerson } else { Runs::On(parts.to_vec()) };
    Trigger { what: what.to_owned(), runs, environment: environment.map(|(who, env)| (who.to_owned(), env.to_owned())) }
}

/// The scalar strings of a node: itself, or the items of a list.
pub fn strings(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.kind) {
        Some(NodeKind::Scalar { value, .. }) => vec![value.clone()],
        Some(NodeKind::Seq(items)) => items.iter().filter_map(Node::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, d: Dialect) -> Vec<String> {
        refs_in(text, 0, d).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn references_in_every_dialect() {
        assert_eq!(names("curl -H \"Token $DBT_PAT\" ${DBT_HOST}/x", Dialect::Shell), ["DBT_PAT", "DBT_HOST"]);
        assert_eq!(names("$env:DBT_TOKEN", Dialect::Shell), ["DBT_TOKEN"]);
        assert_eq!(names("echo $(date)", Dialect::Shell), Vec::<String>::new());
        assert_eq!(names("$(dbt.cloud.pat) ${{ variables.DBT_SVC }}", Dialect::Azure), ["dbt.cloud.pat", "DBT_SVC"]);
        assert_eq!(names("variables['dbtPat']", Dialect::Azure), ["dbtPat"]);
        assert_eq!(names("\"Token ${env.DBT_TOKEN}\" params.DBT_PAT", Dialect::Groovy), ["DBT_TOKEN", "DBT_PAT"]);
    }

    #[test]
    fn reference_spans_cover_the_braces() {
        let r = refs_in("x ${DBT_PAT} y", 10, Dialect::Shell);
        assert_eq!(r[0].span, Span::new(12, 22));
        let r = refs_in("$(DBT_PAT)", 0, Dialect::Azure);
        assert_eq!(r[0].span, Span::new(0, 10));
    }

    #[test]
    fn shell_assignments() {
        let a = assignments("export DBT_TOKEN=$DBT_CLOUD_PAT\n  X=1\necho A=b", 0);
        let keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["DBT_TOKEN", "X"]);
        assert_eq!(a[0].1, Span::new(17, 31));
        assert_eq!(assignments("- 'export DBT_TOKEN=$P'", 0)[0].0, "DBT_TOKEN");
    }

    #[test]
    fn azure_names_match_their_environment_form() {
        assert_eq!(norm("dbt.cloud.pat"), "DBT_CLOUD_PAT");
    }

    fn ctx_uses(path: &str, text: &str, f: impl Fn(&Ctx) -> Vec<TokenUse>) -> Vec<TokenUse> {
        let src = crate::source::SourceFile::new(path.into(), path.into(), text.into());
        let ctx = Ctx { file: 0, src: &src, policy: crate::policy::builtin() };
        f(&ctx)
    }

    fn yaml_uses(path: &str, text: &str, f: fn(&Ctx, &Node) -> Vec<TokenUse>) -> Vec<TokenUse> {
        ctx_uses(path, text, |ctx| {
            crate::parse::yaml::parse(text)
                .unwrap_or_else(|e| panic!("the test input must parse: {e:?}"))
                .iter()
                .flat_map(|d| f(ctx, d))
                .collect()
        })
    }

    fn flows(uses: &[TokenUse]) -> Vec<(String, Option<String>)> {
        uses.iter()
            .map(|u| {
                let flow = match &u.flow {
                    Some(Flow::TerraformVariable { name, .. }) => Some(name.clone()),
                    _ => None,
                };
                (u.reference.clone(), flow)
            })
            .collect()
    }

    fn tf(reference: &str, var: &str) -> (String, Option<String>) {
        (reference.to_owned(), Some(var.to_owned()))
    }

    #[test]
    fn every_ci_system_flows_tf_var_into_terraform() {
        let gitlab = yaml_uses(
            ".gitlab-ci.yml",
            "apply:\n  variables:\n    TF_VAR_dbt_pat: $DBT_CLOUD_PAT\n  script: [terraform apply]\n",
            super::super::gitlab_ci::extract,
        );
        assert_eq!(flows(&gitlab), [tf("$DBT_CLOUD_PAT", "dbt_pat")]);
        let azure = yaml_uses(
            "azure-pipelines.yml",
            "steps:\n  - script: terraform apply\n    env:\n      TF_VAR_dbt_token: $(DBT_PAT)\n",
            super::super::azure_pipelines::extract,
        );
        assert_eq!(flows(&azure), [tf("$(DBT_PAT)", "dbt_token")]);
        let circleci = yaml_uses(
            ".circleci/config.yml",
            "jobs:\n  apply:\n    steps:\n      - run: TF_VAR_dbt_token=$DBT_CLOUD_PAT terraform apply\n",
            super::super::circleci::extract,
        );
        assert_eq!(flows(&circleci), [tf("$DBT_CLOUD_PAT", "dbt_token")]);
        let bitbucket = yaml_uses(
            "bitbucket-pipelines.yml",
            "pipelines:\n  default:\n    - step:\n        script:\n          - export TF_VAR_dbt_token=${DBT_PAT}\n",
            super::super::bitbucket_pipelines::extract,
        );
        assert_eq!(flows(&bitbucket), [tf("${DBT_PAT}", "dbt_token")]);
        let jenkins = ctx_uses(
            "Jenkinsfile",
            "pipeline {\n  environment {\n    TF_VAR_dbt_pat = credentials('dbt-cloud-pat')\n  }\n}\n",
            super::super::jenkins::extract,
        );
        assert_eq!(flows(&jenkins), [tf("credentials `dbt-cloud-pat`", "dbt_pat")]);
        let binding = ctx_uses(
            "Jenkinsfile",
            "withCredentials([string(credentialsId: 'dbt-svc-token', variable: 'TF_VAR_dbt_token')]) {\n  sh 'terraform apply'\n}\n",
            super::super::jenkins::extract,
        );
        assert_eq!(flows(&binding), [tf("credentials `dbt-svc-token`", "dbt_token")]);
        // The variable says it is a dbt token even when the secret's name does not.
        let vault = yaml_uses(
            ".gitlab-ci.yml",
            "apply:\n  secrets:\n    TF_VAR_dbt_token:\n      vault: infra/terraform/token@ci\n  script: [terraform apply]\n",
            super::super::gitlab_ci::extract,
        );
        assert_eq!(flows(&vault), [tf("secret `infra/terraform/token@ci`", "dbt_token")]);
        let other = yaml_uses(
            ".gitlab-ci.yml",
            "apply:\n  variables:\n    TF_VAR_region: $AWS_REGION\n    DBT_CLOUD_TOKEN: $DBT_CLOUD_PAT\n  script: [x]\n",
            super::super::gitlab_ci::extract,
        );
        assert_eq!(flows(&other), [("$DBT_CLOUD_PAT".to_owned(), None)]);
    }

    #[test]
    fn github_actions_flows_tf_var_into_terraform_from_env_and_from_scripts() {
        let gha = |text: &str| yaml_uses(".github/workflows/x.yml", text, super::super::github_actions::extract);
        let env = "on: push\njobs:\n  a:\n    env:\n      TF_VAR_dbt_pat: ${{ secrets.DBT_PAT }}\n    steps: [{run: terraform apply}]\n";
        assert_eq!(flows(&gha(env)), [tf("secrets.DBT_PAT", "dbt_pat")]);
        let export = "on: push\njobs:\n  a:\n    steps:\n      - run: |\n          export TF_VAR_dbt_pat=${{ secrets.DBT_PAT }}\n          terraform apply\n";
        assert_eq!(flows(&gha(export)), [tf("secrets.DBT_PAT", "dbt_pat")], "reported once, with the flow");
        let github_env = "on: push\njobs:\n  a:\n    steps:\n      - run: echo \"TF_VAR_dbt_pat=${{ secrets.DBT_PAT }}\" >> \"$GITHUB_ENV\"\n";
        assert_eq!(flows(&gha(github_env)), [tf("secrets.DBT_PAT", "dbt_pat")]);
        let flag =
            "on: push\njobs:\n  a:\n    steps:\n      - run: terraform apply -var \"dbt_pat=${{ secrets.DBT_PAT }}\"\n";
        assert_eq!(flows(&gha(flag)), [tf("secrets.DBT_PAT", "dbt_pat")]);
        // Without Terraform in the script, `-var` is some other tool's flag.
        let packer =
            "on: push\njobs:\n  a:\n    steps:\n      - run: packer build -var \"dbt_pat=${{ secrets.DBT_PAT }}\"\n";
        assert_eq!(flows(&gha(packer)), [("secrets.DBT_PAT".to_owned(), None)]);
    }

    #[test]
    fn shell_exports_and_terraform_flags_flow_in_every_system() {
        let circleci = yaml_uses(
            ".circleci/config.yml",
            "jobs:\n  a:\n    environment:\n      TF_CLI_ARGS_apply: \"-var=dbt_pat=${DBT_PAT}\"\n    steps:\n      - run: echo \"export TF_VAR_dbt_token=$DBT_SVC\" >> $BASH_ENV\n",
            super::super::circleci::extract,
        );
        assert_eq!(flows(&circleci), [tf("${DBT_PAT}", "dbt_pat"), tf("$DBT_SVC", "dbt_token")]);
        let gitlab = yaml_uses(
            ".gitlab-ci.yml",
            "apply:\n  script:\n    - terraform apply -var 'dbt_pat=$DBT_CLOUD_PAT' -var=dbt_token=$DBT_SVC\n",
            super::super::gitlab_ci::extract,
        );
        assert_eq!(flows(&gitlab), [tf("$DBT_CLOUD_PAT", "dbt_pat"), tf("$DBT_SVC", "dbt_token")]);
    }

    #[test]
    fn github_actions_terraform_flags_in_every_spelling() {
        let gha = |text: &str| yaml_uses(".github/workflows/x.yml", text, super::super::github_actions::extract);
        let equals =
            "on: push\njobs:\n  a:\n    steps:\n      - run: terraform apply -var=dbt_token=${{ secrets.DBT_PAT }}\n";
        assert_eq!(flows(&gha(equals)), [tf("secrets.DBT_PAT", "dbt_token")]);
        let cli_args = "on: push\njobs:\n  a:\n    env:\n      TF_CLI_ARGS_apply: \"-var=dbt_token=${{ secrets.DBT_PAT }}\"\n    steps: [{run: terraform apply}]\n";
        assert_eq!(flows(&gha(cli_args)), [tf("secrets.DBT_PAT", "dbt_token")]);
        let bash_env = "version: 2.1\njobs:\n  a:\n    steps:\n      - run: echo \"export TF_VAR_dbt_token=${DBT_CLOUD_PAT}\" >> \"$BASH_ENV\"\n";
        let circleci = yaml_uses(".circleci/config.yml", bash_env, super::super::circleci::extract);
        assert_eq!(flows(&circleci), [tf("${DBT_CLOUD_PAT}", "dbt_token")]);
    }

    fn runs(uses: &[TokenUse]) -> Vec<crate::model::TerraformRun> {
        uses.iter()
            .filter_map(|u| match &u.flow {
                Some(Flow::TerraformVariable { run, .. }) => Some(run.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_var_file_and_chdir_of_the_jobs_terraform_command_go_with_the_flow() {
        let gha = |text: &str| yaml_uses(".github/workflows/x.yml", text, super::super::github_actions::extract);
        let run = |chdir: Option<&str>, var_file: Option<&str>| crate::model::TerraformRun {
            chdir: chdir.map(str::to_owned),
            var_file: var_file.map(str::to_owned),
        };
        let flag = "on: push\njobs:\n  a:\n    steps:\n      - run: terraform -chdir=infra apply -var-file=./envs/staging.tfvars -var \"dbt_token=${{ secrets.DBT_PAT }}\"\n";
        assert_eq!(runs(&gha(flag)), [run(Some("infra"), Some("envs/staging.tfvars"))]);
        // A job's `TF_VAR_` takes the `-var-file` of the step that applies.
        let env = "on: push\njobs:\n  a:\n    env:\n      TF_VAR_dbt_token: ${{ secrets.DBT_PAT }}\n    steps:\n      - run: terraform init\n      - run: terraform apply -var-file \"prod.tfvars\" -auto-approve\n  b:\n    steps:\n      - run: terraform apply -var-file=staging.tfvars\n";
        assert_eq!(runs(&gha(env)), [run(None, Some("prod.tfvars"))]);
        let plain = "on: push\njobs:\n  a:\n    env:\n      TF_VAR_dbt_token: ${{ secrets.DBT_PAT }}\n    steps: [{run: terraform apply}]\n";
        assert_eq!(runs(&gha(plain)), [run(None, None)]);
        assert_eq!(terraform_run("tofu plan -var-file=a.tfvars -var-file=b.tfvars"), run(None, Some("a.tfvars")));
        assert_eq!(terraform_run("terraform apply -var 'x=-var-file=y'"), run(None, None));
    }

    #[test]
    fn line_keys() {
        assert_eq!(line_key("  DBT_CLOUD_TOKEN: "), "DBT_CLOUD_TOKEN");
        assert_eq!(line_key("      - TF_VAR_dbt_pat: \""), "TF_VAR_dbt_pat");
        assert_eq!(line_key("    - export TF_VAR_dbt_pat="), "TF_VAR_dbt_pat");
        assert_eq!(line_key("  TF_VAR_x=\"${{ "), "TF_VAR_x");
        assert_eq!(line_key("      DBT_TOKEN: ${{ "), "DBT_TOKEN");
        assert_eq!(line_key("    - curl -H \"Authorization: Token "), "");
        assert_eq!(line_key("    - dbt-cloud job run --api-token "), "");
    }

    fn text_refs(path: &str, text: &str, dialect: Dialect) -> Vec<(String, String)> {
        ctx_uses(path, text, |ctx| extract_text(ctx, dialect, "CI pipeline", "variable"))
            .into_iter()
            .map(|u| (u.reference, u.sink))
            .collect()
    }

    #[test]
    fn a_broken_pipeline_read_as_text_reports_each_token_once_where_it_is_defined() {
        let text = concat!(
            "variables:\n",
            "  DBT_CLOUD_TOKEN: $DBT_CLOUD_PAT\n",
            "  TF_VAR_dbt_pat: $DBT_CLOUD_PAT\n",
            "  DBT_HOST: $DBT_CLOUD_HOST\n",
            "deploy:\n",
            "  script:\n",
            "    - curl -H \"Authorization: Token $DBT_CLOUD_TOKEN\" \"https://x\n",
            "    # was $DBT_OLD_PAT\n",
            "    - dbt-cloud job run --api-token $DBT_CLOUD_PAT\n",
            "    - echo ${DBT_SVC_TOKEN} $DBT_SVC_TOKEN\n",
        );
        let refs = text_refs(".gitlab-ci.yml", text, Dialect::Shell);
        let expected = [
            ("$DBT_CLOUD_PAT", "`DBT_CLOUD_TOKEN` in a pipeline read as text"),
            ("$DBT_CLOUD_PAT", "`TF_VAR_dbt_pat` in a pipeline read as text"),
            ("${DBT_SVC_TOKEN}", "a line of a pipeline read as text"),
        ];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(r, s)| ((*r).to_owned(), (*s).to_owned())).collect();
        assert_eq!(refs, expected);
        let azure =
            text_refs("azure-pipelines.yml", "env:\n  DBT_CLOUD_TOKEN: $(dbt.cloud.pat)\n  X: [\n", Dialect::Azure);
        assert_eq!(azure, [("$(dbt.cloud.pat)".to_owned(), "`DBT_CLOUD_TOKEN` in a pipeline read as text".to_owned())]);
    }

    #[test]
    fn a_broken_pipeline_read_as_text_is_production_with_medium_confidence() {
        let uses =
            ctx_uses(".gitlab-ci.yml", "deploy:\n  variables:\n    DBT_TOKEN: $DBT_CLOUD_PAT\n  x: [\n", |ctx| {
                extract_text(ctx, Dialect::Shell, "GitLab CI pipeline", "CI/CD variable")
            });
        let [u] = uses.as_slice() else { panic!("one use expected: {uses:?}") };
        let hints = crate::classify::workflow::hints(&u.facts);
        let w = &hints[0];
        assert_eq!((w.workflow, w.confidence), (crate::model::Workflow::Production, crate::model::Confidence::Medium));
        assert!(w.evidence.text.contains("read as text"), "{}", w.evidence.text);
        assert_eq!(
            crate::classify::token_type::hints(&u.type_facts, &crate::policy::builtin().signals)[0].token_type,
            crate::model::TokenType::Personal
        );
    }
}
