//! `gridhil test`: finds scenario files, runs them in parallel (one engine each, virtual
//! time unless `--realtime`), prints one line per scenario and per failed assertion, writes
//! JUnit XML and JSON when asked, and exits 0 only when every scenario passed. The work is
//! `gridhil-scenarios`'; this file parses, prints and picks the exit code.

use anyhow::{bail, Context, Result};
use clap::Parser;
use gridhil::registry;
use gridhil_scenarios::report::{json, junit, text};
use gridhil_scenarios::runner::{ScenarioResult, Settings, Status};
use gridhil_scenarios::suite;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `gridhil test`.
#[derive(Parser, Debug)]
pub struct TestArgs {
    /// Scenario files or folders (searched for *.toml files with a [scenario] table).
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Only scenarios whose file path contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Scenarios run at once (default: the number of CPUs).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a JSON report here ("-": standard output, instead of the lines).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Keep the run log of every scenario, not only of those that fail or break.
    #[arg(long)]
    keep_logs: bool,
    /// Folder of the run logs.
    #[arg(long, value_name = "DIR", default_value = "gridhil-test-logs")]
    log_dir: PathBuf,
    /// Run on the wall clock (a lab run) instead of virtual time.
    #[arg(long)]
    realtime: bool,
    /// Rewrite each scenario's golden file from this run (after deciding the change is right).
    #[arg(long)]
    update_golden: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `gridhil test`.
pub fn run(args: TestArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let files = match suite::discover(&args.paths, args.filter.as_deref()) {
        Ok(files) if files.is_empty() => {
            eprintln!("error: no scenario files found (*.toml with a [scenario] table)");
            return Ok(ExitCode::from(2));
        }
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let settings = Settings {
        realtime: args.realtime,
        log_dir: args.log_dir.clone(),
        keep_logs: args.keep_logs,
        update_golden: args.update_golden,
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let json_to_stdout = args.json.as_deref() == Some(std::path::Path::new("-"));
    let bar = !args.quiet && std::io::stderr().is_terminal();
    let total = files.len();
    let progress = |finished: usize, result: &ScenarioResult| {
        if bar {
            eprint!("\r\x1b[2K");
        }
        if !json_to_stdout {
            let mut out = std::io::stdout().lock();
            for line in text::scenario_lines(result) {
                let _ = writeln!(out, "{line}");
            }
        }
        if bar && finished < total {
            let width = 30;
            let filled = width * finished / total;
            eprint!(
                "[{}{}] {finished}/{total}",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
        }
    };
    let registry = registry::build();
    let results = suite::run_all(&files, &registry, &settings, jobs, &progress);
    let wall_s = started.elapsed().as_secs_f64();
    if let Some(file) = &args.junit {
        std::fs::write(file, junit::junit(&results, wall_s))
            .with_context(|| format!("writing {}", file.display()))?;
    }
    match &args.json {
        Some(_) if json_to_stdout => println!("{}", json::json(&results, wall_s)),
        Some(file) => std::fs::write(file, json::json(&results, wall_s))
            .with_context(|| format!("writing {}", file.display()))?,
        None => {}
    }
    if !json_to_stdout {
        println!("{}", text::summary(&results, wall_s));
    }
    let worst = results
        .iter()
        .map(|r| r.status)
        .fold(Status::Passed, |w, s| match (w, s) {
            (Status::Error, _) | (_, Status::Error) => Status::Error,
            (Status::Failed, _) | (_, Status::Failed) => Status::Failed,
            _ => Status::Passed,
        });
    Ok(match worst {
        Status::Passed => ExitCode::SUCCESS,
        Status::Failed => ExitCode::from(1),
        Status::Error => ExitCode::from(2),
    })
}
