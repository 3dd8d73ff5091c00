//! `gridhil rtt`: the command line of the round-trip probe (`gridhil_nodes::rtt::probe`):
//! parses the options, runs the probe, writes the log and prints the summary.
//!
//! The measurement itself is library code; this file only turns arguments into a request
//! and results into output. See `docs/rtt.md`.

use anyhow::{Context, Result};
use gridhil_engine::units::{parse_duration, parse_rate, Duration, Rate};
use gridhil_nodes::rtt::probe::{write_log, LogInfo, Plan, Probe, Request, Summary};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Arguments of `gridhil rtt`.
#[derive(clap::Args, Debug)]
pub struct RttArgs {
    /// Address of the echo to measure, e.g. 127.0.0.1:12002 or [::1]:12002.
    #[arg(long, value_name = "ADDR")]
    pub target: String,
    /// Local address to send from and receive the echo on (default: any address of the
    /// target's family, an ephemeral port).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Wire format, written as a node's `format`: a name such as villas.binary, gtnet,
    /// raw, or a JSON table such as '{"type":"gtnet","fake":true}'.
    #[arg(long, default_value = "villas.binary")]
    pub format: String,
    /// Send rate, e.g. 10kHz, 500Hz.
    #[arg(long, default_value = "1kHz", value_parser = parse_rate_arg)]
    pub rate: Rate,
    /// Values per sample (f64).
    #[arg(long, default_value_t = 8)]
    pub values: usize,
    /// How long to measure (after the warm-up), e.g. 10s, 500ms.
    #[arg(long, default_value = "10s", value_parser = parse_duration_arg)]
    pub duration: Duration,
    /// Measure this many samples instead of a duration.
    #[arg(long)]
    pub count: Option<u64>,
    /// Samples sent during this time before the measurement are excluded from the statistics.
    #[arg(long, default_value = "0s", value_parser = parse_duration_arg)]
    pub warmup: Duration,
    /// How long to wait for stragglers after the last send (default: 10 × p99, at least
    /// 200 ms, at most 10 s).
    #[arg(long, value_parser = parse_duration_arg)]
    pub grace: Option<Duration>,
    /// Write every sample's sequence number, send and receive times to this HDF5 file.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Receive by spinning on a non-blocking socket instead of blocking (costs a core).
    #[arg(long)]
    pub busy_poll: bool,
    /// Send this many samples (one datagram each) per `sendmmsg`, every that many periods;
    /// for rates a single `sendto` per sample cannot reach.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub batch: u16,
    /// Spin this long before each send deadline instead of sleeping through it, e.g. 20us.
    #[arg(long, default_value = "0s", value_parser = parse_duration_arg)]
    pub timer_spin: Duration,
    /// SCHED_FIFO priority of the sender and receiver threads (0: normal scheduling).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=99))]
    pub priority: u8,
    /// Pin the sender thread to this CPU.
    #[arg(long, value_name = "CPU")]
    pub sender_cpu: Option<usize>,
    /// Pin the receiver thread to this CPU.
    #[arg(long, value_name = "CPU")]
    pub receiver_cpu: Option<usize>,
}

fn parse_rate_arg(text: &str) -> Result<Rate, String> {
    parse_rate(text).map_err(|e| e.to_string())
}

fn parse_duration_arg(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

impl RttArgs {
    /// What the options ask the probe to measure.
    fn request(&self) -> Request {
        Request {
            target: self.target.clone(),
            bind: self.bind.clone(),
            format: self.format.clone(),
            rate: self.rate,
            values: self.values,
            duration: self.duration,
            count: self.count,
            warmup: self.warmup,
            grace: self.grace,
            busy_poll: self.busy_poll,
            batch: self.batch,
            timer_spin: self.timer_spin,
            priority: self.priority,
            sender_cpu: self.sender_cpu,
            receiver_cpu: self.receiver_cpu,
        }
    }
}

/// Runs one measurement and prints its summary.
pub fn run(args: RttArgs) -> Result<ExitCode> {
    let plan = Plan::new(&args.request())?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal exits at once; the first ends sending and prints the summary.
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("installing the signal handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the signal handler")?;
    }
    let probe = Probe::bind(plan)?;
    if !probe.kernel_timestamps() {
        tracing::warn!("SO_TIMESTAMPNS refused: receive times are taken after recvmsg returns");
    }
    let measurement = probe.run(&stop)?;
    let plan = probe.plan();
    let mut summary = Summary {
        plan,
        bound: measurement.bound,
        sender: &measurement.sender,
        receiver: &measurement.receiver,
        log_file: None,
    };
    if let Some(file) = &args.log {
        let info = LogInfo {
            plan,
            bound: measurement.bound.to_string(),
            timestamps: summary.timestamps(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        };
        write_log(
            file,
            &info,
            &measurement.send_times,
            &measurement.receiver.receive_times,
        )?;
        summary.log_file = Some(file.display().to_string());
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary.to_json())?);
    } else {
        print!("{}", summary.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: RttArgs,
    }

    fn plan(extra: &[&str]) -> Result<Plan> {
        let mut argv = vec!["rtt", "--target", "127.0.0.1:9"];
        argv.extend_from_slice(extra);
        let cli = Cli::try_parse_from(argv).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Plan::new(&cli.args.request())?)
    }

    #[test]
    fn options_become_the_request() {
        let p = plan(&[
            "--rate",
            "2kHz",
            "--duration",
            "1s",
            "--warmup",
            "250ms",
            "--batch",
            "4",
        ])
        .unwrap();
        assert_eq!((p.measured_samples, p.warmup_samples), (2000, 500));
        assert_eq!((p.values(), p.batch, p.priority), (8, 4, 50));
        assert_eq!(p.format.name(), "villas.binary");
        let p = plan(&["--count", "7", "--rate", "3Hz", "--timer-spin", "20us"]).unwrap();
        assert_eq!((p.measured_samples, p.timer_spin_ns), (7, 20_000));
    }

    #[test]
    fn bad_options_are_refused() {
        for bad in [
            &["--rate", "0Hz"][..],
            &["--format", "nope"],
            &["--bind", "not-an-address"],
            &["--bind", "[::1]:5"],
            &["--count", "0"],
            &["--batch", "65"],
            &["--priority", "100"],
            &["--duration", "10"],
        ] {
            assert!(plan(bad).is_err(), "{bad:?} accepted");
        }
    }
}
