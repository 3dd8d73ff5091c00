//! Running a validated configuration: real time on pinned threads, or virtual time on one
//! deterministic thread.

use crate::clock::{Clock, RealClock, VirtualClock, WallSource, VIRTUAL_EPOCH_NS};
use crate::config::{EngineSpec, WallClockSetting};
use crate::event::{EngineEvent, EventSink};
use crate::node::{Batch, BuildContext, Due, NodeCounters, NodeError, NodeReader, ReadContext};
use crate::path::{PathContext, PathRuntime};
use crate::queue::SampleQueue;
use crate::runlog::{spawn_writer, LogQueue, RunInfo, RunLogError, RunLogWriter};
use crate::sample::{SamplePool, SampleRef};
use crate::signal::Value;
use crate::stats::{CounterValue, LatencySummary, NodeRunCounters};
use crate::units::{Duration, Nanos, NANOS_PER_SEC};
use serde::Serialize;
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

thread_local! {
    static RT_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is one of the engine's real-time threads (node readers and
/// path workers) and is past its start-up. Used by tests that count allocations.
pub fn is_rt_thread() -> bool {
    RT_THREAD.with(Cell::get)
}

/// Marks (or unmarks) the calling thread as a real-time thread, as the engine does for its
/// readers and path workers once they are set up (see [`is_rt_thread`]).
pub fn mark_rt_thread(on: bool) {
    RT_THREAD.with(|c| c.set(on));
}

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
}

/// How to run.
#[derive(Debug, Clone, Default)]
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
    /// Ingress → egress latency (ts_sent − ts_received).
    pub latency_us: LatencySummary,
    /// End-of-run summaries of the path's hooks.
    pub hooks: Vec<String>,
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
    /// Errors reported by nodes while running.
    pub errors: Vec<String>,
    /// Events lost because the event channel was full.
    pub events_dropped: u64,
    /// Times a sample could not be taken because every pool slot was in use.
    pub pool_exhausted: u64,
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
}

struct ReaderRuntime {
    node: usize,
    reader: Box<dyn NodeReader>,
    targets: Vec<(Arc<SampleQueue>, Arc<AtomicUsize>)>,
    batch: Batch,
    counters: Arc<NodeRunCounters>,
    finished: bool,
    /// A path that runs on this reader's thread (real time: its only input is this
    /// reader, which feeds no other path), saving a thread hop and a wake-up per sample.
    inline: Option<PathRuntime>,
}

impl ReaderRuntime {
    /// Reads once and hands the samples to every subscribed path.
    fn read_and_dispatch(
        &mut self,
        clock: &dyn Clock,
        cap: Option<Nanos>,
        pool: &Arc<SamplePool>,
        timeout: Nanos,
        events: &EventSink,
    ) {
        let mut ctx = ReadContext::new(clock, pool, timeout, cap);
        if let Err(error) = self.reader.read(&mut ctx, &mut self.batch) {
            self.counters.read_errors.inc();
            events.send(EngineEvent::ReadFailed {
                node: self.node,
                error,
            });
            self.finished = true;
        }
        if self.batch.is_empty() {
            return;
        }
        let now = clock.wall();
        self.counters.read.add(self.batch.len() as u64);
        let last = self.targets.len().saturating_sub(1);
        for mut sample in self.batch.drain() {
            if sample.ts_received == 0 {
                sample.ts_received = now;
            }
            for (queue, _) in &self.targets[..last] {
                match pool.alloc_copy(&sample) {
                    Some(copy) => {
                        queue.push(copy);
                    }
                    None => self.counters.pool_exhausted.inc(),
                }
            }
            if let Some((queue, _)) = self.targets.last() {
                queue.push(sample);
            }
        }
        for (queue, _) in &self.targets {
            queue.notify();
        }
    }

    fn finish(&mut self, events: &EventSink) {
        if let Err(error) = self.reader.stop() {
            events.send(EngineEvent::ReadFailed {
                node: self.node,
                error,
            });
        }
        for (queue, live) in &self.targets {
            live.fetch_sub(1, Ordering::AcqRel);
            queue.notify();
        }
        self.finished = true;
    }
}

