//! `pdc` node: a phasor data concentrator client that reads one or several PMUs (TCP,
//! UDP, TCP + UDP, or listening to spontaneous UDP) and aligns their data.
//!
//! One client thread per PMU ([`client`], sockets in [`link`]) asks for CFG-2 or
//! CFG-3, checks it against the signals declared in the configuration (the engine
//! needs a node's signals when the configuration is loaded, before any connection),
//! turns data on and decodes the data frames; it reconnects with exponential back-off
//! when the PMU goes away. The aligner thread ([`concentrator`], logic in [`align`])
//! aligns the PMUs on SOC/FRACSEC within a wait window, marks the missing ones, and
//! hands the rows to the node's reader through preallocated records ([`reader`]).

mod align;
mod client;
mod concentrator;
mod link;
mod reader;

use gridhil_engine::node::{
    BuildContext, ConfigContext, NodeConfig, NodeCounters, NodeError, NodeIo, Resource,
};
use gridhil_engine::signal::{Signal, SignalType};
use gridhil_engine::stats::Counter;
use gridhil_engine::units::Duration;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// How a PMU is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// Commands, configuration and data over one TCP connection to `connect`.
    #[default]
    Tcp,
    /// Commands sent by UDP to `connect` from a local socket (`udp_bind`, default an
    /// ephemeral port); configuration and data received on that socket.
    Udp,
    /// Commands and configuration over TCP to `connect`; data frames received on the
    /// local UDP socket `udp_bind`, where the PMU sends them.
    TcpUdp,
    /// No commands: listen on `udp_bind` for a PMU sending spontaneously. The
    /// configuration comes in-band (CFG frames on the socket) or, when `connect` is
    /// given, is asked once over TCP at each (re)start.
    UdpListen,
}

/// Which configuration frame is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFrame {
    /// "Send CFG-2" (command 5).
    #[default]
    Cfg2,
    /// "Send CFG-3" (command 6).
    Cfg3,
}

/// One PMU of a `pdc` node: a `[[nodes.x.pmus]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PmuConfig {
    /// Short name of the PMU: default prefix of its signals (`<name>_freq`, ...) and
    /// its label in the counters.
    pub name: String,
    /// Address of the PMU (TCP server, or UDP command port with `transport = "udp"`).
    pub connect: Option<SocketAddr>,
    /// IDCODE sent in commands (the PMU's or the stream's IDCODE).
    pub idcode: u16,
    /// IDCODE of the PMU block to read in a multi-PMU stream (default: `idcode`, or the
    /// first block when no block has it).
    pub pmu: Option<u16>,
    /// How the PMU is reached.
    #[serde(default)]
    pub transport: Transport,
    /// Local UDP address (`udp`, `tcp-udp`, `udp-listen`).
    pub udp_bind: Option<SocketAddr>,
    /// Configuration frame asked for.
    #[serde(default)]
    pub config: ConfigFrame,
    /// Names of the phasor signals, one per phasor of the CFG, in its order.
    #[serde(default)]
    pub phasors: Vec<String>,
    /// Names of the analog signals, one per analog value of the CFG.
    #[serde(default)]
    pub analogs: Vec<String>,
    /// Names of the digital status words (as integer signals), one per word.
    #[serde(default)]
    pub digitals: Vec<String>,
    /// Name of the frequency signal (default `<name>_freq`).
    pub freq: Option<String>,
    /// Name of the ROCOF signal (default `<name>_rocof`).
    pub rocof: Option<String>,
    /// Name of the status signal (default `<name>_stat`): the STAT word, -1 when the
    /// PMU is missing from a row.
    pub stat: Option<String>,
}

