//! General gridhil nodes: signal generator, loopback, CSV file record/replay, HDF5 run log
//! replay, UDP, the
//! built-in grid simulator, and the rtt round-trip node and probe.
//!
//! Each node type lives in its own module and is registered in [`register`].

pub mod file;
pub mod gridsim;
pub mod log_replay;
pub mod loopback;
pub mod rtt;
pub mod signal;
pub mod timed;
pub mod udp;

use gridhil_engine::signal::{Signal, SignalType};
use gridhil_engine::{FieldError, Registry};
use serde::Deserialize;

/// Registers every node type of this crate.
pub fn register(registry: &mut Registry) {
    registry
        .add_node::<signal::SignalConfig>(
            "signal",
            "waveform generator (sine, square, ramp, noise, ...) at a fixed rate",
        )
        .example(include_str!("../compliance/signal.toml"));
    registry
        .add_node::<loopback::LoopbackConfig>(
            "loopback",
            "returns what a path writes to it as input of other paths",
        )
        .example(include_str!("../compliance/loopback.toml"));
    registry
        .add_node::<file::FileConfig>("file", "records samples to CSV and replays CSV files")
        .example(include_str!("../compliance/file.toml"));
    registry
        .add_node::<log_replay::LogReplayConfig>(
            "log-replay",
            "plays a path of a gridhil HDF5 run log back with its recorded timing",
        )
        .example(include_str!("../compliance/log-replay.toml"));
    gridsim::register(registry);
    rtt::register(registry);
    registry
        .add_node::<udp::UdpConfig>(
            "udp",
            "samples over UDP in any wire format (villas.binary, villas.human, gtnet, raw, json, ...)",
        )
        .example(include_str!("../compliance/udp.toml"));
}

/// A signal declared in a node's config: a bare name, or a table with name, unit and type.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SignalDecl {
    /// Just the name (`f64`, no unit).
    Name(String),
    /// Name with unit and type.
    Full {
        /// Name.
        name: String,
        /// Unit.
        #[serde(default)]
        unit: String,
        /// Type.
        #[serde(default, rename = "type")]
        ty: SignalType,
    },
}

impl SignalDecl {
    /// The engine signal.
    pub fn to_signal(&self) -> Signal {
        match self {
            SignalDecl::Name(name) => Signal::f64(name.clone()),
            SignalDecl::Full { name, unit, ty } => Signal::new(name.clone(), unit.clone(), *ty),
        }
    }
}

/// Signals from either an explicit list (the `signals` field) or a count (`values`: `v0`,
/// `v1`, ...).
pub fn declared_signals(
    list: &[SignalDecl],
    count: Option<usize>,
) -> Result<Vec<Signal>, FieldError> {
    const DECLARE: &str = "declare the signals: `values = 8` or `signals = [\"a\", \"b\"]`";
    match (list.is_empty(), count) {
        (false, None) => Ok(list.iter().map(SignalDecl::to_signal).collect()),
        (true, Some(n)) if n > 0 => Ok((0..n).map(|i| Signal::f64(format!("v{i}"))).collect()),
        (false, Some(_)) => Err(FieldError::at(
            "values",
            "give either `signals` or `values`, not both",
        )),
        (true, Some(_)) => Err(FieldError::at("values", DECLARE)),
        (true, None) => Err(DECLARE.into()),
    }
}