struct Shared {
    clock: Arc<dyn Clock>,
    pool: Arc<SamplePool>,
    events: EventSink,
    log: Option<Arc<LogQueue>>,
    stop: Arc<AtomicBool>,
    end: Option<Nanos>,
    node_names: Vec<String>,
    node_counters: Vec<Option<Arc<dyn NodeCounters>>>,
}

impl Shared {
    fn path_ctx(&self) -> PathContext<'_> {
        PathContext {
            clock: self.clock.as_ref(),
            pool: &self.pool,
            events: &self.events,
            log: self.log.as_deref(),
        }
    }
    fn past_end(&self, t: Nanos) -> bool {
        self.end.is_some_and(|end| t >= end)
    }
    /// The last instant a timed reader may see.
    fn cap(&self) -> Option<Nanos> {
        self.end.map(|end| end - 1)
    }
}

fn host_facts() -> (String, String) {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let host = read("/proc/sys/kernel/hostname");
    let kernel = format!(
        "{} {}",
        read("/proc/sys/kernel/osrelease"),
        read("/proc/sys/kernel/version")
    );
    (host, kernel)
}

/// Runs a validated configuration until its duration ends, every source is done, or
/// `stop` is set (SIGINT/SIGTERM). Returns the run's figures.
pub fn run(
    spec: EngineSpec,
    options: RunOptions,
    stop: Arc<AtomicBool>,
) -> Result<RunReport, EngineError> {
    let EngineSpec {
        file,
        text,
        engine: settings,
        mut nodes,
        paths,
    } = spec;
    let virtual_time = options.virtual_time || settings.virtual_time;
    let duration = options.duration.or(settings.duration);
    let batch = settings.batch.unwrap_or(64).max(1);

    // Sample pool: every queue, batch and the log queue can be full at once.
    let log_file = options.log.clone().or_else(|| settings.log.hdf5.clone());
    let log_capacity = if log_file.is_some() {
        settings.log.queue
    } else {
        0
    };
    let width = nodes
        .iter()
        .map(|n| n.signals.len())
        .chain(
            paths
                .iter()
                .map(|p| p.output_signals.len().max(p.input_signals.len())),
        )
        .max()
        .unwrap_or(1)
        .max(1);
    let queue_slots: usize = paths.iter().map(|p| p.queue * p.inputs.len()).sum();
    let slots = settings
        .pool
        .unwrap_or(queue_slots + log_capacity + batch * (nodes.len() + paths.len() + 2) + 1024);
    let pool = SamplePool::new(slots, width);

    let clock: Arc<dyn Clock> = if virtual_time {
        Arc::new(VirtualClock::new(VIRTUAL_EPOCH_NS))
    } else {
        let source = match settings.realtime.wall_clock {
            WallClockSetting::Realtime => WallSource::Realtime,
            WallClockSetting::Tai => WallSource::Tai,
        };
        Arc::new(RealClock::new(
            source,
            settings.realtime.busy_wait.as_nanos(),
        ))
    };
    // Real time starts 100 ms from now, on a whole millisecond, so that memory is locked,
    // nodes are built and threads are started and pinned before the first deadline.
    let start = if virtual_time {
        0
    } else {
        let now = clock.monotonic() + 100_000_000;
        now - now % 1_000_000
    };
    let wall_offset = if virtual_time {
        VIRTUAL_EPOCH_NS
    } else {
        clock.wall() - clock.monotonic()
    };
    let end = duration.map(|d| start + d.as_nanos());

    // Real-time set-up of the process.
    let mut rt_notes: Vec<String> = Vec::new();
    let rt = &settings.realtime;
    if !virtual_time && rt.enabled {
        if rt.lock_memory {
            if let Err(e) = gridhil_rt::lock_memory() {
                rt_notes.push(format!("memory not locked ({e})"));
            }
        }
        let kernel = gridhil_rt::check_host(&[]);
        if let Some(check) = kernel
            .iter()
            .find(|c| c.name == "kernel_preemption" && c.status == gridhil_rt::CheckStatus::Warn)
        {
            rt_notes.push(format!("kernel: {}", check.detail));
        }
    }

    // Build nodes.
    let build_ctx = |name: &str| BuildContext {
        name: name.to_string(),
        clock: Arc::clone(&clock),
        pool: Arc::clone(&pool),
        start,
        end,
        wall_offset,
        batch_size: batch,
    };
    let mut readers: Vec<Option<Box<dyn NodeReader>>> = Vec::new();
    let mut writers = Vec::new();
    let mut node_counters: Vec<Option<Arc<dyn NodeCounters>>> = Vec::new();
    for node in &nodes {
        let io = node
            .config
            .build(&build_ctx(&node.name))
            .map_err(|error| EngineError::Node {
                node: node.name.clone(),
                error,
            })?;
        readers.push(io.reader);
        writers.push(io.writer);
        node_counters.push(io.counters);
    }
    let node_widths: Vec<usize> = nodes.iter().map(|n| n.signals.len()).collect();

    // Queues and path runtimes.
    let mut subscriptions: Vec<Vec<(Arc<SampleQueue>, Arc<AtomicUsize>)>> =
        vec![Vec::new(); nodes.len()];
    let mut path_runtimes = Vec::new();
    let logging = log_file.is_some();
    let log_layout: Vec<Option<(String, Vec<crate::signal::Signal>)>> = paths
        .iter()
        .map(|p| p.log.then(|| (p.name.clone(), p.output_signals.clone())))
        .collect();
    for (index, path) in paths.into_iter().enumerate() {
        let queues: Vec<Arc<SampleQueue>> = path
            .inputs
            .iter()
            .map(|_| Arc::new(SampleQueue::new(path.queue, path.overflow)))
            .collect();
        let path_writers = path
            .outputs
            .iter()
            .filter_map(|&o| writers.get_mut(o).and_then(Option::take).map(|w| (o, w)))
            .collect();
        let inputs: Vec<usize> = path.inputs.iter().map(|i| i.node).collect();
        let runtime = PathRuntime::new(
            index,
            path,
            queues.clone(),
            path_writers,
            &node_widths,
            start,
            wall_offset,
            batch,
            logging,
        );
        for (node, queue) in inputs.into_iter().zip(queues) {
            subscriptions[node].push((queue, Arc::clone(&runtime.live_inputs)));
        }
        path_runtimes.push(runtime);
    }
    let node_run_counters: Vec<Arc<NodeRunCounters>> = nodes
        .iter()
        .map(|_| Arc::new(NodeRunCounters::default()))
        .collect();
    let mut reader_runtimes = Vec::new();
    for (node, reader) in readers.into_iter().enumerate() {
        let targets = std::mem::take(&mut subscriptions[node]);
        if let (Some(reader), false) = (reader, targets.is_empty()) {
            reader_runtimes.push(ReaderRuntime {
                node,
                reader,
                targets,
                batch: Batch::with_capacity(batch),
                counters: Arc::clone(&node_run_counters[node]),
                finished: false,
                inline: None,
            });
        }
    }

    // Run log.
    let (host, kernel) = host_facts();
    let log_queue = log_file
        .as_ref()
        .map(|_| Arc::new(LogQueue::new(log_capacity)));
    let log_done = Arc::new(AtomicBool::new(false));
    let mut log_thread = None;
    if let (Some(path), Some(queue)) = (&log_file, &log_queue) {
        let info = RunInfo {
            config: text.clone(),
            config_file: file.clone(),
            version: options.version.clone(),
            host,
            kernel,
            started_at_ns: start + wall_offset,
            virtual_time,
            realtime: String::new(),
            command: options.command.clone(),
        };
        let writer = RunLogWriter::create(path, &info, &log_layout, settings.log.chunk)?;
        log_thread = Some(spawn_writer(
            writer,
            Arc::clone(queue),
            Arc::clone(&log_done),
        )?);
    }

    let shared = Arc::new(Shared {
        clock: Arc::clone(&clock),
        pool: Arc::clone(&pool),
        events: EventSink::new(4096),
        log: log_queue.clone(),
        stop: Arc::clone(&stop),
        end,
        node_names: nodes_names(&nodes),
        node_counters: node_counters.clone(),
    });

    let progress_paths = path_runtimes
        .iter()
        .map(|p| PathProgress {
            name: p.name.clone(),
            counters: Arc::clone(&p.counters),
            queues: p.inputs.iter().map(|i| Arc::clone(&i.queue)).collect(),
        })
        .collect();
    let progress = Progress {
        interval: settings
            .stats_interval
            .map_or(NANOS_PER_SEC, Duration::as_nanos),
        enabled: options.progress,
        paths: progress_paths,
    };
    let finished = if virtual_time {
        if reader_runtimes.iter().any(|r| r.reader.due() == Due::Event) {
            tracing::warn!(
                "virtual time with event-driven nodes (sockets): their timing is not deterministic"
            );
        }
        run_virtual(&shared, reader_runtimes, path_runtimes, &progress)
    } else {
        run_realtime(
            &shared,
            reader_runtimes,
            path_runtimes,
            rt,
            &progress,
            &mut rt_notes,
        )?
    };
    let elapsed = (clock.monotonic() - start).max(0);

    // Drain remaining events (prints, errors).
    let Finished {
        paths: finished_paths,
        summaries,
        mut errors,
        realtime,
    } = finished;
    drain_events(&shared.events, &nodes_names(&nodes), &mut errors);

    // Close the run log.
    log_done.store(true, Ordering::Release);
    let mut log_rows = 0;
    let mut path_reports = Vec::new();
    for path in &finished_paths {
        let c = &path.counters;
        let queue_dropped = path.inputs.iter().map(|i| i.queue.dropped()).sum();
        path_reports.push(PathReport {
            name: path.name.clone(),
            received: c.received.get(),
            sent: c.sent.get(),
            queue_dropped,
            hook_dropped: c.hook_dropped.get(),
            pool_exhausted: c.pool_exhausted.get(),
            overruns: c.overruns.get(),
            write_errors: c.write_errors.get(),
            log_dropped: c.log_dropped.get(),
            latency_us: path.latency.summary(),
            hooks: Vec::new(),
        });
    }
    for (report, hooks) in path_reports.iter_mut().zip(summaries) {
        report.hooks = hooks;
    }
    let mut node_reports = Vec::new();
    for (index, node) in nodes.iter_mut().enumerate() {
        let mut counters = node_run_counters[index].snapshot();
        if let Some(extra) = &node_counters[index] {
            counters.extend(extra.snapshot());
        }
        node_reports.push(NodeReport {
            name: node.name.clone(),
            kind: node.kind.clone(),
            counters,
        });
    }
    if let Some(handle) = log_thread {
        let (mut writer, error) = handle.join().map_err(|_| EngineError::Thread {
            name: "gridhil-log".into(),
            message: "panicked".into(),
        })?;
        if let Some(error) = error {
            errors.push(error.to_string());
        }
        for (index, report) in path_reports.iter().enumerate() {
            let counters = [
                ("received", report.received),
                ("sent", report.sent),
                ("queue_dropped", report.queue_dropped),
                ("hook_dropped", report.hook_dropped),
                ("pool_exhausted", report.pool_exhausted),
                ("overruns", report.overruns),
                ("write_errors", report.write_errors),
                ("log_dropped", report.log_dropped),
            ];
            writer.write_path_counters(index, &counters)?;
        }
        for report in &node_reports {
            writer.write_node(&report.name, &report.kind, &report.counters)?;
        }
        writer.write_file_attr("realtime", &realtime).ok();
        log_rows = writer.rows_written();
        writer.close()?;
    }
    Ok(RunReport {
        virtual_time,
        elapsed_s: elapsed as f64 / NANOS_PER_SEC as f64,
        realtime,
        paths: path_reports,
        nodes: node_reports,
        log_file: log_file.map(|p| p.display().to_string()),
        log_rows,
        errors,
        events_dropped: shared.events.dropped(),
        pool_exhausted: shared.pool.exhausted_count(),
    })
}

