//! Building a run from a validated configuration and its plan: the clock and the run's
//! instants, the process's real-time set-up, the pool, every node, the queues and paths
//! wired as planned, the run log.
//!
//! Nothing here runs the engine; `Run::start` does.

use super::actions::Timeline;
use super::plan::{LogPlan, Plan, PlanRequest, Topology};
use super::reader::{ReaderRuntime, ReaderTarget};
use super::shared::{HookLive, NodeLive, PathLive, Shared, INJECTED_ACTIONS};
use super::{EngineError, LogParts, Run, RunOptions};
use crate::clock::{Clock, RealClock, VirtualClock, WallSource, VIRTUAL_EPOCH_NS};
use crate::config::{EngineSpec, NodeSpec, PathSpec, RealtimeSettings, WallClockSetting};
use crate::control::{control_channel, ControlSender};
use crate::event::EventSink;
use crate::impair::{ImpairCounters, Impairment};
use crate::node::{BuildContext, ControlSlot, NodeError, NodeIo, NodeReader, NodeWriter};
use crate::path::{PathOutput, PathRuntime, PathTiming, PathWiring};
use crate::queue::SampleQueue;
use crate::runlog::{LogOverflow, LogQueue, LoggedPath, RunInfo, RunLogWriter};
use crate::sample::SamplePool;
use crate::stats::{Counter, NodeRunCounters};
use crate::units::Nanos;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Capacity of the event channel from real-time threads to the supervisor.
const EVENTS: usize = 4096;

/// Real time starts this long after the run is set up (memory locked, nodes built,
/// threads started and pinned before the first deadline), on a whole millisecond.
const REALTIME_START_MARGIN: Nanos = 100_000_000;

/// The run's instants on the engine's monotonic timeline.
#[derive(Debug, Clone, Copy)]
struct Timing {
    start: Nanos,
    end: Option<Nanos>,
    wall_offset: Nanos,
}

fn make_clock(virtual_time: bool, rt: &RealtimeSettings) -> Arc<dyn Clock> {
    if virtual_time {
        return Arc::new(VirtualClock::new(VIRTUAL_EPOCH_NS));
    }
    let source = match rt.wall_clock {
        WallClockSetting::Realtime => WallSource::Realtime,
        WallClockSetting::Tai => WallSource::Tai,
    };
    Arc::new(RealClock::new(source, rt.busy_wait.as_nanos()))
}

fn timing(clock: &dyn Clock, duration: Option<Nanos>) -> Timing {
    let (start, wall_offset) = if clock.is_virtual() {
        (0, clock.wall() - clock.monotonic())
    } else {
        let at = clock.monotonic() + REALTIME_START_MARGIN;
        (at - at % 1_000_000, clock.wall() - clock.monotonic())
    };
    Timing {
        start,
        end: duration.map(|d| start + d),
        wall_offset,
    }
}

/// Locks memory and checks the kernel for a real-time run; returns what falls short.
fn prepare_process(rt: &RealtimeSettings, virtual_time: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if virtual_time || !rt.enabled {
        return notes;
    }
    if rt.lock_memory {
        if let Err(e) = gridhil_rt::lock_memory() {
            notes.push(format!("memory not locked ({e})"));
        }
    }
    let kernel = gridhil_rt::check_host(&[]);
    if let Some(check) = kernel
        .iter()
        .find(|c| c.name == "kernel_preemption" && c.status == gridhil_rt::CheckStatus::Warn)
    {
        notes.push(format!("kernel: {}", check.detail));
    }
    notes
}

/// A node after `build`, with what the engine keeps of it.
struct BuiltNode {
    io: NodeIo,
    control_sender: Option<ControlSender>,
}

fn build_node(
    node: &NodeSpec,
    clock: &Arc<dyn Clock>,
    pool: &Arc<SamplePool>,
    timing: Timing,
    batch: usize,
) -> Result<BuiltNode, EngineError> {
    let (control_sender, controls) = if node.config.controls().is_empty() {
        (None, ControlSlot::default())
    } else {
        let (tx, rx) = control_channel();
        (Some(tx), ControlSlot::new(rx))
    };
    let ctx = BuildContext {
        name: node.name.clone(),
        clock: Arc::clone(clock),
        pool: Arc::clone(pool),
        start: timing.start,
        end: timing.end,
        wall_offset: timing.wall_offset,
        batch_size: batch,
        controls,
    };
    let io = node.config.build(&ctx).map_err(|error| EngineError::Node {
        node: node.name.clone(),
        error,
    })?;
    Ok(BuiltNode { io, control_sender })
}

