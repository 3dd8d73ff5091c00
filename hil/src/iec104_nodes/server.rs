//! `iec104-server`: gridhil as an IEC 60870-5-104 outstation. Signals written to the node
//! become monitored points (spontaneous on change beyond a deadband, answered in
//! interrogations); commands from the master come out of the node as samples. The real-time
//! halves only touch two bounded lock-free queues; the network runs on its own thread
//! (`outstation.rs`).

use super::network::NetworkThread;
use super::outstation::{Command, Outstation, ServerCounters, Update};
use super::points::{validate, CommandConfig, PointConfig};
use crate::iec104::SessionConfig;
use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeWriter, ReadContext, Resource, WriteContext,
};
use gridhil_engine::sample::{SampleFlags, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::stats::CounterValue;
use gridhil_engine::units::{Duration, Nanos};
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Configuration of an `iec104-server` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Iec104ServerConfig {
    /// Address to listen on (the standard port is 2404).
    pub listen: String,
    /// Common address of the ASDUs (station address).
    #[serde(default = "one")]
    pub common_address: u16,
    /// Monitored points, one input signal each.
    #[serde(default)]
    pub points: Vec<PointConfig>,
    /// Commands the master may send, one output signal each.
    #[serde(default)]
    pub commands: Vec<CommandConfig>,
    /// k: most unacknowledged I frames.
    #[serde(default = "default_k")]
    pub k: u16,
    /// w: acknowledge after this many I frames.
    #[serde(default = "default_w")]
    pub w: u16,
    /// t1: acknowledgement time-out.
    #[serde(default = "default_t1")]
    pub t1: Duration,
    /// t2: own acknowledgement after this long.
    #[serde(default = "default_t2")]
    pub t2: Duration,
    /// t3: test frame after this long idle.
    #[serde(default = "default_t3")]
    pub t3: Duration,
    /// Updates the writer may queue for the network thread.
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// Input signal of each point (resolved when a path connects).
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
fn default_t1() -> Duration {
    Duration(15_000_000_000)
}
fn default_t2() -> Duration {
    Duration(10_000_000_000)
}
fn default_t3() -> Duration {
    Duration(20_000_000_000)
}
fn default_queue() -> usize {
    4096
}

impl Iec104ServerConfig {
    fn address(&self) -> Result<SocketAddr, FieldError> {
        self.listen.parse().map_err(|_| {
            FieldError::at(
                "listen",
                format!(
                    "`listen`: `{}` is not an address like 0.0.0.0:2404",
                    self.listen
                ),
            )
        })
    }

    fn session(&self) -> Result<SessionConfig, FieldError> {
        if self.k == 0 || self.k > 32767 {
            return Err(FieldError::at("k", "`k` must be 1–32767"));
        }
        if self.w == 0 || self.w > self.k {
            return Err(FieldError::at(
                "w",
                "`w` must be 1 to k (the standard: w ≤ 2k/3)",
            ));
        }
        for (field, t) in [("t1", self.t1), ("t2", self.t2), ("t3", self.t3)] {
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
        if self.queue == 0 {
            return Err(FieldError::at("queue", "`queue` must be at least 1"));
        }
        if self.points.is_empty() && self.commands.is_empty() {
            return Err(FieldError::new(
                "an `iec104-server` needs `points` or `commands`",
            ));
        }
        validate(&self.points, &self.commands)
    }
}

impl NodeConfig for Iec104ServerConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.check()
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.commands
            .iter()
            .map(|c| Signal::f64(c.name.clone()))
            .collect()
    }

    fn accepts_input(&self) -> bool {
        !self.points.is_empty()
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let mut inputs = Vec::new();
        for (i, point) in self.points.iter().enumerate() {
            let index = signals
                .iter()
                .position(|s| s.name == point.signal)
                .ok_or_else(|| {
                    let names: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
                    FieldError::at(
                        &format!("points[{i}].signal"),
                        format!(
                            "`points[{i}].signal`: the path gives no signal `{}` (it gives {})",
                            point.signal,
                            names.join(", ")
                        ),
                    )
                })?;
            inputs.push(index);
        }
        self.inputs = inputs;
        Ok(())
    }

    fn resources(&self) -> Vec<Resource> {
        self.address().map(Resource::TcpPort).into_iter().collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let config = |e: FieldError| NodeError::Config(e.to_string());
        let address = self.address().map_err(config)?;
        let session = self.session().map_err(config)?;
        let listener = TcpListener::bind(address)
            .map_err(|e| NodeError::io(format!("listen on {address}"), e))?;
        let (wake_tx, wake_rx) =
            UnixDatagram::pair().map_err(|e| NodeError::io("a wake-up socket pair", e))?;
        let counters = Arc::new(ServerCounters::default());
        let updates = Arc::new(ArrayQueue::new(self.queue));
        let executed = Arc::new(ArrayQueue::new(1024));
        let stop = Arc::new(AtomicBool::new(false));
        let outstation = Outstation {
            listener,
            session,
            common_address: self.common_address,
            points: self.points.clone(),
            commands: self.commands.clone(),
            updates: Arc::clone(&updates),
            executed: Arc::clone(&executed),
            wake: wake_tx,
            clock: Arc::clone(&ctx.clock),
            counters: Arc::clone(&counters),
            stop: Arc::clone(&stop),
            backlog: self.queue,
        };
        let thread = std::thread::Builder::new()
            .name("iec104-server".into())
            .spawn(move || outstation.run())
            .map_err(|e| NodeError::io("start the iec104-server thread", e))?;
        let network = Arc::new(NetworkThread {
            stop,
            thread: Some(thread),
        });
        let writer = (!self.points.is_empty()).then(|| {
            Box::new(ServerWriter {
                inputs: self.inputs.clone(),
                deadbands: self.points.iter().map(|p| p.deadband).collect(),
                last: vec![None; self.points.len()],
                updates,
                counters: Arc::clone(&counters),
                _network: Arc::clone(&network),
            }) as Box<dyn NodeWriter>
        });
        let reader = (!self.commands.is_empty()).then(|| {
            Box::new(ServerReader {
                executed,
                wake: wake_rx,
                values: vec![0.0; self.commands.len()],
                next_seq: 0,
                _network: Arc::clone(&network),
            }) as Box<dyn NodeReader>
        });
        Ok(NodeIo {
            reader,
            writer,
            counters: Some(Arc::new(CountersView(counters))),
        })
    }
}

struct CountersView(Arc<ServerCounters>);

impl NodeCounters for CountersView {
    fn snapshot(&self) -> Vec<CounterValue> {
        self.0.values()
    }
}

struct ServerWriter {
    inputs: Vec<usize>,
    deadbands: Vec<f64>,
    last: Vec<Option<f64>>,
    updates: Arc<ArrayQueue<Update>>,
    counters: Arc<ServerCounters>,
    _network: Arc<NetworkThread>,
}

impl NodeWriter for ServerWriter {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        for sample in samples {
            let invalid = sample.flags.contains(SampleFlags::INVALID);
            let time = if sample.ts_origin != 0 {
                sample.ts_origin
            } else {
                ctx.wall
            };
            for (point, (&input, &deadband)) in self.inputs.iter().zip(&self.deadbands).enumerate()
            {
                let Some(value) = sample.values().get(input).map(|v| v.as_f64()) else {
                    continue;
                };
                let Some(last) = self.last.get_mut(point) else {
                    continue;
                };
                let changed = match *last {
                    None => true,
                    Some(previous) if deadband > 0.0 => (value - previous).abs() > deadband,
                    Some(previous) => value != previous,
                };
                if !changed {
                    continue;
                }
                *last = Some(value);
                let update = Update {
                    point,
                    value,
                    invalid,
                    time,
                };
                if self.updates.push(update).is_err() {
                    self.counters.updates_dropped.inc();
                }
            }
        }
        Ok(samples.len())
    }
}