fn nodes_names(nodes: &[crate::config::NodeSpec]) -> Vec<String> {
    nodes.iter().map(|n| n.name.clone()).collect()
}

/// What the supervisor shows while running: each path's live counters and queues.
struct Progress {
    interval: Nanos,
    enabled: bool,
    paths: Vec<PathProgress>,
}

struct PathProgress {
    name: String,
    counters: Arc<crate::stats::PathCounters>,
    queues: Vec<Arc<SampleQueue>>,
}

fn drain_events(events: &EventSink, node_names: &[String], errors: &mut Vec<String>) {
    while let Some(event) = events.recv() {
        match event {
            EngineEvent::Print { path, sample } => print_sample(path, &sample),
            EngineEvent::ReadFailed { node, error } => {
                let name = node_names.get(node).map_or("?", String::as_str);
                tracing::error!("node `{name}`: read failed: {error}");
                errors.push(format!("node `{name}`: read failed: {error}"));
            }
            EngineEvent::WriteFailed { node, error } => {
                let name = node_names.get(node).map_or("?", String::as_str);
                tracing::warn!("node `{name}`: write failed: {error}");
                errors.push(format!("node `{name}`: write failed: {error}"));
            }
        }
    }
}

fn print_sample(path: usize, sample: &SampleRef) {
    let values: Vec<String> = sample
        .values()
        .iter()
        .map(|v| match v {
            Value::F64(x) => format!("{x:.6}"),
            Value::I64(x) => x.to_string(),
            Value::Bool(x) => x.to_string(),
            Value::Complex(c) => format!("{:.6}{:+.6}i", c.re, c.im),
        })
        .collect();
    println!(
        "path{path} seq={} ts_origin={}.{:09} {}",
        sample.seq,
        sample.ts_origin.div_euclid(NANOS_PER_SEC),
        sample.ts_origin.rem_euclid(NANOS_PER_SEC),
        values.join("\t")
    );
}

