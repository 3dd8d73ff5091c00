//! What the probe is asked to measure ([`Request`]) and its validation into a [`Plan`]:
//! addresses resolved, format known and able to carry the values, samples counted.

use super::seq::{SeqCarrier, SeqCodec};
use super::ProbeError;
use crate::rtt::MAX_VALUES;
use crate::timed::samples_in;
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::{Signal, SignalType};
use gridhil_engine::units::{Duration, Rate, NANOS_PER_SEC};
use gridhil_formats::FormatConfig;
use std::net::{SocketAddr, ToSocketAddrs};

/// Most samples one run may plan (warm-up included): 16 bytes of timestamps each.
pub const MAX_SAMPLES: u64 = 50_000_000;

/// What to measure, as asked (the options of `gridhil rtt`, whose names the errors use).
#[derive(Debug, Clone)]
pub struct Request {
    /// Address of the echo to measure (`HOST:PORT`; names resolve).
    pub target: String,
    /// Local address to send from and receive the echo on (default: any address of the
    /// target's family, an ephemeral port).
    pub bind: Option<String>,
    /// Wire format, written as a node's `format`: a name or a JSON table.
    pub format: String,
    /// Send rate.
    pub rate: Rate,
    /// Values per sample (f64).
    pub values: usize,
    /// How long to measure (after the warm-up), unless `count` is given.
    pub duration: Duration,
    /// Measure this many samples instead of a duration.
    pub count: Option<u64>,
    /// Samples sent during this time before the measurement are not counted.
    pub warmup: Duration,
    /// Fixed grace period after the last send (`None`: automatic).
    pub grace: Option<Duration>,
    /// Receive by spinning on a non-blocking socket instead of blocking.
    pub busy_poll: bool,
    /// Samples per `sendmmsg` (1: one `sendto` per sample).
    pub batch: u16,
    /// Spin this long before each send deadline instead of sleeping through it.
    pub timer_spin: Duration,
    /// SCHED_FIFO priority of the probe's threads (0: normal scheduling).
    pub priority: u8,
    /// CPU of the sender thread.
    pub sender_cpu: Option<usize>,
    /// CPU of the receiver thread.
    pub receiver_cpu: Option<usize>,
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
    /// Checks a request: addresses resolve, the format is known and carries the
    /// requested values, and the run has at least one sample.
    pub fn new(request: &Request) -> Result<Self, ProbeError> {
        let target = resolve("--target", &request.target)?;
        let bind = match &request.bind {
            Some(text) => resolve("--bind", text)?,
            None if target.is_ipv4() => SocketAddr::from(([0, 0, 0, 0], 0)),
            None => SocketAddr::from(([0u16; 8], 0)),
        };
        if bind.is_ipv4() != target.is_ipv4() {
            return Err(ProbeError::Plan(format!(
                "--bind {bind} and --target {target} are of different address families"
            )));
        }
        if target.port() == 0 || target.ip().is_unspecified() {
            return Err(ProbeError::Plan(format!(
                "--target {target}: needs a host address and a non-zero port"
            )));
        }
        let format = parse_format(&request.format)?;
        let seq = SeqCodec::for_format(&format);
        if request.values > MAX_VALUES {
            return Err(ProbeError::Plan(format!(
                "--values {}: at most {MAX_VALUES}",
                request.values
            )));
        }
        if seq.carrier() == SeqCarrier::Value0 && request.values == 0 {
            return Err(ProbeError::Plan(format!(
                "--format {}: this format has no sequence field, so value 0 carries the \
                 sequence number: use --values 1 or more",
                format.name()
            )));
        }
        let signals = signals_for(request.values, seq.carrier());
        check_encodable(&format, &signals)?;
        let hz = request.rate.hz();
        let warmup_samples = samples_in(request.warmup, request.rate);
        let measured_samples = match request.count {
            Some(n) => n,
            None => samples_in(request.duration, request.rate),
        };
        if measured_samples == 0 {
            return Err(ProbeError::Plan(format!(
                "nothing to measure: --duration or --count gives 0 samples at {hz} Hz"
            )));
        }
        let total = warmup_samples.saturating_add(measured_samples);
        if total > MAX_SAMPLES {
            return Err(ProbeError::Plan(format!(
                "{total} samples planned (warm-up included): at most {MAX_SAMPLES}; \
                 shorten --duration/--warmup or lower --rate"
            )));
        }
        Ok(Plan {
            target,
            bind,
            format,
            format_text: request.format.clone(),
            seq,
            signals,
            rate: request.rate,
            warmup_samples,
            measured_samples,
            grace: request.grace,
            busy_poll: request.busy_poll,
            batch: usize::from(request.batch),
            timer_spin_ns: request.timer_spin.as_nanos(),
            priority: request.priority,
            sender_cpu: request.sender_cpu,
            receiver_cpu: request.receiver_cpu,
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

/// Resolves `host:port` (names too) to its first address; errors start with `option`.
fn resolve(option: &str, text: &str) -> Result<SocketAddr, ProbeError> {
    text.to_socket_addrs()
        .map_err(|e| {
            ProbeError::Plan(format!(
                "{option}: bad address `{text}`: {e} (write HOST:PORT, e.g. 127.0.0.1:12002 or [::1]:12002)"
            ))
        })?
        .next()
        .ok_or_else(|| {
            ProbeError::Plan(format!(
                "{option}: bad address `{text}`: it resolves to no address"
            ))
        })
}

/// Parses `--format`: a format name, or a JSON table with a `type` key, read by the same
/// deserializer as a node's `format` key.
pub fn parse_format(text: &str) -> Result<FormatConfig, ProbeError> {
    let text = text.trim();
    if text.starts_with('{') {
        return serde_json::from_str::<FormatConfig>(text)
            .map_err(|e| ProbeError::Plan(format!("bad --format table `{text}`: {e}")));
    }
    FormatConfig::from_name(text).ok_or_else(|| {
        ProbeError::Plan(format!(
            "unknown --format `{text}`: use one of {} (or a JSON table such as \
             '{{\"type\":\"raw\",\"bits\":32}}')",
            FormatConfig::NAMES.join(", ")
        ))
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
fn check_encodable(format: &FormatConfig, signals: &[Signal]) -> Result<(), ProbeError> {
    let mut codec = gridhil_formats::build(format);
    let pool = SamplePool::new(1, signals.len());
    let mut sample = pool
        .alloc()
        .ok_or_else(|| ProbeError::Run("sample pool of one slot is empty".into()))?;
    sample
        .resize(signals.len())
        .map_err(|e| ProbeError::Run(format!("probe sample: {e}")))?;
    sample.ts_origin = NANOS_PER_SEC;
    let mut buf = vec![0u8; codec.max_encoded_len(signals).max(1)];
    codec
        .encode(std::slice::from_ref(&sample), signals, &mut buf)
        .map_err(|e| {
            ProbeError::Plan(format!(
                "--format {} cannot carry {} values: {e}",
                format.name(),
                signals.len()
            ))
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request of `gridhil rtt --target 127.0.0.1:9` with its defaults.
    fn request() -> Request {
        Request {
            target: "127.0.0.1:9".into(),
            bind: None,
            format: "villas.binary".into(),
            rate: Rate(1000.0),
            values: 8,
            duration: Duration(10 * NANOS_PER_SEC),
            count: None,
            warmup: Duration(0),
            grace: None,
            busy_poll: false,
            batch: 1,
            timer_spin: Duration(0),
            priority: 50,
            sender_cpu: None,
            receiver_cpu: None,
        }
    }

    fn plan(change: impl FnOnce(&mut Request)) -> Result<Plan, ProbeError> {
        let mut request = request();
        change(&mut request);
        Plan::new(&request)
    }

    #[test]
    fn defaults_and_counts() {
        let p = plan(|r| {
            r.rate = Rate(2000.0);
            r.duration = Duration(NANOS_PER_SEC);
            r.warmup = Duration(250_000_000);
        })
        .unwrap();
        assert_eq!(p.measured_samples, 2000);
        assert_eq!(p.warmup_samples, 500);
        assert_eq!(p.values(), 8);
        assert_eq!(p.bind, "0.0.0.0:0".parse().unwrap());
        let p = plan(|r| {
            r.count = Some(7);
            r.rate = Rate(3.0);
        })
        .unwrap();
        assert_eq!(p.measured_samples, 7);
        let p = plan(|r| {
            r.rate = Rate(3.0);
            r.duration = Duration(NANOS_PER_SEC);
        })
        .unwrap();
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
    fn bad_requests_are_refused() {
        type Change = fn(&mut Request);
        let cases: [(Change, &str); 9] = [
            (|r| r.format = "nope".into(), "unknown --format"),
            (
                |r| r.bind = Some("not-an-address".into()),
                "--bind: bad address",
            ),
            (|r| r.bind = Some("[::1]:5".into()), "address families"),
            (|r| r.count = Some(0), "nothing to measure"),
            (
                |r| {
                    r.format = "gtnet".into();
                    r.values = 0;
                },
                "no sequence field",
            ),
            (
                |r| {
                    r.format = "gtnet".into();
                    r.values = 301;
                },
                "cannot carry",
            ),
            (|r| r.values = 5000, "at most 4096"),
            (
                |r| {
                    r.rate = Rate(1e6);
                    r.duration = Duration(3600 * NANOS_PER_SEC);
                },
                "samples planned",
            ),
            (|r| r.target = "127.0.0.1:0".into(), "non-zero port"),
        ];
        for (change, message) in cases {
            let error = plan(change).map(|_| ()).unwrap_err().to_string();
            assert!(error.contains(message), "`{message}` not in `{error}`");
        }
    }

    #[test]
    fn value0_carrier_declares_an_integer_signal() {
        let p = plan(|r| {
            r.format = "gtnet".into();
            r.values = 3;
        })
        .unwrap();
        assert_eq!(p.signals[0].ty, SignalType::I64);
        assert_eq!(p.signals[1].ty, SignalType::F64);
        let p = plan(|r| r.values = 0).unwrap();
        assert!(
            p.signals.is_empty(),
            "villas.binary carries seq in its header"
        );
    }
}