/// Opens the run log's queue and HDF5 file (the thread starts with the run).
fn open_log(
    plan: &LogPlan,
    spec: &EngineSpec,
    options: &RunOptions,
    timing: Timing,
    virtual_time: bool,
) -> Result<LogParts, EngineError> {
    let overflow = if virtual_time {
        LogOverflow::Wait
    } else {
        LogOverflow::Drop
    };
    let queue = Arc::new(LogQueue::new(plan.queue, overflow));
    let layout: Vec<Option<LoggedPath>> = spec
        .paths
        .iter()
        .map(|p| {
            p.log.then(|| LoggedPath {
                name: p.name.clone(),
                signals: p.output_signals.clone(),
            })
        })
        .collect();
    let writer = match &plan.file {
        None => None,
        Some(file) => {
            let host = gridhil_rt::host_identity();
            let info = RunInfo {
                config: spec.text.clone(),
                config_file: spec.file.clone(),
                version: options.version.clone(),
                host: host.hostname,
                kernel: host.kernel,
                started_at_ns: timing.start + timing.wall_offset,
                virtual_time,
                realtime: String::new(),
                command: options.command.clone(),
            };
            let columns: Vec<Option<(String, Vec<crate::signal::Signal>)>> = layout
                .iter()
                .map(|p| p.as_ref().map(|p| (p.name.clone(), p.signals.clone())))
                .collect();
            Some(RunLogWriter::create(file, &info, &columns, &plan.format)?)
        }
    };
    Ok(LogParts {
        queue,
        writer,
        layout,
        taps: Vec::new(),
        flush_interval: plan.flush_interval,
    })
}

impl Run {
    /// Plans and builds a run of `spec`: every node is built (sockets bound, files opened)
    /// and the run log created; nothing runs until [`Run::start`].
    pub fn new(spec: EngineSpec, mut options: RunOptions) -> Result<Run, EngineError> {
        let settings = spec.engine.clone();
        let request = PlanRequest {
            virtual_time: options.virtual_time || settings.virtual_time,
            duration: options.duration.or(settings.duration).map(|d| d.as_nanos()),
            log_file: options.log.clone().or_else(|| settings.log.hdf5.clone()),
            log_taps: !options.taps.is_empty(),
        };
        let plan = Plan::new(&Topology::of(&spec), &settings, &request);
        let clock = make_clock(plan.virtual_time, &settings.realtime);
        let timing = timing(clock.as_ref(), plan.duration);
        let notes = prepare_process(&settings.realtime, plan.virtual_time);
        let pool = SamplePool::new(plan.pool_slots, plan.pool_width);

        let mut built = Vec::with_capacity(spec.nodes.len());
        for node in &spec.nodes {
            built.push(build_node(node, &clock, &pool, timing, plan.batch)?);
        }
        let log = match &plan.log {
            Some(log_plan) => Some(open_log(
                log_plan,
                &spec,
                &options,
                timing,
                plan.virtual_time,
            )?),
            None => None,
        };
        let log_queue = log.as_ref().map(|parts| Arc::clone(&parts.queue));
        let stop = options
            .stop
            .take()
            .unwrap_or_else(|| Arc::new(AtomicBool::new(false)));
        let EngineSpec { nodes, paths, .. } = spec;
        let wired = wire(&nodes, paths, &plan, built, timing, log_queue.is_some())?;
        let shared = Arc::new(Shared {
            clock,
            pool,
            events: EventSink::new(EVENTS),
            log: log_queue,
            stop,
            start: timing.start,
            end: timing.end,
            nodes: wired.nodes,
            paths: wired.paths,
            injected: ArrayQueue::new(INJECTED_ACTIONS),
            actions_applied: Counter::default(),
            actions_dropped: Counter::default(),
            finished: AtomicBool::new(false),
            progress: options.progress.then_some(plan.progress_interval),
        });
        Ok(Run {
            shared,
            plan,
            readers: wired.readers,
            paths: wired.path_runtimes,
            timeline: Timeline::default(),
            log: log.map(|parts| LogParts {
                taps: std::mem::take(&mut options.taps),
                ..parts
            }),
            realtime: settings.realtime,
            notes,
            facts: super::RunFacts {
                log_file: request.log_file,
            },
        })
    }
}

/// Nodes, paths and readers connected as the plan says.
struct Wired {
    nodes: Vec<NodeLive>,
    paths: Vec<PathLive>,
    path_runtimes: Vec<PathRuntime>,
    readers: Vec<ReaderRuntime>,
}

/// The built nodes split into what the engine keeps (live views), their readers and their
/// writers, by node index.
type SplitNodes = (
    Vec<NodeLive>,
    Vec<Option<Box<dyn NodeReader>>>,
    Vec<Option<Box<dyn NodeWriter>>>,
);