/// What a runtime hands back when every thread is done.
struct Finished {
    /// The paths, with their counters and latency histograms.
    paths: Vec<PathRuntime>,
    /// End-of-run summaries of each path's hooks.
    summaries: Vec<Vec<String>>,
    /// Errors reported while running.
    errors: Vec<String>,
    /// What real-time scheduling the run got.
    realtime: String,
}

/// Virtual time: one thread, earliest deadline first, ties in configuration order.
fn run_virtual(
    shared: &Arc<Shared>,
    mut readers: Vec<ReaderRuntime>,
    mut paths: Vec<PathRuntime>,
    progress: &Progress,
) -> Finished {
    let clock = shared.clock.as_ref();
    let ctx = shared.path_ctx();
    let mut errors = Vec::new();
    let mut next_progress = progress.interval;
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        // Earliest timed reader or rate tick.
        let mut earliest: Option<(Nanos, usize, bool)> = None;
        for (i, r) in readers.iter().enumerate() {
            if let (false, Due::At(t)) = (r.finished, r.reader.due()) {
                if earliest.is_none_or(|(e, _, _)| t < e) {
                    earliest = Some((t, i, true));
                }
            }
        }
        for (i, p) in paths.iter().enumerate() {
            if let Some(t) = p.next_tick() {
                if !p.inputs_finished() && earliest.is_none_or(|(e, _, _)| t < e) {
                    earliest = Some((t, i, false));
                }
            }
        }
        for r in readers
            .iter_mut()
            .filter(|r| !r.finished && r.reader.due() == Due::Done)
        {
            r.finish(&shared.events);
        }
        let Some((t, index, is_reader)) = earliest else {
            // Only event-driven sources are left: poll them once; stop when idle.
            let mut any = false;
            for r in readers.iter_mut().filter(|r| !r.finished) {
                let before = r.counters.read.get();
                wait_for_pool(shared);
                r.read_and_dispatch(clock, None, &shared.pool, 0, &shared.events);
                any |= r.counters.read.get() > before;
            }
            if !any {
                break;
            }
            settle(&mut paths, &mut readers, shared, &ctx);
            continue;
        };
        if shared.past_end(t) {
            break;
        }
        shared.clock.sleep_until(t);
        if is_reader {
            wait_for_pool(shared);
            readers[index].read_and_dispatch(clock, shared.cap(), &shared.pool, 0, &shared.events);
        } else {
            paths[index].tick(&ctx);
        }
        settle(&mut paths, &mut readers, shared, &ctx);
        if progress.enabled && t >= next_progress {
            print_progress(t, progress);
            next_progress += progress.interval;
        }
        drain_events(&shared.events, &shared.node_names, &mut errors);
    }
    for r in readers.iter_mut().filter(|r| !r.finished) {
        r.finish(&shared.events);
    }
    settle(&mut paths, &mut readers, shared, &ctx);
    let summaries = paths.iter_mut().map(|p| p.finish(&shared.events)).collect();
    Finished {
        paths,
        summaries,
        errors,
        realtime: "virtual time (no real-time scheduling)".into(),
    }
}

