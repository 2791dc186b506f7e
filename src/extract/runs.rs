//! Commands of a CI script or a Makefile recipe that run code of the repository
//! (`python ci/x.py`, `python -m pkg.mod`, `bash x.sh`, `./x.sh`, `node x.js`, `go test
//! ./pkg/...`, `pytest tests`, `make test`): the places a step's environment reaches.
//! Paths are relative to the folder the commands start in; `cd DIR` moves it for the
//! commands after it.

use crate::model::RunTarget;

/// How many commands one script may yield: a script runs a handful of files.
const MAX_RUNS: usize = 64;

/// A command that runs repository code: what it runs and the command's byte span in `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub target: RunTarget,
    pub start: usize,
    pub end: usize,
}

/// Every command of `text` that runs repository code, paths joined to `workdir`.
pub fn runs(text: &str, workdir: &str) -> Vec<Run> {
    let mut cwd = normalize(workdir);
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let base = offset;
        offset += line.len();
        let mut from = 0;
        for piece in split_commands(line) {
            let start = base + from + line.get(from..).and_then(|l| l.find(piece)).unwrap_or(0);
            from = start - base + piece.len();
            let words = shell_words(piece);
            let words = strip_prefixes(&words);
            if let Some(dir) = cd_target(words) {
                cwd = join(&cwd, &dir);
                continue;
            }
            for target in targets(words, &cwd) {
                if out.len() < MAX_RUNS {
                    out.push(Run { target, start, end: start + piece.trim_end().len() });
                }
            }
        }
    }
    out
}

/// A line cut at `&&`, `||`, `;` and `|`, each part trimmed; comments end it.
fn split_commands(line: &str) -> Vec<&str> {
    let line = line.split(" #").next().unwrap_or(line);
    if line.trim_start().starts_with('#') {
        return Vec::new();
    }
    line.split(['&', '|', ';']).map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Words of a command, quotes removed (no expansion: a `$VAR` path is not a repository file).
fn shell_words(cmd: &str) -> Vec<&str> {
    cmd.split_whitespace().map(|w| w.trim_matches(|c| c == '"' || c == '\'')).filter(|w| !w.is_empty()).collect()
}

/// The command without what only wraps it: `VAR=value` assignments, `env`, `time`, `exec`,
/// `sudo`, and the runners of project tools (`uv run`, `poetry run`, `npx`).
fn strip_prefixes<'a, 'b>(mut words: &'b [&'a str]) -> &'b [&'a str] {
    loop {
        match words {
            [w, rest @ ..] if is_assignment(w) || matches!(*w, "env" | "time" | "exec" | "sudo" | "npx" | "bunx") => {
                words = rest
            }
            [tool, "run", rest @ ..] if matches!(*tool, "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "rye") => {
                words = rest
            }
            _ => return words,
        }
    }
}

fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.starts_with('-')
    })
}

fn cd_target(words: &[&str]) -> Option<String> {
    match words {
        ["cd", dir] | ["pushd", dir] => Some(checkout_relative(dir)),
        _ => None,
    }
}

/// Variables and folders that name the checkout of the repository in each CI system: a path
/// that starts with one is relative to the repository root.
const CHECKOUT_ROOTS: [&str; 14] = [
    "$(System.DefaultWorkingDirectory)",
    "$(Build.SourcesDirectory)",
    "$(Build.Repository.LocalPath)",
    "${{ github.workspace }}",
    "${{github.workspace}}",
    "${GITHUB_WORKSPACE}",
    "$GITHUB_WORKSPACE",
    "${CI_PROJECT_DIR}",
    "$CI_PROJECT_DIR",
    "${BITBUCKET_CLONE_DIR}",
    "$BITBUCKET_CLONE_DIR",
    "${CIRCLE_WORKING_DIRECTORY}",
    "$CIRCLE_WORKING_DIRECTORY",
    "~/project",
];

