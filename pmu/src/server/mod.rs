//! `pmu-server` node: serves the samples a path writes to it as an IEEE C37.118.2 PMU.
//!
//! * The **writer** (on the path's thread) encodes each sample into a data frame in a
//!   preallocated buffer taken from a lock-free pool and queues it ([`ring`]); it never
//!   blocks, allocates or does I/O.
//! * A **network thread** ([`network`]) serves TCP clients (commanded: data frames only
//!   after "data on", CFG-1/2/3 and the header frame on request, any number of clients)
//!   and sends every data frame spontaneously to a UDP destination.
//!
//! The configuration frame is derived from the signals connected to the node: complex
//! signals are phasors, the signals named `freq` and `rocof` give FREQ and DFREQ, other
//! numeric signals are analogs and boolean signals are packed into digital words.

mod layout;
mod network;
mod ring;
mod writer;

use crate::codec::{Config, DataFormat, NominalFrequency};
use gridhil_engine::node::{BuildContext, NodeConfig, NodeCounters, NodeError, NodeIo, Resource};
use gridhil_engine::signal::Signal;
use gridhil_engine::stats::Counter;
use gridhil_engine::units::Rate;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

pub use layout::SignalMap;

/// Number representation of a group of values on the wire.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Number {
    /// IEEE 754 32-bit floating point.
    #[default]
    Float,
    /// 16-bit integer (phasors scaled by PHUNIT, FREQ as mHz deviation).
    Int,
}

/// The FORMAT word of the stream.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireFormat {
    /// Phasor numbers.
    #[serde(default)]
    pub phasors: Number,
    /// Polar (magnitude, angle) instead of rectangular phasors.
    #[serde(default = "yes")]
    pub polar: bool,
    /// FREQ/DFREQ numbers.
    #[serde(default)]
    pub freq: Number,
    /// Analog numbers.
    #[serde(default)]
    pub analogs: Number,
}

fn yes() -> bool {
    true
}

impl Default for WireFormat {
    fn default() -> Self {
        WireFormat {
            phasors: Number::Float,
            polar: true,
            freq: Number::Float,
            analogs: Number::Float,
        }
    }
}

impl WireFormat {
    /// The C37.118 FORMAT word.
    pub fn data_format(self) -> DataFormat {
        DataFormat::new(
            self.phasors == Number::Float,
            self.polar,
            self.analogs == Number::Float,
            self.freq == Number::Float,
        )
    }
}

/// Configuration of a `pmu-server` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PmuServerConfig {
    /// IDCODE of the PMU (and of the stream).
    pub idcode: u16,
    /// Station name (at most 16 characters).
    pub station: String,
    /// Address the commanded TCP server listens on (e.g. `"127.0.0.1:4712"`).
    pub tcp: Option<SocketAddr>,
    /// Destination of spontaneous UDP data frames (e.g. `"127.0.0.1:4713"`).
    pub udp: Option<SocketAddr>,
    /// Number formats of the data frames.
    #[serde(default)]
    pub format: WireFormat,
    /// Nominal frequency, `"50Hz"` or `"60Hz"`.
    pub nominal: Rate,
    /// Reporting rate in frames per second (DATA_RATE of the configuration).
    pub rate: Rate,
    /// Volts per bit of integer voltage phasors.
    #[serde(default = "centi")]
    pub voltage_scale: f64,
    /// Amperes per bit of integer current phasors.
    #[serde(default = "centi")]
    pub current_scale: f64,
    /// Free text of the header frame.
    #[serde(default)]
    pub header: Option<String>,
    /// Data frames queued towards the network thread before new ones are dropped.
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// Bytes kept per TCP client that reads too slowly before it is disconnected.
    #[serde(default = "default_client_buffer")]
    pub client_buffer: usize,
    #[serde(skip)]
    input_signals: Vec<Signal>,
}

fn centi() -> f64 {
    0.01
}
fn default_queue() -> usize {
    256
}
fn default_client_buffer() -> usize {
    1 << 20
}

/// Counters of a `pmu-server` node.
#[derive(Debug, Default)]
pub struct PmuServerCounters {
    frames_encoded: Counter,
    encode_errors: Counter,
    queue_full: Counter,
    clients_accepted: Counter,
    clients_dropped: Counter,
    commands: Counter,
    bad_commands: Counter,
    tcp_frames_sent: Counter,
    udp_frames_sent: Counter,
    send_errors: Counter,
}

