//! What `check --fix`, `--diff`, `--unsafe-fixes` and `--add-ignore` do with a report. Exit
//! codes follow ruff: `--diff` exits 1 when it prints a change; `--fix` reports what remains
//! after a fresh scan, with `check`'s usual exit code.

use super::{Applicability, Target, add_ignore, diff, plan};
use crate::render::Report;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// Apply the safe fixes, then report what remains.
    #[arg(long, conflicts_with_all = ["diff", "add_ignore", "write_baseline"])]
    pub fix: bool,
    /// Print the fixes as a unified diff (for `git apply`) and write nothing.
    #[arg(long, conflicts_with_all = ["add_ignore", "write_baseline"])]
    pub diff: bool,
    /// With --fix or --diff: also the fixes marked unsafe.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Insert a `tokenwise: ignore[CODE] -- REASON` comment above every reported finding.
    #[arg(long, value_name = "REASON", conflicts_with = "write_baseline")]
    pub add_ignore: Option<String>,
}

/// What `check` does next.
pub enum Next {
    /// Print the report.
    Report,
    /// Done: exit with this code.
    Exit(ExitCode),
    /// Fixes were written: scan again, adding these files (each read even where an ignore
    /// file now skips it: a Cloud CLI config just added to `.gitignore` is still committed).
    Rescan(Vec<PathBuf>),
}

/// A line on stderr: tokens masked, control characters escaped (as the command line prints).
fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "tokenwise: {}", crate::escape::lines(&crate::literal::mask(msg)));
}

/// The diff on stdout; a closed pipe (`| head`) is quiet, any other failure is an error.
fn print(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write the diff to stdout: {e}")),
        _ => Ok(()),
    }
}

fn plural(n: usize, one: &str) -> String {
    let many = if one.ends_with('x') { "es" } else { "s" };
    format!("{n} {one}{}", if n == 1 { "" } else { many })
}

/// Settle the report's fixes (edits that append to a file by path get its real end) and act
/// on the fix options.
pub fn act(args: &Args, report: &mut Report, from_stdin: bool) -> Result<Next, String> {
    let mut fixes: Vec<&mut super::Fix> = report.findings.iter_mut().flat_map(|f| f.fixes.iter_mut()).collect();
    super::resolve(&mut fixes);
    let files = &report.scan.files;
    if let Some(reason) = &args.add_ignore {
        let (fixes, refused) = add_ignore::fixes(&report.findings, files, reason);
        for r in &refused {
            note(r);
        }
        let chosen: Vec<&super::Fix> = fixes.iter().collect();
        let p = plan::plan(&chosen, files, from_stdin, true)?;
        plan::write(&p)?;
        note(&format!("added {} in {}", plural(p.applied, "ignore comment"), plural(p.changes.len(), "file")));
        return Ok(Next::Exit(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }));
    }
    if !args.fix && !args.diff {
        return Ok(Next::Report);
    }
    let level = if args.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
    let chosen = plan::chosen(&report.findings, level);
    let p = plan::plan(&chosen, files, from_stdin, args.fix)?;
    let skipped = if p.overlapping > 0 {
        format!(
            " ({} skipped: {} an earlier one; run again)",
            plural(p.overlapping, "fix"),
            if p.overlapping == 1 { "it overlaps" } else { "they overlap" }
        )
    } else {
        String::new()
    };
    let hidden =
        if args.unsafe_fixes { 0 } else { plan::chosen(&report.findings, Applicability::Unsafe).len() - chosen.len() };
    let hint = if hidden > 0 {
        format!("; {} available with --unsafe-fixes", plural(hidden, "unsafe fix"))
    } else {
        String::new()
    };
    if args.diff {
        let (text, masked) = diff::render(&p.changes);
        if masked > 0 {
            note(&format!(
                "{} masked in the diff of {}: those hunks will not apply",
                "a token is",
                plural(masked, "file")
            ));
        }
        print(&text)?;
        note(&format!(
            "would apply {} to {}{skipped}{hint}",
            plural(p.applied, "fix"),
            plural(p.changes.len(), "file")
        ));
        return Ok(Next::Exit(if p.changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }));
    }
    if p.changes.is_empty() {
        note(&format!("no fixes to apply{hint}"));
        return Ok(Next::Report);
    }
    plan::write(&p)?;
    note(&format!("applied {} to {}{skipped}{hint}", plural(p.applied, "fix"), plural(p.changes.len(), "file")));
    // The files whose findings had a `.gitignore` line written: read them again explicitly.
    let mut again: Vec<PathBuf> = Vec::new();
    for f in &report.findings {
        let ignored = f.fixes.iter().any(|x| {
            chosen.iter().any(|c| std::ptr::eq(*c, x))
                && x.edits.iter().any(|e| matches!(&e.target, Target::Path(p) if p.ends_with(".gitignore")))
        });
        if ignored && let Some(src) = files.get(f.at.file) {
            again.push(src.path.clone());
        }
    }
    again.sort();
    again.dedup();
    Ok(Next::Rescan(again))
}

/// `advise --for PATH:LINE`: the least-privilege service token for the finding at that line,
/// as `check --fix` would offer it (the folder scanned is the current one, so the resource
/// sees the same Terraform and CI providers).
pub fn advise_for(at: &str, policy: &crate::policy::Policy) -> Result<String, String> {
    let (path, line) = at
        .rsplit_once(':')
        .and_then(|(p, l)| Some((p, l.parse::<usize>().ok().filter(|l| *l > 0)?)))
        .ok_or_else(|| format!("--for takes PATH:LINE (a line number from 1), not `{at}`"))?;
    let file = PathBuf::from(path);
    if !crate::longpath::exists(&file) {
        return Err(format!("path `{path}` does not exist"));
    }
    // The config as `check . PATH` loads it: the current folder is named, so what its config
    // excludes above it does not hide the finding asked about.
    let paths = vec![PathBuf::from("."), file.clone()];
    let config = crate::config::Settings::load(&paths, None)?;
    let opts = crate::scan::Options {
        paths,
        no_ignore: false,
        threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        max_parse_bytes: crate::read::DEFAULT_MAX_FILE_SIZE,
        stdin: None,
        config: std::sync::Arc::new(config),
        progress: false,
        show_files: false,
    };
    let extended = opts.config.policy(policy)?;
    let scan = crate::scan::run(&opts, extended.as_ref().unwrap_or(policy));
    let display = crate::discover::display_path(&file, std::env::current_dir().ok().as_deref());
    let found = scan.findings.iter().filter(|f| {
        scan.files.get(f.at.file).is_some_and(|s| s.display == display && s.line_col(f.at.span.start).0 == line)
    });
    let mut any = false;
    for f in found {
        any = true;
        if let Some(x) = f.fixes.iter().find(|x| x.title.contains("service token") && x.content.is_some()) {
            let content = x.content.as_deref().unwrap_or("");
            return Ok(format!("# {} {}: {}\n{}", f.code(), f.name(), x.title, content));
        }
    }
    Err(if any {
        format!("the finding at {display}:{line} is not fixed by a service token")
    } else {
        format!("no finding at {display}:{line}; `tokenwise check {display}` lists them")
    })
}
