//! CI steps into the code they run: a variable in a step's environment (`env:` of the step, job
//! or workflow; `variables:`) reaches the repository files the step runs (`python ci/x.py`,
//! `go test ./it/...`, `make test` and its recipe). Each such file's read of the variable is the
//! CI value: it takes the CI reference's type (inherited: a problem the CI reference shows is
//! reported there) and the fact that CI runs it; the CI reference learns what the code does with
//! the value (a user-context endpoint it calls).

use crate::classify::token_type;
use crate::classify::workflow::says_purpose;
use crate::extract::runs::{self, is_makefile, make_recipe};
use crate::model::fact::{Fact, Seen, TypeFact, TypeSeen};
use crate::model::{Flow, RunTarget, StepRun, TokenUse};
use crate::policy::Signals;
use crate::source::SourceFile;
use std::collections::{BTreeMap, BTreeSet};

/// How deep `make` targets are followed (dependencies, recipes that call `make`).
const MAX_MAKE_DEPTH: usize = 6;

/// A place a step runs, by path from the scan's root: one file, or everything under a folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    File(String),
    Dir(String),
}

impl Place {
    fn holds(&self, path: &str) -> bool {
        match self {
            Place::File(f) => f == path,
            Place::Dir(d) => d.is_empty() || path.strip_prefix(d.as_str()).is_some_and(|r| r.starts_with('/')),
        }
    }
}

/// The folder a CI file's paths start from: the repository root, above `.github/`,
/// `.circleci/` and similar folders, else the CI file's own folder.
fn root_of(ci_path: &str) -> String {
    let segments: Vec<&str> = ci_path.split('/').collect();
    let dirs = &segments[..segments.len().saturating_sub(1)];
    let cut = dirs.iter().position(|d| {
        matches!(
            *d,
            ".github" | ".circleci" | ".gitlab" | ".azure-pipelines" | ".azuredevops" | ".pipelines" | ".devcontainer"
        )
    });
    dirs[..cut.unwrap_or(dirs.len())].join("/")
}

/// Link every CI variable that flows into the code its steps run.
pub fn follow(uses: &mut [TokenUse], files: &[SourceFile], signals: &Signals) {
    let makefiles: BTreeMap<&str, &SourceFile> =
        files.iter().filter(|f| is_makefile(&f.display)).map(|f| (f.display.as_str(), f)).collect();
    // Uses by file, so each CI variable looks only at the files its steps run.
    let mut by_file: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, u) in uses.iter().enumerate() {
        by_file.entry(u.at.file).or_default().push(i);
    }
    let mut links: Vec<(usize, usize, Option<Seen>, Option<TypeSeen>)> = Vec::new();
    for (ci, u) in uses.iter().enumerate() {
        let Some(Flow::StepEnv { var, runs, trigger, developer }) = &u.flow else { continue };
        let Some(ci_file) = files.get(u.at.file) else { continue };
        let root = root_of(&ci_file.display);
        let places = expand(runs, &root, &makefiles);
        let type_hint = own_type(u, signals);
        for (file, indexes) in &by_file {
            if *file == u.at.file {
                continue;
            }
            let Some(src) = files.get(*file) else { continue };
            let Some(run) = places.iter().find(|(p, _)| p.holds(&src.display)).map(|(_, r)| r) else { continue };
            for &i in indexes {
                let Some(read) = uses.get(i) else { continue };
                let name = src.text.get(read.at.span.start..read.at.span.end).unwrap_or("");
                if read.literal || read.declaration || !name.eq_ignore_ascii_case(var) {
                    continue;
                }
                let line = ci_file.line_col(run.at.span.start).0;
                let fact = Fact::RunByCi {
                    command: run.command.clone(),
                    var: var.clone(),
                    place: format!("{}:{line}", ci_file.display),
                    trigger: trigger.clone(),
                };
                // A developer's environment gives its type only: the code's own path speaks for
                // its workflow.
                let evidence = (!developer).then(|| Seen::at(fact, run.at));
                links.push((ci, i, evidence, type_hint.clone()));
            }
        }
    }
    for (ci, read, evidence, type_hint) in links {
        let place = files.get(uses[read].at.file).map(|f| f.display.clone()).unwrap_or_default();
        // What the code says the value is for, when it says more than "production".
        let purposes: Vec<Seen> = uses[read]
            .facts
            .iter()
            .filter(|s| says_purpose(&s.fact))
            .map(|s| Seen {
                fact: Fact::InCodeItRuns { place: place.clone(), then: Box::new(s.fact.clone()) },
                at: s.at,
            })
            .collect();
        if let Some(u) = uses.get_mut(ci) {
            for s in purposes {
                if !u.facts.contains(&s) {
                    u.facts.push(s);
                }
            }
        }
        if let Some(u) = uses.get_mut(read) {
            if let Some(e) = evidence
                && !u.facts.contains(&e)
            {
                u.facts.push(e);
            }
            u.type_facts.extend(type_hint);
            u.latent = false;
        }
    }
}

