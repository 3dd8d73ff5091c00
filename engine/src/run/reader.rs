//! A node's reader at run time: one read on the engine's clock, then every sample goes to
//! each path input the node feeds (a copy from the pool for all but the last).
//!
//! Not the scheduling: when a reader is called is decided by the scheduler in charge.

use crate::clock::Clock;
use crate::event::{EngineEvent, EventSink};
use crate::node::{Batch, NodeReader, ReadContext};
use crate::path::PathRuntime;
use crate::queue::SampleQueue;
use crate::sample::SamplePool;
use crate::stats::NodeRunCounters;
use crate::units::Nanos;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// A path input fed by this reader: its queue and the path's count of live inputs.
pub(crate) struct ReaderTarget {
    /// The path input's queue.
    pub queue: Arc<SampleQueue>,
    /// Readers still feeding the path (decremented when this reader finishes).
    pub live_inputs: Arc<AtomicUsize>,
}

/// A node's reader with everything it feeds.
pub(crate) struct ReaderRuntime {
    /// Node index.
    pub node: usize,
    /// The node's reader.
    pub reader: Box<dyn NodeReader>,
    /// Path inputs fed, in path order.
    pub targets: Vec<ReaderTarget>,
    batch: Batch,
    /// Engine-side counters of the node.
    pub counters: Arc<NodeRunCounters>,
    /// The node's stop/start gate.
    running: Arc<AtomicBool>,
    /// Whether the reader is done (finished its source or failed): no more reads.
    pub finished: bool,
    /// Whether [`ReaderRuntime::finish`] ran.
    closed: bool,
    /// A path that runs on this reader's thread (real time only).
    pub inline: Option<PathRuntime>,
}

impl ReaderRuntime {
    /// A reader feeding `targets`.
    pub(crate) fn new(
        node: usize,
        reader: Box<dyn NodeReader>,
        targets: Vec<ReaderTarget>,
        batch: usize,
        counters: Arc<NodeRunCounters>,
        running: Arc<AtomicBool>,
    ) -> Self {
        ReaderRuntime {
            node,
            reader,
            targets,
            batch: Batch::with_capacity(batch),
            counters,
            running,
            finished: false,
            closed: false,
            inline: None,
        }
    }

    /// Reads once and hands the samples to every subscribed path input. `cap` is the last
    /// instant a timed reader may see; `timeout` how long an event-driven read may block.
    pub(crate) fn read_and_dispatch(
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
        let count = self.batch.len() as u64;
        self.counters.read.add(count);
        if !self.running.load(Ordering::Acquire) {
            self.counters.stopped_dropped.add(count);
            self.batch.clear();
            return;
        }
        let now = clock.wall();
        let last = self.targets.len().saturating_sub(1);
        for mut sample in self.batch.drain() {
            if sample.ts_received == 0 {
                sample.ts_received = now;
            }
            for target in &self.targets[..last] {
                match pool.alloc_copy(&sample) {
                    Some(copy) => {
                        target.queue.push(copy);
                    }
                    None => self.counters.pool_exhausted.inc(),
                }
            }
            if let Some(target) = self.targets.last() {
                target.queue.push(sample);
            }
        }
        for target in &self.targets {
            target.queue.notify();
        }
    }

    /// Stops the reader and tells every fed path that this input is done (once; later calls
    /// do nothing).
    pub(crate) fn finish(&mut self, events: &EventSink) {
        if self.closed {
            return;
        }
        self.closed = true;
        if let Err(error) = self.reader.stop() {
            events.send(EngineEvent::ReadFailed {
                node: self.node,
                error,
            });
        }
        for target in &self.targets {
            target.live_inputs.fetch_sub(1, Ordering::AcqRel);
            target.queue.notify();
        }
        self.finished = true;
    }
}