/// Waits (virtual time only) until the log writer has returned samples to the pool.
fn wait_for_pool(shared: &Shared) {
    if shared.log.is_none() {
        return;
    }
    let mut spins = 0u32;
    while shared.pool.available() < shared.pool.slots() / 4 && spins < 200_000 {
        std::thread::yield_now();
        spins += 1;
    }
}

/// Lets every path and event-driven reader run until nothing moves (virtual time).
fn settle(
    paths: &mut [PathRuntime],
    readers: &mut [ReaderRuntime],
    shared: &Shared,
    ctx: &PathContext<'_>,
) {
    for _ in 0..10_000 {
        let mut moved = 0;
        for p in paths.iter_mut() {
            if p.next_tick().is_none() {
                moved += p.poll(ctx);
            }
        }
        for r in readers
            .iter_mut()
            .filter(|r| !r.finished && r.reader.due() == Due::Event)
        {
            let before = r.counters.read.get();
            r.read_and_dispatch(shared.clock.as_ref(), None, &shared.pool, 0, &shared.events);
            moved += (r.counters.read.get() - before) as usize;
        }
        if moved == 0 {
            break;
        }
    }
}

fn print_progress(t: Nanos, progress: &Progress) {
    let parts: Vec<String> = progress
        .paths
        .iter()
        .map(|p| {
            let dropped: u64 = p.queues.iter().map(|q| q.dropped()).sum::<u64>()
                + p.counters.pool_exhausted.get()
                + p.counters.log_dropped.get();
            format!(
                "{}: {} in, {} out, {} dropped",
                p.name,
                p.counters.received.get(),
                p.counters.sent.get(),
                dropped
            )
        })
        .collect();
    tracing::info!(
        "t={:.1}s {}",
        t as f64 / NANOS_PER_SEC as f64,
        parts.join(" | ")
    );
}

