//! The command line: `check`, `inventory`, `advise`, `rules`, `explain`.

use crate::model::{Finding, Severity};
use crate::policy::{Policy, builtin};
use crate::render::{self, Report};
use crate::scan::{self, Scan};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
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
    Check(CheckArgs),
    /// List every token use found, with its workflow, token type and evidence.
    Inventory(InventoryArgs),
    /// Say which token type and permission sets a workflow should use, and why.
    Advise(AdviseArgs),
    /// List every rule.
    Rules,
    /// Explain one rule: what, why, how to fix, examples.
    Explain {
        /// A rule code (TW101) or name (pat-in-production).
        rule: String,
    },
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
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "threads")]
    threads: Option<usize>,
    /// Read one file's content from stdin (path `-`), classified as if it were at NAME.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InventoryFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
struct InventoryArgs {
    #[command(flatten)]
    scan: ScanArgs,
    #[arg(long, value_enum, default_value = "table")]
    format: InventoryFormat,
}

#[derive(clap::Args, Debug)]
struct AdviseArgs {
    /// The workflow: production, partner-integration, cloud-cli, dev-script, user-context-endpoint.
    #[arg(long)]
    workflow: String,
    /// A partner integration (Hightouch, Tableau, …) for the narrowest permission sets.
    #[arg(long)]
    integration: Option<String>,
}

/// A failure that ends the run with exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            eprintln!("tokenwise: error: {}", crate::literal::mask(&msg));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    let policy = builtin();
    match cli.command {
        Command::Check(args) => check(args, policy),
        Command::Inventory(args) => inventory(args, policy),
        Command::Advise(args) => crate::advise::run(&args.workflow, args.integration.as_deref(), policy)
            .map(|text| {
                print!("{text}");
                ExitCode::SUCCESS
            })
            .map_err(UsageError),
        Command::Rules => {
            print!("{}", rules_table(policy));
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => {
            let r = policy
                .rule(&rule)
                .ok_or_else(|| UsageError(format!("unknown rule `{rule}`; `tokenwise rules` lists them")))?;
            println!(
                "# {} {} ({})\n\n{}\n\n\nDefault severity: {}{}\nReference: {}",
                r.code,
                r.name,
                r.summary,
                r.explanation.trim_end(),
                r.severity.as_str(),
                if r.default_enabled { "" } else { " (off by default)" },
                r.reference
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn rules_table(policy: &Policy) -> String {
    let mut out = format!("{:<6}  {:<34}  {:<10}  {}\n", "CODE", "NAME", "SEVERITY", "SUMMARY");
    for r in &policy.rules {
        let sev =
            if r.default_enabled { r.severity.as_str().to_owned() } else { format!("{} (off)", r.severity.as_str()) };
        out.push_str(&format!("{:<6}  {:<34}  {:<10}  {}\n", r.code, r.name, sev, r.summary));
    }
    out
}

fn scan_options(args: &ScanArgs) -> Result<scan::Options, UsageError> {
    let threads =
        args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let mut paths = args.paths.clone();
    let mut stdin = None;
    if let Some(name) = &args.stdin_filename {
        if paths.iter().any(|p| p.as_os_str() != "-") {
            return Err(UsageError("--stdin-filename reads stdin: pass `-` as the only path".into()));
        }
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
        stdin = Some((name.clone(), buf));
        paths.clear();
    } else if paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(UsageError("reading stdin (`-`) needs --stdin-filename NAME".into()));
    }
    if paths.is_empty() && stdin.is_none() {
        paths.push(PathBuf::from("."));
    }
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(UsageError(format!("path `{}` does not exist", p.display())));
        }
    }
    Ok(scan::Options { paths, no_ignore: args.no_ignore, threads, max_parse_bytes: 8 * 1024 * 1024, stdin })
}

/// The rule codes a list of codes or names stands for.
fn resolve_codes(list: &[String], policy: &Policy) -> Result<Vec<String>, UsageError> {
    let mut out = Vec::new();
    for item in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if item.eq_ignore_ascii_case("ALL") {
            out.extend(policy.rules.iter().map(|r| r.code.clone()));
            continue;
        }
        let r = policy
            .rule(item)
            .ok_or_else(|| UsageError(format!("unknown rule `{item}`; `tokenwise rules` lists them")))?;
        out.push(r.code.clone());
    }
    Ok(out)
}

fn check(args: CheckArgs, policy: &Policy) -> Result<ExitCode, UsageError> {
    let selected = resolve_codes(&args.select, policy)?;
    let ignored = resolve_codes(&args.ignore, policy)?;
    let opts = scan_options(&args.scan)?;
    let scan = scan::run(&opts, policy);
    for w in &scan.warnings {
        eprintln!("tokenwise: warning: {}", crate::literal::mask(w));
    }
    let enabled = |f: &Finding| {
        let on = if selected.is_empty() {
            policy.rule(f.code).is_some_and(|r| r.default_enabled)
        } else {
            selected.iter().any(|c| c == f.code)
        };
        on && !ignored.iter().any(|c| c == f.code)
    };
    let report = build_report(&scan, enabled);
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal { Format::Pretty } else { Format::Concise });
    let text = match format {
        Format::Pretty => render::pretty::render(&report, to_terminal && std::env::var_os("NO_COLOR").is_none()),
        Format::Concise => render::concise::render(&report),
        Format::Json => render::json::render(&report),
        Format::Sarif => render::sarif::render(&report),
        Format::Github => render::github::render(&report),
        Format::Gitlab => render::gitlab::render(&report),
        Format::Junit => render::junit::render(&report),
    };
    write_output(args.output.as_deref(), &text)?;
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    let fail = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    Ok(if fail { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Filter (rule selection, inline suppressions), sort and deduplicate the findings.
pub fn build_report<'a>(scan: &'a Scan, enabled: impl Fn(&Finding) -> bool) -> Report<'a> {
    let mut suppressed = 0;
    let mut findings: Vec<&Finding> = Vec::new();
    for f in scan.findings.iter().filter(|f| enabled(f)) {
        let src = scan.files.get(f.at.file);
        if src.is_some_and(|s| crate::suppress::is_suppressed(f, s)) {
            suppressed += 1;
        } else {
            findings.push(f);
        }
    }
    findings.sort_by(|a, b| {
        let pa = scan.files.get(a.at.file).map(|s| s.display.as_str());
        let pb = scan.files.get(b.at.file).map(|s| s.display.as_str());
        (pa, a.at.span.start, a.code, a.at.span.end, &a.message).cmp(&(
            pb,
            b.at.span.start,
            b.code,
            b.at.span.end,
            &b.message,
        ))
    });
    findings.dedup_by(|a, b| a.code == b.code && a.at == b.at);
    Report { scan, findings, suppressed }
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), UsageError> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| UsageError(format!("cannot write `{}`: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

fn inventory(args: InventoryArgs, policy: &Policy) -> Result<ExitCode, UsageError> {
    let opts = scan_options(&args.scan)?;
    let scan = scan::run(&opts, policy);
    for w in &scan.warnings {
        eprintln!("tokenwise: warning: {}", crate::literal::mask(w));
    }
    let text = match args.format {
        InventoryFormat::Table => crate::inventory::table(&scan),
        InventoryFormat::Json => crate::inventory::json(&scan),
    };
    write_output(None, &text)?;
    Ok(ExitCode::SUCCESS)
}
