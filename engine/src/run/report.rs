//! What a run reports: a snapshot of every counter and histogram while it runs, and the
//! final report when it is over (also written into the run log).

use super::shared::Shared;
use super::supervisor::node_counters;
use crate::impair::ImpairCounters;
use crate::runlog::{RunLogError, RunLogWriter};
use crate::stats::{CounterValue, HistogramSnapshot, LatencySummary};
use crate::units::NANOS_PER_SEC;
use serde::Serialize;
use std::sync::atomic::Ordering;

/// A path's counters and latency histogram at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct PathSnapshot {
    /// Path name.
    pub name: String,
    /// Whether the path runs (not stopped by an action).
    pub running: bool,
    /// Samples taken from the inputs.
    pub received: u64,
    /// Samples written to the outputs.
    pub sent: u64,
    /// Samples waiting in the input queues.
    pub queued: u64,
    /// Samples dropped by full input queues.
    pub queue_dropped: u64,
    /// Samples dropped by hooks.
    pub hook_dropped: u64,
    /// Output samples lost to an empty pool.
    pub pool_exhausted: u64,
    /// Rate-trigger ticks skipped because the path was behind.
    pub overruns: u64,
    /// Failed writes.
    pub write_errors: u64,
    /// Samples an output did not accept.
    pub write_short: u64,
    /// Rows the run log dropped.
    pub log_dropped: u64,
    /// Samples dropped while the path was stopped.
    pub stopped_dropped: u64,
    /// Samples not written to a stopped output node.
    pub output_stopped: u64,
    /// What the link impairments did.
    pub impaired: ImpairSnapshot,
    /// Ingress → egress latency (`ts_sent − ts_received`), ns.
    pub latency: HistogramSnapshot,
}

/// What a path's link impairments did, counted.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ImpairSnapshot {
    /// Samples lost on purpose (`loss`).
    pub lost: u64,
    /// Samples lost to an outage.
    pub outage_dropped: u64,
    /// Extra copies sent (`duplicate`).
    pub duplicated: u64,
    /// Samples held back to be overtaken (`reorder`).
    pub reordered: u64,
    /// Samples dropped because the hold was full.
    pub hold_full: u64,
    /// Samples still held back when the run ended.
    pub unreleased: u64,
}

impl ImpairSnapshot {
    fn of(c: &ImpairCounters) -> Self {
        ImpairSnapshot {
            lost: c.lost.get(),
            outage_dropped: c.outage_dropped.get(),
            duplicated: c.duplicated.get(),
            reordered: c.reordered.get(),
            hold_full: c.hold_full.get(),
            unreleased: c.unreleased.get(),
        }
    }
}

/// A node's counters at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSnapshot {
    /// Node name.
    pub name: String,
    /// Node type.
    pub kind: String,
    /// Whether the node runs (not stopped by an action).
    pub running: bool,
    /// Engine-side and node counters, each with its severity.
    pub counters: Vec<CounterValue>,
}

/// The run log's queue at one moment.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LogSnapshot {
    /// Rows accepted into the queue.
    pub accepted: u64,
    /// Rows written to the file and taps.
    pub written: u64,
    /// Rows dropped (queue full in real time).
    pub dropped: u64,
    /// Rows waiting.
    pub queued: u64,
}

/// Every counter and histogram of a run at one moment. Each value is read atomically; the
/// whole set is read within microseconds while the run goes on, not under a lock.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Run time on the engine's clock, seconds since the start.
    pub run_time_s: f64,
    /// Whether the run is in virtual time.
    pub virtual_time: bool,
    /// Whether every scheduler thread has stopped.
    pub finished: bool,
    /// Per path, in configuration order.
    pub paths: Vec<PathSnapshot>,
    /// Per node, in configuration order.
    pub nodes: Vec<NodeSnapshot>,
    /// The run log's queue, when rows are logged.
    pub log: Option<LogSnapshot>,
    /// Samples in the pool.
    pub pool_slots: u64,
    /// Samples free now.
    pub pool_available: u64,
    /// Times a sample could not be taken because every slot was in use.
    pub pool_exhausted: u64,
    /// Events lost because the event channel was full.
    pub events_dropped: u64,
    /// Actions carried out.
    pub actions_applied: u64,
    /// Control values lost because their queue was full.
    pub actions_dropped: u64,
}