fn split_nodes(node_specs: &[NodeSpec], built: Vec<BuiltNode>) -> SplitNodes {
    let mut nodes = Vec::with_capacity(built.len());
    let mut readers = Vec::with_capacity(built.len());
    let mut writers = Vec::with_capacity(built.len());
    for (node, b) in node_specs.iter().zip(built) {
        readers.push(b.io.reader);
        writers.push(b.io.writer);
        nodes.push(NodeLive {
            name: node.name.clone(),
            kind: node.kind.clone(),
            run_counters: Arc::new(NodeRunCounters::default()),
            counters: b.io.counters,
            controls: node.config.controls(),
            control_sender: b.control_sender,
            running: Arc::new(AtomicBool::new(true)),
        });
    }
    (nodes, readers, writers)
}

/// One path's runtime and live view, with its input queues.
fn wire_path(
    index: usize,
    path: PathSpec,
    nodes: &[NodeLive],
    writers: &mut [Option<Box<dyn NodeWriter>>],
    node_widths: &[usize],
    timing: PathTiming,
) -> (PathRuntime, PathLive) {
    let queues: Vec<Arc<SampleQueue>> = path
        .inputs
        .iter()
        .map(|_| Arc::new(SampleQueue::new(path.queue, path.overflow)))
        .collect();
    let outputs = path
        .outputs
        .iter()
        .filter_map(|&node| {
            let writer = writers.get_mut(node).and_then(Option::take)?;
            Some(PathOutput {
                node,
                writer,
                running: Arc::clone(&nodes[node].running),
            })
        })
        .collect();
    let (control_sender, controls) = control_channel();
    let impair_counters = Arc::new(ImpairCounters::default());
    let impair = Impairment::new(
        &path.impair.clone().unwrap_or_default(),
        path.queue,
        Arc::clone(&impair_counters),
    );
    let live = PathLive {
        name: path.name.clone(),
        signals: path.output_signals.clone(),
        counters: Arc::default(),
        latency: Arc::default(),
        impair: impair_counters,
        impair_timing: path.impair.is_some(),
        queues: queues.clone(),
        hooks: path
            .hooks
            .iter()
            .map(|(kind, hook)| HookLive {
                kind: kind.clone(),
                parameters: hook.parameters(),
            })
            .collect(),
        control_sender,
        running: Arc::new(AtomicBool::new(true)),
    };
    let wiring = PathWiring {
        index,
        queues,
        outputs,
        controls,
        running: Arc::clone(&live.running),
        counters: Arc::clone(&live.counters),
        latency: Arc::clone(&live.latency),
        impair,
    };
    (PathRuntime::new(path, wiring, node_widths, timing), live)
}

/// The reader runtime of every node the plan reads, feeding the path inputs it subscribes.
fn wire_readers(
    plan: &Plan,
    node_specs: &[NodeSpec],
    nodes: &[NodeLive],
    mut reader_of: Vec<Option<Box<dyn NodeReader>>>,
    paths: &[PathLive],
    path_runtimes: &[PathRuntime],
) -> Result<Vec<ReaderRuntime>, EngineError> {
    let mut readers = Vec::new();
    for node in plan.readers() {
        let Some(reader) = reader_of.get_mut(node).and_then(Option::take) else {
            return Err(EngineError::Node {
                node: node_specs[node].name.clone(),
                error: NodeError::Config("it declares signals but has no reader".into()),
            });
        };
        let targets = plan.subscriptions[node]
            .iter()
            .map(|s| ReaderTarget {
                queue: Arc::clone(&paths[s.path].queues[s.input]),
                live_inputs: Arc::clone(&path_runtimes[s.path].live_inputs),
            })
            .collect();
        readers.push(ReaderRuntime::new(
            node,
            reader,
            targets,
            plan.batch,
            Arc::clone(&nodes[node].run_counters),
            Arc::clone(&nodes[node].running),
        ));
    }
    Ok(readers)
}

fn wire(
    node_specs: &[NodeSpec],
    path_specs: Vec<PathSpec>,
    plan: &Plan,
    built: Vec<BuiltNode>,
    timing: Timing,
    logging: bool,
) -> Result<Wired, EngineError> {
    let (nodes, reader_of, mut writers) = split_nodes(node_specs, built);
    let node_widths: Vec<usize> = node_specs.iter().map(|n| n.signals.len()).collect();
    let path_timing = PathTiming {
        start: timing.start,
        wall_offset: timing.wall_offset,
        batch: plan.batch,
        logged: logging,
    };
    let (path_runtimes, paths): (Vec<PathRuntime>, Vec<PathLive>) = path_specs
        .into_iter()
        .enumerate()
        .map(|(index, path)| {
            wire_path(index, path, &nodes, &mut writers, &node_widths, path_timing)
        })
        .unzip();
    let readers = wire_readers(plan, node_specs, &nodes, reader_of, &paths, &path_runtimes)?;
    Ok(Wired {
        nodes,
        paths,
        path_runtimes,
        readers,
    })
}
