//! `iec104-client`: gridhil as an IEC 60870-5-104 master (controlling station) towards an
//! RTU or gateway. The values of the configured points come out of the node as samples;
//! a command's input signal, when it changes, is sent as a direct-execute command. The
//! network runs on its own thread (`station.rs`: connect with t0, STARTDT, interrogation,
//! reconnect with back-off).

use super::network::NetworkThread;
use super::outstation::{Command, Update};
use super::points::{validate, CommandConfig};
use super::station::{ClientCounters, Station};
use crate::iec104::{SessionConfig, MAX_IOA};
use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeWriter, ReadContext, WriteContext,
};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::stats::CounterValue;
use gridhil_engine::units::Duration;
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// A point the master follows.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ClientPointConfig {
    /// The output signal.
    pub signal: String,
    /// Information object address.
    pub ioa: u32,
}

/// Configuration of an `iec104-client` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Iec104ClientConfig {
    /// The outstation's address.
    pub connect: String,
    /// Common address of the station.
    #[serde(default = "one")]
    pub common_address: u16,
    /// Points whose values become samples.
    #[serde(default)]
    pub points: Vec<ClientPointConfig>,
    /// Commands sent when their input signal changes.
    #[serde(default)]
    pub commands: Vec<CommandConfig>,
    /// k.
    #[serde(default = "default_k")]
    pub k: u16,
    /// w.
    #[serde(default = "default_w")]
    pub w: u16,
    /// t0: connection time-out.
    #[serde(default = "default_t0")]
    pub t0: Duration,
    /// t1.
    #[serde(default = "default_t1")]
    pub t1: Duration,
    /// t2.
    #[serde(default = "default_t2")]
    pub t2: Duration,
    /// t3.
    #[serde(default = "default_t3")]
    pub t3: Duration,
    /// Input signal of each command (resolved when a path connects).
    #[serde(skip)]
    inputs: Vec<usize>,
}

fn one() -> u16 {
    1
}
fn default_k() -> u16 {
    12
}
fn default_w() -> u16 {
    8
}
fn default_t0() -> Duration {
    Duration(30_000_000_000)
}
fn default_t1() -> Duration {
    Duration(15_000_000_000)
}
fn default_t2() -> Duration {
    Duration(10_000_000_000)
}
fn default_t3() -> Duration {
    Duration(20_000_000_000)
}

impl Iec104ClientConfig {
    fn address(&self) -> Result<SocketAddr, FieldError> {
        self.connect.parse().map_err(|_| {
            FieldError::at(
                "connect",
                format!(
                    "`connect`: `{}` is not an address like 192.168.1.10:2404",
                    self.connect
                ),
            )
        })
    }

    fn session(&self) -> Result<SessionConfig, FieldError> {
        if self.k == 0 || self.k > 32767 {
            return Err(FieldError::at("k", "`k` must be 1–32767"));
        }
        if self.w == 0 || self.w > self.k {
            return Err(FieldError::at("w", "`w` must be 1 to k"));
        }
        for (field, t) in [
            ("t0", self.t0),
            ("t1", self.t1),
            ("t2", self.t2),
            ("t3", self.t3),
        ] {
            if t.0 <= 0 {
                return Err(FieldError::at(field, format!("`{field}` must be positive")));
            }
        }
        if self.t2.0 >= self.t1.0 {
            return Err(FieldError::at("t2", "`t2` must be shorter than `t1`"));
        }
        Ok(SessionConfig {
            k: self.k,
            w: self.w,
            t1: self.t1.0,
            t2: self.t2.0,
            t3: self.t3.0,
        })
    }

    fn check(&self) -> Result<(), FieldError> {
        self.address()?;
        self.session()?;
        if self.points.is_empty() && self.commands.is_empty() {
            return Err(FieldError::new(
                "an `iec104-client` needs `points` or `commands`",
            ));
        }
        let mut names = HashSet::new();
        for (i, p) in self.points.iter().enumerate() {
            if p.ioa == 0 || p.ioa > MAX_IOA {
                return Err(FieldError::at(
                    &format!("points[{i}].ioa"),
                    format!("`points[{i}].ioa` must be 1–16777215"),
                ));
            }
            if p.signal.is_empty() || !names.insert(p.signal.clone()) {
                return Err(FieldError::at(
                    &format!("points[{i}].signal"),
                    format!("`points[{i}].signal` must be a unique signal name"),
                ));
            }
        }
        validate(&[], &self.commands)
    }
}