/// Configuration of a `pdc` node: one PMU with its keys at the top level, or several
/// in `[[pmus]]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdcConfig {
    /// Single-PMU form: address of the PMU.
    pub connect: Option<SocketAddr>,
    /// Single-PMU form: IDCODE sent in commands.
    pub idcode: Option<u16>,
    /// Single-PMU form: IDCODE of the block to read.
    pub pmu: Option<u16>,
    /// Single-PMU form: how the PMU is reached.
    pub transport: Option<Transport>,
    /// Single-PMU form: local UDP address.
    pub udp_bind: Option<SocketAddr>,
    /// Single-PMU form: configuration frame asked for.
    pub config: Option<ConfigFrame>,
    /// Single-PMU form: phasor names.
    pub phasors: Option<Vec<String>>,
    /// Single-PMU form: analog names.
    pub analogs: Option<Vec<String>>,
    /// Single-PMU form: digital word names.
    pub digitals: Option<Vec<String>>,
    /// Single-PMU form: frequency signal name (default `freq`).
    pub freq: Option<String>,
    /// Single-PMU form: ROCOF signal name (default `rocof`).
    pub rocof: Option<String>,
    /// Single-PMU form: status signal name (default: no status signal).
    pub stat: Option<String>,
    /// Several PMUs, aligned on their time stamps.
    #[serde(default)]
    pub pmus: Vec<PmuConfig>,
    /// How long a row waits for the missing PMUs after the first arrival of its time
    /// stamp (engine clock).
    #[serde(default = "default_wait")]
    pub wait: Duration,
    /// First wait before reconnecting; doubles up to `max_backoff`.
    #[serde(default = "default_backoff")]
    pub backoff: Duration,
    /// Longest wait between connection attempts.
    #[serde(default = "default_max_backoff")]
    pub max_backoff: Duration,
    /// A connection that brings no data frame for this long is dropped and reopened.
    #[serde(default = "default_silence")]
    pub silence: Duration,
    /// Over UDP, the configuration request is sent again after this long without answer.
    #[serde(default = "default_retry")]
    pub retry: Duration,
    /// Rows queued towards the reader before new ones are dropped.
    #[serde(default = "default_queue")]
    pub queue: usize,
}

/// One PMU with every default resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PmuSpec {
    /// Label in counters and messages.
    pub name: String,
    /// Remote address (absent only with `udp-listen` and an in-band configuration).
    pub connect: Option<SocketAddr>,
    /// IDCODE sent in commands.
    pub idcode: u16,
    /// IDCODE of the block to read.
    pub block: u16,
    /// How the PMU is reached.
    pub transport: Transport,
    /// Local UDP address.
    pub udp_bind: Option<SocketAddr>,
    /// Configuration frame asked for.
    pub config: ConfigFrame,
    /// Phasor signal names.
    pub phasors: Vec<String>,
    /// Analog signal names.
    pub analogs: Vec<String>,
    /// Digital word signal names.
    pub digitals: Vec<String>,
    /// Frequency signal name.
    pub freq: String,
    /// ROCOF signal name.
    pub rocof: String,
    /// Status signal name, if any.
    pub stat: Option<String>,
}

impl PmuSpec {
    /// The PMU's signals: phasors, frequency, ROCOF, analogs, digital words, status.
    pub fn signals(&self) -> Vec<Signal> {
        let mut signals: Vec<Signal> = self
            .phasors
            .iter()
            .map(|n| Signal::new(n, "", SignalType::Complex))
            .collect();
        signals.push(Signal::new(&self.freq, "Hz", SignalType::F64));
        signals.push(Signal::new(&self.rocof, "Hz/s", SignalType::F64));
        signals.extend(self.analogs.iter().map(Signal::f64));
        signals.extend(
            self.digitals
                .iter()
                .chain(&self.stat)
                .map(|n| Signal::new(n, "", SignalType::I64)),
        );
        signals
    }

    /// Whether `self` and `other` are read through one connection (several blocks of
    /// one multi-PMU stream): same transport, addresses, command IDCODE and
    /// configuration frame.
    pub fn same_connection(&self, other: &PmuSpec) -> bool {
        self.transport == other.transport
            && self.connect == other.connect
            && self.udp_bind == other.udp_bind
            && self.idcode == other.idcode
            && self.config == other.config
    }

