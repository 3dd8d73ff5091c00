//! The `gridhil rtt` command line and its validation into a [`Plan`].

use super::seq::{SeqCarrier, SeqCodec};
use anyhow::{anyhow, bail, Context, Result};
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::{Signal, SignalType};
use gridhil_engine::units::{parse_duration, parse_rate, Duration, Rate, NANOS_PER_SEC};
use gridhil_formats::FormatConfig;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

/// Most samples one run may plan (warm-up included): 16 bytes of timestamps each.
pub const MAX_SAMPLES: u64 = 50_000_000;

/// Most values per sample.
pub const MAX_VALUES: usize = 4096;

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

/// Validated settings of one measurement.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Where samples go.
    pub target: SocketAddr,
    /// Where echoes come back.
    pub bind: SocketAddr,
    /// The wire format.
    pub format: FormatConfig,
    /// The format's text as given.
    pub format_text: String,
    /// Where the sequence number travels.
    pub seq: SeqCodec,
    /// Declared signals (value 0 is an integer when it carries the sequence number).
    pub signals: Vec<Signal>,
    /// Send rate.
    pub rate: Rate,
    /// Samples sent before the measured ones.
    pub warmup_samples: u64,
    /// Samples measured.
    pub measured_samples: u64,
    /// Fixed grace period after the last send, or `None` for automatic.
    pub grace: Option<Duration>,
    /// HDF5 log file.
    pub log: Option<PathBuf>,
    /// JSON output.
    pub json: bool,
    /// Busy-poll receive.
    pub busy_poll: bool,
    /// Samples per `sendmmsg` (1: one `sendto` per sample).
    pub batch: usize,
    /// Spin before each deadline, ns.
    pub timer_spin_ns: i64,
    /// SCHED_FIFO priority (0: none).
    pub priority: u8,
    /// CPU of the sender thread.
    pub sender_cpu: Option<usize>,
    /// CPU of the receiver thread.
    pub receiver_cpu: Option<usize>,
}

impl Plan {
    /// Checks the arguments: addresses resolve, the format is known and carries the
    /// requested values, and the run has at least one sample.
    pub fn from_args(args: &RttArgs) -> Result<Self> {
        let target = resolve(&args.target).context("--target")?;
        let bind = match &args.bind {
            Some(text) => resolve(text).context("--bind")?,
            None if target.is_ipv4() => SocketAddr::from(([0, 0, 0, 0], 0)),
            None => SocketAddr::from(([0u16; 8], 0)),
        };
        if bind.is_ipv4() != target.is_ipv4() {
            bail!("--bind {bind} and --target {target} are of different address families");
        }
        if target.port() == 0 || target.ip().is_unspecified() {
            bail!("--target {target}: needs a host address and a non-zero port");
        }
        let format = parse_format(&args.format)?;
        let seq = SeqCodec::for_format(&format);
        if args.values > MAX_VALUES {
            bail!("--values {}: at most {MAX_VALUES}", args.values);
        }
        if seq.carrier() == SeqCarrier::Value0 && args.values == 0 {
            bail!(
                "--format {}: this format has no sequence field, so value 0 carries the \
                 sequence number: use --values 1 or more",
                format.name()
            );
        }
        let signals = signals_for(args.values, seq.carrier());
        check_encodable(&format, &signals)?;
        let hz = args.rate.hz();
        let warmup_samples = samples_in(args.warmup, hz);
        let measured_samples = match args.count {
            Some(n) => n,
            None => samples_in(args.duration, hz),
        };
        if measured_samples == 0 {
            bail!("nothing to measure: --duration or --count gives 0 samples at {hz} Hz");
        }
        let total = warmup_samples.saturating_add(measured_samples);
        if total > MAX_SAMPLES {
            bail!(
                "{total} samples planned (warm-up included): at most {MAX_SAMPLES}; \
                 shorten --duration/--warmup or lower --rate"
            );
        }
        Ok(Plan {
            target,
            bind,
            format,
            format_text: args.format.clone(),
            seq,
            signals,
            rate: args.rate,
            warmup_samples,
            measured_samples,
            grace: args.grace,
            log: args.log.clone(),
            json: args.json,
            busy_poll: args.busy_poll,
            batch: usize::from(args.batch),
            timer_spin_ns: args.timer_spin.as_nanos(),
            priority: args.priority,
            sender_cpu: args.sender_cpu,
            receiver_cpu: args.receiver_cpu,
        })
    }

    /// Samples sent in all, warm-up included.
    pub fn total_samples(&self) -> u64 {
        self.warmup_samples + self.measured_samples
    }

    /// Values per sample.
    pub fn values(&self) -> usize {
        self.signals.len()
    }
}

/// Samples sent in `duration` at `hz` (rounded up: a started period sends).
fn samples_in(duration: Duration, hz: f64) -> u64 {
    let exact = duration.as_nanos() as f64 * hz / NANOS_PER_SEC as f64;
    // Tolerate float noise such as 1s × 3 Hz = 3.0000000004.
    (exact - 1e-6).ceil().max(0.0) as u64
}

