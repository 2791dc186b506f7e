//! The command line: `check`, `inventory`, `advise`, `rules`, `explain`.

use crate::baseline::{Baseline, Entry};
use crate::model::Severity;
use crate::policy::{Policy, builtin};
use crate::render;
use crate::report::{self, Selection};
use crate::rules::Rule;
use crate::scan;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "tokenwise",
    version,
    about = "Finds dbt Cloud API tokens used with the wrong token type for their workflow"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint files and folders (default `.`).
    Check(Box<CheckArgs>),
    /// List every token use found, with its workflow, token type and evidence.
    Inventory(InventoryArgs),
    /// Say which token type and permission sets a workflow should use, and why.
    Advise(AdviseArgs),
    /// List every rule.
    Rules,
    /// Literal tokens anywhere in the git history, each at the commit that first added it.
    History(HistoryArgs),
    /// Explain one rule: what, why, how to fix, examples.
    Explain {
        /// A rule code (TW101) or name (pat-in-production).
        rule: String,
    },
    /// Show what the config says about a path, or print the config's JSON Schema.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// The config that governs PATH (default `.`), its rule levels there and the `classify`
    /// globs that match it.
    Show {
        path: Option<PathBuf>,
        /// Use this config file instead of discovering `.tokenwise.yml`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print the JSON Schema of `.tokenwise.yml`.
    Schema,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Pretty,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(clap::Args, Debug)]
struct ScanArgs {
    /// Files and folders to scan.
    paths: Vec<PathBuf>,
    /// Also scan files that `.gitignore` / `.ignore` exclude.
    #[arg(long)]
    no_ignore: bool,
    /// Worker threads (default: all cores; at most 256).
    #[arg(short = 'j', long = "threads", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    threads: Option<u16>,
    /// Read one file's content from stdin (path `-`), classified as if it were at NAME.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Use this config file instead of discovering `.tokenwise.yml` from each path upward.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Larger files are not parsed, only searched for literal tokens (streamed, in bounded memory).
    #[arg(long, value_name = "BYTES", default_value_t = crate::read::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    #[command(flatten)]
    scan: ScanArgs,
    /// Output format (default: pretty on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only these rules (comma-separated codes or names; `ALL` for every rule).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Not these rules (comma-separated codes or names).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: FailOn,
    /// Report only findings not recorded in FILE (made with --write-baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings' fingerprints in FILE and exit 0 (prints no report).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "output"])]
    write_baseline: Option<PathBuf>,
    /// Report only findings that are new relative to the merge base of REF and HEAD (pull
    /// requests: `--diff-base origin/main`); the base is read from git, never checked out.
    #[arg(long, value_name = "REF", conflicts_with_all = ["write_baseline", "stdin_filename"])]
    diff_base: Option<String>,
    /// Scan the files given as the git index holds them (what a commit would record), not as
    /// the work tree has them; files not in the index are skipped (the pre-commit hook).
    #[arg(long, conflicts_with_all = ["stdin_filename", "fix", "diff", "add_ignore"])]
    staged: bool,
    /// List every file the walk considers, the kind it is read as and why a file is not read
    /// whole, then exit 0 without reporting findings (as ruff's `--show-files`).
    #[arg(
        long,
        conflicts_with_all = ["staged", "diff_base", "write_baseline", "statistics", "fix", "diff", "add_ignore"]
    )]
    show_files: bool,
    #[command(flatten)]
    fixes: crate::fix::command::Args,
    #[command(flatten)]
    report: crate::cli_options::ReportArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InventoryFormat {
    Table,
    Json,
    Markdown,
    /// One self-contained page to open in a browser.
    Html,
}

#[derive(clap::Args, Debug)]
struct InventoryArgs {
    #[command(flatten)]
    scan: ScanArgs,
    #[arg(long, value_enum, default_value = "table")]
    format: InventoryFormat,
    /// Write the inventory to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum HistoryFormat {
    Pretty,
    Concise,
    Json,
    Sarif,
}

#[derive(clap::Args, Debug)]
struct HistoryArgs {
    /// Only files under these paths (default: the whole repository).
    paths: Vec<PathBuf>,
    /// Only commits not reachable from REF (`git log REF..HEAD`).
    #[arg(long, value_name = "REF")]
    since: Option<String>,
    /// Walk the commits of every ref (branches, tags, remotes), not only HEAD.
    #[arg(long)]
    all: bool,
    /// Output format (default: pretty on a terminal, concise otherwise).
    #[arg(long, value_enum)]
    format: Option<HistoryFormat>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 256).
    #[arg(short = 'j', long = "threads", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    threads: Option<u16>,
}