impl Shared {
    /// Reads every counter and histogram now.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let paths = self
            .paths
            .iter()
            .map(|p| {
                let c = &p.counters;
                PathSnapshot {
                    name: p.name.clone(),
                    running: p.running.load(Ordering::Acquire),
                    received: c.received.get(),
                    sent: c.sent.get(),
                    queued: p.queues.iter().map(|q| q.len() as u64).sum(),
                    queue_dropped: p.queues.iter().map(|q| q.dropped()).sum(),
                    hook_dropped: c.hook_dropped.get(),
                    pool_exhausted: c.pool_exhausted.get(),
                    overruns: c.overruns.get(),
                    write_errors: c.write_errors.get(),
                    write_short: c.write_short.get(),
                    log_dropped: c.log_dropped.get(),
                    stopped_dropped: c.stopped_dropped.get(),
                    output_stopped: c.output_stopped.get(),
                    impaired: ImpairSnapshot::of(&p.impair),
                    latency: p.latency.snapshot(),
                }
            })
            .collect();
        let nodes = self
            .nodes
            .iter()
            .map(|n| NodeSnapshot {
                name: n.name.clone(),
                kind: n.kind.clone(),
                running: n.running.load(Ordering::Acquire),
                counters: node_counters(n),
            })
            .collect();
        Snapshot {
            run_time_s: self.run_time() as f64 / NANOS_PER_SEC as f64,
            virtual_time: self.clock.is_virtual(),
            finished: self.finished.load(Ordering::Acquire),
            paths,
            nodes,
            log: self.log.as_ref().map(|q| LogSnapshot {
                accepted: q.accepted(),
                written: q.written(),
                dropped: q.dropped(),
                queued: q.len() as u64,
            }),
            pool_slots: self.pool.slots() as u64,
            pool_available: self.pool.available() as u64,
            pool_exhausted: self.pool.exhausted_count(),
            events_dropped: self.events.dropped(),
            actions_applied: self.actions_applied.get(),
            actions_dropped: self.actions_dropped.get(),
        }
    }
}

/// A node of a run as actions address it.
#[derive(Debug, Clone)]
pub struct NodeLayout {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: String,
    /// Inputs an action may set.
    pub controls: Vec<crate::signal::Signal>,
}

/// A hook of a path as actions address it.
#[derive(Debug, Clone)]
pub struct HookLayout {
    /// Hook type.
    pub kind: String,
    /// Parameters an action may set.
    pub parameters: Vec<&'static str>,
}

/// A path of a run: its output signals (the columns of its rows) and its hooks.
#[derive(Debug, Clone)]
pub struct PathLayout {
    /// Name.
    pub name: String,
    /// Signals after the hook chain.
    pub signals: Vec<crate::signal::Signal>,
    /// The hook chain.
    pub hooks: Vec<HookLayout>,
}

/// The nodes and paths of a run, with what actions may change.
#[derive(Debug, Clone)]
pub struct RunLayout {
    /// Nodes, in configuration order.
    pub nodes: Vec<NodeLayout>,
    /// Paths, in configuration order.
    pub paths: Vec<PathLayout>,
}