/// Where a folder written in CI points, relative to the repository root: the checkout's own
/// variable is the root; a folder that depends on another variable (`$(Agent.TempDirectory)`)
/// is no folder of the repository, and nothing under it is linked.
pub fn checkout_relative(dir: &str) -> String {
    let dir = dir.trim().trim_matches(['"', '\'']);
    let rest = CHECKOUT_ROOTS
        .iter()
        .find_map(|r| dir.strip_prefix(r).filter(|t| t.is_empty() || t.starts_with(['/', '\\'])))
        .map(|t| t.trim_start_matches(['/', '\\']))
        .unwrap_or(dir);
    if rest.contains('$') || rest.starts_with('~') {
        return OUTSIDE.to_owned();
    }
    rest.replace('\\', "/")
}

/// The folder of scripts that start outside the repository: no repository path is under it.
const OUTSIDE: &str = "\u{0}outside";

/// The folder the commands of `text` leave the shell in (after its `cd`s), from `workdir`: where
/// a later script of the same job starts (GitLab's `before_script: cd app`).
pub fn final_dir(text: &str, workdir: &str) -> String {
    let mut cwd = normalize(workdir);
    for line in text.lines() {
        for piece in split_commands(line) {
            let words = shell_words(piece);
            if let Some(dir) = cd_target(strip_prefixes(&words)) {
                cwd = join(&cwd, &dir);
            }
        }
    }
    cwd
}

/// The arguments that are not options.
fn operands<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().filter(|a| !a.starts_with('-')).collect()
}

/// Whether a word can be a path in the repository (no variable, no URL, no glob of the shell).
fn is_path(w: &str) -> bool {
    !w.is_empty() && !w.contains('$') && !w.contains("://") && !w.starts_with('/') && !w.starts_with('~')
}

fn targets(words: &[&str], cwd: &str) -> Vec<RunTarget> {
    let Some((cmd, args)) = words.split_first() else { return Vec::new() };
    let name = cmd.rsplit('/').next().unwrap_or(cmd);
    let file = |p: &str| RunTarget::File(join(cwd, p));
    let dir = |p: &str| RunTarget::Dir(join(cwd, p.trim_end_matches("/...")));
    if is_python(name) {
        if let Some(i) = args.iter().position(|a| *a == "-m") {
            let module = args.get(i + 1).copied().unwrap_or("");
            let rest = args.get(i + 2..).unwrap_or(&[]);
            return match module {
                "pytest" => test_targets(rest, cwd),
                "unittest" => vec![dir(".")],
                m if is_path(m) && !m.is_empty() => {
                    let path = m.replace('.', "/");
                    vec![file(&format!("{path}.py")), dir(&path)]
                }
                _ => Vec::new(),
            };
        }
        if args.contains(&"-c") {
            return Vec::new();
        }
        return operands(args).first().filter(|a| is_path(a)).map(|a| vec![file(a)]).unwrap_or_default();
    }
    match name {
        "bash" | "sh" | "zsh" | "source" | "." | "node" | "deno" | "bun" | "ts-node" | "tsx" | "Rscript" | "ruby" => {
            // `bash -c '…'`, `node -e '…'`: the code is the argument, not a file.
            if args.iter().any(|a| matches!(*a, "-c" | "-e" | "--eval" | "-p" | "--print")) {
                return Vec::new();
            }
            let ops = operands(args);
            let first =
                if matches!(name, "deno" | "bun") && ops.first() == Some(&"run") { ops.get(1) } else { ops.first() };
            // A script needs no extension (`bash ci/dbt-cloud-run`): a path with a folder or an
            // extension is a file; a bare word may be a command (`source activate`).
            first
                .filter(|a| is_path(a) && (a.contains('.') || a.contains('/')))
                .map(|a| vec![file(a)])
                .unwrap_or_default()
        }
        "pytest" | "py.test" => test_targets(args, cwd),
        "go" => match args.split_first() {
            Some((sub, rest)) if matches!(*sub, "test" | "run") => {
                let ops: Vec<&str> = operands(rest).into_iter().filter(|a| is_path(a)).collect();
                if ops.is_empty() {
                    return vec![dir(".")];
                }
                ops.iter().map(|a| if a.ends_with(".go") { file(a) } else { dir(a) }).collect()
            }
            _ => Vec::new(),
        },
        "make" | "gmake" => make_targets(args, cwd),
        _ if cmd.starts_with("./") && is_path(cmd) => vec![file(cmd)],
        _ => Vec::new(),
    }
}

