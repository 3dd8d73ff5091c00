//! A path at run time: input queues → trigger and signal mapping → hooks → outputs.

use crate::clock::Clock;
use crate::config::{PathSpec, Trigger};
use crate::event::{EngineEvent, EventSink};
use crate::hook::{Hook, HookAction, HookContext};
use crate::node::{NodeWriter, WriteContext};
use crate::queue::SampleQueue;
use crate::runlog::LogQueue;
use crate::sample::{SampleFlags, SamplePool, SampleRef};
use crate::signal::Value;
use crate::stats::{LatencyHistogram, PathCounters};
use crate::units::Nanos;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One input of a running path.
pub(crate) struct PathInput {
    /// Queue filled by the node's reader.
    pub queue: Arc<SampleQueue>,
    /// Which of the node's values the path takes, in order.
    signals: Vec<usize>,
    /// Where this input's values start in the output sample.
    offset: usize,
    /// Whether the input maps the node's values one to one (no copy needed).
    identity: bool,
    /// Whether a new sample arrived since the last output (trigger `all`).
    fresh: bool,
}

/// Everything a path needs from the engine while it runs.
pub(crate) struct PathContext<'a> {
    pub clock: &'a dyn Clock,
    pub pool: &'a Arc<SamplePool>,
    pub events: &'a EventSink,
    pub log: Option<&'a LogQueue>,
}

/// A running path.
pub(crate) struct PathRuntime {
    pub index: usize,
    pub name: String,
    pub inputs: Vec<PathInput>,
    hooks: Vec<(String, Box<dyn Hook>)>,
    writers: Vec<(usize, Box<dyn NodeWriter>)>,
    trigger: Trigger,
    period: Nanos,
    next_tick: Nanos,
    tick_index: u64,
    start: Nanos,
    wall_offset: Nanos,
    /// Latest value of every output column (multi-input paths).
    last: Vec<Value>,
    last_seen: Vec<bool>,
    width: usize,
    seq: u64,
    out: Vec<SampleRef>,
    log: bool,
    pub counters: Arc<PathCounters>,
    pub latency: LatencyHistogram,
    /// Engine time at the start of the current poll or tick.
    now: Nanos,
    /// Wall time at the start of the current poll or tick.
    wall: Nanos,
    /// Readers still feeding this path; when 0 and the queues are empty the path is done.
    pub live_inputs: Arc<AtomicUsize>,
}