#[derive(clap::Args, Debug)]
struct AdviseArgs {
    /// The workflow: production, partner-integration, cloud-cli, dev-script, user-context-endpoint
    /// (with --integration alone: the workflow of the partner or tool it names).
    #[arg(long, required_unless_present_any = ["at", "integration"])]
    workflow: Option<String>,
    /// Instead: the least-privilege service token (Terraform) for the finding at PATH:LINE.
    #[arg(long = "for", id = "at", value_name = "PATH:LINE", conflicts_with_all = ["workflow", "integration", "format"])]
    at: Option<String>,
    /// A partner integration (Hightouch, Tableau, …) or, for production, the tool (GitHub
    /// Actions, Airflow, Terraform, …): the narrowest permission sets for it.
    #[arg(long)]
    integration: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: AdviseFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AdviseFormat {
    Text,
    Json,
}

/// Most worker threads `-j` accepts: more than this only costs memory and start-up.
const MAX_THREADS: u16 = 256;

/// A failure that ends the run with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

pub fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap quotes the argument it rejects, and an argument can be a token pasted in
            // the wrong place: mask what it prints.
            let text = crate::literal::mask(&e.to_string()).into_owned();
            if e.use_stderr() {
                let _ = std::io::stderr().write_all(text.as_bytes());
                return ExitCode::from(2);
            }
            return match write_output(None, &text) {
                Ok(()) => ExitCode::SUCCESS,
                Err(UsageError(msg)) => fail(&msg),
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(UsageError(msg)) => fail(&msg),
    }
}

/// Print an error and end with exit code 2.
fn fail(msg: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "tokenwise: error: {}", printable(msg));
    ExitCode::from(2)
}

/// A message for stderr: tokens masked, control characters escaped (a message quotes paths and
/// names from the scanned repository).
pub fn printable(msg: &str) -> String {
    crate::escape::lines(&crate::literal::mask(msg)).into_owned()
}

/// Print a warning on stderr.
fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr(), "tokenwise: warning: {}", crate::escape::text(&crate::literal::mask(msg)));
}

/// A panic is a bug, and the default report can quote the input it choked on (a slice of a
/// file, a token): say where it happened, never a formatted message, and exit 2.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        let _ = writeln!(std::io::stderr(), "{}", panic_message(at.as_deref(), info.payload()));
        std::process::exit(2);
    }));
}

