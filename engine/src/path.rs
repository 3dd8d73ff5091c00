//! A path at run time: input queues → trigger and signal mapping → hooks → outputs and the
//! run log. Runs on one thread (its own, a reader's, or the virtual-time scheduler's).
//!
//! Not the scheduling: when a path is polled or ticked is decided by `run/`.

use crate::clock::Clock;
use crate::config::{PathSpec, Trigger};
use crate::control::ControlReceiver;
use crate::event::{EngineEvent, EventSink};
use crate::hook::{Hook, HookAction, HookContext};
use crate::impair::Impairment;
use crate::node::{NodeWriter, WriteContext};
use crate::queue::SampleQueue;
use crate::runlog::LogQueue;
use crate::sample::{SampleFlags, SamplePool, SampleRef};
use crate::signal::Value;
use crate::stats::{LatencyHistogram, PathCounters};
use crate::units::Nanos;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The `hook` index of a control value meant for the path's impairments.
pub(crate) const IMPAIRMENT: usize = usize::MAX;

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
    /// The run's clock.
    pub clock: &'a dyn Clock,
    /// The sample pool.
    pub pool: &'a Arc<SamplePool>,
    /// Events to the supervisor.
    pub events: &'a EventSink,
    /// The run log's queue, when rows are logged.
    pub log: Option<&'a LogQueue>,
}

/// An output node of a path.
pub(crate) struct PathOutput {
    /// Node index.
    pub node: usize,
    /// The node's writer.
    pub writer: Box<dyn NodeWriter>,
    /// The node's stop/start gate: nothing is written to a stopped node.
    pub running: Arc<AtomicBool>,
}

/// How a path is connected to the rest of the run, decided when the run is built.
pub(crate) struct PathWiring {
    /// Path index.
    pub index: usize,
    /// One queue per input, in input order.
    pub queues: Vec<Arc<SampleQueue>>,
    /// Output nodes.
    pub outputs: Vec<PathOutput>,
    /// Hook-parameter values from actions.
    pub controls: ControlReceiver,
    /// The path's stop/start gate.
    pub running: Arc<AtomicBool>,
    /// Counters (shared with snapshots).
    pub counters: Arc<PathCounters>,
    /// Ingress → egress latency (shared with snapshots).
    pub latency: Arc<LatencyHistogram>,
    /// Link impairments of what the path sends.
    pub impair: Impairment,
}

/// The run's timing as a path needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathTiming {
    /// Monotonic start of the run (first rate tick).
    pub start: Nanos,
    /// Wall time minus monotonic time.
    pub wall_offset: Nanos,
    /// Most samples written in one call.
    pub batch: usize,
    /// Whether rows go to the run log.
    pub logged: bool,
}

/// A running path.
pub(crate) struct PathRuntime {
    pub index: usize,
    pub inputs: Vec<PathInput>,
    hooks: Vec<(String, Box<dyn Hook>)>,
    outputs: Vec<PathOutput>,
    controls: ControlReceiver,
    running: Arc<AtomicBool>,
    trigger: Trigger,
    period: Nanos,
    next_tick: Nanos,
    tick_index: u64,
    timing: PathTiming,
    /// Latest value of every output column (multi-input paths).
    last: Vec<Value>,
    last_seen: Vec<bool>,
    width: usize,
    seq: u64,
    out: Vec<SampleRef>,
    pub counters: Arc<PathCounters>,
    latency: Arc<LatencyHistogram>,
    impair: Impairment,
    /// Engine time at the start of the current poll or tick.
    now: Nanos,
    /// Wall time at the start of the current poll or tick.
    wall: Nanos,
    /// Readers still feeding this path; when 0 and the queues are empty the path is done.
    pub live_inputs: Arc<AtomicUsize>,
}

impl PathRuntime {
    /// A path of `spec` wired as `wiring`; `node_widths` are the signal counts of the nodes.
    pub(crate) fn new(
        spec: PathSpec,
        wiring: PathWiring,
        node_widths: &[usize],
        timing: PathTiming,
    ) -> Self {
        let mut offset = 0;
        let inputs: Vec<PathInput> = spec
            .inputs
            .iter()
            .zip(wiring.queues)
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
        let live = inputs.len();
        PathRuntime {
            index: wiring.index,
            inputs,
            hooks: spec.hooks,
            outputs: wiring.outputs,
            controls: wiring.controls,
            running: wiring.running,
            trigger: spec.trigger,
            period: spec.rate.map_or(0, |r| r.period_ns()),
            next_tick: timing.start,
            tick_index: 0,
            timing: PathTiming {
                logged: spec.log && timing.logged,
                ..timing
            },
            last: vec![Value::default(); width],
            last_seen: vec![false; live],
            width,
            seq: 0,
            out: Vec::with_capacity(timing.batch.max(1)),
            counters: wiring.counters,
            latency: wiring.latency,
            impair: wiring.impair,
            now: 0,
            wall: 0,
            live_inputs: Arc::new(AtomicUsize::new(live)),
        }
    }