impl PathRuntime {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        index: usize,
        spec: PathSpec,
        queues: Vec<Arc<SampleQueue>>,
        writers: Vec<(usize, Box<dyn NodeWriter>)>,
        node_widths: &[usize],
        start: Nanos,
        wall_offset: Nanos,
        batch: usize,
        logging: bool,
    ) -> Self {
        let mut offset = 0;
        let inputs: Vec<PathInput> = spec
            .inputs
            .iter()
            .zip(queues)
            .map(|(input, queue)| {
                let width = node_widths.get(input.node).copied().unwrap_or(0);
                let identity = input.signals.len() == width
                    && input.signals.iter().enumerate().all(|(i, &s)| i == s);
                let p = PathInput {
                    queue,
                    signals: input.signals.clone(),
                    offset,
                    identity,
                    fresh: false,
                };
                offset += input.signals.len();
                p
            })
            .collect();
        let width = offset;
        let period = spec.rate.map_or(0, |r| r.period_ns());
        let live = inputs.len();
        PathRuntime {
            index,
            name: spec.name,
            inputs,
            hooks: spec.hooks,
            writers,
            trigger: spec.trigger,
            period,
            next_tick: start,
            tick_index: 0,
            start,
            wall_offset,
            last: vec![Value::default(); width],
            last_seen: vec![false; live],
            width,
            seq: 0,
            out: Vec::with_capacity(batch.max(1)),
            log: spec.log && logging,
            counters: Arc::new(PathCounters::default()),
            latency: LatencyHistogram::new(),
            now: 0,
            wall: 0,
            live_inputs: Arc::new(AtomicUsize::new(live)),
        }
    }

    /// Whether the path runs on a fixed rate, and its next tick.
    pub(crate) fn next_tick(&self) -> Option<Nanos> {
        (self.trigger == Trigger::Rate).then_some(self.next_tick)
    }

    /// Whether every reader feeding this path has finished.
    pub(crate) fn inputs_finished(&self) -> bool {
        self.live_inputs.load(Ordering::Acquire) == 0
    }

    /// Whether all input queues are empty.
    pub(crate) fn queues_empty(&self) -> bool {
        self.inputs.iter().all(|i| i.queue.is_empty())
    }

    /// Reads the engine clock once for the processing that follows.
    fn take_time(&mut self, ctx: &PathContext<'_>) {
        self.now = ctx.clock.monotonic();
        self.wall = ctx.clock.wall();
    }

    /// Takes every queued input sample and processes it; returns how many were taken.
    pub(crate) fn poll(&mut self, ctx: &PathContext<'_>) -> usize {
        let mut taken = 0;
        self.take_time(ctx);
        for input_index in 0..self.inputs.len() {
            while let Some(sample) = self.inputs[input_index].queue.pop() {
                taken += 1;
                self.counters.received.inc();
                self.on_input(input_index, sample, ctx);
                if self.out.len() == self.out.capacity() {
                    self.flush(ctx);
                }
            }
        }
        self.flush(ctx);
        taken
    }

    fn on_input(&mut self, input_index: usize, sample: SampleRef, ctx: &PathContext<'_>) {
        let single = self.inputs.len() == 1;
        let input = &mut self.inputs[input_index];
        if single && input.identity && self.trigger == Trigger::Any {
            // Fast path: the input sample is the output sample.
            self.emit(sample, ctx);
            return;
        }
        input.fresh = true;
        self.store_latest(input_index, &sample);
        let fire = match self.trigger {
            Trigger::Any => true,
            Trigger::All => self.inputs.iter().all(|i| i.fresh),
            Trigger::Rate => false,
        };
        if fire {
            for input in &mut self.inputs {
                input.fresh = false;
            }
            let seq = if single { sample.seq } else { self.seq };
            self.build_and_emit(seq, sample.ts_origin, sample.ts_received, ctx);
        }
    }

    /// Emits one sample with the latest values (trigger `rate`); `now` is the tick instant.
    pub(crate) fn tick(&mut self, ctx: &PathContext<'_>) {
        self.take_time(ctx);
        self.poll_inputs_only();
        let due = self.next_tick;
        let wall = due + self.wall_offset;
        let seq = self.tick_index;
        self.build_and_emit(seq, wall, self.wall, ctx);
        self.flush(ctx);
        self.tick_index += 1;
        self.next_tick = self.start + ((self.tick_index as i128 * self.period as i128) as Nanos);
        let now = ctx.clock.monotonic();
        if self.next_tick <= now && !ctx.clock.is_virtual() {
            // Behind: count the missed ticks and skip them.
            let missed = ((now - self.next_tick) / self.period.max(1)) as u64 + 1;
            self.counters.overruns.add(missed);
            self.tick_index += missed;
            self.next_tick =
                self.start + ((self.tick_index as i128 * self.period as i128) as Nanos);
        }
    }

    fn poll_inputs_only(&mut self) {
        for input_index in 0..self.inputs.len() {
            while let Some(sample) = self.inputs[input_index].queue.pop() {
                self.counters.received.inc();
                self.store_latest(input_index, &sample);
            }
        }
    }

    /// Copies an input sample's mapped values into the latest-value row.
    fn store_latest(&mut self, input_index: usize, sample: &SampleRef) {
        let input = &self.inputs[input_index];
        for (k, &s) in input.signals.iter().enumerate() {
            if let (Some(slot), Some(value)) =
                (self.last.get_mut(input.offset + k), sample.values().get(s))
            {
                *slot = *value;
            }
        }
        self.last_seen[input_index] = true;
    }

    fn build_and_emit(
        &mut self,
        seq: u64,
        ts_origin: Nanos,
        ts_received: Nanos,
        ctx: &PathContext<'_>,
    ) {
        let Some(mut out) = ctx.pool.alloc() else {
            self.counters.pool_exhausted.inc();
            return;
        };
        self.seq += 1;
        out.seq = seq;
        out.ts_origin = ts_origin;
        out.ts_received = ts_received;
        if out.set_values(&self.last[..self.width]).is_err() {
            self.counters.pool_exhausted.inc();
            return;
        }
        if self.last_seen.iter().any(|seen| !seen) {
            out.flags.set(SampleFlags::STALE, true);
        }
        self.emit(out, ctx);
    }

    fn emit(&mut self, mut sample: SampleRef, ctx: &PathContext<'_>) {
        let hook_ctx = HookContext {
            now: self.now,
            wall: self.wall,
            pool: ctx.pool,
            events: ctx.events,
            path_index: self.index,
        };
        for (_, hook) in &mut self.hooks {
            if hook.process(&mut sample, &hook_ctx) == HookAction::Drop {
                self.counters.hook_dropped.inc();
                return;
            }
        }
        self.out.push(sample);
    }

    /// Sends the pending output samples to every output and the run log.
    pub(crate) fn flush(&mut self, ctx: &PathContext<'_>) {
        if self.out.is_empty() {
            return;
        }
        let sent_at = ctx.clock.wall();
        for sample in &mut self.out {
            sample.ts_sent = sent_at;
        }
        let write_ctx = WriteContext {
            now: ctx.clock.monotonic(),
            wall: sent_at,
        };
        for (node, writer) in &mut self.writers {
            match writer.write(&self.out, &write_ctx) {
                Ok(n) if n < self.out.len() => {
                    self.counters.write_short.add((self.out.len() - n) as u64)
                }
                Ok(_) => {}
                Err(error) => {
                    self.counters.write_errors.inc();
                    ctx.events
                        .send(EngineEvent::WriteFailed { node: *node, error });
                }
            }
        }
        self.counters.sent.add(self.out.len() as u64);
        for sample in self.out.drain(..) {
            self.latency.record(sample.ts_sent - sample.ts_received);
            if self.log {
                if let Some(log) = ctx.log {
                    if !log.push(self.index, sample) {
                        self.counters.log_dropped.inc();
                    }
                }
            }
        }
    }

    /// Stops the writers (flushing files) and returns the hooks' summaries.
    pub(crate) fn finish(&mut self, events: &EventSink) -> Vec<String> {
        for (node, writer) in &mut self.writers {
            if let Err(error) = writer.stop() {
                events.send(EngineEvent::WriteFailed { node: *node, error });
            }
        }
        self.hooks.iter().filter_map(|(_, h)| h.summary()).collect()
    }
}