struct RtThreads {
    cpus: Vec<usize>,
    next: usize,
    priority: Option<u8>,
}

impl RtThreads {
    fn next_settings(&mut self) -> gridhil_rt::ThreadRt {
        let cpu = if self.cpus.is_empty() {
            None
        } else {
            let cpu = self.cpus[self.next % self.cpus.len()];
            self.next += 1;
            Some(cpu)
        };
        gridhil_rt::ThreadRt {
            cpu,
            fifo_priority: self.priority,
            timer_slack_ns: Some(1),
        }
    }
}

/// Real time: one thread per node reader and per path.
fn run_realtime(
    shared: &Arc<Shared>,
    readers: Vec<ReaderRuntime>,
    paths: Vec<PathRuntime>,
    rt: &crate::config::RealtimeSettings,
    progress: &Progress,
    notes: &mut Vec<String>,
) -> Result<Finished, EngineError> {
    let mut threads = RtThreads {
        cpus: rt.cpus.clone(),
        next: 0,
        priority: rt.enabled.then_some(rt.priority),
    };
    let failures: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let apply = |settings: gridhil_rt::ThreadRt, failures: &Arc<Mutex<Vec<String>>>| {
        let outcome = gridhil_rt::apply_to_current_thread(&settings);
        let f = outcome.failures();
        if !f.is_empty() {
            if let Ok(mut list) = failures.lock() {
                list.extend(f);
            }
        }
    };

    // A path whose single input comes from a reader that feeds nothing else runs on that
    // reader's thread: one wake-up per sample instead of two.
    let mut readers = readers;
    let mut threaded_paths = Vec::new();
    for path in paths {
        let host = match (path.next_tick(), path.inputs.as_slice()) {
            (None, [input]) => readers.iter().position(|r| {
                r.inline.is_none()
                    && r.targets.len() == 1
                    && Arc::ptr_eq(&r.targets[0].0, &input.queue)
            }),
            _ => None,
        };
        match host {
            Some(i) => readers[i].inline = Some(path),
            None => threaded_paths.push(path),
        }
    }

    let mut path_handles: Vec<JoinHandle<(PathRuntime, Vec<String>)>> = Vec::new();
    for mut path in threaded_paths {
        let settings = threads.next_settings();
        let shared = Arc::clone(shared);
        let failures = Arc::clone(&failures);
        let name = format!("gridhil-path-{}", path.name);
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                apply(settings, &failures);
                for input in &path.inputs {
                    input.queue.set_consumer(std::thread::current());
                }
                mark_rt_thread(true);
                path_loop(&mut path, &shared);
                mark_rt_thread(false);
                let summaries = path.finish(&shared.events);
                (path, summaries)
            })
            .map_err(|e| EngineError::Thread {
                name,
                message: e.to_string(),
            })?;
        path_handles.push(handle);
    }
    let mut reader_handles = Vec::new();
    for mut reader in readers {
        let settings = threads.next_settings();
        let shared = Arc::clone(shared);
        let failures = Arc::clone(&failures);
        let name = format!("gridhil-read-{}", reader.node);
        let handle = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                apply(settings, &failures);
                mark_rt_thread(true);
                reader_loop(&mut reader, &shared);
                mark_rt_thread(false);
                reader.finish(&shared.events);
                reader.inline.take().map(|mut path| {
                    path.poll(&shared.path_ctx());
                    let summaries = path.finish(&shared.events);
                    (path, summaries)
                })
            })
            .map_err(|e| EngineError::Thread {
                name,
                message: e.to_string(),
            })?;
        reader_handles.push(handle);
    }

    // Supervise: report, print events, warn about bad input (at most once a second per
    // node), wait for the paths to finish.
    let mut watcher = ProblemWatcher::new(shared);
    let mut next_watch = shared.clock.monotonic() + NANOS_PER_SEC;
    let mut warned = false;
    let mut errors = Vec::new();
    let mut next_progress = shared.clock.monotonic() + progress.interval;
    let start = shared.clock.monotonic();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if !warned {
            let list = failures.lock().map(|l| l.clone()).unwrap_or_default();
            if !list.is_empty() || !notes.is_empty() {
                let mut reasons: Vec<String> = notes.clone();
                let mut seen = std::collections::BTreeSet::new();
                for reason in list {
                    if seen.insert(reason.clone()) {
                        reasons.push(reason);
                    }
                }
                tracing::warn!(
                    "not fully real-time, running anyway: {} (see `gridhil rt check`)",
                    reasons.join("; ")
                );
                *notes = reasons;
                warned = true;
            }
        }
        drain_events(&shared.events, &shared.node_names, &mut errors);
        let now = shared.clock.monotonic();
        if now >= next_watch {
            watcher.report(shared);
            next_watch = now + NANOS_PER_SEC;
        }
        if progress.enabled && now >= next_progress {
            print_progress(now - start, progress);
            next_progress += progress.interval;
        }
        if path_handles.iter().all(|h| h.is_finished())
            && reader_handles.iter().all(|h| h.is_finished())
        {
            break;
        }
    }
    let mut done: Vec<(PathRuntime, Vec<String>)> = Vec::new();
    for handle in reader_handles {
        let inline = handle.join().map_err(|_| EngineError::Thread {
            name: "reader".into(),
            message: "panicked".into(),
        })?;
        done.extend(inline);
    }
    for handle in path_handles {
        done.push(handle.join().map_err(|_| EngineError::Thread {
            name: "path".into(),
            message: "panicked".into(),
        })?);
    }
    // Reports and the run log expect configuration order.
    done.sort_by_key(|(path, _)| path.index);
    let (finished, summaries): (Vec<PathRuntime>, Vec<Vec<String>>) = done.into_iter().unzip();
    let list = failures.lock().map(|l| l.clone()).unwrap_or_default();
    let line = if list.is_empty() && notes.is_empty() {
        if rt.enabled {
            format!("SCHED_FIFO priority {}, timer slack 1 ns", rt.priority)
        } else {
            "real-time scheduling disabled by config".to_string()
        }
    } else {
        let mut reasons = notes.clone();
        for reason in list {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        format!("degraded: {}", reasons.join("; "))
    };
    Ok(Finished {
        paths: finished,
        summaries,
        errors,
        realtime: line,
    })
}