    fn check(&self) -> Result<(), String> {
        let who = &self.name;
        match self.transport {
            Transport::Tcp | Transport::Udp | Transport::TcpUdp if self.connect.is_none() => {
                return Err(format!("PMU `{who}`: `connect` is required"));
            }
            Transport::TcpUdp | Transport::UdpListen if self.udp_bind.is_none() => {
                return Err(format!(
                    "PMU `{who}`: `udp_bind` (the local UDP address the PMU sends to) is required"
                ));
            }
            Transport::Tcp if self.udp_bind.is_some() => {
                return Err(format!(
                    "PMU `{who}`: `udp_bind` needs transport \"udp\", \"tcp-udp\" or \"udp-listen\""
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn default_wait() -> Duration {
    Duration(50_000_000)
}
fn default_retry() -> Duration {
    Duration(1_000_000_000)
}
fn default_freq() -> String {
    "freq".into()
}
fn default_rocof() -> String {
    "rocof".into()
}
fn default_backoff() -> Duration {
    Duration(100_000_000)
}
fn default_max_backoff() -> Duration {
    Duration(5_000_000_000)
}
fn default_silence() -> Duration {
    Duration(5_000_000_000)
}
fn default_queue() -> usize {
    1024
}

/// Counters of a `pdc` node (summed over its PMUs, except `missing_<pmu>`).
#[derive(Debug, Default)]
pub struct PdcCounters {
    connects: Counter,
    reconnects: Counter,
    frames: Counter,
    data_frames: Counter,
    crc_errors: Counter,
    decode_errors: Counter,
    config_mismatch: Counter,
    cfg2_frames: Counter,
    cfg3_frames: Counter,
    cfg_retries: Counter,
    no_config: Counter,
    queue_full: Counter,
    invalid_data: Counter,
    rows: Counter,
    partial_rows: Counter,
    missing: Counter,
    late: Counter,
    duplicates: Counter,
    per_pmu_missing: Vec<(&'static str, Counter)>,
}

impl PdcCounters {
    /// Counters with a `missing_<name>` counter per PMU when there are several.
    fn for_pmus(specs: &[PmuSpec]) -> Self {
        let per_pmu_missing = if specs.len() > 1 {
            specs
                .iter()
                // Counter names are `&'static str`: built once per node at build time.
                .map(|s| {
                    let name: &'static str = Box::leak(format!("missing_{}", s.name).into());
                    (name, Counter::default())
                })
                .collect()
        } else {
            Vec::new()
        };
        PdcCounters {
            per_pmu_missing,
            ..PdcCounters::default()
        }
    }

    /// Counts a row with the PMUs of `missing` (one bit each) absent.
    fn count_row(&self, missing: u64) {
        self.rows.inc();
        if missing != 0 {
            self.partial_rows.inc();
            self.missing.add(u64::from(missing.count_ones()));
            for (index, (_, counter)) in self.per_pmu_missing.iter().enumerate() {
                if index < 64 && missing & (1 << index) != 0 {
                    counter.inc();
                }
            }
        }
    }
}

impl NodeCounters for PdcCounters {
    fn snapshot(&self) -> Vec<(&'static str, u64)> {
        let mut all = vec![
            ("connects", self.connects.get()),
            ("reconnects", self.reconnects.get()),
            ("frames", self.frames.get()),
            ("data_frames", self.data_frames.get()),
            ("crc_errors", self.crc_errors.get()),
            ("decode_errors", self.decode_errors.get()),
            ("config_mismatch", self.config_mismatch.get()),
            ("cfg2_frames", self.cfg2_frames.get()),
            ("cfg3_frames", self.cfg3_frames.get()),
            ("cfg_retries", self.cfg_retries.get()),
            ("no_config", self.no_config.get()),
            ("queue_full", self.queue_full.get()),
            ("invalid_data", self.invalid_data.get()),
            ("rows", self.rows.get()),
            ("partial_rows", self.partial_rows.get()),
            ("missing", self.missing.get()),
            ("late", self.late.get()),
            ("duplicates", self.duplicates.get()),
        ];
        all.extend(self.per_pmu_missing.iter().map(|(n, c)| (*n, c.get())));
        all
    }
}

/// Top-level keys that belong to one PMU (an error next to `[[pmus]]`).
const SINGLE_KEYS: [&str; 12] = [
    "connect",
    "idcode",
    "pmu",
    "transport",
    "udp_bind",
    "config",
    "phasors",
    "analogs",
    "digitals",
    "freq",
    "rocof",
    "stat",
];

impl PdcConfig {
    fn single_keys_given(&self) -> Vec<&'static str> {
        let given = [
            self.connect.is_some(),
            self.idcode.is_some(),
            self.pmu.is_some(),
            self.transport.is_some(),
            self.udp_bind.is_some(),
            self.config.is_some(),
            self.phasors.is_some(),
            self.analogs.is_some(),
            self.digitals.is_some(),
            self.freq.is_some(),
            self.rocof.is_some(),
            self.stat.is_some(),
        ];
        SINGLE_KEYS
            .iter()
            .zip(given)
            .filter_map(|(k, g)| g.then_some(*k))
            .collect()
    }

    /// The PMUs with their defaults resolved.
    pub fn specs(&self) -> Result<Vec<PmuSpec>, String> {
        if self.pmus.is_empty() {
            let transport = self.transport.unwrap_or_default();
            let Some(idcode) = self.idcode else {
                return Err("`idcode` is required (or give `[[pmus]]` tables)".into());
            };
            let spec = PmuSpec {
                name: "pmu".into(),
                connect: self.connect,
                idcode,
                block: self.pmu.unwrap_or(idcode),
                transport,
                udp_bind: self.udp_bind,
                config: self.config.unwrap_or_default(),
                phasors: self.phasors.clone().unwrap_or_default(),
                analogs: self.analogs.clone().unwrap_or_default(),
                digitals: self.digitals.clone().unwrap_or_default(),
                freq: self.freq.clone().unwrap_or_else(default_freq),
                rocof: self.rocof.clone().unwrap_or_else(default_rocof),
                stat: self.stat.clone(),
            };
            spec.check()?;
            return Ok(vec![spec]);
        }
        let given = self.single_keys_given();
        if let Some(key) = given.first() {
            return Err(format!(
                "`{key}` belongs in each `[[pmus]]` table when `pmus` is given"
            ));
        }
        if self.pmus.len() > align::MAX_PMUS {
            return Err(format!("at most {} PMUs per node", align::MAX_PMUS));
        }
        let mut specs = Vec::with_capacity(self.pmus.len());
        for pmu in &self.pmus {
            let name = pmu.name.trim();
            if name.is_empty() {
                return Err("a PMU's `name` must not be empty".into());
            }
            if specs.iter().any(|s: &PmuSpec| s.name == name) {
                return Err(format!("PMU name `{name}` is used twice"));
            }
            let spec = PmuSpec {
                name: name.to_string(),
                connect: pmu.connect,
                idcode: pmu.idcode,
                block: pmu.pmu.unwrap_or(pmu.idcode),
                transport: pmu.transport,
                udp_bind: pmu.udp_bind,
                config: pmu.config,
                phasors: pmu.phasors.clone(),
                analogs: pmu.analogs.clone(),
                digitals: pmu.digitals.clone(),
                freq: pmu.freq.clone().unwrap_or_else(|| format!("{name}_freq")),
                rocof: pmu.rocof.clone().unwrap_or_else(|| format!("{name}_rocof")),
                stat: Some(pmu.stat.clone().unwrap_or_else(|| format!("{name}_stat"))),
            };
            spec.check()?;
            for other in &specs {
                if spec.same_connection(other) {
                    if spec.block == other.block {
                        return Err(format!(
                            "PMUs `{}` and `{name}` read the same block (IDCODE {}) of one stream",
                            other.name, spec.block
                        ));
                    }
                } else if let Some(bind) = spec.udp_bind.filter(|b| b.port() != 0) {
                    if other.udp_bind == Some(bind) {
                        return Err(format!("`udp_bind` {bind} is used by two connections"));
                    }
                }
            }
            specs.push(spec);
        }
        Ok(specs)
    }

    fn signals(&self) -> Vec<Signal> {
        self.specs()
            .unwrap_or_default()
            .iter()
            .flat_map(PmuSpec::signals)
            .collect()
    }
}

impl NodeConfig for PdcConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), String> {
        self.specs()?;
        let signals = self.signals();
        let mut names: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("signal `{}` is declared twice", pair[0]));
        }
        if self.backoff.0 <= 0 || self.max_backoff.0 < self.backoff.0 {
            return Err("`backoff` must be > 0 and ≤ `max_backoff`".into());
        }
        if self.silence.0 < 100_000_000 {
            return Err("`silence` must be at least 100ms".into());
        }
        if self.retry.0 < 10_000_000 {
            return Err("`retry` must be at least 10ms".into());
        }
        if self.wait.0 <= 0 || self.wait.0 > 60_000_000_000 {
            return Err("`wait` must be > 0 and ≤ 60s".into());
        }
        if self.queue == 0 || self.queue > 65_536 {
            return Err("`queue` must be 1–65536 rows".into());
        }
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.signals()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    fn resources(&self) -> Vec<Resource> {
        let mut binds: Vec<SocketAddr> = self
            .specs()
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s.udp_bind.filter(|b| b.port() != 0))
            .collect();
        binds.sort_unstable();
        binds.dedup();
        binds.into_iter().map(Resource::UdpPort).collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let specs = self.specs().map_err(|e| NodeError::Config(e.to_string()))?;
        let counters = Arc::new(PdcCounters::for_pmus(&specs));
        let width = self.signals().len();
        let (handoff, wake) = reader::Handoff::new(self.queue, width)?;
        let timing = client::Timing {
            backoff: self.backoff.0,
            max_backoff: self.max_backoff.0,
            silence: self.silence.0,
            retry: self.retry.0,
        };
        let concentrator = concentrator::Concentrator::start(
            specs,
            timing,
            self.wait.0,
            Arc::clone(&handoff),
            wake,
            Arc::clone(&ctx.clock),
            Arc::clone(&counters),
        )?;
        Ok(NodeIo {
            reader: Some(Box::new(reader::PdcReader::new(handoff, concentrator))),
            writer: None,
            counters: Some(counters),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PdcConfig, String> {
        let mut config: PdcConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let ctx = ConfigContext {
            name: "pdc".into(),
            config_dir: ".".into(),
        };
        config.prepare(&ctx)?;
        Ok(config)
    }

    fn names(config: &PdcConfig) -> Vec<String> {
        config
            .output_signals()
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn single_form_keeps_its_signals_and_defaults() {
        let config = parse(
            r#"
connect = "127.0.0.1:4712"
idcode = 7
phasors = ["va"]
digitals = ["d"]
"#,
        )
        .unwrap();
        assert_eq!(names(&config), ["va", "freq", "rocof", "d"]);
        let specs = config.specs().unwrap();
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].transport, Transport::Tcp);
        assert_eq!(specs[0].config, ConfigFrame::Cfg2);
        assert_eq!(specs[0].block, 7);
        assert_eq!(config.wait.0, 50_000_000);
        assert!(config.resources().is_empty());
    }

    #[test]
    fn single_form_with_status_udp_and_cfg3() {
        let config = parse(
            r#"
connect = "127.0.0.1:4712"
idcode = 7
transport = "udp"
udp_bind = "127.0.0.1:4800"
config = "cfg3"
phasors = ["va"]
stat = "st"
"#,
        )
        .unwrap();
        assert_eq!(names(&config), ["va", "freq", "rocof", "st"]);
        let spec = &config.specs().unwrap()[0];
        assert_eq!(
            (spec.transport, spec.config),
            (Transport::Udp, ConfigFrame::Cfg3)
        );
        assert_eq!(
            config.resources(),
            vec![Resource::UdpPort("127.0.0.1:4800".parse().unwrap())]
        );
    }

    #[test]
    fn multi_form_prefixes_default_names() {
        let config = parse(
            r#"
wait = "80ms"
[[pmus]]
name = "a"
connect = "127.0.0.1:4712"
idcode = 1
phasors = ["a_v"]
[[pmus]]
name = "b"
transport = "tcp-udp"
connect = "127.0.0.1:4722"
udp_bind = "127.0.0.1:4723"
idcode = 2
phasors = ["b_v"]
stat = "b_status"
"#,
        )
        .unwrap();
        assert_eq!(
            names(&config),
            ["a_v", "a_freq", "a_rocof", "a_stat", "b_v", "b_freq", "b_rocof", "b_status"]
        );
        assert_eq!(config.wait.0, 80_000_000);
        let counters = PdcCounters::for_pmus(&config.specs().unwrap());
        counters.count_row(0b10);
        let snapshot = counters.snapshot();
        let get = |n: &str| snapshot.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        assert_eq!(get("missing"), Some(1));
        assert_eq!(get("missing_a"), Some(0));
        assert_eq!(get("missing_b"), Some(1));
        assert_eq!(get("rows"), Some(1));
    }

    #[test]
    fn invalid_configurations_are_refused() {
        let bad = [
            // No IDCODE.
            (r#"connect = "127.0.0.1:1""#, "idcode"),
            // TCP without an address.
            ("idcode = 1", "connect"),
            // tcp-udp without a local UDP address.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
transport = "tcp-udp""#,
                "udp_bind",
            ),
            // udp_bind with TCP.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
udp_bind = "127.0.0.1:2""#,
                "udp_bind",
            ),
            // Unknown transport.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
transport = "sctp""#,
                "unknown variant",
            ),
            // Per-PMU key next to [[pmus]].
            (
                r#"connect = "127.0.0.1:1"
[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1"#,
                "belongs in each",
            ),
            // Two PMUs with one name.
            (
                r#"[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1
[[pmus]]
name = "a"
connect = "127.0.0.1:2"
idcode = 2"#,
                "used twice",
            ),
            // Two PMUs, one signal name.
            (
                r#"[[pmus]]
name = "a"
connect = "127.0.0.1:1"
idcode = 1
phasors = ["v"]
[[pmus]]
name = "b"
connect = "127.0.0.1:2"
idcode = 2
phasors = ["v"]"#,
                "declared twice",
            ),
            // Two listeners on one UDP address.
            (
                r#"[[pmus]]
name = "a"
transport = "udp-listen"
udp_bind = "127.0.0.1:5000"
idcode = 1
[[pmus]]
name = "b"
transport = "udp-listen"
udp_bind = "127.0.0.1:5000"
idcode = 2"#,
                "used by two connections",
            ),
            // Zero wait window.
            (
                r#"idcode = 1
connect = "127.0.0.1:1"
wait = "0s""#,
                "wait",
            ),
        ];
        for (text, expected) in bad {
            let err = parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}\n→ {err}");
        }
    }

    #[test]
    fn blocks_of_one_stream_share_a_connection() {
        let two_blocks = |second: u16| {
            format!(
                r#"
[[pmus]]
name = "v"
transport = "tcp-udp"
connect = "127.0.0.1:4714"
udp_bind = "127.0.0.1:4715"
idcode = 10
pmu = 11
[[pmus]]
name = "i"
transport = "tcp-udp"
connect = "127.0.0.1:4714"
udp_bind = "127.0.0.1:4715"
idcode = 10
pmu = {second}
"#
            )
        };
        let config = parse(&two_blocks(12)).unwrap();
        let specs = config.specs().unwrap();
        assert!(specs[0].same_connection(&specs[1]));
        assert_eq!((specs[0].block, specs[1].block), (11, 12));
        // One UDP port, declared once.
        assert_eq!(
            config.resources(),
            vec![Resource::UdpPort("127.0.0.1:4715".parse().unwrap())]
        );
        let err = parse(&two_blocks(11)).unwrap_err();
        assert!(err.contains("same block"), "{err}");
    }

    #[test]
    fn udp_listen_needs_no_connect() {
        let config = parse(
            r#"
idcode = 1
transport = "udp-listen"
udp_bind = "127.0.0.1:4713"
"#,
        )
        .unwrap();
        assert_eq!(config.specs().unwrap()[0].connect, None);
    }
}