    /// Whether the path runs on a fixed rate, and its next tick.
    pub(crate) fn next_tick(&self) -> Option<Nanos> {
        (self.trigger == Trigger::Rate).then_some(self.next_tick)
    }

    /// When the next sample held back by an impairment is due.
    pub(crate) fn next_release(&self) -> Option<Nanos> {
        self.impair.next_release()
    }

    /// Whether every reader feeding this path has finished.
    pub(crate) fn inputs_finished(&self) -> bool {
        self.live_inputs.load(Ordering::Acquire) == 0
    }

    /// Whether all input queues are empty.
    pub(crate) fn queues_empty(&self) -> bool {
        self.inputs.iter().all(|i| i.queue.is_empty())
    }

    /// Reads the engine clock once for the processing that follows and applies the hook
    /// parameters whose instant has come.
    fn begin(&mut self, ctx: &PathContext<'_>) {
        self.now = ctx.clock.monotonic();
        self.wall = ctx.clock.wall();
        while let Some(control) = self.controls.take_due(self.now) {
            if control.hook == IMPAIRMENT {
                self.impair.set(control.index, control.value);
            } else if let Some((_, hook)) = self.hooks.get_mut(control.hook) {
                hook.set_parameter(control.index, control.value);
            }
        }
        self.impair.release(self.now, &mut self.out);
    }

    fn stopped(&self) -> bool {
        !self.running.load(Ordering::Acquire)
    }