/// Turns increases of problem counters into rate-limited warnings.
struct ProblemWatcher {
    last: Vec<Vec<CounterValue>>,
}

impl ProblemWatcher {
    fn new(shared: &Shared) -> Self {
        ProblemWatcher {
            last: shared
                .node_counters
                .iter()
                .map(|c| c.as_ref().map(|c| c.snapshot()).unwrap_or_default())
                .collect(),
        }
    }

    fn report(&mut self, shared: &Shared) {
        for (index, counters) in shared.node_counters.iter().enumerate() {
            let Some(counters) = counters else { continue };
            let now = counters.snapshot();
            let mut increases = Vec::new();
            for counter in now.iter().filter(|c| c.is_problem()) {
                let before = self.last[index]
                    .iter()
                    .find(|c| c.name == counter.name)
                    .map_or(0, |c| c.value);
                if counter.value > before {
                    increases.push(format!(
                        "+{} {} (total {})",
                        counter.value - before,
                        counter.name,
                        counter.value
                    ));
                }
            }
            if !increases.is_empty() {
                let node = shared.node_names.get(index).map_or("?", String::as_str);
                tracing::warn!("node `{node}`: {}", increases.join(", "));
            }
            self.last[index] = now;
        }
    }
}

fn reader_loop(reader: &mut ReaderRuntime, shared: &Shared) {
    let clock = shared.clock.as_ref();
    let ctx = shared.path_ctx();
    while !reader.finished && !shared.stop.load(Ordering::Relaxed) {
        match reader.reader.due() {
            Due::Done => break,
            Due::At(t) => {
                if shared.past_end(t) {
                    break;
                }
                clock.sleep_until(t);
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                reader.read_and_dispatch(clock, shared.cap(), &shared.pool, 0, &shared.events);
                if let Some(path) = reader.inline.as_mut() {
                    path.poll(&ctx);
                }
                if let Due::At(next) = reader.reader.due() {
                    if next <= clock.monotonic() {
                        reader.counters.late_wakeups.inc();
                    }
                }
            }
            Due::Event => {
                if shared.past_end(clock.monotonic()) {
                    break;
                }
                let timeout = shared.end.map_or(50_000_000, |end| {
                    (end - clock.monotonic()).clamp(0, 50_000_000)
                });
                reader.read_and_dispatch(clock, None, &shared.pool, timeout, &shared.events);
                if let Some(path) = reader.inline.as_mut() {
                    path.poll(&ctx);
                }
            }
        }
    }
}

fn path_loop(path: &mut PathRuntime, shared: &Shared) {
    let ctx = shared.path_ctx();
    let clock = shared.clock.as_ref();
    loop {
        if let Some(tick) = path.next_tick() {
            if shared.past_end(tick)
                || shared.stop.load(Ordering::Relaxed)
                || (path.inputs_finished() && path.queues_empty())
            {
                break;
            }
            clock.sleep_until(tick);
            path.tick(&ctx);
            continue;
        }
        let taken = path.poll(&ctx);
        if taken == 0 {
            if path.inputs_finished() && path.queues_empty() {
                // One last look: a reader may have pushed right before finishing.
                path.poll(&ctx);
                break;
            }
            std::thread::park_timeout(std::time::Duration::from_millis(20));
        }
    }
}
