//! What every thread of a running engine shares, and what a [`super::RunHandle`] reads:
//! the clock, the pool, the event channel, the log queue, and a live view of every node and
//! path (counters, histograms, queues, stop/start gates, control queues).
//!
//! Everything here is read or written without locks; building it is done in `build.rs`.

use super::actions::Timed;
use crate::clock::Clock;
use crate::control::ControlSender;
use crate::event::EventSink;
use crate::impair::ImpairCounters;
use crate::node::NodeCounters;
use crate::path::PathContext;
use crate::queue::SampleQueue;
use crate::runlog::LogQueue;
use crate::sample::SamplePool;
use crate::signal::Signal;
use crate::stats::{Counter, LatencyHistogram, NodeRunCounters, PathCounters};
use crate::units::Nanos;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Actions injected into a running engine and not yet taken over by its scheduler.
pub(crate) const INJECTED_ACTIONS: usize = 1024;

/// A node as the running engine sees it.
pub(crate) struct NodeLive {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: String,
    /// Engine-side counters (reads, pool exhaustion, late wake-ups).
    pub run_counters: Arc<NodeRunCounters>,
    /// The node's own counters.
    pub counters: Option<Arc<dyn NodeCounters>>,
    /// Inputs an action may set (the node's declared controls).
    pub controls: Vec<Signal>,
    /// Queue to the node's control receiver (when it declares controls).
    pub control_sender: Option<ControlSender>,
    /// Whether the node runs (a stopped node's reads are dropped, nothing is written to it).
    pub running: Arc<AtomicBool>,
}

/// A hook as actions address it.
pub(crate) struct HookLive {
    /// Hook type.
    pub kind: String,
    /// Parameters an action may set.
    pub parameters: Vec<&'static str>,
}

/// A path as the running engine sees it.
pub(crate) struct PathLive {
    /// Name.
    pub name: String,
    /// Signals after the hook chain (what outputs and the run log get).
    pub signals: Vec<Signal>,
    /// Counters.
    pub counters: Arc<PathCounters>,
    /// Ingress → egress latency.
    pub latency: Arc<LatencyHistogram>,
    /// What the path's link impairments did.
    pub impair: Arc<ImpairCounters>,
    /// Whether the path has an `impair` table (then timing impairments may be set).
    pub impair_timing: bool,
    /// Input queues.
    pub queues: Vec<Arc<SampleQueue>>,
    /// The hook chain.
    pub hooks: Vec<HookLive>,
    /// Queue to the path's hook-parameter receiver.
    pub control_sender: ControlSender,
    /// Whether the path runs.
    pub running: Arc<AtomicBool>,
}

/// State shared by the scheduler, the real-time threads, the supervisor and handles.
pub(crate) struct Shared {
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// The sample pool.
    pub pool: Arc<SamplePool>,
    /// Events from real-time threads to the supervisor.
    pub events: EventSink,
    /// The log queue, when rows are logged.
    pub log: Option<Arc<LogQueue>>,
    /// Set to end the run (Ctrl-C, a handle, a `stop-run` action).
    pub stop: Arc<AtomicBool>,
    /// Monotonic instant of the run's start.
    pub start: Nanos,
    /// Monotonic instant of the run's end, when it has a duration.
    pub end: Option<Nanos>,
    /// Nodes, in configuration order.
    pub nodes: Vec<NodeLive>,
    /// Enabled paths, in configuration order.
    pub paths: Vec<PathLive>,
    /// Actions injected while running, waiting for the scheduler in charge.
    pub injected: ArrayQueue<Timed>,
    /// Actions carried out.
    pub actions_applied: Counter,
    /// Control values that found their queue full.
    pub actions_dropped: Counter,
    /// Set when every scheduler thread has stopped.
    pub finished: AtomicBool,
    /// Whether progress lines are printed, and how often.
    pub progress: Option<Nanos>,
}

impl Shared {
    /// What a path needs from the engine while it runs.
    pub(crate) fn path_ctx(&self) -> PathContext<'_> {
        PathContext {
            clock: self.clock.as_ref(),
            pool: &self.pool,
            events: &self.events,
            log: self.log.as_deref(),
        }
    }

    /// Whether `t` is at or after the end of the run.
    pub(crate) fn past_end(&self, t: Nanos) -> bool {
        self.end.is_some_and(|end| t >= end)
    }

    /// The last instant a timed reader may see.
    pub(crate) fn cap(&self) -> Option<Nanos> {
        self.end.map(|end| end - 1)
    }

    /// Whether the run was asked to stop.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Run time since the start on the engine's clock.
    pub(crate) fn run_time(&self) -> Nanos {
        (self.clock.monotonic() - self.start).max(0)
    }

    /// Name of node `index` (`?` when out of range).
    pub(crate) fn node_name(&self, index: usize) -> &str {
        self.nodes.get(index).map_or("?", |n| n.name.as_str())
    }
}