    /// Takes every queued input sample and processes it; returns how many were taken.
    pub(crate) fn poll(&mut self, ctx: &PathContext<'_>) -> usize {
        self.begin(ctx);
        let stopped = self.stopped();
        let mut taken = 0;
        for input_index in 0..self.inputs.len() {
            while let Some(sample) = self.inputs[input_index].queue.pop() {
                taken += 1;
                self.counters.received.inc();
                if stopped {
                    self.counters.stopped_dropped.inc();
                    continue;
                }
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

    /// Emits one sample with the latest values (trigger `rate`) at the tick now due.
    pub(crate) fn tick(&mut self, ctx: &PathContext<'_>) {
        self.begin(ctx);
        self.poll_inputs_only();
        if !self.stopped() {
            let due = self.next_tick;
            let seq = self.tick_index;
            self.build_and_emit(seq, due + self.timing.wall_offset, self.wall, ctx);
            self.flush(ctx);
        }
        self.tick_index += 1;
        self.next_tick = self.tick_at(self.tick_index);
        let now = ctx.clock.monotonic();
        if self.next_tick <= now && !ctx.clock.is_virtual() {
            // Behind: count the missed ticks and skip them.
            let missed = ((now - self.next_tick) / self.period.max(1)) as u64 + 1;
            self.counters.overruns.add(missed);
            self.tick_index += missed;
            self.next_tick = self.tick_at(self.tick_index);
        }
    }

    fn tick_at(&self, index: u64) -> Nanos {
        self.timing.start + ((index as i128 * self.period as i128) as Nanos)
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
        self.impair.admit(sample, self.now, ctx.pool, &mut self.out);
    }

    /// Sends the pending output samples to every running output and the run log.
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
        let n = self.out.len() as u64;
        for output in &mut self.outputs {
            if !output.running.load(Ordering::Acquire) {
                self.counters.output_stopped.add(n);
                continue;
            }
            match output.writer.write(&self.out, &write_ctx) {
                Ok(written) if (written as u64) < n => {
                    self.counters.write_short.add(n - written as u64)
                }
                Ok(_) => {}
                Err(error) => {
                    self.counters.write_errors.inc();
                    ctx.events.send(EngineEvent::WriteFailed {
                        node: output.node,
                        error,
                    });
                }
            }
        }
        self.counters.sent.add(n);
        for sample in self.out.drain(..) {
            self.latency.record(sample.ts_sent - sample.ts_received);
            if let (true, Some(log)) = (self.timing.logged, ctx.log) {
                if !log.push(self.index, sample) {
                    self.counters.log_dropped.inc();
                }
            }
        }
    }

    /// Stops the writers (flushing files) and returns the hooks' summaries.
    pub(crate) fn finish(&mut self, events: &EventSink) -> Vec<String> {
        self.impair.finish();
        for output in &mut self.outputs {
            if let Err(error) = output.writer.stop() {
                events.send(EngineEvent::WriteFailed {
                    node: output.node,
                    error,
                });
            }
        }
        self.hooks.iter().filter_map(|(_, h)| h.summary()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use crate::config::InputSpec;
    use crate::control::{control_channel, ControlSender, ControlValue};
    use crate::hook::{HookBuildContext, HookConfig};
    use crate::hooks::ScaleConfig;
    use crate::node::NodeError;
    use crate::queue::OverflowPolicy;
    use crate::runlog::{LogOverflow, LogQueue};
    use crate::signal::Signal;
    use crate::units::Rate;
    use std::sync::Mutex;

    /// What a [`Recorder`] got: (seq, values, ts_sent) per sample.
    type Seen = Arc<Mutex<Vec<(u64, Vec<f64>, Nanos)>>>;

    /// A writer that keeps what it gets.
    struct Recorder(Seen);

    impl NodeWriter for Recorder {
        fn write(&mut self, samples: &[SampleRef], _: &WriteContext) -> Result<usize, NodeError> {
            let mut seen = self.0.lock().unwrap();
            for s in samples {
                let values = s.values().iter().map(|v| v.as_f64()).collect();
                seen.push((s.seq, values, s.ts_sent));
            }
            Ok(samples.len())
        }
    }

    struct Fixture {
        path: PathRuntime,
        queues: Vec<Arc<SampleQueue>>,
        seen: Seen,
        controls: ControlSender,
        running: Arc<AtomicBool>,
        output_running: Arc<AtomicBool>,
        pool: Arc<SamplePool>,
        clock: VirtualClock,
        events: EventSink,
        log: LogQueue,
    }

    /// A path over nodes of widths `node_widths` with `inputs` (node, signals), a `scale`
    /// hook with gain 1 and one recording output.
    fn fixture(inputs: &[(usize, &[usize])], node_widths: &[usize], trigger: Trigger) -> Fixture {
        let input_signals: Vec<Signal> = inputs
            .iter()
            .flat_map(|(n, s)| s.iter().map(move |i| Signal::f64(format!("n{n}s{i}"))))
            .collect();
        let scale: ScaleConfig = toml::from_str("gain = 1.0").unwrap();
        let (hook, output_signals) = scale
            .build(
                &input_signals,
                &HookBuildContext {
                    path_name: "p".into(),
                    path_index: 0,
                },
            )
            .unwrap();
        let spec = PathSpec {
            name: "p".into(),
            inputs: inputs
                .iter()
                .map(|(node, signals)| InputSpec {
                    node: *node,
                    signals: signals.to_vec(),
                })
                .collect(),
            outputs: vec![9],
            hooks: vec![("scale".into(), hook)],
            trigger,
            rate: (trigger == Trigger::Rate).then_some(Rate(1000.0)),
            queue: 16,
            overflow: OverflowPolicy::DropNewest,
            log: true,
            impair: None,
            widest_signals: input_signals.len().max(output_signals.len()),
            input_signals,
            output_signals,
            line: Some(1),
        };
        let queues: Vec<Arc<SampleQueue>> = inputs
            .iter()
            .map(|_| Arc::new(SampleQueue::new(16, OverflowPolicy::DropNewest)))
            .collect();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (controls, receiver) = control_channel();
        let running = Arc::new(AtomicBool::new(true));
        let output_running = Arc::new(AtomicBool::new(true));
        let path = PathRuntime::new(
            spec,
            PathWiring {
                index: 0,
                queues: queues.clone(),
                outputs: vec![PathOutput {
                    node: 9,
                    writer: Box::new(Recorder(Arc::clone(&seen))),
                    running: Arc::clone(&output_running),
                }],
                controls: receiver,
                running: Arc::clone(&running),
                counters: Arc::default(),
                latency: Arc::default(),
                impair: crate::impair::Impairment::new(
                    &crate::impair::ImpairSettings::default(),
                    16,
                    Arc::default(),
                ),
            },
            node_widths,
            PathTiming {
                start: 0,
                wall_offset: 1_000_000,
                batch: 8,
                logged: true,
            },
        );
        Fixture {
            path,
            queues,
            seen,
            controls,
            running,
            output_running,
            pool: SamplePool::new(64, 4),
            clock: VirtualClock::new(1_000_000),
            events: EventSink::new(16),
            log: LogQueue::new(64, LogOverflow::Drop),
        }
    }

    impl Fixture {
        fn push(&self, input: usize, seq: u64, values: &[f64]) {
            let mut s = self.pool.alloc().unwrap();
            s.seq = seq;
            s.ts_origin = seq as Nanos;
            s.ts_received = 1_000_000 + seq as Nanos;
            for v in values {
                s.push(Value::F64(*v)).unwrap();
            }
            self.queues[input].push(s);
        }
        fn poll(&mut self) -> usize {
            let ctx = PathContext {
                clock: &self.clock,
                pool: &self.pool,
                events: &self.events,
                log: Some(&self.log),
            };
            self.path.poll(&ctx)
        }
        fn tick(&mut self) {
            let ctx = PathContext {
                clock: &self.clock,
                pool: &self.pool,
                events: &self.events,
                log: Some(&self.log),
            };
            self.path.tick(&ctx)
        }
        fn seen(&self) -> Vec<(u64, Vec<f64>, Nanos)> {
            self.seen.lock().unwrap().clone()
        }
    }

    #[test]
    fn a_single_identity_input_passes_samples_through_with_their_seq() {
        let mut f = fixture(&[(0, &[0, 1])], &[2], Trigger::Any);
        f.push(0, 7, &[1.0, 2.0]);
        f.push(0, 8, &[3.0, 4.0]);
        f.clock.advance_to(500);
        assert_eq!(f.poll(), 2);
        let seen = f.seen();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0], (7, vec![1.0, 2.0], 1_000_500));
        assert_eq!(seen[1].0, 8);
        assert_eq!(f.path.counters.sent.get(), 2);
        assert_eq!(f.path.latency.len(), 2);
        assert_eq!(f.log.len(), 2, "both rows went to the run log");
    }

    #[test]
    fn trigger_all_fires_once_every_input_is_fresh_and_maps_signals_in_order() {
        let mut f = fixture(&[(0, &[1]), (1, &[0, 2])], &[2, 3], Trigger::All);
        f.push(0, 0, &[10.0, 11.0]);
        f.poll();
        assert!(f.seen().is_empty(), "input 1 has not delivered yet");
        f.push(1, 0, &[20.0, 21.0, 22.0]);
        f.poll();
        f.push(1, 1, &[30.0, 31.0, 32.0]);
        f.poll();
        let seen = f.seen();
        assert_eq!(seen.len(), 1, "input 0 is not fresh again: {seen:?}");
        assert_eq!(seen[0].1, vec![11.0, 20.0, 22.0]);
    }

    #[test]
    fn a_rate_path_ticks_with_the_latest_values_and_flags_stale_inputs() {
        let mut f = fixture(&[(0, &[0]), (1, &[0])], &[1, 1], Trigger::Rate);
        assert_eq!(f.path.next_tick(), Some(0));
        f.push(0, 0, &[5.0]);
        f.tick();
        assert_eq!(f.path.next_tick(), Some(1_000_000), "1 kHz");
        f.push(1, 0, &[6.0]);
        f.clock.advance_to(1_000_000);
        f.tick();
        let seen = f.seen();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].0, seen[1].0), (0, 1), "seq counts ticks");
        assert_eq!(seen[1].1, vec![5.0, 6.0]);
        let first = f.log.pop().unwrap().1;
        assert!(
            first.flags.contains(SampleFlags::STALE),
            "input 1 had no value"
        );
        assert_eq!(first.ts_origin, 1_000_000, "tick instant in wall time");
        let second = f.log.pop().unwrap().1;
        assert!(!second.flags.contains(SampleFlags::STALE));
    }

    #[test]
    fn a_hook_parameter_applies_from_its_instant() {
        let mut f = fixture(&[(0, &[0])], &[1], Trigger::Any);
        f.controls
            .send(ControlValue {
                index: 0,
                hook: 0,
                value: 3.0,
                at: 1_000,
            })
            .unwrap();
        f.push(0, 0, &[2.0]);
        f.poll();
        f.clock.advance_to(1_000);
        f.push(0, 1, &[2.0]);
        f.poll();
        let values: Vec<f64> = f.seen().iter().map(|s| s.1[0]).collect();
        assert_eq!(values, vec![2.0, 6.0], "gain 1 before, 3 from t = 1 µs");
    }

    #[test]
    fn a_stopped_path_drops_and_a_stopped_output_is_not_written() {
        let mut f = fixture(&[(0, &[0])], &[1], Trigger::Any);
        f.running.store(false, Ordering::Release);
        f.push(0, 0, &[1.0]);
        f.poll();
        assert_eq!(f.path.counters.stopped_dropped.get(), 1);
        assert!(f.seen().is_empty());
        f.running.store(true, Ordering::Release);
        f.output_running.store(false, Ordering::Release);
        f.push(0, 1, &[1.0]);
        f.poll();
        assert!(f.seen().is_empty());
        assert_eq!(f.path.counters.output_stopped.get(), 1);
        assert_eq!(f.log.len(), 1, "the run log still gets the row");
    }
}
