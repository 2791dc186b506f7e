//! Terraform across files and modules: which provider a token feeds, what that provider is used
//! for, what a variable's definition says, and where a module input leads.

use crate::classify::names::{configured_path, dev_segment, is_dbt_token_name, partner_in, user_context_purpose};
use crate::classify::token_type;
use crate::classify::workflow::least_forgiving;
use crate::extract::FileFacts;
use crate::extract::terraform::{
    TfExpr, TfFile, TfResource, TfVariable, http_refs, local_refs, service_token_refs, var_refs,
};
use crate::extract::terragrunt::env_reads;
use crate::literal;
use crate::model::fact::{Consumer, DevMark, Fact, IntegrationShownBy, Seen};
use crate::model::fact::{TypeFact, TypeSeen};
use crate::model::{Loc, TokenUse};
use crate::policy::Policy;
use crate::source::SourceFile;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many locals an installation id is followed through.
const MAX_LOCALS_FOLLOWED: usize = 16;

/// How deep module calls are followed: module graphs are shallow.
const MAX_MODULE_DEPTH: usize = 8;

/// The (folder, variable) pairs one query has expanded: each is followed once, so module
/// cycles and wide module graphs cost linear work.
type Visited = std::collections::HashSet<(String, String)>;

/// All Terraform files of the scan, grouped by module folder.
pub struct Index<'a> {
    files: &'a [SourceFile],
    policy: &'a Policy,
    /// Module folder → (file index, declarations).
    dirs: BTreeMap<String, Vec<(usize, TfFile)>>,
    /// Type hints a CI pipeline gave to a variable (`TF_VAR_x` from a secret whose name says).
    ci_hints: BTreeMap<(String, String), Vec<TypeSeen>>,
    /// Each folder's declarations by name, built once: every question the resolver asks is a
    /// lookup, so a folder of 20k declarations costs linear work, not a pass per question.
    by_dir: HashMap<String, Folder>,
    /// (folder, input) → what local module calls pass to that input, in folder order.
    callers: HashMap<(String, String), Vec<Call>>,
    /// Variable name → the first folder declaring it.
    var_dirs: HashMap<String, String>,
    /// CI secret name → (folder, slot, secret) of the Terraform resources setting it, in order.
    ci_secrets: HashMap<String, Vec<(String, usize, usize)>>,
}

/// A module call's input: (calling folder, slot, module, input).
type Call = (String, usize, usize, usize);

/// A place in a folder's declarations: the file's slot in the folder and an item's index in
/// one of its lists.
type At = (usize, usize);

/// What uses a provider configuration (`dbtcloud.alias`).
enum UseAt {
    Resource(At),
    Module(At),
}

/// What reads a variable, in the order `var_consumers` weighs them.
enum Reader {
    /// A provider's `token`.
    Provider(At),
    /// An attribute of a partner's resource.
    Partner(At),
    /// The header of a `data "http"` call.
    Http(At),
    /// An input of a module call: (slot, module, input).
    ModuleInput(usize, usize, usize),
}

/// One folder's declarations by name.
#[derive(Default)]
struct Folder {
    /// The first declaration of each variable.
    variables: HashMap<String, At>,
    locals: HashMap<String, Vec<At>>,
    /// `.tfvars` assignments.
    assignments: HashMap<String, Vec<At>>,
    /// Provider target (`local.alias`) → its consumers, in declaration order.
    consumers: HashMap<String, Vec<UseAt>>,
    /// Variable → what reads it, directly or through locals, in declaration order.
    readers: HashMap<String, Vec<Reader>>,
    /// Service token label → the references to its `token_string`.
    token_refs: HashMap<String, Vec<At>>,
    /// The local names under which the dbt Cloud provider is known.
    provider_names: BTreeSet<String>,
    /// Whether the folder, called as a module, manages only resources that need a user token.
    user_context: bool,
}

pub fn parent(path: &str) -> String {
    path.rsplit_once('/').map(|(d, _)| d.to_owned()).unwrap_or_default()
}

