//! The node interface: what every endpoint type implements.
//!
//! A node type is a configuration struct (deserialized from its `[nodes.NAME]` table)
//! implementing [`NodeConfig`]. At start-up the engine calls [`NodeConfig::build`], which
//! opens the node's resources and returns its halves: a [`NodeReader`] driven by the
//! node's reader thread and a [`NodeWriter`] driven by the path that outputs to it. The
//! halves never share a lock.

use crate::clock::Clock;
use crate::control::ControlReceiver;
use crate::field::FieldError;
use crate::sample::{SamplePool, SampleRef};
use crate::signal::Signal;
use crate::stats::CounterValue;
use crate::units::Nanos;
pub use gridhil_sample::Batch;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Error of a node at build time or while running.
///
/// Its message says everything, the cause included, and `source()` gives nothing more:
/// printed alone or as a chain (`{:#}`), each thing is said once.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// An operating-system I/O error, with what was being done.
    #[error("{context}: {error}")]
    Io {
        /// What the node was doing.
        context: String,
        /// The error (part of the message, not a `source()`).
        error: std::io::Error,
    },
    /// A configuration problem found when the node was built.
    #[error("{0}")]
    Config(String),
    /// A peer or a protocol did something the node cannot go on from.
    #[error("{0}")]
    Protocol(String),
}

impl NodeError {
    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        NodeError::Io {
            context: context.into(),
            error: source,
        }
    }
}

/// A resource a node claims exclusively; two nodes claiming the same one is a config error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// A local UDP port bound for receiving.
    UdpPort(std::net::SocketAddr),
    /// A local TCP port listened on.
    TcpPort(std::net::SocketAddr),
    /// A file written by the node.
    OutputFile(PathBuf),
}

/// Facts a node config may use to resolve itself after it has been read.
#[derive(Debug, Clone)]
pub struct ConfigContext {
    /// The node's name.
    pub name: String,
    /// Folder of the configuration file (relative paths are resolved from here).
    pub config_dir: PathBuf,
}

impl ConfigContext {
    /// Resolves a path from the configuration relative to the config file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.config_dir.join(path)
        }
    }
}

/// Everything a node gets when it is built for a run.
#[derive(Clone)]
pub struct BuildContext {
    /// The node's name.
    pub name: String,
    /// The run's clock, for the node's own non-real-time threads (network servers, timers):
    /// nothing in a node reads the operating system's clock; in virtual time this is the
    /// virtual clock, with `wall_clock = "tai"` it gives TAI.
    pub clock: Arc<dyn Clock>,
    /// The run's sample pool.
    pub pool: Arc<SamplePool>,
    /// Start of the run on the monotonic timeline: the first tick of timed sources.
    pub start: Nanos,
    /// End of the run on the monotonic timeline, when a duration was given.
    pub end: Option<Nanos>,
    /// Wall time minus monotonic time, fixed for the run.
    pub wall_offset: Nanos,
    /// Most samples a single read may return.
    pub batch_size: usize,
    /// The receiving end of the node's controls (present when it declares some).
    pub controls: ControlSlot,
}

/// Holds a node's [`ControlReceiver`] until the half that applies controls takes it at
/// build time (the reader of a simulator, the writer of a sink).
#[derive(Debug, Clone, Default)]
pub struct ControlSlot(Arc<Mutex<Option<ControlReceiver>>>);

impl ControlSlot {
    /// A slot holding `receiver`.
    pub fn new(receiver: ControlReceiver) -> Self {
        ControlSlot(Arc::new(Mutex::new(Some(receiver))))
    }

    /// Takes the receiver (once; later calls get `None`). Build time only.
    pub fn take(&self) -> Option<ControlReceiver> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl BuildContext {
    /// Wall-clock instant (ns since the Unix epoch) of a monotonic instant.
    pub fn wall_of(&self, monotonic: Nanos) -> Nanos {
        monotonic + self.wall_offset
    }

    /// Whether the run is in virtual time (then kernel time stamps and other outside
    /// clocks must not be used: the run must repeat bit for bit).
    pub fn virtual_time(&self) -> bool {
        self.clock.is_virtual()
    }
}

/// Configuration and factory of one node type.
pub trait NodeConfig: Send + Sync + std::fmt::Debug {
    /// Resolves files and derived settings after deserialization (e.g. loads a model file).
    /// An error names the field it is about, when it is about one.
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        Ok(())
    }
    /// The signals this node produces when read; empty for a node that only receives.
    fn output_signals(&self) -> Vec<Signal>;
    /// Whether the node can be written to (used as a path output).
    fn accepts_input(&self) -> bool;
    /// Checks and remembers the signals a path will write to this node. An error names the
    /// node's field it is about, when it is about one.
    fn connect_input(&mut self, _signals: &[Signal]) -> Result<(), FieldError> {
        Ok(())
    }
    /// Resources claimed exclusively.
    fn resources(&self) -> Vec<Resource> {
        Vec::new()
    }
    /// Inputs an action may set while the run goes on (a simulator's set-points and
    /// breakers, a generator's amplitude), by name. A node that declares controls takes its
    /// [`BuildContext::controls`] receiver and applies each value from its instant.
    fn controls(&self) -> Vec<Signal> {
        Vec::new()
    }
    /// Opens the node's resources and returns its halves. Called once, before the run.
    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError>;
}

