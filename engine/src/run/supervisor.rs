//! The supervisor: what watches a run from outside the real-time threads. It prints the
//! events real-time threads send (print hook samples, node errors), warns (at most once a
//! second per node) when a problem counter grows, prints progress, and in real time carries
//! out the actions of the timeline and waits for the threads.
//!
//! Never on a real-time thread: it formats, logs and allocates freely.

use super::actions::Timeline;
use super::shared::Shared;
use crate::event::EngineEvent;
use crate::sample::SampleRef;
use crate::signal::Value;
use crate::stats::CounterValue;
use crate::units::{Nanos, NANOS_PER_SEC};

/// How far ahead of its instant a control value is handed to its node or path in real time
/// (more than the supervisor's longest sleep), so the receiver applies it at its instant.
pub(crate) const CONTROL_LEAD: Nanos = 200_000_000;

/// Longest sleep of the real-time supervisor between two looks.
pub(crate) const SUPERVISOR_TICK: Nanos = 50_000_000;

/// What a scheduler hands back when every thread is done.
#[derive(Debug, Default)]
pub(crate) struct Finished {
    /// End-of-run summaries of each path's hooks, by path index.
    pub summaries: Vec<Vec<String>>,
    /// Errors reported while running.
    pub errors: Vec<String>,
    /// What real-time scheduling the run got, one line.
    pub realtime: String,
}

/// Prints and collects the events real-time threads sent.
pub(crate) fn drain_events(shared: &Shared, errors: &mut Vec<String>) {
    while let Some(event) = shared.events.recv() {
        match event {
            EngineEvent::Print { path, sample } => print_sample(path, &sample),
            EngineEvent::ReadFailed { node, error } => {
                let message = format!("node `{}`: read failed: {error}", shared.node_name(node));
                tracing::error!("{message}");
                errors.push(message);
            }
            EngineEvent::WriteFailed { node, error } => {
                let message = format!("node `{}`: write failed: {error}", shared.node_name(node));
                tracing::warn!("{message}");
                errors.push(message);
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

/// One progress line: run time, and per path what came in, went out and was dropped.
pub(crate) fn print_progress(run_time: Nanos, shared: &Shared) {
    let parts: Vec<String> = shared
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
        run_time as f64 / NANOS_PER_SEC as f64,
        parts.join(" | ")
    );
}

/// Turns increases of problem counters into rate-limited warnings.
pub(crate) struct ProblemWatcher {
    last: Vec<Vec<CounterValue>>,
}

impl ProblemWatcher {
    /// Remembers every node's counters as they are now.
    pub(crate) fn new(shared: &Shared) -> Self {
        ProblemWatcher {
            last: shared.nodes.iter().map(node_counters).collect(),
        }
    }

    /// Warns once per node about every problem counter that grew since the last call.
    pub(crate) fn report(&mut self, shared: &Shared) {
        for (index, node) in shared.nodes.iter().enumerate() {
            let now = node_counters(node);
            let increases: Vec<String> = now
                .iter()
                .filter(|c| c.is_problem())
                .filter_map(|counter| {
                    let before = self.last[index]
                        .iter()
                        .find(|c| c.name == counter.name)
                        .map_or(0, |c| c.value);
                    (counter.value > before).then(|| {
                        format!(
                            "+{} {} (total {})",
                            counter.value - before,
                            counter.name,
                            counter.value
                        )
                    })
                })
                .collect();
            if !increases.is_empty() {
                tracing::warn!("node `{}`: {}", node.name, increases.join(", "));
            }
            self.last[index] = now;
        }
    }
}

/// Every counter of a node: the engine's, then the node's own.
pub(crate) fn node_counters(node: &super::shared::NodeLive) -> Vec<CounterValue> {
    let mut all = node.run_counters.snapshot();
    if let Some(own) = &node.counters {
        all.extend(own.snapshot());
    }
    all
}

/// The real-time supervisor loop: runs until `done()` says every thread has finished.
pub(crate) struct Supervisor<'a> {
    shared: &'a Shared,
    timeline: Timeline,
    watcher: ProblemWatcher,
    errors: Vec<String>,
}

impl<'a> Supervisor<'a> {
    /// A supervisor of `shared` carrying out `timeline`.
    pub(crate) fn new(shared: &'a Shared, timeline: Timeline) -> Self {
        Supervisor {
            shared,
            timeline,
            watcher: ProblemWatcher::new(shared),
            errors: Vec::new(),
        }
    }

    /// Watches until `done()`; `on_tick` runs on every look (for the real-time warning).
    pub(crate) fn watch(
        mut self,
        mut done: impl FnMut() -> bool,
        mut on_tick: impl FnMut(),
    ) -> Vec<String> {
        let shared = self.shared;
        let clock = shared.clock.as_ref();
        let mut next_watch = clock.monotonic() + NANOS_PER_SEC;
        let mut next_progress = shared.progress.map(|i| shared.start + i);
        loop {
            self.deliver_actions();
            let now = clock.monotonic();
            let wake = self.timeline.next_at().map_or(now + SUPERVISOR_TICK, |at| {
                at.clamp(now, now + SUPERVISOR_TICK)
            });
            std::thread::sleep(std::time::Duration::from_nanos(
                u64::try_from(wake - now).unwrap_or(0),
            ));
            on_tick();
            drain_events(shared, &mut self.errors);
            let now = clock.monotonic();
            if now >= next_watch {
                self.watcher.report(shared);
                next_watch = now + NANOS_PER_SEC;
            }
            if let (Some(at), Some(interval)) = (next_progress, shared.progress) {
                if now >= at {
                    print_progress(now - shared.start, shared);
                    next_progress = Some(at + interval);
                }
            }
            if done() {
                break;
            }
        }
        drain_events(shared, &mut self.errors);
        self.errors
    }

    /// Carries out the actions that are due, and hands over controls due within the lead.
    pub(crate) fn deliver_actions(&mut self) {
        while let Some(timed) = self.shared.injected.pop() {
            self.timeline.push(timed);
        }
        let now = self.shared.clock.monotonic();
        for timed in self.timeline.take_due(now, CONTROL_LEAD) {
            self.shared.apply(&timed);
        }
    }
}
