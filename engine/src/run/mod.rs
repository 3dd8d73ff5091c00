//! Running a validated configuration, as a library: plan it, build it, start it, and drive
//! it through a handle (snapshots of every counter and histogram, timed actions, stop,
//! wait), in real time on pinned threads or in virtual time on one deterministic thread.
//!
//! ```text
//! Run::new(spec, options)   plan (pure) → clock → nodes built → queues, paths → run log
//! run.schedule(action)      timed actions known before the start (scenarios)
//! run.start()               log thread + scheduler (virtual time) or threads + supervisor
//! handle.snapshot()         counters and histograms while it runs
//! handle.inject(action)     an action now or later
//! handle.wait()             the report; the run log is complete and closed
//! ```

mod actions;
mod apply;
mod build;
mod plan;
mod reader;
mod realtime;
mod report;
mod shared;
mod supervisor;
#[cfg(test)]
mod testkit;
mod virtual_time;

pub use actions::{Action, ActionError, ActionKind};
pub use plan::{
    LogPlan, PathShape, Plan, PlanRequest, Subscription, ThreadJob, ThreadPlan, Topology,
};
pub use realtime::{is_rt_thread, mark_rt_thread};
pub use report::{
    HookLayout, ImpairSnapshot, LogSnapshot, NodeLayout, NodeReport, NodeSnapshot, PathLayout,
    PathReport, PathSnapshot, RunLayout, RunReport, Snapshot,
};

use crate::config::{EngineSpec, RealtimeSettings};
use crate::node::NodeError;
use crate::path::PathRuntime;
use crate::runlog::{LogQueue, LogTap, LogThread, LoggedPath, RunLogError, RunLogWriter};
use crate::units::Duration;
use actions::Timeline;
use reader::ReaderRuntime;
use shared::Shared;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use supervisor::{drain_events, Finished};
use virtual_time::VirtualScheduler;

/// Error that stops a run from starting or finishing.
///
/// Its message says everything, the cause included, and `source()` gives nothing more:
/// printed alone or as a chain (`{:#}`), each thing is said once.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A node could not be built.
    #[error("node `{node}`: {error}")]
    Node {
        /// Node name.
        node: String,
        /// The error (part of the message, not a `source()`).
        error: NodeError,
    },
    /// The run log failed.
    #[error(transparent)]
    RunLog(#[from] RunLogError),
    /// A thread could not be started or failed.
    #[error("thread {name}: {message}")]
    Thread {
        /// Thread name.
        name: String,
        /// What happened.
        message: String,
    },
    /// An action given before the start does not fit the run (the error is part of the
    /// message, not a `source()`).
    #[error("action: {0}")]
    Action(ActionError),
}

impl From<ActionError> for EngineError {
    fn from(error: ActionError) -> Self {
        EngineError::Action(error)
    }
}

/// How to run.
#[derive(Default)]
pub struct RunOptions {
    /// Stop after this long (overrides `engine.duration`).
    pub duration: Option<Duration>,
    /// Run in virtual time (or when `engine.virtual_time` is set).
    pub virtual_time: bool,
    /// HDF5 run log (overrides `engine.log.hdf5`).
    pub log: Option<PathBuf>,
    /// The command line, stored in the run log.
    pub command: String,
    /// gridhil version, stored in the run log.
    pub version: String,
    /// Print progress lines.
    pub progress: bool,
    /// Readers of the log stream (scenario assertions, live views): they get every logged
    /// row on the log thread, with or without an HDF5 file.
    pub taps: Vec<Box<dyn LogTap>>,
    /// A stop flag to use (e.g. one that SIGINT/SIGTERM set); a new one when absent.
    pub stop: Option<Arc<AtomicBool>>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("duration", &self.duration)
            .field("virtual_time", &self.virtual_time)
            .field("log", &self.log)
            .field("progress", &self.progress)
            .field("taps", &self.taps.len())
            .finish()
    }
}

/// The run log as built, before its thread starts.
struct LogParts {
    queue: Arc<LogQueue>,
    writer: Option<RunLogWriter>,
    layout: Vec<Option<LoggedPath>>,
    taps: Vec<Box<dyn LogTap>>,
    flush_interval: std::time::Duration,
}

/// Facts the report needs at the end.
struct RunFacts {
    log_file: Option<PathBuf>,
}

/// A run that is built (nodes opened, run log created) and not started yet.
pub struct Run {
    shared: Arc<Shared>,
    plan: Plan,
    readers: Vec<ReaderRuntime>,
    paths: Vec<PathRuntime>,
    timeline: Timeline,
    log: Option<LogParts>,
    realtime: RealtimeSettings,
    notes: Vec<String>,
    facts: RunFacts,
}

impl Run {
    /// The plan the run was built from.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The run's nodes and paths, with what actions may change.
    pub fn layout(&self) -> RunLayout {
        self.shared.layout()
    }