impl NodeConfig for Iec104ClientConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.check()
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.points
            .iter()
            .map(|p| Signal::f64(p.signal.clone()))
            .collect()
    }

    fn accepts_input(&self) -> bool {
        !self.commands.is_empty()
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let mut inputs = Vec::new();
        for (i, command) in self.commands.iter().enumerate() {
            let index = signals
                .iter()
                .position(|s| s.name == command.name)
                .ok_or_else(|| {
                    FieldError::at(
                        &format!("commands[{i}].name"),
                        format!(
                            "`commands[{i}].name`: the path gives no signal `{}`",
                            command.name
                        ),
                    )
                })?;
            inputs.push(index);
        }
        self.inputs = inputs;
        Ok(())
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let config = |e: FieldError| NodeError::Config(e.to_string());
        let address = self.address().map_err(config)?;
        let session = self.session().map_err(config)?;
        let (wake_tx, wake_rx) =
            UnixDatagram::pair().map_err(|e| NodeError::io("a wake-up socket pair", e))?;
        let counters = Arc::new(ClientCounters::default());
        let values = Arc::new(ArrayQueue::new(4096));
        let outgoing = Arc::new(ArrayQueue::new(256));
        let stop = Arc::new(AtomicBool::new(false));
        let station = Station {
            address,
            session,
            t0: self.t0.0,
            common_address: self.common_address,
            points: self
                .points
                .iter()
                .map(|p| super::points::PointConfig {
                    signal: p.signal.clone(),
                    ioa: p.ioa,
                    kind: super::points::PointKind::Float,
                    deadband: 0.0,
                    time: false,
                })
                .collect(),
            commands: self.commands.clone(),
            values: Arc::clone(&values),
            outgoing: Arc::clone(&outgoing),
            wake: wake_tx,
            clock: Arc::clone(&ctx.clock),
            counters: Arc::clone(&counters),
            stop: Arc::clone(&stop),
        };
        let thread = std::thread::Builder::new()
            .name("iec104-client".into())
            .spawn(move || station.run())
            .map_err(|e| NodeError::io("start the iec104-client thread", e))?;
        let network = Arc::new(NetworkThread {
            stop,
            thread: Some(thread),
        });
        let reader = (!self.points.is_empty()).then(|| {
            Box::new(ClientReader {
                values,
                wake: wake_rx,
                latest: vec![0.0; self.points.len()],
                next_seq: 0,
                _network: Arc::clone(&network),
            }) as Box<dyn NodeReader>
        });
        let writer = (!self.commands.is_empty()).then(|| {
            Box::new(ClientWriter {
                inputs: self.inputs.clone(),
                last: vec![None; self.commands.len()],
                outgoing,
                counters: Arc::clone(&counters),
                _network: Arc::clone(&network),
            }) as Box<dyn NodeWriter>
        });
        Ok(NodeIo {
            reader,
            writer,
            counters: Some(Arc::new(CountersView(counters))),
        })
    }
}

struct CountersView(Arc<ClientCounters>);

impl NodeCounters for CountersView {
    fn snapshot(&self) -> Vec<CounterValue> {
        self.0.values()
    }
}

struct ClientReader {
    values: Arc<ArrayQueue<Update>>,
    wake: UnixDatagram,
    latest: Vec<f64>,
    next_seq: u64,
    _network: Arc<NetworkThread>,
}

impl NodeReader for ClientReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        if self.values.is_empty() && ctx.timeout > 0 {
            let mut byte = [0u8; 64];
            let wait = std::time::Duration::from_nanos(ctx.timeout as u64);
            let _ = self.wake.set_read_timeout(Some(wait));
            let _ = self.wake.recv(&mut byte);
        }
        while !out.is_full() {
            let Some(update) = self.values.pop() else {
                break;
            };
            if let Some(slot) = self.latest.get_mut(update.point) {
                *slot = update.value;
            }
            let Some(mut sample) = ctx.pool.alloc() else {
                break;
            };
            for v in &self.latest {
                let _ = sample.push(Value::F64(*v));
            }
            sample.seq = self.next_seq;
            self.next_seq += 1;
            sample.ts_origin = update.time;
            if update.invalid {
                sample.flags = SampleFlags(SampleFlags::INVALID);
            }
            if out.push(sample).is_err() {
                break;
            }
        }
        Ok(())
    }
}

struct ClientWriter {
    inputs: Vec<usize>,
    last: Vec<Option<f64>>,
    outgoing: Arc<ArrayQueue<Command>>,
    counters: Arc<ClientCounters>,
    _network: Arc<NetworkThread>,
}

impl NodeWriter for ClientWriter {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        for sample in samples {
            for (command, (&input, last)) in
                self.inputs.iter().zip(self.last.iter_mut()).enumerate()
            {
                let Some(value) = sample.values().get(input).map(|v| v.as_f64()) else {
                    continue;
                };
                if *last == Some(value) {
                    continue;
                }
                *last = Some(value);
                let queued = Command {
                    command,
                    value,
                    time: ctx.wall,
                };
                if self.outgoing.push(queued).is_err() {
                    self.counters.commands_dropped.inc();
                }
            }
        }
        Ok(samples.len())
    }
}