/// `dir` joined with a relative module source (`./modules/x`, `../shared`).
pub fn join(dir: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../")) {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    for seg in source.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

impl<'a> Index<'a> {
    pub fn build(files: &'a [SourceFile], facts: &mut [FileFacts], policy: &'a Policy) -> Self {
        let mut dirs: BTreeMap<String, Vec<(usize, TfFile)>> = BTreeMap::new();
        for (i, f) in facts.iter_mut().enumerate() {
            // Cloned, not taken: the rules read the declarations too (providers' hosts, outputs).
            if let (Some(tf), Some(src)) = (f.terraform.clone(), files.get(i)) {
                dirs.entry(parent(&src.display)).or_default().push((i, tf));
            }
        }
        let mut index = Index {
            files,
            policy,
            dirs,
            ci_hints: BTreeMap::new(),
            by_dir: HashMap::new(),
            callers: HashMap::new(),
            var_dirs: HashMap::new(),
            ci_secrets: HashMap::new(),
        };
        index.build_lookups();
        index
    }

    /// Fill the lookups, in declaration order (folders sorted, files in the order read).
    fn build_lookups(&mut self) {
        let keys: Vec<String> = self.dirs.keys().cloned().collect();
        for dir in &keys {
            let folder = self.folder(dir);
            self.by_dir.insert(dir.clone(), folder);
        }
        // Readers follow locals, which the folders above index.
        for dir in &keys {
            let readers = self.readers(dir);
            if let Some(f) = self.by_dir.get_mut(dir) {
                f.readers = readers;
            }
        }
        for (dir, files) in &self.dirs {
            for (slot, (_, tf)) in files.iter().enumerate() {
                for v in &tf.variables {
                    self.var_dirs.entry(v.name.clone()).or_insert_with(|| dir.clone());
                }
                for (i, secret) in tf.ci_secrets.iter().enumerate() {
                    self.ci_secrets.entry(secret.name.clone()).or_default().push((dir.clone(), slot, i));
                }
                for (mi, m) in tf.modules.iter().enumerate() {
                    let Some(child) = join(dir, &m.source) else { continue };
                    for (ii, (input, _)) in m.inputs.iter().enumerate() {
                        let key = (child.clone(), input.clone());
                        self.callers.entry(key).or_default().push((dir.clone(), slot, mi, ii));
                    }
                }
            }
        }
    }

    /// The lookups of one folder that need no other folder.
    fn folder(&self, dir: &str) -> Folder {
        let s = &self.policy.signals;
        let mut f = Folder::default();
        let mut mapped = BTreeSet::new();
        let mut managed = Vec::new();
        for (slot, (_, tf)) in self.decls(dir).enumerate() {
            for (i, v) in tf.variables.iter().enumerate() {
                f.variables.entry(v.name.clone()).or_insert((slot, i));
            }
            for (i, (name, _)) in tf.locals.iter().enumerate() {
                f.locals.entry(name.clone()).or_default().push((slot, i));
            }
            for (i, (name, _)) in tf.assignments.iter().enumerate() {
                f.assignments.entry(name.clone()).or_default().push((slot, i));
            }
            for (i, r) in tf.resources.iter().enumerate() {
                if let Some(p) = &r.provider {
                    f.consumers.entry(p.trim().to_owned()).or_default().push(UseAt::Resource((slot, i)));
                }
                if !r.data && r.rtype.starts_with("dbt") {
                    managed.push(r);
                }
            }
            for (i, m) in tf.modules.iter().enumerate() {
                let mut targets: Vec<&str> = m.providers.iter().map(|(_, v)| v.trim()).collect();
                targets.sort_unstable();
                targets.dedup();
                for t in targets {
                    f.consumers.entry(t.to_owned()).or_default().push(UseAt::Module((slot, i)));
                }
            }
            for (i, r) in tf.token_string_refs.iter().enumerate() {
                f.token_refs.entry(r.token_label.clone()).or_default().push((slot, i));
            }
            for (local, source) in &tf.required {
                mapped.insert(local.clone());
                if s.provider_sources.iter().any(|p| p == source) {
                    f.provider_names.insert(local.clone());
                }
            }
        }
        for d in &s.provider_default_names {
            if !mapped.contains(d) {
                f.provider_names.insert(d.clone());
            }
        }
        f.user_context =
            !managed.is_empty() && managed.iter().all(|r| self.is_user_context_resource(dir, &f.locals, r));
        f
    }

    /// Variable → what reads it in `dir`, in the order `var_consumers` weighs them: per file,
    /// providers, partner attributes, HTTP calls, module inputs.
    fn readers(&self, dir: &str) -> HashMap<String, Vec<Reader>> {
        let mut out: HashMap<String, Vec<Reader>> = HashMap::new();
        for (slot, (_, tf)) in self.decls(dir).enumerate() {
            for (i, p) in tf.providers.iter().enumerate() {
                for v in p.token.as_ref().map(|e| self.vars_of(dir, e)).unwrap_or_default() {
                    out.entry(v).or_default().push(Reader::Provider((slot, i)));
                }
            }
            for (i, a) in tf.partner_attrs.iter().enumerate() {
                let mut names: Vec<String> = var_refs(&a.value).into_iter().map(|(v, _, _)| v).collect();
                names.sort_unstable();
                names.dedup();
                for v in names {
                    out.entry(v).or_default().push(Reader::Partner((slot, i)));
                }
            }
            for (i, h) in tf.http.iter().enumerate() {
                for v in self.vars_of(dir, &h.header) {
                    out.entry(v).or_default().push(Reader::Http((slot, i)));
                }
            }
            for (mi, m) in tf.modules.iter().enumerate() {
                for (ii, (_, e)) in m.inputs.iter().enumerate() {
                    for v in self.vars_of(dir, e) {
                        out.entry(v).or_default().push(Reader::ModuleInput(slot, mi, ii));
                    }
                }
            }
        }
        out
    }

    /// The declarations of the file in slot `slot` of `dir`.
    fn slot(&self, dir: &str, slot: usize) -> Option<&(usize, TfFile)> {
        self.dirs.get(dir).and_then(|files| files.get(slot))
    }

    fn path(&self, file: usize) -> &str {
        self.files.get(file).map(|f| f.display.as_str()).unwrap_or("")
    }

    fn loc(file: usize, span: crate::tree::Span) -> Loc {
        Loc { file, span }
    }

    fn decls(&self, dir: &str) -> impl Iterator<Item = &(usize, TfFile)> {
        self.dirs.get(dir).into_iter().flatten()
    }

    /// Whether `local` is a name under which the dbt Cloud provider is known in `dir`.
    fn is_dbt_provider(&self, dir: &str, local: &str) -> bool {
        self.by_dir.get(dir).is_some_and(|f| f.provider_names.contains(local))
    }

    /// The variables an expression reads, directly or through `local.x` values of its folder.
    fn vars_of(&self, dir: &str, e: &TfExpr) -> Vec<String> {
        let mut out: Vec<String> = var_refs(e).into_iter().map(|(v, _, _)| v).collect();
        let mut pending: Vec<String> = local_refs(e).into_iter().map(|(l, _, _)| l).collect();
        let mut seen = BTreeSet::new();
        while let Some(local) = pending.pop() {
            if !seen.insert(local.clone()) {
                continue;
            }
            let defs = self.by_dir.get(dir).and_then(|f| f.locals.get(&local)).map_or(&[][..], Vec::as_slice);
            for &(slot, i) in defs {
                let Some((_, value)) = self.slot(dir, slot).and_then(|(_, tf)| tf.locals.get(i)) else { continue };
                out.extend(var_refs(value).into_iter().map(|(v, _, _)| v));
                pending.extend(local_refs(value).into_iter().map(|(l, _, _)| l));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn variable(&self, dir: &str, name: &str) -> Option<(usize, &TfVariable)> {
        let &(slot, i) = self.by_dir.get(dir)?.variables.get(name)?;
        let (file, tf) = self.slot(dir, slot)?;
        tf.variables.get(i).map(|v| (*file, v))
    }

    /// The base workflow of Terraform at `path`: developmental if the path says so, else
    /// production.
    fn base_workflow(&self, path: &str) -> Fact {
        if let Some(f) = configured_path(path, &self.policy.signals) {
            return f;
        }
        let signals = &self.policy.signals;
        let dev = dev_segment(path, signals).map(DevMark::Under).or_else(|| {
            // A Terraform Cloud workspace named or tagged for staging marks the configuration
            // as a staging path would (SPEC §3: staging Terraform is developmental).
            // Tags that also name production (`tags = ["dbt", "staging", "prod"]`) select
            // workspaces of both: nothing is said then.
            let dir = parent(path);
            let names: Vec<&String> = self.decls(&dir).flat_map(|(_, tf)| tf.workspaces.iter()).collect();
            let words = |w: &str| crate::classify::names::words(w);
            if names.iter().any(|w| words(w).iter().any(|x| x == "prod" || x == "production")) {
                return None;
            }
            names.into_iter().find_map(|w| {
                crate::classify::names::words(w)
                    .into_iter()
                    .find(|word| signals.dev_segments.contains(word))
                    .map(|word| DevMark::Workspace { name: w.clone(), word })
            })
        });
        Fact::Infrastructure { tool: "Terraform".to_owned(), dev }
    }

    /// The type hints of variable `name` in `dir`: its description, its name, literal values
    /// in `.tfvars`, what parent modules pass in, and what CI sets it from.
    fn var_type_hints(&self, dir: &str, name: &str, depth: usize) -> Vec<TypeSeen> {
        self.var_type_hints_in(dir, name, depth, &mut Visited::new())
    }

    fn var_type_hints_in(&self, dir: &str, name: &str, depth: usize, seen: &mut Visited) -> Vec<TypeSeen> {
        if !seen.insert((dir.to_owned(), name.to_owned())) {
            return Vec::new();
        }
        let s = &self.policy.signals;
        let mut hints = Vec::new();
        if let Some((file, v)) = self.variable(dir, name) {
            let at = Self::loc(file, v.at);
            if let Some(d) = v.description.as_deref() {
                let fact = TypeFact::VariableDescription { variable: name.to_owned(), text: d.to_owned() };
                hints.push(TypeSeen::at(fact, at));
            }
            hints.push(TypeSeen::at(TypeFact::Name { called: "variable name".to_owned(), name: name.to_owned() }, at));
        }
        let assigned = self.by_dir.get(dir).and_then(|f| f.assignments.get(name)).map_or(&[][..], Vec::as_slice);
        for &(slot, i) in assigned {
            let Some((file, tf)) = self.slot(dir, slot) else { continue };
            if let Some((_, e)) = tf.assignments.get(i) {
                for lit in literal::find(&e.text, s) {
                    let at = Self::loc(*file, crate::tree::Span::new(e.span.start + lit.start, e.span.start + lit.end));
                    let fact =
                        TypeFact::VariableSetToLiteral { variable: name.to_owned(), prefix: lit.prefix().to_owned() };
                    hints.push(TypeSeen::at(fact, at));
                }
            }
        }
        if depth < MAX_MODULE_DEPTH {
            for (pdir, e) in self.callers(dir, name) {
                for pvar in self.vars_of(&pdir, &e) {
                    hints.extend(self.var_type_hints_in(&pdir, &pvar, depth + 1, seen));
                }
            }
        }
        if let Some(ci) = self.ci_hints.get(&(dir.to_owned(), name.to_owned())) {
            hints.extend(ci.iter().cloned());
        }
        hints
    }

    /// What module calls with a local source of `dir` pass to its variable `name`.
    fn callers(&self, dir: &str, name: &str) -> Vec<(String, TfExpr)> {
        let Some(calls) = self.callers.get(&(dir.to_owned(), name.to_owned())) else { return Vec::new() };
        calls
            .iter()
            .filter_map(|(pdir, slot, m, i)| {
                let (_, tf) = self.slot(pdir, *slot)?;
                let (_, e) = tf.modules.get(*m)?.inputs.get(*i)?;
                Some((pdir.clone(), e.clone()))
            })
            .collect()
    }

    /// The modules called from `dir` with a local source: (module name, child folder).
    fn child(&self, dir: &str, source: &str) -> Option<String> {
        join(dir, source).filter(|c| self.dirs.contains_key(c))
    }

    /// What a provider (by local name and alias) is used for in `dir`.
    fn provider_workflow(&self, dir: &str, file: usize, local: &str, alias: Option<&str>) -> Vec<Seen> {
        let base = Seen::new(self.base_workflow(self.path(file)));
        let Some(alias) = alias else { return vec![base] };
        let target = format!("{local}.{alias}");
        let mut consumers = Vec::new();
        let mut all_user = true;
        let found = self.by_dir.get(dir).and_then(|f| f.consumers.get(&target)).map_or(&[][..], Vec::as_slice);
        for c in found {
            match *c {
                UseAt::Resource((slot, i)) => {
                    let Some(r) = self.slot(dir, slot).and_then(|(_, tf)| tf.resources.get(i)) else { continue };
                    consumers.push(Consumer::Resource { rtype: r.rtype.clone(), name: r.name.clone() });
                    let locals = self.by_dir.get(dir).map(|f| &f.locals);
                    all_user &= locals.is_some_and(|l| self.is_user_context_resource(dir, l, r));
                }
                UseAt::Module((slot, i)) => {
                    let Some(m) = self.slot(dir, slot).and_then(|(_, tf)| tf.modules.get(i)) else { continue };
                    consumers.push(Consumer::Module(m.name.clone()));
                    all_user &= self.child(dir, &m.source).is_some_and(|c| self.module_is_user_context(&c));
                }
            }
        }
        if consumers.is_empty() || !all_user {
            return vec![base];
        }
        vec![Seen::new(Fact::ProviderOnlyFor { provider: target, consumers })]
    }

    /// A resource that only a user token can manage: a type the provider docs say needs one, or
    /// a repository cloned with a user-only strategy or given an installation id the GitHub
    /// installations lookup returns (followed through `locals`).
    fn is_user_context_resource(&self, dir: &str, locals: &HashMap<String, Vec<At>>, r: &TfResource) -> bool {
        let s = &self.policy.signals;
        if s.user_context_resources.contains(&r.rtype) {
            return true;
        }
        if !s.repository_types.contains(&r.rtype) {
            return false;
        }
        if let Some(e) = &r.clone_strategy {
            let text = e.text.trim();
            let literal = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).filter(|t| !t.contains("${"));
            match literal {
                Some(strategy) if s.repository_user_strategies.contains(&strategy.to_lowercase()) => return true,
                Some(_) => {}
                // A strategy computed at plan time may be a user-only one: the user token may be
                // needed, as the provider docs say for that case.
                None => return true,
            }
        }
        let Some(id) = &r.installation_id else { return false };
        let lookups: BTreeSet<String> = self
            .decls(dir)
            .flat_map(|(_, tf)| tf.http.iter())
            .filter(|h| {
                !s.installations_lookup.is_empty() && h.url.text.to_lowercase().contains(&s.installations_lookup)
            })
            .map(|h| h.name.clone())
            .collect();
        if lookups.is_empty() {
            return false;
        }
        // The expression, and the locals it reads (a few levels deep), name a lookup's result.
        let mut exprs = vec![id.clone()];
        let mut seen = BTreeSet::new();
        while let Some(e) = exprs.pop() {
            if http_refs(&e).iter().any(|n| lookups.contains(n)) {
                return true;
            }
            for (name, _, _) in local_refs(&e) {
                if seen.len() >= MAX_LOCALS_FOLLOWED || !seen.insert(name.clone()) {
                    continue;
                }
                for &(slot, i) in locals.get(&name).map_or(&[][..], Vec::as_slice) {
                    if let Some((_, value)) = self.slot(dir, slot).and_then(|(_, tf)| tf.locals.get(i)) {
                        exprs.push(value.clone());
                    }
                }
            }
        }
        false
    }

    /// A module whose managed dbt Cloud resources all need a user token.
    fn module_is_user_context(&self, dir: &str) -> bool {
        self.by_dir.get(dir).is_some_and(|f| f.user_context)
    }

    /// Where variable `name` of `dir` goes: the workflows of the places that consume it.
    fn var_consumers(&self, dir: &str, name: &str, depth: usize) -> Vec<Seen> {
        self.var_consumers_in(dir, name, depth, &mut Visited::new())
    }

    fn var_consumers_in(&self, dir: &str, name: &str, depth: usize, seen: &mut Visited) -> Vec<Seen> {
        if !seen.insert((dir.to_owned(), name.to_owned())) {
            return Vec::new();
        }
        let mut hints = Vec::new();
        let readers = self.by_dir.get(dir).and_then(|f| f.readers.get(name)).map_or(&[][..], Vec::as_slice);
        for reader in readers {
            match *reader {
                Reader::Provider((slot, i)) => {
                    let Some((file, tf)) = self.slot(dir, slot) else { continue };
                    if let Some(p) = tf.providers.get(i)
                        && self.is_dbt_provider(dir, &p.local)
                    {
                        hints.extend(self.provider_workflow(dir, *file, &p.local, p.alias.as_deref()));
                    }
                }
                Reader::Partner((slot, i)) => {
                    if let Some(a) = self.slot(dir, slot).and_then(|(_, tf)| tf.partner_attrs.get(i)) {
                        hints.push(Seen::new(partner_attr_hint(a)));
                    }
                }
                Reader::Http((slot, i)) => {
                    let Some((file, tf)) = self.slot(dir, slot) else { continue };
                    if let Some(h) = tf.http.get(i)
                        && let Some(w) = self.http_workflow(*file, &h.url)
                    {
                        hints.push(w);
                    }
                }
                Reader::ModuleInput(slot, m, i) if depth < MAX_MODULE_DEPTH => {
                    let Some(m) = self.slot(dir, slot).and_then(|(_, tf)| tf.modules.get(m)) else { continue };
                    let Some(child) = self.child(dir, &m.source) else { continue };
                    if let Some((input, _)) = m.inputs.get(i) {
                        hints.extend(self.var_consumers_in(&child, input, depth + 1, seen));
                    }
                }
                Reader::ModuleInput(..) => {}
            }
        }
        if hints.is_empty()
            && let Some((file, v)) = self.variable(dir, name)
        {
            let at = Self::loc(file, v.at);
            match v.description.as_deref().and_then(|d| user_context_purpose(d, &self.policy.signals)) {
                Some(purpose) => {
                    hints.push(Seen::at(Fact::VariableForUserContext { variable: name.to_owned(), purpose }, at))
                }
                None => hints.push(Seen::new(Fact::Unread(Box::new(self.base_workflow(self.path(file)))))),
            }
        }
        hints
    }

    /// The workflow of a `data "http"` call: user-context for a user endpoint, Terraform's own
    /// for another dbt Cloud URL, none for other hosts.
    fn http_workflow(&self, file: usize, url: &TfExpr) -> Option<Seen> {
        let s = &self.policy.signals;
        if let Some(m) = s.user_endpoints.find(&url.text) {
            let at = Self::loc(file, crate::tree::Span::new(url.span.start + m.start(), url.span.start + m.end()));
            return Some(Seen::at(Fact::SentToUserEndpoint { endpoint: m.as_str().to_owned() }, at));
        }
        s.hosts.is_match(&url.text).then(|| Seen::new(self.base_workflow(self.path(file))))
    }

    /// Terraform variable `name` set by CI through `TF_VAR_name`: give the CI use the workflow of
    /// the variable's consumers, and decide which side reports a type mismatch.
    /// `run` says where Terraform runs (`-chdir=`: that folder's variable, when it declares it)
    /// and with which variables file (`-var-file=staging.tfvars` marks the run as staging).
    pub fn follow_ci_variable(&mut self, u: &mut TokenUse, name: &str, run: &crate::model::TerraformRun) {
        let chdir = run.chdir.as_deref().and_then(|d| join("", &format!("./{d}")));
        let in_chdir = chdir.filter(|d| self.variable(d, name).is_some());
        let Some(dir) = in_chdir.or_else(|| self.var_dirs.get(name).cloned()) else { return };
        let signals = &self.policy.signals;
        let env = run.var_file.as_ref().and_then(|path| {
            let word = dev_segment(path, signals)?;
            let dev = DevMark::VarFile { path: path.clone(), word };
            Some(Fact::Infrastructure { tool: "Terraform".to_owned(), dev: Some(dev) })
        });
        let through = |then: Fact| Fact::ThroughTerraformVariable { variable: name.to_owned(), then: Box::new(then) };
        let set_from = |reference: &str, then: TypeFact| TypeFact::SetFromCi {
            reference: reference.to_owned(),
            then: Box::new(then),
        };
        self.follow_variable(u, &dir, name, env.as_ref(), through, set_from);
    }

    /// A value given to variable `name` of the module in `dir` from outside Terraform: the use
    /// takes the workflow of the variable's consumers (`env`, the environment it is applied in,
    /// stands for Terraform's own production default), and the side that shows the type reports
    /// a mismatch.
    fn follow_variable(
        &mut self,
        u: &mut TokenUse,
        dir: &str,
        name: &str,
        env: Option<&Fact>,
        through: impl Fn(Fact) -> Fact,
        set_from: impl Fn(&str, TypeFact) -> TypeFact,
    ) {
        let consumers = least_forgiving(self.var_consumers(dir, name, 0));
        let var_loc = self.variable(dir, name).map(|(f, v)| Self::loc(f, v.at));
        for c in consumers {
            let fact = match env {
                Some(env) => in_environment(c.fact, env),
                None => c.fact,
            };
            u.facts.push(Seen { fact: through(fact), at: c.at.or(var_loc) });
        }
        let own = self.var_type_hints(dir, name, 0);
        let s = &self.policy.signals;
        if own.iter().any(|h| !h.inherited && token_type::hint(h, s).is_some()) {
            // The Terraform side shows the type: the finding belongs there.
            for h in &mut u.type_facts {
                h.inherited = true;
            }
            u.type_facts.extend(own.into_iter().map(|mut h| {
                h.inherited = true;
                h
            }));
        } else {
            let hints = u.type_facts.iter().cloned().map(|h| TypeSeen {
                fact: set_from(&u.reference, h.fact),
                at: h.at,
                inherited: true,
            });
            self.ci_hints.entry((dir.to_owned(), name.to_owned())).or_default().extend(hints);
        }
    }

    /// The inputs of `terragrunt.hcl` files that carry a token: an environment read
    /// (`get_env("DBT_CLOUD_PAT")`, directly or through the file's `locals`) or a literal, each a
    /// use followed into the module's variable, in the environment the Terragrunt folder names
    /// (`live/staging/…`). Run before [`Index::uses`], whose provider uses take their types.
    pub fn terragrunt_uses(&mut self) -> Vec<TokenUse> {
        let s = &self.policy.signals;
        let mut found = Vec::new();
        for (dir, files) in &self.dirs {
            for (file, tf) in files {
                let Some(tg) = &tf.terragrunt else { continue };
                let module = self.terragrunt_module(dir, tg.source.as_deref());
                for (input, e) in &tg.inputs {
                    let mut values = vec![e];
                    for (local, _, _) in local_refs(e) {
                        values.extend(tg.locals.iter().filter(|(n, _)| *n == local).map(|(_, v)| v));
                    }
                    for v in values {
                        for (env, start, end) in env_reads(v) {
                            let at = Self::loc(*file, crate::tree::Span::new(start, end));
                            let mut u =
                                TokenUse::new(at, format!("get_env(\"{env}\")"), format!("Terragrunt input `{input}`"));
                            let called = "environment variable".to_owned();
                            u.saw_type_at(TypeFact::Name { called, name: env.clone() }, at);
                            found.push((dir.clone(), *file, module.clone(), input.clone(), env, u));
                        }
                        for lit in literal::find(&v.text, s) {
                            let at = Self::loc(
                                *file,
                                crate::tree::Span::new(v.span.start + lit.start, v.span.start + lit.end),
                            );
                            let token = v.text.get(lit.start..lit.end).unwrap_or("");
                            let mut u =
                                TokenUse::new(at, literal::mask_token(token), format!("Terragrunt input `{input}`"));
                            u.literal = true;
                            u.saw_type_at(crate::extract::literal_fact(lit.prefix()), at);
                            found.push((dir.clone(), *file, module.clone(), input.clone(), String::new(), u));
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (_, file, module, input, env_name, mut u) in found {
            // An input matters when it is a dbt token by name, or the module hands it to dbt Cloud.
            let signals = &self.policy.signals;
            let named = is_dbt_token_name(&input, signals) || is_dbt_token_name(&env_name, signals);
            let read = module
                .as_ref()
                .is_some_and(|m| self.var_consumers(m, &input, 0).iter().any(|c| !matches!(c.fact, Fact::Unread(_))));
            if !(u.literal || read || named) {
                continue;
            }
            let base = self.base_workflow(self.path(file));
            if let Some(module) = &module {
                let env = match &base {
                    Fact::Infrastructure { dev: None, .. } => None,
                    env => Some(env.clone()),
                };
                let through = |then: Fact| Fact::ThroughTerragruntInput {
                    input: input.clone(),
                    module: module.clone(),
                    then: Box::new(then),
                };
                let set_from = |reference: &str, then: TypeFact| TypeFact::SetByTerragrunt {
                    input: input.clone(),
                    reference: format!("`{reference}`"),
                    then: Box::new(then),
                };
                self.follow_variable(&mut u, module, &input, env.as_ref(), through, set_from);
            }
            // A module outside the repository (or a variable it does not declare): the input is
            // applied where the Terragrunt folder says.
            if u.facts.is_empty() {
                u.saw(base);
            }
            out.push(u);
        }
        out
    }

    /// The folder of the module a `terragrunt.hcl` in `dir` applies: its own folder without a
    /// `source`; a local source joined to `dir` (`../../modules//dbt`; `get_repo_root()` and
    /// `get_terragrunt_dir()` spelled out); else the one Terraform folder of the scan whose path
    /// ends as the source does. A remote module (`git::…`, a registry address) is not in the
    /// repository.
    fn terragrunt_module(&self, dir: &str, source: Option<&str>) -> Option<String> {
        let Some(source) = source else { return Some(dir.to_owned()) };
        let source = source.split('?').next().unwrap_or(source);
        if source.contains("://") || source.starts_with("git::") || source.starts_with("tfr:") || source.contains('@') {
            return None;
        }
        let source = source.replace("//", "/");
        let local = if let Some(rest) =
            ["${get_repo_root()}/", "${get_path_to_repo_root()}/"].iter().find_map(|p| source.strip_prefix(p))
        {
            join("", &format!("./{rest}"))
        } else if let Some(rest) = source.strip_prefix("${get_terragrunt_dir()}/") {
            join(dir, &format!("./{rest}"))
        } else {
            join(dir, &source)
        };
        if let Some(d) = local.filter(|d| self.has_variables(d)) {
            return Some(d);
        }
        // What follows the last interpolation or `..`: the module's own path.
        let tail: Vec<&str> = source
            .rsplit(['/'])
            .take_while(|p| !p.is_empty() && *p != ".." && *p != "." && !p.contains("${"))
            .collect();
        if tail.is_empty() {
            return None;
        }
        let tail: String = tail.into_iter().rev().collect::<Vec<_>>().join("/");
        let mut matches =
            self.dirs.keys().filter(|d| (*d == &tail || d.ends_with(&format!("/{tail}"))) && self.has_variables(d));
        let first = matches.next()?;
        matches.next().is_none().then(|| first.clone())
    }

    fn has_variables(&self, dir: &str) -> bool {
        self.by_dir.get(dir).is_some_and(|f| !f.variables.is_empty())
    }

    /// A CI secret reference (`secrets.DBT_TOKEN`, `$DBT_TOKEN`) whose secret Terraform sets from
    /// a value of known type: that definition says the type.
    pub fn type_ci_secret(&self, u: &mut TokenUse) {
        let name = u.reference.rsplit(['.', '$']).next().unwrap_or("").trim_matches(['{', '}']).to_owned();
        if name.is_empty() {
            return;
        }
        for (dir, slot, i) in self.ci_secrets.get(&name).map_or(&[][..], Vec::as_slice) {
            let Some((file, tf)) = self.slot(dir, *slot) else { continue };
            let Some(secret) = tf.ci_secrets.get(*i) else { continue };
            let at = Self::loc(*file, secret.value.span);
            if let Some((label, _, _)) = service_token_refs(&secret.value).into_iter().next() {
                let fact = TypeFact::CiSecretFromServiceToken {
                    resource: secret.resource.clone(),
                    secret: name.clone(),
                    label,
                };
                u.saw_type_at(fact, at);
            }
            for var in self.vars_of(dir, &secret.value) {
                for h in self.var_type_hints(dir, &var, 0) {
                    let fact = TypeFact::CiSecretFromVariable {
                        resource: secret.resource.clone(),
                        secret: name.clone(),
                        variable: var.clone(),
                        then: Box::new(h.fact),
                    };
                    u.type_facts.push(TypeSeen { fact, ..h });
                }
            }
        }
    }

    /// The token uses Terraform declares: provider tokens, HTTP calls, declared service tokens.
    pub fn uses(&self) -> Vec<TokenUse> {
        let mut out = Vec::new();
        for (dir, files) in &self.dirs {
            for (file, tf) in files {
                for p in &tf.providers {
                    let Some(e) = &p.token else { continue };
                    if !self.is_dbt_provider(dir, &p.local) {
                        continue;
                    }
                    let target = match &p.alias {
                        Some(a) => format!("{}.{a}", p.local),
                        None => p.local.clone(),
                    };
                    let mut u = TokenUse::new(
                        Self::loc(*file, e.span),
                        literal::mask(&e.text),
                        format!("`{target}` provider `token`"),
                    );
                    u.facts = self.provider_workflow(dir, *file, &p.local, p.alias.as_deref());
                    self.expr_types(dir, *file, e, &mut u);
                    out.push(u);
                }
                for h in &tf.http {
                    let Some(w) = self.http_workflow(*file, &h.url) else { continue };
                    let refs = var_refs(&h.header);
                    let lits = literal::find(&h.header.text, &self.policy.signals);
                    if self.vars_of(dir, &h.header).is_empty() && lits.is_empty() {
                        continue;
                    }
                    let mut u = TokenUse::new(
                        Self::loc(*file, h.header.span),
                        literal::mask(&h.header.text),
                        format!("`Authorization` header of `data.http.{}`", h.name),
                    );
                    if let Some((_, s, e)) = refs.first() {
                        u.at = Self::loc(*file, crate::tree::Span::new(*s, *e));
                        u.reference = format!("var.{}", refs[0].0);
                    }
                    u.facts.push(w);
                    self.expr_types(dir, *file, &h.header, &mut u);
                    out.push(u);
                }
                for st in &tf.service_tokens {
                    out.push(self.service_token_use(dir, *file, st));
                }
                for a in &tf.partner_attrs {
                    out.extend(self.partner_attr_uses(dir, *file, a));
                }
            }
        }
        out
    }

    /// A dbt token handed to a partner's resource: a literal, or a variable whose name (or the
    /// key it is written under) says it is a dbt token.
    fn partner_attr_uses(&self, dir: &str, file: usize, a: &crate::extract::terraform::TfPartnerAttr) -> Vec<TokenUse> {
        let s = &self.policy.signals;
        let mut out = Vec::new();
        for lit in literal::find(&a.value.text, s) {
            let at =
                Self::loc(file, crate::tree::Span::new(a.value.span.start + lit.start, a.value.span.start + lit.end));
            let token = a.value.text.get(lit.start..lit.end).unwrap_or("");
            let mut u =
                TokenUse::new(at, literal::mask_token(token), format!("`{}` of `{}` ({})", a.key, a.holder, a.partner));
            u.literal = true;
            u.saw_type_at(crate::extract::literal_fact(lit.prefix()), at);
            u.saw(partner_attr_hint(a));
            out.push(u);
        }
        for (name, start, end) in var_refs(&a.value) {
            let key = inner_key(&a.value, start).unwrap_or(&a.key);
            if !(is_dbt_token_name(&name, s) || is_dbt_token_name(key, s)) {
                continue;
            }
            let mut u = TokenUse::new(
                Self::loc(file, crate::tree::Span::new(start, end)),
                format!("var.{name}"),
                format!("`{key}` of `{}` ({})", a.holder, a.partner),
            );
            u.saw(partner_attr_hint(a));
            u.type_facts.extend(self.var_type_hints(dir, &name, 0));
            out.push(u);
        }
        out
    }

    /// Type hints for a token expression: a literal, a service token resource, variables.
    fn expr_types(&self, dir: &str, file: usize, e: &TfExpr, u: &mut TokenUse) {
        let s = &self.policy.signals;
        for lit in literal::find(&e.text, s) {
            u.literal = true;
            let at = Self::loc(file, crate::tree::Span::new(e.span.start + lit.start, e.span.start + lit.end));
            u.saw_type_at(crate::extract::literal_fact(lit.prefix()), at);
        }
        for (name, _, _) in service_token_refs(e) {
            u.saw_type(TypeFact::ServiceTokenString { label: name });
        }
        for name in self.vars_of(dir, e) {
            u.type_facts.extend(self.var_type_hints(dir, &name, 0));
        }
        // A bare expression's text speaks only when nothing else does.
        if !token_type::says_a_type(&u.type_facts, s) {
            u.saw_type(TypeFact::Name { called: String::new(), name: e.text.clone() });
        }
    }

    fn service_token_use(&self, dir: &str, file: usize, st: &crate::extract::terraform::TfServiceToken) -> TokenUse {
        let s = &self.policy.signals;
        let mut u = TokenUse::new(
            Self::loc(file, st.at),
            format!("dbtcloud_service_token.{}", st.label),
            "service token declared in Terraform",
        );
        u.declaration = true;
        u.saw_type(TypeFact::DeclaredBy { resource: "dbtcloud_service_token".to_owned() });
        let mut integration = partner_in(&st.label, s)
            .or_else(|| st.display_name.as_deref().and_then(|n| partner_in(n, s)))
            .map(|p| (p.name.clone(), IntegrationShownBy::NameMentions));
        if integration.is_none() {
            let refs = self.by_dir.get(dir).and_then(|f| f.token_refs.get(&st.label)).map_or(&[][..], Vec::as_slice);
            for &(slot, i) in refs {
                let Some(r) = self.slot(dir, slot).and_then(|(_, tf)| tf.token_string_refs.get(i)) else { continue };
                if let Some(p) = partner_in(&r.holder, s) {
                    let shown_by = IntegrationShownBy::PassedTo { holder: r.holder.clone(), rtype: None };
                    integration = Some((p.name.clone(), shown_by));
                }
            }
        }
        match integration {
            Some((name, shown_by)) => {
                u.saw(Fact::ServiceTokenFor { integration: name.clone(), shown_by });
                u.integration = Some(name);
            }
            None => u.saw(self.base_workflow(self.path(file))),
        }
        u.grants = st.grants.clone();
        u
    }
}

/// A consumer's workflow in the environment a module is applied in: Terraform's production
/// default becomes the environment's (a staging Terragrunt folder applying a shared module).
fn in_environment(fact: Fact, env: &Fact) -> Fact {
    match fact {
        Fact::Infrastructure { dev: None, .. } => env.clone(),
        Fact::Unread(inner) => Fact::Unread(Box::new(in_environment(*inner, env))),
        other => other,
    }
}

fn partner_attr_hint(a: &crate::extract::terraform::TfPartnerAttr) -> Fact {
    Fact::PartnerResource { holder: a.holder.clone(), partner: a.partner.clone() }
}

/// The object key a value is written under inside an attribute (`jsonencode({ api_token = var.x })`
/// → `api_token`), from the text before it on its line.
fn inner_key(e: &TfExpr, at: usize) -> Option<&str> {
    let before = e.text.get(..at.checked_sub(e.span.start)?)?;
    let line = before.rsplit('\n').next()?;
    let sep = line.rfind(['=', ':'])?;
    let key = line.get(..sep)?.trim_end().trim_end_matches('"');
    let start = key.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).map_or(0, |i| i + 1);
    key.get(start..).filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_module_sources() {
        assert_eq!(join("", "./modules/repo").as_deref(), Some("modules/repo"));
        assert_eq!(join("envs/prod", "../../modules/x").as_deref(), Some("modules/x"));
        assert_eq!(join("", "github.com/org/mod"), None);
        assert_eq!(join("", "../../x"), None);
    }
}