    /// Adds an action to the run's timeline (checked against its nodes, inputs, paths and
    /// hooks now). In virtual time it is carried out exactly at its instant.
    pub fn schedule(&mut self, action: Action) -> Result<(), ActionError> {
        let timed = self
            .shared
            .resolve(&action, self.shared.clock.monotonic())?;
        self.timeline.push(timed);
        Ok(())
    }

    /// The flag that ends the run when set (install signal handlers on it).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.shared.stop)
    }

    /// Starts the log thread and the scheduler; returns at once with a handle.
    pub fn start(self) -> Result<RunHandle, EngineError> {
        let Run {
            shared,
            plan,
            readers,
            paths,
            timeline,
            log,
            realtime,
            notes,
            facts,
        } = self;
        let log = match log {
            Some(parts) => Some(LogThread::spawn(
                parts.writer,
                parts.taps,
                parts.layout,
                parts.queue,
                parts.flush_interval,
            )?),
            None => None,
        };
        let scheduler_shared = Arc::clone(&shared);
        let name = if plan.virtual_time {
            "gridhil-virtual"
        } else {
            "gridhil-supervise"
        };
        let main = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let shared = scheduler_shared;
                let finished = if plan.virtual_time {
                    if readers
                        .iter()
                        .any(|r| {
                            r.reader.due() == crate::node::Due::Event && !r.reader.fed_by_the_run()
                        })
                    {
                        tracing::warn!(
                            "virtual time with event-driven nodes (sockets): their timing is not deterministic"
                        );
                    }
                    Ok(VirtualScheduler::new(&shared, readers, paths, timeline).run())
                } else {
                    realtime::run_realtime(
                        &shared,
                        &plan.threads,
                        readers,
                        paths,
                        &realtime,
                        notes,
                        timeline,
                    )
                };
                shared.finished.store(true, Ordering::Release);
                finished
            })
            .map_err(|e| EngineError::Thread {
                name: name.into(),
                message: e.to_string(),
            })?;
        Ok(RunHandle {
            shared,
            main: Some(main),
            log,
            facts,
        })
    }
}

/// A running engine.
pub struct RunHandle {
    shared: Arc<Shared>,
    main: Option<JoinHandle<Result<Finished, EngineError>>>,
    log: Option<LogThread>,
    facts: RunFacts,
}

impl RunHandle {
    /// Every counter and histogram now.
    pub fn snapshot(&self) -> Snapshot {
        self.shared.snapshot()
    }

    /// The run's nodes and paths, with what actions may change.
    pub fn layout(&self) -> RunLayout {
        self.shared.layout()
    }

    /// Takes an action now (`at` absent) or at its instant.
    pub fn inject(&self, action: Action) -> Result<(), ActionError> {
        if self.is_finished() {
            return Err(ActionError::Finished);
        }
        let timed = self
            .shared
            .resolve(&action, self.shared.clock.monotonic())?;
        self.shared
            .injected
            .push(timed)
            .map_err(|_| ActionError::Full)
    }

    /// Asks the run to end (as Ctrl-C does); [`RunHandle::wait`] then returns soon.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
    }

    /// The flag that ends the run when set.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.shared.stop)
    }

    /// Whether every scheduler thread has stopped.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Acquire)
    }

    /// Waits for the end of the run, completes and closes the run log, and returns the
    /// report.
    pub fn wait(mut self) -> Result<RunReport, EngineError> {
        let finished = match self.main.take() {
            Some(main) => main.join().map_err(|_| EngineError::Thread {
                name: "scheduler".into(),
                message: "panicked".into(),
            })??,
            None => Finished::default(),
        };
        let Finished {
            summaries,
            mut errors,
            realtime,
        } = finished;
        drain_events(&self.shared, &mut errors);
        let log = match self.log.take() {
            Some(thread) => Some(thread.finish()?),
            None => None,
        };
        let mut report =
            RunReport::from_snapshot(self.shared.snapshot(), summaries, errors, realtime);
        report.log_file = self
            .facts
            .log_file
            .as_ref()
            .map(|p| p.display().to_string());
        for (node, live) in report.nodes.iter_mut().zip(self.shared.nodes.iter()) {
            if let Some(counters) = &live.counters {
                node.tables = counters.tables();
            }
        }
        if let Some(result) = log {
            let failed = result.error.is_some();
            if let Some(error) = result.error {
                report.errors.push(error.to_string());
            }
            if let Some(writer) = result.writer {
                let accepted = self.shared.snapshot().log.map_or(0, |l| l.accepted);
                report.complete_log(writer, failed, accepted);
            }
        }
        Ok(report)
    }
}

/// Runs a validated configuration until its duration ends, every source is done, or `stop`
/// is set (SIGINT/SIGTERM). Returns the run's figures.
pub fn run(
    spec: EngineSpec,
    mut options: RunOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunReport, EngineError> {
    options.stop = Some(stop);
    Run::new(spec, options)?.start()?.wait()
}