/// The files (by report path) that the steps of `ci` run, `make` targets followed through the
/// Makefiles among `files`: what must be read even when the prefilter dropped it.
pub fn files_run(runs: &[StepRun], ci: &str, files: &[&SourceFile]) -> Vec<String> {
    let makefiles: BTreeMap<&str, &SourceFile> =
        files.iter().filter(|f| is_makefile(&f.display)).map(|f| (f.display.as_str(), *f)).collect();
    expand(runs, &root_of(ci), &makefiles)
        .into_iter()
        .filter_map(|(p, _)| match p {
            Place::File(f) => Some(f),
            Place::Dir(_) => None,
        })
        .collect()
}

/// The type a CI reference shows itself (its strongest own evidence), as the reads it reaches
/// inherit it.
fn own_type(u: &TokenUse, signals: &Signals) -> Option<TypeSeen> {
    let (seen, _) = token_type::strongest_own(&u.type_facts, signals)?;
    let fact = TypeFact::PassedByStep { reference: u.reference.clone(), then: Box::new(seen.fact.clone()) };
    Some(TypeSeen { fact, at: seen.at, inherited: true })
}

/// The places the runs reach, each with the run that reaches it: `make` targets are followed
/// into their recipes.
fn expand<'a>(runs: &'a [StepRun], root: &str, makefiles: &BTreeMap<&str, &SourceFile>) -> Vec<(Place, &'a StepRun)> {
    let mut out = Vec::new();
    for run in runs {
        let mut pending = vec![(run.target.clone(), 0)];
        let mut seen = BTreeSet::new();
        while let Some((target, depth)) = pending.pop() {
            if !seen.insert(target.clone()) {
                continue;
            }
            match target {
                RunTarget::File(p) => out.push((Place::File(runs::join(root, &p)), run)),
                RunTarget::Dir(p) => out.push((Place::Dir(runs::join(root, &p)), run)),
                RunTarget::Make { dir, target } if depth < MAX_MAKE_DEPTH => {
                    let folder = runs::join(root, &dir);
                    let path = runs::join(&folder, "Makefile");
                    let lower = runs::join(&folder, "makefile");
                    let Some(mk) = makefiles.get(path.as_str()).or_else(|| makefiles.get(lower.as_str())) else {
                        continue;
                    };
                    let (recipe, deps) = make_recipe(&mk.text, &target);
                    for dep in deps {
                        pending.push((RunTarget::Make { dir: dir.clone(), target: dep }, depth + 1));
                    }
                    for line in recipe {
                        let line = line.replace("$(MAKE)", "make").replace("${MAKE}", "make");
                        for r in runs::runs(&line, &dir) {
                            pending.push((r.target, depth + 1));
                        }
                    }
                }
                RunTarget::Make { .. } => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_above_the_ci_folder() {
        assert_eq!(root_of("repo/.github/workflows/ci.yml"), "repo");
        assert_eq!(root_of(".github/workflows/ci.yml"), "");
        assert_eq!(root_of("svc/.gitlab-ci.yml"), "svc");
        assert_eq!(root_of(".circleci/config.yml"), "");
    }

    #[test]
    fn a_folder_holds_what_is_under_it() {
        assert!(Place::Dir("tests".into()).holds("tests/conftest.py"));
        assert!(!Place::Dir("tests".into()).holds("tests_old/conftest.py"));
        assert!(Place::Dir(String::new()).holds("x.py"));
        assert!(Place::File("ci/x.py".into()).holds("ci/x.py"));
    }
}