impl NodeCounters for PmuServerCounters {
    fn snapshot(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("frames_encoded", self.frames_encoded.get()),
            ("encode_errors", self.encode_errors.get()),
            ("queue_full", self.queue_full.get()),
            ("clients_accepted", self.clients_accepted.get()),
            ("clients_dropped", self.clients_dropped.get()),
            ("commands", self.commands.get()),
            ("bad_commands", self.bad_commands.get()),
            ("tcp_frames_sent", self.tcp_frames_sent.get()),
            ("udp_frames_sent", self.udp_frames_sent.get()),
            ("send_errors", self.send_errors.get()),
        ]
    }
}

impl PmuServerConfig {
    fn nominal(&self) -> Result<NominalFrequency, String> {
        let hz = self.nominal.hz();
        if hz == 50.0 {
            Ok(NominalFrequency::HZ50)
        } else if hz == 60.0 {
            Ok(NominalFrequency::HZ60)
        } else {
            Err(format!("`nominal` must be 50Hz or 60Hz, got {hz} Hz"))
        }
    }

    fn data_rate(&self) -> Result<i16, String> {
        let fps = self.rate.hz();
        if fps.fract() != 0.0 || !(1.0..=240.0).contains(&fps) {
            return Err(format!(
                "`rate` must be a whole number of frames per second (1–240), got {fps}"
            ));
        }
        Ok(fps as i16)
    }

    /// The CFG-2 this node announces for the connected signals.
    fn config(&self, signals: &[Signal]) -> Result<(Config, SignalMap), String> {
        let map = SignalMap::new(signals)?;
        let pmu = map.pmu_config(
            &self.station,
            self.idcode,
            self.format.data_format(),
            self.nominal()?,
            self.voltage_scale,
            self.current_scale,
        )?;
        Ok((Config::new(1_000_000, self.data_rate()?, vec![pmu]), map))
    }
}

impl NodeConfig for PmuServerConfig {
    fn prepare(&mut self, _ctx: &gridhil_engine::node::ConfigContext) -> Result<(), String> {
        if self.tcp.is_none() && self.udp.is_none() {
            return Err("a pmu-server needs `tcp` (commanded) and/or `udp` (spontaneous)".into());
        }
        if self.station.len() > 16 || !self.station.is_ascii() {
            return Err("`station` must be at most 16 ASCII characters".into());
        }
        for (name, scale) in [
            ("voltage_scale", self.voltage_scale),
            ("current_scale", self.current_scale),
        ] {
            if !(scale.is_finite() && scale > 0.0 && scale <= 167.0) {
                return Err(format!("`{name}` must be > 0 and ≤ 167 (units per bit)"));
            }
        }
        if self.queue == 0 || self.queue > 65_536 {
            return Err("`queue` must be 1–65536 frames".into());
        }
        if self.client_buffer < 65_536 {
            return Err("`client_buffer` must be at least 65536 bytes".into());
        }
        self.nominal()?;
        self.data_rate()?;
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        Vec::new()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), String> {
        self.config(signals)?;
        self.input_signals = signals.to_vec();
        Ok(())
    }

    fn resources(&self) -> Vec<Resource> {
        self.tcp
            .filter(|a| a.port() != 0)
            .map(Resource::TcpPort)
            .into_iter()
            .collect()
    }

    fn build(&self, _ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let (config, map) = self
            .config(&self.input_signals)
            .map_err(NodeError::Config)?;
        let counters = Arc::new(PmuServerCounters::default());
        let layout = config.layout();
        let ring = ring::FrameRing::new(self.queue, layout.frame_len());
        let header = self
            .header
            .clone()
            .unwrap_or_else(|| format!("gridhil pmu-server {}", self.station));
        let server = network::Server::start(
            network::ServerSettings {
                tcp: self.tcp,
                udp: self.udp,
                config,
                header,
                client_buffer: self.client_buffer,
            },
            Arc::clone(&ring),
            Arc::clone(&counters),
        )?;
        let writer = writer::PmuWriter::new(
            self.idcode,
            &layout,
            map,
            ring,
            server,
            Arc::clone(&counters),
        );
        Ok(NodeIo {
            reader: None,
            writer: Some(Box::new(writer)),
            counters: Some(counters),
        })
    }
}