/// The one line a panic prints: where, and the message only when it is a fixed string of the
/// program (a formatted one may quote input).
fn panic_message(at: Option<&str>, payload: &(dyn std::any::Any + Send)) -> String {
    let at = at.map(|a| format!(" at {a}")).unwrap_or_default();
    let what = payload.downcast_ref::<&'static str>().map(|m| format!(": {m}")).unwrap_or_default();
    crate::literal::mask(&format!("tokenwise: internal error{at}{what}; please report this bug")).into_owned()
}

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    let policy = builtin();
    match cli.command {
        Command::Check(args) => check(*args, policy),
        Command::Inventory(args) => inventory(args, policy),
        Command::History(args) => history(args, policy),
        Command::Advise(args) => {
            let json = args.format == AdviseFormat::Json;
            let text = match (&args.at, &args.workflow) {
                (Some(at), _) => crate::fix::command::advise_for(at, policy),
                (None, w) => {
                    use crate::cli_options::{env_var, terminal_width, width};
                    let width = width(env_var, terminal_width().filter(|_| std::io::stdout().is_terminal()));
                    crate::advise::run(w.as_deref().unwrap_or(""), args.integration.as_deref(), json, width, policy)
                }
            }
            .map_err(UsageError)?;
            write_output(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Show { path, config }) => {
            let path = path.unwrap_or_else(|| PathBuf::from("."));
            write_output(None, &crate::config_cmd::show(&path, config.as_deref()).map_err(UsageError)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Schema) => {
            write_output(None, crate::config_cmd::SCHEMA)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "tokenwise", &mut buf);
            write_output(None, &String::from_utf8_lossy(&buf))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules => {
            write_output(None, &rules_table())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => {
            let rule = Rule::parse(&rule).ok_or_else(|| {
                let known = Rule::ALL.iter().flat_map(|r| [r.code(), r.name()]);
                let hint = crate::suggest::hint(&rule, known);
                UsageError(format!("unknown rule `{rule}`{hint}; `tokenwise rules` lists them"))
            })?;
            let r = rule.texts();
            let text = format!(
                "# {} {} ({})\n\n{}\n\nDefault severity: {}{}\nReference: {}\n",
                rule.code(),
                rule.name(),
                r.summary,
                r.explanation.trim_end(),
                r.severity.as_str(),
                if r.default_enabled { "" } else { " (off by default)" },
                r.reference
            );
            write_output(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn rules_table() -> String {
    let mut out = format!("{:<6}  {:<34}  {:<10}  {}\n", "CODE", "NAME", "SEVERITY", "SUMMARY");
    for rule in Rule::ALL {
        let r = rule.texts();
        let sev =
            if r.default_enabled { r.severity.as_str().to_owned() } else { format!("{} (off)", r.severity.as_str()) };
        out.push_str(&format!("{:<6}  {:<34}  {:<10}  {}\n", rule.code(), rule.name(), sev, r.summary));
    }
    out
}

fn scan_options(args: &ScanArgs) -> Result<scan::Options, UsageError> {
    let threads = args.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(usize::from(MAX_THREADS))
    });
    let mut paths = args.paths.clone();
    let mut stdin = None;
    if let Some(name) = &args.stdin_filename {
        if paths.iter().any(|p| p.as_os_str() != "-") {
            return Err(UsageError("--stdin-filename reads stdin: pass `-` as the only path".into()));
        }
        // No more than one byte over the size limit: a larger content is streamed by the scan
        // from the rest of stdin, in bounded memory.
        let mut buf = Vec::new();
        std::io::stdin()
            .take(args.max_file_size.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
        stdin = Some((name.clone(), buf));
        paths.clear();
    } else if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(UsageError("reading stdin (`-`) needs --stdin-filename NAME".into()));
    }
    if paths.is_empty() && stdin.is_none() {
        paths.push(PathBuf::from("."));
    }
    for p in &paths {
        if !crate::longpath::exists(p) {
            return Err(UsageError(format!("path `{}` does not exist", p.display())));
        }
    }
    let config_paths = match &stdin {
        Some((name, _)) => vec![PathBuf::from(name)],
        None => paths.clone(),
    };
    let config = crate::config::Settings::load(&config_paths, args.config.as_deref()).map_err(UsageError)?;
    Ok(scan::Options {
        paths,
        no_ignore: args.no_ignore,
        threads,
        max_parse_bytes: args.max_file_size,
        stdin,
        config: std::sync::Arc::new(config),
        progress: false,
        show_files: false,
    })
}

/// The configs' extension of the built-in policy (`classify:`, rule packs), if they extend it.
fn run_policy(opts: &scan::Options, builtin: &Policy) -> Result<Option<Policy>, UsageError> {
    opts.config.policy(builtin).map_err(UsageError)
}

fn check(args: CheckArgs, policy: &'static Policy) -> Result<ExitCode, UsageError> {
    use crate::cli_options as o;
    let extra = &args.report;
    let selection = Selection::from_args(&report::RuleArgs {
        select: &args.select,
        extend_select: &extra.extend_select,
        ignore: &args.ignore,
        extend_ignore: &extra.extend_ignore,
    })
    .map_err(UsageError)?;
    let mut opts = scan_options(&args.scan)?;
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal { Format::Pretty } else { Format::Concise });
    if args.show_files {
        return show_files(&args, opts, format, policy);
    }
    opts.progress = !extra.quiet && show_progress(format == Format::Pretty);
    let baseline = match &args.baseline {
        Some(p) if args.write_baseline.is_none() => Some(Baseline::read(p).map_err(UsageError)?),
        _ => None,
    };
    let extended = run_policy(&opts, policy)?;
    let policy = extended.as_ref().unwrap_or(policy);
    let scan = if args.staged {
        crate::git::staged::scan(&opts, policy).map_err(UsageError)?
    } else {
        scan::run_reading(&opts, policy, std::io::stdin().lock())
    };
    for w in scan.warnings.iter().filter(|_| !extra.quiet) {
        warn(w);
    }
    let min = extra.min_confidence.map(o::MinConfidence::confidence);
    let level = |f: &crate::rules::Finding, path: &str| {
        min.is_none_or(|m| f.confidence >= m).then(|| selection.level(f, path, &opts.config)).flatten()
    };
    let on = |r: crate::rules::Rule, path: &str| selection.on(r, path, &opts.config);
    let base = match &args.diff_base {
        Some(spec) => Some(crate::git::base::scan(&opts, policy, spec).map_err(UsageError)?),
        None => None,
    };
    let mut report = report::build(&scan, level, on, baseline);
    if let Some(base) = &base {
        crate::git::base::drop_known(&mut report, &report::build(base, level, on, None));
    }
    let cwd = std::env::current_dir().map_err(|e| UsageError(format!("cannot read the working directory: {e}")))?;
    let root = crate::project_root::find(extra.project_root.as_deref(), opts.paths.first().map(PathBuf::as_path), &cwd);
    let project = Some((root, cwd));
    report.project = project.clone();
    if let Some(file) = &args.write_baseline {
        let entries: Vec<Entry> = report.findings.iter().map(|f| report::entry(f, &scan)).collect();
        let n = entries.len();
        write_output(Some(file), &crate::baseline::render(entries))?;
        let msg = format!("recorded {n} finding{} in {}", if n == 1 { "" } else { "s" }, file.display());
        let _ = writeln!(std::io::stderr(), "tokenwise: {}", printable(&msg));
        return Ok(ExitCode::SUCCESS);
    }
    match crate::fix::command::act(&args.fixes, &mut report, opts.stdin.is_some()).map_err(UsageError)? {
        crate::fix::command::Next::Report => finish(&args, &report, format, to_terminal),
        crate::fix::command::Next::Exit(code) => Ok(code),
        crate::fix::command::Next::Rescan(files) => {
            let mut opts = opts.clone();
            opts.paths.extend(files);
            let scan = scan::run(&opts, policy);
            let baseline = args.baseline.as_deref().map(Baseline::read).transpose().map_err(UsageError)?;
            let mut report = report::build(&scan, level, on, baseline);
            report.project = project.clone();
            if let Some(base) = &base {
                crate::git::base::drop_known(&mut report, &report::build(base, level, on, None));
            }
            let mut fixes: Vec<_> = report.findings.iter_mut().flat_map(|f| f.fixes.iter_mut()).collect();
            crate::fix::resolve(&mut fixes);
            finish(&args, &report, format, to_terminal)
        }
    }
}

/// `check --show-files`: the files of the scan, what each was read as and why a file was not
/// read whole; text, or JSON with `--format json`. Exits 0 whatever the files hold.
fn show_files(
    args: &CheckArgs,
    mut opts: scan::Options,
    format: Format,
    policy: &'static Policy,
) -> Result<ExitCode, UsageError> {
    let json = match format {
        Format::Json => true,
        Format::Pretty | Format::Concise => false,
        other => {
            let name = other.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
            return Err(UsageError(format!("--show-files prints text or, with `--format json`, JSON, not `{name}`")));
        }
    };
    opts.show_files = true;
    opts.progress = !args.report.quiet && show_progress(true);
    let extended = run_policy(&opts, policy)?;
    let policy = extended.as_ref().unwrap_or(policy);
    let scan = scan::run_reading(&opts, policy, std::io::stdin().lock());
    for w in scan.warnings.iter().filter(|_| !args.report.quiet) {
        warn(w);
    }
    let text =
        if json { crate::show_files::render_json(&scan.shown) } else { crate::show_files::render_text(&scan.shown) };
    write_output(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// Print the report and exit by `--fail-on`.
fn finish(
    args: &CheckArgs,
    report: &render::Report,
    format: Format,
    to_terminal: bool,
) -> Result<ExitCode, UsageError> {
    use crate::cli_options::{self as o, env_var};
    let extra = &args.report;
    let color = o::use_color(extra.color, to_terminal, env_var);
    let width = o::width(env_var, o::terminal_width().filter(|_| to_terminal));
    let text = match format {
        _ if extra.statistics => o::statistics(report, format == Format::Json),
        Format::Pretty => render::pretty::render(report, color, width),
        Format::Concise => render::concise::render(report),
        Format::Json => render::json::render(report),
        Format::Sarif => render::sarif::render(report),
        Format::Github => render::github::render(report),
        Format::Gitlab => render::gitlab::render(report),
        Format::Junit => render::junit::render(report),
    };
    let human = matches!(format, Format::Pretty | Format::Concise) && !extra.statistics;
    let text = if extra.quiet && human { o::without_summary(&text) } else { text };
    write_output(args.output.as_deref(), &text)?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let fail = !extra.exit_zero && threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if fail { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), UsageError> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| UsageError(format!("cannot write `{}`: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            write_report(&mut out, text)
        }
    }
}

/// Write a report to a stream. A report that cannot be written is a failure (a full disk would
/// otherwise pass CI with an empty SARIF file); only a closed pipe (`| head`) is quiet, since
/// the reader chose to stop.
fn write_report(out: &mut impl Write, text: &str) -> Result<(), UsageError> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(UsageError(format!("cannot write the report to stdout: {e}"))),
    }
}

/// Progress on stderr is for a person watching a human format on a terminal: never in CI logs,
/// never mixed into a machine format's stream.
fn show_progress(human_format: bool) -> bool {
    human_format && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none_or(|v| v.is_empty())
}

fn inventory(args: InventoryArgs, policy: &'static Policy) -> Result<ExitCode, UsageError> {
    let mut opts = scan_options(&args.scan)?;
    opts.progress = show_progress(args.format != InventoryFormat::Json);
    let extended = run_policy(&opts, policy)?;
    let scan = scan::run_reading(&opts, extended.as_ref().unwrap_or(policy), std::io::stdin().lock());
    for w in &scan.warnings {
        warn(w);
    }
    // The findings `check` reports with the same config and no --select or --baseline.
    let selection = Selection::default();
    let report = report::build(
        &scan,
        |f, path| selection.level(f, path, &opts.config),
        |r, path| selection.on(r, path, &opts.config),
        None,
    );
    let text = match args.format {
        InventoryFormat::Table => crate::inventory::table(&report),
        InventoryFormat::Json => crate::inventory::json(&report),
        InventoryFormat::Markdown => crate::inventory::markdown(&report),
        InventoryFormat::Html => crate::inventory::html_of(&report, &origin(&opts)),
    };
    write_output(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// The scanned paths as shown (`.` as the absolute working directory, which names the
/// repository) and the commit checked out there, for the HTML inventory's footer.
fn origin(opts: &scan::Options) -> crate::inventory::Origin {
    let cwd = std::env::current_dir().unwrap_or_default();
    let scanned = match &opts.stdin {
        Some((name, _)) => vec![name.clone()],
        None => opts
            .paths
            .iter()
            .map(|p| {
                let abs = crate::project_root::absolute(&cwd, p);
                let shown = crate::discover::display_path(&abs, Some(&cwd));
                if shown.is_empty() { crate::discover::display_path(&abs, None) } else { shown }
            })
            .collect(),
    };
    let root = crate::project_root::git_root(&crate::project_root::absolute(
        &cwd,
        opts.paths.first().map_or(Path::new("."), PathBuf::as_path),
    ));
    crate::inventory::Origin { scanned, commit: root.and_then(|r| crate::project_root::head_commit(&r)) }
}

/// `history`: exit 1 when the history holds a secret.
fn history(args: HistoryArgs, policy: &'static Policy) -> Result<ExitCode, UsageError> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal { HistoryFormat::Pretty } else { HistoryFormat::Concise });
    for p in &args.paths {
        if p.as_os_str() == "-" {
            return Err(UsageError("history reads the repository, not stdin: drop `-`".into()));
        }
    }
    let config_paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let config = crate::config::Settings::load(&config_paths, None).map_err(UsageError)?;
    let extended = config.policy(policy).map_err(UsageError)?;
    let opts = crate::git::history::Options {
        since: args.since,
        all: args.all,
        paths: args.paths,
        threads: args.threads.map(usize::from).unwrap_or_else(|| {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(usize::from(MAX_THREADS))
        }),
        // On stderr, so it never mixes with a report, whatever its format: a long history is
        // worth watching whenever a person is at the terminal.
        progress: show_progress(true),
        config: std::sync::Arc::new(config),
    };
    let (history, warnings) =
        crate::git::history::run(&opts, &extended.as_ref().unwrap_or(policy).signals).map_err(UsageError)?;
    for w in &warnings {
        warn(w);
    }
    use crate::git::history_render as out;
    let text = match format {
        HistoryFormat::Pretty => out::pretty(&history, to_terminal && std::env::var_os("NO_COLOR").is_none()),
        HistoryFormat::Concise => out::concise(&history),
        HistoryFormat::Json => out::json(&history),
        HistoryFormat::Sarif => out::sarif(&history),
    };
    write_output(args.output.as_deref(), &text)?;
    Ok(if history.secrets.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod panic_tests {
    use super::panic_message;

    #[test]
    fn a_panic_message_never_quotes_input() {
        // tokenwise: ignore[TW201] -- a fake token: the test checks it is masked
        let token = "dbtu_Zx8Qm3TtA1fK9wVb2LpR7sYc4NdE6gHj0uWoIk5yBvXa_Q-3f9a";
        let formatted = std::panic::catch_unwind(|| panic!("byte index 3 is not a char boundary of `{token}`"));
        let Err(payload) = formatted;
        assert_eq!(
            panic_message(Some("src/x.rs:1"), payload.as_ref()),
            "tokenwise: internal error at src/x.rs:1; please report this bug"
        );
        let fixed = std::panic::catch_unwind(|| panic!("unbalanced stack"));
        let Err(payload) = fixed;
        assert_eq!(
            panic_message(None, payload.as_ref()),
            "tokenwise: internal error: unbalanced stack; please report this bug"
        );
    }
}
