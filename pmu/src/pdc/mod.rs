//! `pdc` node: a phasor data concentrator client that reads one PMU over TCP.
//!
//! A background thread ([`client`]) connects to the PMU, asks for CFG-2, checks it
//! against the signals declared in the configuration (the engine needs a node's signals
//! when the configuration is loaded, before any connection), sends "data on", decodes
//! the data frames and hands them to the node's reader through preallocated records
//! ([`reader`]). When the PMU goes away, the thread reconnects with exponential
//! back-off.

mod client;
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

/// Configuration of a `pdc` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdcConfig {
    /// Address of the PMU's TCP server (e.g. `"127.0.0.1:4712"`).
    pub connect: SocketAddr,
    /// IDCODE sent in commands (the PMU's or the stream's IDCODE).
    pub idcode: u16,
    /// IDCODE of the PMU block to read in a multi-PMU stream (default: `idcode`, or the
    /// first block when no block has it).
    pub pmu: Option<u16>,
    /// Names of the phasor signals, one per phasor of the CFG-2, in its order.
    #[serde(default)]
    pub phasors: Vec<String>,
    /// Names of the analog signals, one per analog value of the CFG-2.
    #[serde(default)]
    pub analogs: Vec<String>,
    /// Names of the digital status words (as integer signals), one per word.
    #[serde(default)]
    pub digitals: Vec<String>,
    /// Name of the frequency signal (Hz).
    #[serde(default = "default_freq")]
    pub freq: String,
    /// Name of the ROCOF signal (Hz/s).
    #[serde(default = "default_rocof")]
    pub rocof: String,
    /// First wait before reconnecting; doubles up to `max_backoff`.
    #[serde(default = "default_backoff")]
    pub backoff: Duration,
    /// Longest wait between connection attempts.
    #[serde(default = "default_max_backoff")]
    pub max_backoff: Duration,
    /// A connection that brings no data frame for this long is dropped and reopened.
    #[serde(default = "default_silence")]
    pub silence: Duration,
    /// Data frames queued towards the reader before new ones are dropped.
    #[serde(default = "default_queue")]
    pub queue: usize,
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

/// Counters of a `pdc` node.
#[derive(Debug, Default)]
pub struct PdcCounters {
    connects: Counter,
    reconnects: Counter,
    frames: Counter,
    data_frames: Counter,
    crc_errors: Counter,
    decode_errors: Counter,
    config_mismatch: Counter,
    queue_full: Counter,
    invalid_data: Counter,
}

impl NodeCounters for PdcCounters {
    fn snapshot(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("connects", self.connects.get()),
            ("reconnects", self.reconnects.get()),
            ("frames", self.frames.get()),
            ("data_frames", self.data_frames.get()),
            ("crc_errors", self.crc_errors.get()),
            ("decode_errors", self.decode_errors.get()),
            ("config_mismatch", self.config_mismatch.get()),
            ("queue_full", self.queue_full.get()),
            ("invalid_data", self.invalid_data.get()),
        ]
    }
}

impl PdcConfig {
    fn signals(&self) -> Vec<Signal> {
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
                .map(|n| Signal::new(n, "", SignalType::I64)),
        );
        signals
    }
}

impl NodeConfig for PdcConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), String> {
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
        if self.queue == 0 || self.queue > 65_536 {
            return Err("`queue` must be 1–65536 frames".into());
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
        Vec::new()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let counters = Arc::new(PdcCounters::default());
        let width = self.signals().len();
        let (handoff, wake) = reader::Handoff::new(self.queue, width)?;
        let client = client::Client::start(
            client::ClientSettings {
                connect: self.connect,
                idcode: self.idcode,
                pmu: self.pmu.unwrap_or(self.idcode),
                phasors: self.phasors.len(),
                analogs: self.analogs.len(),
                digitals: self.digitals.len(),
                backoff: self.backoff.0,
                max_backoff: self.max_backoff.0,
                silence: self.silence.0,
            },
            Arc::clone(&handoff),
            wake,
            Arc::clone(&ctx.clock),
            Arc::clone(&counters),
        )?;
        Ok(NodeIo {
            reader: Some(Box::new(reader::PdcReader::new(handoff, client))),
            writer: None,
            counters: Some(counters),
        })
    }
}
