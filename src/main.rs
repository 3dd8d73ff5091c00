//! The `gridhil` command line: parses arguments, loads the configuration, hands over to
//! the engine, and reports.

mod import;
mod rtt;
mod test_cmd;

use gridhil::registry;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use gridhil_engine::units::{parse_duration, Duration};
use gridhil_engine::{RunOptions, RunReport};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// gridhil: real-time hardware-in-the-loop co-simulation gateway for power-grid labs.
#[derive(Parser, Debug)]
#[command(name = "gridhil", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a configuration (until --duration, the end of its sources, or Ctrl-C).
    Run(RunArgs),
    /// Validate a configuration and print its topology without running it.
    Check {
        /// Configuration file (TOML).
        file: PathBuf,
        /// Override a config value by its dotted path, e.g. nodes.mu1.interface=eth1.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Host real-time checks.
    Rt {
        #[command(subcommand)]
        command: RtCommand,
    },
    /// List the node and hook types this build knows.
    Types,
    /// Measure round-trip latency through an echo (a gridhil path, VILLASnode, a device).
    Rtt(rtt::RttArgs),
    /// Translate a VILLASnode configuration (libconfig or JSON) to gridhil TOML; what has
    /// no equivalent is listed with the reason (exit code 2: nothing translated).
    Import(import::ImportArgs),
    /// Run scenarios (timeline + assertions) and report verdicts: exit code 0 only when all pass.
    Test(test_cmd::TestArgs),
}

