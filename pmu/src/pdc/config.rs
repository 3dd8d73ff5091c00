//! Configuration of a `pdc` node: the one-PMU form (keys at the top level) and the
//! `[[pmus]]` form, resolved into [`PmuSpec`]s, and their validation.

use super::align;
use gridhil_engine::signal::{Signal, SignalType};
use gridhil_engine::units::Duration;
use serde::Deserialize;
use std::net::SocketAddr;

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
    /// only block of a single-block stream when it has another IDCODE). A stream
    /// without that block is a configuration mismatch.
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
    /// Longest wait between connection attempts (at most 10 minutes).
    #[serde(default = "default_max_backoff")]
    pub max_backoff: Duration,
    /// A connection that brings no data frame for this long is dropped and reopened.
    #[serde(default = "default_silence")]
    pub silence: Duration,
    /// Over UDP, the configuration request or "data on" is sent again after this long
    /// without answer.
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
    /// `pmu` was given: the stream must have a block with IDCODE `block` (else a
    /// single-block stream is read whatever its block's IDCODE).
    pub explicit_block: bool,
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

#[cfg(test)]
impl PmuSpec {
    /// A TCP/CFG-2 PMU block called `name` with phasor `v`, analog `x`, digital `d`,
    /// frequency `f`, ROCOF `r` and STAT `s` (test fixture).
    pub(crate) fn fixture(name: &str) -> PmuSpec {
        PmuSpec {
            name: name.into(),
            connect: None,
            idcode: 1,
            block: 1,
            explicit_block: false,
            transport: Transport::Tcp,
            udp_bind: None,
            config: ConfigFrame::Cfg2,
            phasors: vec!["v".into()],
            analogs: vec!["x".into()],
            digitals: vec!["d".into()],
            freq: "f".into(),
            rocof: "r".into(),
            stat: Some("s".into()),
        }
    }
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
                explicit_block: self.pmu.is_some(),
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
                explicit_block: pmu.pmu.is_some(),
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

    /// The node's output signals, PMU after PMU.
    pub(super) fn signals(&self) -> Vec<Signal> {
        self.specs()
            .unwrap_or_default()
            .iter()
            .flat_map(PmuSpec::signals)
            .collect()
    }
}