impl Shared {
    /// The run's nodes and paths.
    pub(crate) fn layout(&self) -> RunLayout {
        RunLayout {
            nodes: self
                .nodes
                .iter()
                .map(|n| NodeLayout {
                    name: n.name.clone(),
                    kind: n.kind.clone(),
                    controls: n.controls.clone(),
                })
                .collect(),
            paths: self
                .paths
                .iter()
                .map(|p| PathLayout {
                    name: p.name.clone(),
                    signals: p.signals.clone(),
                    hooks: p
                        .hooks
                        .iter()
                        .map(|h| HookLayout {
                            kind: h.kind.clone(),
                            parameters: h.parameters.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Final figures of a path.
#[derive(Debug, Clone, Serialize)]
pub struct PathReport {
    /// Path name.
    pub name: String,
    /// Samples taken from the inputs.
    pub received: u64,
    /// Samples written to the outputs.
    pub sent: u64,
    /// Samples dropped by input queues (overflow).
    pub queue_dropped: u64,
    /// Samples dropped by hooks.
    pub hook_dropped: u64,
    /// Output samples lost to an empty pool.
    pub pool_exhausted: u64,
    /// Rate-trigger overruns.
    pub overruns: u64,
    /// Failed writes.
    pub write_errors: u64,
    /// Samples the run log dropped.
    pub log_dropped: u64,
    /// Samples dropped while the path was stopped by an action.
    pub stopped_dropped: u64,
    /// Samples not written to an output node stopped by an action.
    pub output_stopped: u64,
    /// What the link impairments did.
    pub impaired: ImpairSnapshot,
    /// Ingress → egress latency (ts_sent − ts_received).
    pub latency_us: LatencySummary,
    /// End-of-run summaries of the path's hooks.
    pub hooks: Vec<String>,
}

impl PathReport {
    fn from_snapshot(s: PathSnapshot, hooks: Vec<String>) -> Self {
        PathReport {
            name: s.name,
            received: s.received,
            sent: s.sent,
            queue_dropped: s.queue_dropped,
            hook_dropped: s.hook_dropped,
            pool_exhausted: s.pool_exhausted,
            overruns: s.overruns,
            write_errors: s.write_errors,
            log_dropped: s.log_dropped,
            stopped_dropped: s.stopped_dropped,
            output_stopped: s.output_stopped,
            impaired: s.impaired,
            latency_us: s.latency.summary(),
            hooks,
        }
    }

    /// The counters stored as attributes of the path's group in the run log.
    fn log_counters(&self) -> [(&'static str, u64); 8] {
        [
            ("received", self.received),
            ("sent", self.sent),
            ("queue_dropped", self.queue_dropped),
            ("hook_dropped", self.hook_dropped),
            ("pool_exhausted", self.pool_exhausted),
            ("overruns", self.overruns),
            ("write_errors", self.write_errors),
            ("log_dropped", self.log_dropped),
        ]
    }
}

/// Final figures of a node.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// Node name.
    pub name: String,
    /// Node type.
    pub kind: String,
    /// Counters (engine-side and node-specific), each with its severity.
    pub counters: Vec<CounterValue>,
    /// Tables the node kept about its run (written to the run log).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<crate::node::NodeTable>,
}

/// What a run did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Whether the run was in virtual time.
    pub virtual_time: bool,
    /// Run time in seconds on the engine's clock.
    pub elapsed_s: f64,
    /// Real-time scheduling status, one line.
    pub realtime: String,
    /// Per path.
    pub paths: Vec<PathReport>,
    /// Per node.
    pub nodes: Vec<NodeReport>,
    /// Run log file, if any.
    pub log_file: Option<String>,
    /// Rows in the run log.
    pub log_rows: u64,
    /// Rows accepted into the run log that are not in the file (the file failed: full disk,
    /// I/O error). Not 0 means the log is incomplete.
    pub log_rows_lost: u64,
    /// Errors reported by nodes while running.
    pub errors: Vec<String>,
    /// Events lost because the event channel was full.
    pub events_dropped: u64,
    /// Times a sample could not be taken because every pool slot was in use.
    pub pool_exhausted: u64,
    /// Actions carried out.
    pub actions_applied: u64,
}

impl RunReport {
    /// Whether every sample that entered a path left it (no drops of any kind, no errors).
    pub fn lossless(&self) -> bool {
        self.errors.is_empty()
            && self.pool_exhausted == 0
            && self.paths.iter().all(|p| {
                p.queue_dropped == 0
                    && p.pool_exhausted == 0
                    && p.write_errors == 0
                    && p.log_dropped == 0
            })
    }

    /// The report of a finished run from its last snapshot.
    pub(crate) fn from_snapshot(
        snapshot: Snapshot,
        summaries: Vec<Vec<String>>,
        errors: Vec<String>,
        realtime: String,
    ) -> Self {
        let mut summaries = summaries.into_iter();
        RunReport {
            virtual_time: snapshot.virtual_time,
            elapsed_s: snapshot.run_time_s,
            realtime,
            paths: snapshot
                .paths
                .into_iter()
                .map(|p| PathReport::from_snapshot(p, summaries.next().unwrap_or_default()))
                .collect(),
            nodes: snapshot
                .nodes
                .into_iter()
                .map(|n| NodeReport {
                    name: n.name,
                    kind: n.kind,
                    counters: n.counters,
                    tables: Vec::new(),
                })
                .collect(),
            log_file: None,
            log_rows: 0,
            log_rows_lost: 0,
            errors,
            events_dropped: snapshot.events_dropped,
            pool_exhausted: snapshot.pool_exhausted,
            actions_applied: snapshot.actions_applied,
        }
    }

    /// Whether the run log holds every row it accepted (true without a log).
    pub fn log_complete(&self) -> bool {
        self.log_rows_lost == 0
    }

    /// Completes the run log and closes it: the counters and the real-time status are
    /// stored, or — when the file failed during the run (`failed`: its error is already in
    /// `errors`) — the file is left as it was at its last flush and the rows it lacks are
    /// counted. `accepted` is the rows the log queue took. Any error is said once, in
    /// `errors`.
    pub(crate) fn complete_log(&mut self, writer: RunLogWriter, failed: bool, accepted: u64) {
        if failed {
            self.log_rows = writer.rows_flushed();
            self.log_rows_lost = accepted.saturating_sub(self.log_rows);
            writer.abandon();
            return;
        }
        let mut writer = writer;
        let result = (|| -> Result<(), RunLogError> {
            for (index, path) in self.paths.iter().enumerate() {
                writer.write_path_counters(index, &path.log_counters())?;
            }
            for node in &self.nodes {
                writer.write_node(&node.name, &node.kind, &node.counters)?;
                for table in &node.tables {
                    writer.write_node_table(&node.name, table)?;
                }
            }
            writer.write_file_attr("realtime", &self.realtime)?;
            writer.flush()
        })();
        self.log_rows = writer.rows_flushed();
        self.log_rows_lost = accepted.saturating_sub(self.log_rows);
        match result.and_then(|()| writer.close()) {
            Ok(()) => {}
            Err(error) => self.errors.push(error.to_string()),
        }
    }
}