fn is_python(name: &str) -> bool {
    name == "py" || name.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `pytest [paths]`: the paths named (a test id's file), or the whole folder.
fn test_targets(args: &[&str], cwd: &str) -> Vec<RunTarget> {
    let ops: Vec<&str> = operands(args).into_iter().filter(|a| is_path(a)).collect();
    if ops.is_empty() {
        return vec![RunTarget::Dir(normalize(cwd))];
    }
    ops.iter()
        .map(|a| {
            let path = a.split("::").next().unwrap_or(a);
            if path.ends_with(".py") { RunTarget::File(join(cwd, path)) } else { RunTarget::Dir(join(cwd, path)) }
        })
        .collect()
}

/// `make [-C dir] [targets]`: each target (the first of the Makefile when none is named).
fn make_targets(args: &[&str], cwd: &str) -> Vec<RunTarget> {
    let mut dir = normalize(cwd);
    let mut names = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if *a == "-C" {
            dir = join(&dir, args.get(i + 1).copied().unwrap_or("."));
            i += 1;
        } else if let Some(d) = a.strip_prefix("--directory=") {
            dir = join(&dir, d);
        } else if matches!(*a, "-f" | "--file" | "-j" | "-I") {
            i += 1;
        } else if !a.starts_with('-') && !is_assignment(a) && is_path(a) {
            names.push((*a).to_owned());
        }
        i += 1;
    }
    if names.is_empty() {
        names.push(String::new());
    }
    names.into_iter().map(|target| RunTarget::Make { dir: dir.clone(), target }).collect()
}

/// The commands of a Makefile's `target` (its first target when empty) and the targets it
/// depends on.
pub fn make_recipe(makefile: &str, target: &str) -> (Vec<String>, Vec<String>) {
    let rules: Vec<(usize, &str, &str)> = makefile
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with(['\t', ' ', '.', '#']))
        .filter_map(|(i, l)| {
            let (head, tail) = l.split_once(':')?;
            (!tail.starts_with('=') && !head.contains('=') && !head.trim().is_empty()).then_some((i, head, tail))
        })
        .collect();
    let found = if target.is_empty() {
        rules.first()
    } else {
        rules.iter().find(|(_, head, _)| head.split_whitespace().any(|t| t == target))
    };
    let Some((line, _, tail)) = found else { return (Vec::new(), Vec::new()) };
    let deps = tail.split(';').next().unwrap_or("").split_whitespace().map(str::to_owned).collect();
    let vars = make_variables(makefile);
    let mut recipe = Vec::new();
    for l in makefile.lines().skip(line + 1) {
        if let Some(cmd) = l.strip_prefix('\t') {
            recipe.push(expand(cmd.trim_start_matches(['@', '-', '+']), &vars));
        } else if !(l.trim().is_empty() || l.trim_start().starts_with('#')) {
            break;
        }
    }
    (recipe, deps)
}

/// A Makefile's simple variables (`PYTEST = uv run pytest`, `:=`, `?=`), as written.
fn make_variables(makefile: &str) -> Vec<(&str, &str)> {
    makefile
        .lines()
        .filter(|l| !l.starts_with(['\t', ' ', '#']))
        .filter_map(|l| {
            let (name, value) = l.split_once('=')?;
            let name = name.trim_end_matches([':', '?', '+']).trim();
            let simple = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            simple.then_some((name, value.trim()))
        })
        .collect()
}

/// A recipe line with `$(NAME)` / `${NAME}` of the Makefile's own variables replaced, two levels
/// deep (`PYTEST = $(UV) pytest`); other references stay as written.
fn expand(cmd: &str, vars: &[(&str, &str)]) -> String {
    let mut out = cmd.to_owned();
    for _ in 0..2 {
        if !out.contains('$') {
            break;
        }
        for (name, value) in vars {
            out = out.replace(&format!("$({name})"), value).replace(&format!("${{{name}}}"), value);
        }
    }
    out
}

/// Whether a file is a Makefile (whose targets CI steps run with `make`).
pub fn is_makefile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "Makefile" | "makefile" | "GNUmakefile")
}

/// `dir` joined with a relative path, `.` and `..` resolved; the repository root is "".
pub fn join(dir: &str, path: &str) -> String {
    if dir.is_empty() || dir == "." || path.starts_with('/') {
        return normalize(path);
    }
    normalize(&format!("{dir}/{path}"))
}