/// Resolves `host:port` (names too) to its first address.
fn resolve(text: &str) -> Result<SocketAddr> {
    text.to_socket_addrs()
        .map_err(|e| {
            anyhow!(
                "bad address `{text}`: {e} (write HOST:PORT, e.g. 127.0.0.1:12002 or [::1]:12002)"
            )
        })?
        .next()
        .ok_or_else(|| anyhow!("bad address `{text}`: it resolves to no address"))
}

/// Parses `--format`: a format name, or a JSON table with a `type` key, read by the same
/// deserializer as a node's `format` key.
pub fn parse_format(text: &str) -> Result<FormatConfig> {
    let text = text.trim();
    if text.starts_with('{') {
        return serde_json::from_str::<FormatConfig>(text)
            .map_err(|e| anyhow!("bad --format table `{text}`: {e}"));
    }
    FormatConfig::from_name(text).ok_or_else(|| {
        anyhow!(
            "unknown --format `{text}`: use one of {} (or a JSON table such as \
             '{{\"type\":\"raw\",\"bits\":32}}')",
            FormatConfig::NAMES.join(", ")
        )
    })
}

/// The probe's signals: `values` f64 signals, the first an i64 `seq` when it carries the
/// sequence number.
fn signals_for(values: usize, carrier: SeqCarrier) -> Vec<Signal> {
    (0..values)
        .map(|i| match (i, carrier) {
            (0, SeqCarrier::Value0) => Signal::new("seq", "", SignalType::I64),
            _ => Signal::f64(format!("v{i}")),
        })
        .collect()
}

/// Encodes one probe sample to catch a format's limits (e.g. 300 GTNET words) up front.
fn check_encodable(format: &FormatConfig, signals: &[Signal]) -> Result<()> {
    let mut codec = gridhil_formats::build(format);
    let pool = SamplePool::new(1, signals.len());
    let mut sample = pool
        .alloc()
        .ok_or_else(|| anyhow!("sample pool of one slot is empty"))?;
    sample
        .resize(signals.len())
        .map_err(|e| anyhow!("probe sample: {e}"))?;
    sample.ts_origin = NANOS_PER_SEC;
    let mut buf = vec![0u8; codec.max_encoded_len(signals).max(1)];
    codec
        .encode(std::slice::from_ref(&sample), signals, &mut buf)
        .map_err(|e| {
            anyhow!(
                "--format {} cannot carry {} values: {e}",
                format.name(),
                signals.len()
            )
        })?;
    Ok(())
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
        let cli = Cli::try_parse_from(argv).map_err(|e| anyhow!("{e}"))?;
        Plan::from_args(&cli.args)
    }

    #[test]
    fn defaults_and_counts() {
        let p = plan(&["--rate", "2kHz", "--duration", "1s", "--warmup", "250ms"]).unwrap();
        assert_eq!(p.measured_samples, 2000);
        assert_eq!(p.warmup_samples, 500);
        assert_eq!(p.values(), 8);
        assert_eq!(p.bind, "0.0.0.0:0".parse().unwrap());
        let p = plan(&["--count", "7", "--rate", "3Hz"]).unwrap();
        assert_eq!(p.measured_samples, 7);
        let p = plan(&["--rate", "3Hz", "--duration", "1s"]).unwrap();
        assert_eq!(p.measured_samples, 3);
    }

    #[test]
    fn formats_parse_by_name_and_table() {
        assert_eq!(
            parse_format("villas.binary").unwrap().name(),
            "villas.binary"
        );
        let gt = parse_format(r#"{"type":"gtnet","fake":true}"#).unwrap();
        assert_eq!(
            gt,
            FormatConfig::Gtnet(gridhil_formats::GtnetConfig { fake: true })
        );
        assert!(parse_format("villas.bin").is_err());
        assert!(parse_format(r#"{"type":"raw","bits":12}"#).is_err());
        assert!(parse_format(r#"{"type":"gtnet","bogus":1}"#).is_err());
    }

    #[test]
    fn bad_arguments_are_refused() {
        for bad in [
            &["--rate", "0Hz"][..],
            &["--format", "nope"],
            &["--bind", "not-an-address"],
            &["--bind", "[::1]:5"],
            &["--count", "0"],
            &["--format", "gtnet", "--values", "0"],
            &["--format", "gtnet", "--values", "301"],
            &["--values", "5000"],
            &["--rate", "1MHz", "--duration", "1h"],
        ] {
            assert!(plan(bad).is_err(), "{bad:?} accepted");
        }
        let cli = Cli::try_parse_from(["rtt", "--target", "127.0.0.1:0"]).unwrap();
        assert!(Plan::from_args(&cli.args).is_err(), "port 0 accepted");
    }

    #[test]
    fn value0_carrier_declares_an_integer_signal() {
        let p = plan(&["--format", "gtnet", "--values", "3"]).unwrap();
        assert_eq!(p.signals[0].ty, SignalType::I64);
        assert_eq!(p.signals[1].ty, SignalType::F64);
        let p = plan(&["--values", "0"]).unwrap();
        assert!(
            p.signals.is_empty(),
            "villas.binary carries seq in its header"
        );
    }
}