#[derive(Parser, Debug)]
struct RunArgs {
    /// Configuration file (TOML).
    file: PathBuf,
    /// Stop after this long, e.g. 10s, 500ms, 2min.
    #[arg(long, value_parser = parse_duration_arg)]
    duration: Option<Duration>,
    /// Run in virtual time: deterministic, as fast as the machine allows.
    #[arg(long)]
    virtual_time: bool,
    /// Write the HDF5 run log here (overrides engine.log.hdf5).
    #[arg(long)]
    log: Option<PathBuf>,
    /// Override a config value by its dotted path, e.g. nodes.mu1.interface=eth1.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print the final report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress lines.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum RtCommand {
    /// Check kernel, CPU isolation, limits and privileges for real-time runs.
    Check {
        /// CPUs the real-time threads will use, e.g. 2,3 or 2-5.
        #[arg(long)]
        cpus: Option<String>,
        /// Take the CPUs from this configuration's engine.realtime.cpus.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure timer wake-up latency and thread stalls on this host (is a 50 us step possible?).
    Probe {
        /// CPU to pin the probing thread to.
        #[arg(long)]
        cpu: Option<usize>,
        /// SCHED_FIFO priority (0: default scheduler).
        #[arg(long, default_value_t = 80)]
        priority: u8,
        /// Timer period, e.g. 50us.
        #[arg(long, default_value = "50us", value_parser = parse_duration_arg)]
        period: Duration,
        /// Length of each of the two phases (timer, busy loop).
        #[arg(long, default_value = "5s", value_parser = parse_duration_arg)]
        duration: Duration,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Exit status of `gridhil run` when the run log could not keep every row (full disk, I/O
/// error): the file holds what was flushed before the failure.
const EXIT_LOG_INCOMPLETE: u8 = 3;

fn parse_duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check { file, set } => {
            let registry = registry::build();
            let spec = gridhil_engine::load_file(&file, &set, &registry)?;
            print!("{}", spec.describe());
            println!("{}: ok", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Rt {
            command: RtCommand::Check { cpus, config, json },
        } => {
            let cpus = match (cpus, config) {
                (Some(list), _) => gridhil_rt::parse_cpu_list(&list)?,
                (None, Some(file)) => {
                    let spec = gridhil_engine::load_file(&file, &[], &registry::build())?;
                    spec.engine.realtime.cpus.clone()
                }
                (None, None) => Vec::new(),
            };
            let checks = gridhil_rt::check_host(&cpus);
            if json {
                println!("{}", serde_json::to_string_pretty(&checks)?);
            } else {
                print!("{}", gridhil_rt::render_text(&checks));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rt {
            command:
                RtCommand::Probe {
                    cpu,
                    priority,
                    period,
                    duration,
                    json,
                },
        } => {
            if !(gridhil_rt::MIN_PERIOD_NS..=gridhil_rt::MAX_PHASE_NS).contains(&period.as_nanos())
                || !(period.as_nanos()..=gridhil_rt::MAX_PHASE_NS).contains(&duration.as_nanos())
            {
                bail!("--period must be 1us to 60s and --duration from one period to 60s");
            }
            if cpu.is_none() && priority > 0 {
                eprintln!(
                    "note: the busy-loop phase spins at SCHED_FIFO {priority} on an unpinned thread; use --cpu to choose the CPU it may occupy"
                );
            }
            if priority > 99 {
                bail!("--priority must be 0 (default scheduler) to 99");
            }
            let report = gridhil_rt::probe(&gridhil_rt::ProbeSettings {
                cpu,
                priority: (priority > 0).then_some(priority),
                period_ns: period.as_nanos(),
                phase_ns: duration.as_nanos(),
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", gridhil_rt::render_probe(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rtt(args) => rtt::run(args),
        Command::Import(args) => import::run(args),
        Command::Test(args) => test_cmd::run(args),
        Command::Types => {
            let registry = registry::build();
            println!("node types:");
            for (name, info) in registry.node_types() {
                println!("  {name:<14} {}", info.summary);
            }
            println!("hook types:");
            for (name, info) in registry.hook_types() {
                println!("  {name:<14} {}", info.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let registry = registry::build();
    let spec = gridhil_engine::load_file(&args.file, &args.set, &registry)?;
    if spec.paths.is_empty() {
        bail!(
            "{}: no enabled [[paths]]: nothing to run",
            args.file.display()
        );
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal while shutting down exits at once.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("installing the signal handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the signal handler")?;
    }
    let options = RunOptions {
        duration: args.duration,
        virtual_time: args.virtual_time,
        log: args.log.clone(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        version: env!("CARGO_PKG_VERSION").to_string(),
        progress: !args.quiet,
        stop: Some(stop),
        ..RunOptions::default()
    };
    let run = gridhil_engine::Run::new(spec, options)?;
    let report = run.start()?.wait()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if !report.log_complete() {
        ExitCode::from(EXIT_LOG_INCOMPLETE)
    } else if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(report: &RunReport) {
    println!(
        "run finished after {:.3} s ({}); real time: {}",
        report.elapsed_s,
        if report.virtual_time {
            "virtual time"
        } else {
            "wall clock"
        },
        report.realtime
    );
    for p in &report.paths {
        println!(
            "  path {}: {} in, {} out; dropped: queue {}, hooks {}, pool {}, log {}; overruns {}; write errors {}",
            p.name, p.received, p.sent, p.queue_dropped, p.hook_dropped, p.pool_exhausted, p.log_dropped, p.overruns, p.write_errors
        );
        let l = &p.latency_us;
        if l.count > 0 {
            println!(
                "    ingress->egress latency: min {:.1} / p50 {:.1} / p99 {:.1} / p99.9 {:.1} / max {:.1} us",
                l.min, l.p50, l.p99, l.p99_9, l.max
            );
        }
        for hook in &p.hooks {
            println!("    {hook}");
        }
    }
    for n in &report.nodes {
        let counters: Vec<String> = n
            .counters
            .iter()
            .filter(|c| c.value > 0 || c.shown_when_zero)
            .map(|c| format!("{} {}", c.name, c.value))
            .collect();
        if !counters.is_empty() {
            println!("  node {} ({}): {}", n.name, n.kind, counters.join(", "));
        }
    }
    if report.pool_exhausted > 0 {
        println!(
            "  sample pool exhausted {} times (samples lost): raise engine.pool",
            report.pool_exhausted
        );
    }
    if let Some(file) = &report.log_file {
        if report.log_complete() {
            println!("  run log: {file} ({} rows)", report.log_rows);
        } else {
            println!(
                "  run log: {file} is INCOMPLETE: {} rows kept (up to its last flush), {} rows lost",
                report.log_rows, report.log_rows_lost
            );
        }
    }
    for error in &report.errors {
        println!("  error: {error}");
    }
}