/// The running halves of a node.
#[derive(Default)]
pub struct NodeIo {
    /// Produces samples (absent for a sink).
    pub reader: Option<Box<dyn NodeReader>>,
    /// Consumes samples (absent for a pure source).
    pub writer: Option<Box<dyn NodeWriter>>,
    /// Node-specific counters reported in stats and the run log.
    pub counters: Option<Arc<dyn NodeCounters>>,
}

/// When a reader has its next samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A timed source: the next sample is due at this monotonic instant.
    At(Nanos),
    /// An event-driven source (a socket): data arrives when it arrives.
    Event,
    /// The source has nothing more (end of file, end of its timeline).
    Done,
}

/// What a reader gets on each call: the instant of the call on the engine's clock, the
/// pool, and how long it may wait. A reader never reads a clock of its own.
pub struct ReadContext<'a> {
    /// The engine's monotonic time when the call began. A timed reader never sees the end
    /// of the run or later, so a reader that wakes late at the very end produces no sample
    /// due after it.
    pub now: Nanos,
    /// Wall-clock time (ns since the Unix epoch; TAI when configured; virtual wall time in
    /// virtual time) when the call began.
    pub wall: Nanos,
    /// The run's sample pool.
    pub pool: &'a Arc<SamplePool>,
    /// How long an event-driven read may block waiting for data (0: must not block).
    pub timeout: Nanos,
    clock: &'a dyn Clock,
    cap: Option<Nanos>,
}

impl<'a> ReadContext<'a> {
    /// A context for one read at the clock's present instant; `cap` is the last instant a
    /// timed reader may see (`None`: no cap, e.g. for event-driven readers).
    pub fn new(
        clock: &'a dyn Clock,
        pool: &'a Arc<SamplePool>,
        timeout: Nanos,
        cap: Option<Nanos>,
    ) -> Self {
        let mut ctx = ReadContext {
            now: 0,
            wall: 0,
            pool,
            timeout,
            clock,
            cap,
        };
        ctx.now = ctx.current_time();
        ctx.wall = clock.wall();
        ctx
    }

    /// Reads the engine's monotonic clock again (capped like [`ReadContext::now`]), for a
    /// reader whose call lasts (a simulator measuring its own step time).
    pub fn current_time(&self) -> Nanos {
        let now = self.clock.monotonic();
        self.cap.map_or(now, |cap| now.min(cap))
    }
}

/// The receiving half of a node, called on the node's reader thread.
pub trait NodeReader: Send {
    /// When the next samples are due.
    fn due(&self) -> Due;
    /// Whether an event-driven reader is fed only by the run itself (a loopback written by
    /// the run's own paths), so that virtual time stays deterministic with it. Readers of
    /// sockets and devices are not (the default).
    fn fed_by_the_run(&self) -> bool {
        false
    }
    /// Appends the samples that are due (timed) or have arrived (event) to `out`.
    ///
    /// Must not allocate, lock or log. Malformed input is counted by the node and skipped;
    /// an `Err` means the reader cannot go on.
    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError>;
    /// Releases resources at the end of the run.
    fn stop(&mut self) -> Result<(), NodeError> {
        Ok(())
    }
}

/// What a writer gets on each call: the instant of the call on the engine's clock.
#[derive(Debug, Clone, Copy)]
pub struct WriteContext {
    /// The engine's monotonic time of the call.
    pub now: Nanos,
    /// Wall-clock time of the call (ns since the Unix epoch; TAI when configured).
    pub wall: Nanos,
}

impl WriteContext {
    /// The context of a write at the clock's present instant.
    pub fn now(clock: &dyn Clock) -> Self {
        WriteContext {
            now: clock.monotonic(),
            wall: clock.wall(),
        }
    }
}

/// The sending half of a node, called on the thread of the path that outputs to it.
pub trait NodeWriter: Send {
    /// Sends the samples; returns how many were accepted. Must not allocate, lock or log.
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError>;
    /// Flushes and releases resources at the end of the run (after the last write).
    fn stop(&mut self) -> Result<(), NodeError> {
        Ok(())
    }
}

/// Node-specific counters, read off the real-time path (by the supervisor, a snapshot of
/// a running engine, and the final report). Each value says whether it counts trouble
/// ([`crate::stats::Severity::Problem`]: the supervisor warns when it grows) or just what
/// happened.
pub trait NodeCounters: Send + Sync {
    /// Current values, in a fixed order.
    fn snapshot(&self) -> Vec<CounterValue>;

    /// Tables the node kept about its run (e.g. a simulator's switching instants), taken
    /// once when the run has ended and written into the run log as
    /// `/nodes/<node>/<table name>`. None by default.
    fn tables(&self) -> Vec<NodeTable> {
        Vec::new()
    }
}

/// A table of integers a node hands over at the end of a run (see
/// [`NodeCounters::tables`]): one row per record, the columns named.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeTable {
    /// Name of the table (the dataset's name in the node's group).
    pub name: &'static str,
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<i64>>,
    /// Lists of names that integer columns refer to (attribute name → names), e.g. the
    /// simulator's inputs that an `input` column indexes.
    pub labels: Vec<(&'static str, Vec<String>)>,
}