struct ServerReader {
    executed: Arc<ArrayQueue<Command>>,
    wake: UnixDatagram,
    values: Vec<f64>,
    next_seq: u64,
    _network: Arc<NetworkThread>,
}

impl NodeReader for ServerReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        if self.executed.is_empty() {
            let mut byte = [0u8; 64];
            if ctx.timeout > 0 {
                let wait = std::time::Duration::from_nanos(ctx.timeout as u64);
                let _ = self.wake.set_read_timeout(Some(wait));
                let _ = self.wake.recv(&mut byte);
            }
        }
        while !out.is_full() {
            let Some(command) = self.executed.pop() else {
                break;
            };
            if let Some(slot) = self.values.get_mut(command.command) {
                *slot = command.value;
            }
            let Some(mut sample) = ctx.pool.alloc() else {
                break;
            };
            for v in &self.values {
                let _ = sample.push(Value::F64(*v));
            }
            sample.seq = self.next_seq;
            self.next_seq += 1;
            sample.ts_origin = command.time as Nanos;
            if out.push(sample).is_err() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Iec104ServerConfig {
        toml::from_str(text).expect("config")
    }

    #[test]
    fn options_are_checked_and_inputs_resolved() {
        let ctx = ConfigContext {
            name: "rtu".into(),
            config_dir: ".".into(),
        };
        let base = "listen = \"127.0.0.1:2404\"\npoints = [{ signal = \"p\", ioa = 1, type = \"float\", deadband = 0.5 }]\ncommands = [{ name = \"brk\", ioa = 2, type = \"single\" }]\n";
        let mut c = config(base);
        assert!(c.prepare(&ctx).is_ok());
        assert!(c
            .connect_input(&[Signal::f64("q"), Signal::f64("p")])
            .is_ok());
        assert_eq!(c.inputs, [1]);
        let err = c.connect_input(&[Signal::f64("q")]).unwrap_err();
        assert!(err.message.contains("no signal `p`"), "{err}");
        let field = |name: &str| Some(gridhil_engine::FieldPath::parse(name));
        let mut c = config(&format!("{base}w = 20\n"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("w"));
        let mut c = config(&base.replace("ioa = 2", "ioa = 1"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("commands[0].ioa"));
        let mut c = config(&base.replace("127.0.0.1:2404", "nowhere"));
        assert_eq!(c.prepare(&ctx).unwrap_err().field, field("listen"));
    }
}