fn normalize(path: &str) -> String {
    let lead = if path.starts_with('/') { "/" } else { "" };
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{lead}{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets_of(text: &str, wd: &str) -> Vec<RunTarget> {
        runs(text, wd).into_iter().map(|r| r.target).collect()
    }

    #[test]
    fn the_commands_that_run_repository_code() {
        use RunTarget::{Dir, File, Make};
        let f = |s: &str| File(s.to_owned());
        let d = |s: &str| Dir(s.to_owned());
        assert_eq!(targets_of("python3 ci/update.py --dry-run", ""), [f("ci/update.py")]);
        assert_eq!(targets_of("uv run python -m tools.sync", ""), [f("tools/sync.py"), d("tools/sync")]);
        assert_eq!(targets_of("bash ./scripts/run.sh && ./bin/go.sh", ""), [f("scripts/run.sh"), f("bin/go.sh")]);
        assert_eq!(targets_of("node tools/x.js", "web"), [f("web/tools/x.js")]);
        assert_eq!(targets_of("go test ./integration/... -v", "test"), [d("test/integration")]);
        assert_eq!(targets_of("pytest tests/int -x", ""), [d("tests/int")]);
        assert_eq!(targets_of("python -m pytest", "app"), [d("app")]);
        assert_eq!(
            targets_of("cd infra\nmake -C ../ops plan", ""),
            [Make { dir: "ops".into(), target: "plan".into() }]
        );
        assert_eq!(targets_of("DBT_X=1 make", ""), [Make { dir: "".into(), target: "".into() }]);
        assert!(targets_of("python -c 'print(1)'\necho python x.py\ncurl https://x/y.sh | sh", "").is_empty());
        assert!(targets_of("# python x.py\npip install -r requirements.txt", "").is_empty());
        // Scripts without an extension, and the folder a CI file names by its checkout variable.
        assert_eq!(targets_of("bash ci/dbt-cloud-run --job 4", ""), [f("ci/dbt-cloud-run")]);
        assert_eq!(targets_of("python tools/run_job && ./bin/trigger", ""), [f("tools/run_job"), f("bin/trigger")]);
        assert_eq!(targets_of("node scripts/deploy.mjs", ""), [f("scripts/deploy.mjs")]);
        assert_eq!(targets_of("cd $CI_PROJECT_DIR/ops\n./run", ""), [f("ops/run")]);
        assert!(targets_of("bash -c 'ci/x'\nsource activate\nnode -e 'require(1)'", "").is_empty());
        assert!(targets_of("cd $(Agent.TempDirectory)\n./run", "").iter().all(|t| t != &f("run")));
    }

    #[test]
    fn folders_relative_to_the_checkout() {
        assert_eq!(checkout_relative("$(System.DefaultWorkingDirectory)/ci"), "ci");
        assert_eq!(checkout_relative("$(Build.SourcesDirectory)"), "");
        assert_eq!(checkout_relative("${{ github.workspace }}/ops"), "ops");
        assert_eq!(checkout_relative("tools"), "tools");
        assert_eq!(checkout_relative("$(Agent.TempDirectory)/x"), OUTSIDE);
        assert_eq!(final_dir("pip install .\ncd app && ls", ""), "app");
        assert_eq!(final_dir("echo hi", "x"), "x");
    }

    #[test]
    fn a_makefile_target_and_its_dependencies() {
        let mk = "VAR := x\n.PHONY: test\ninstall:\n\tpip install .\n\ntest: install\n\t@pytest tests\n\techo done\nlint:\n\truff .\n";
        let (recipe, deps) = make_recipe(mk, "test");
        assert_eq!(recipe, ["pytest tests", "echo done"]);
        assert_eq!(deps, ["install"]);
        let (first, _) = make_recipe(mk, "");
        assert_eq!(first, ["pip install ."]);
        assert!(make_recipe(mk, "deploy").0.is_empty());
        // The Makefile's own variables are expanded; others are left as written.
        let mk = "UV ?= uv run\nPYTEST = $(UV) pytest\ntest_cov:\n\t$(PYTEST) --cov=./ ${OUT}\n";
        assert_eq!(make_recipe(mk, "test_cov").0, ["uv run pytest --cov=./ ${OUT}"]);
    }
}
