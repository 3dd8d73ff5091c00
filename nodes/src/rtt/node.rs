//! `rtt`: a node that measures round trips through other nodes.
//!
//! Its reader is a timed source ([`Schedule`]): sample `k` is due at `start + k / rate`,
//! carries `seq = k` and `ts_origin` = that deadline in wall time, so every sample says
//! when it was sent.
//! Paths carry it through other nodes (a loopback, a UDP link to a remote echo, ...) and back
//! into the node's writer, which takes `now − ts_origin` as the round trip of each sample,
//! matches it by sequence number (duplicates, reordering and loss are counted) and keeps a
//! preallocated latency histogram. Results are published as node counters (atomics), so the
//! supervisor, `gridhil run` and the HDF5 run log read them without touching the
//! real-time threads.

use super::window::{Arrival, SeenWindow};
use super::MAX_VALUES;
use crate::timed::{samples_in, Schedule};
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeWriter, ReadContext, WriteContext,
};
use gridhil_engine::sample::SampleRef;
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::stats::{Counter, CounterValue, LatencyHistogram};
use gridhil_engine::units::{Duration, Nanos, Rate};
use gridhil_engine::{FieldError, Registry};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Registers the `rtt` node type.
pub fn register(registry: &mut Registry) {
    registry
        .add_node::<RttConfig>(
            "rtt",
            "round-trip latency probe: sends timestamped samples, measures them coming back",
        )
        .example(include_str!("../../compliance/rtt.toml"));
}

/// Highest supported rate.
pub const MAX_RATE_HZ: f64 = 100_000.0;

/// Measured samples between two publications of the percentiles.
const PUBLISH_EVERY: u32 = 1024;

/// What the probe samples carry as values.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Payload {
    /// Every value is 0.
    #[default]
    Zeros,
    /// Every value is the sample's sequence number.
    Counter,
}

/// Configuration of an `rtt` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RttConfig {
    /// Probe rate (up to 100 kHz).
    pub rate: Rate,
    /// Payload size: `f64` values `v0..` per sample (1 to 4096).
    pub values: usize,
    /// What the values carry.
    #[serde(default)]
    pub payload: Payload,
    /// Stop sending after this many samples (warm-up included).
    pub limit: Option<u64>,
    /// Samples sent during this time after the start are not counted in the statistics.
    #[serde(default)]
    pub warmup: Duration,
}

impl RttConfig {
    fn check(&self) -> Result<(), FieldError> {
        let hz = self.rate.hz();
        if !(hz.is_finite() && hz > 0.0) || hz > MAX_RATE_HZ {
            return Err(FieldError::at(
                "rate",
                format!("`rate` {} must be above 0 and at most 100kHz", self.rate),
            ));
        }
        if self.values == 0 || self.values > MAX_VALUES {
            return Err(FieldError::at(
                "values",
                format!(
                    "`values` must be between 1 and {MAX_VALUES}, not {}",
                    self.values
                ),
            ));
        }
        if let Some(limit) = self.limit {
            if limit <= self.warmup_samples() {
                return Err(FieldError::at(
                    "limit",
                    format!(
                        "`limit` {limit} leaves nothing to measure after the {} warm-up ({} samples)",
                        self.warmup,
                        self.warmup_samples()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Number of samples sent during the warm-up: those due before `start + warmup`.
    pub fn warmup_samples(&self) -> u64 {
        samples_in(self.warmup, self.rate)
    }
}

impl NodeConfig for RttConfig {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        self.check()
    }

    fn output_signals(&self) -> Vec<Signal> {
        (0..self.values)
            .map(|i| Signal::f64(format!("v{i}")))
            .collect()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn connect_input(&mut self, _signals: &[Signal]) -> Result<(), FieldError> {
        // Only `seq` and `ts_origin` of returning samples matter; any values are accepted.
        Ok(())
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        self.check().map_err(|e| NodeError::Config(e.to_string()))?;
        let probe = Arc::new(Probe::new(self.warmup_samples()));
        Ok(NodeIo {
            reader: Some(Box::new(RttReader {
                probe: Arc::clone(&probe),
                schedule: Schedule::new(self.rate, ctx.start, self.limit),
                wall_offset: ctx.wall_offset,
                values: self.values,
                payload: self.payload,
            })),
            writer: Some(Box::new(RttWriter {
                probe: Arc::clone(&probe),
                wall_offset: ctx.wall_offset,
                seen: SeenWindow::new(),
                histogram: LatencyHistogram::new(),
                newest: None,
                since_publish: 0,
            })),
            counters: Some(probe),
        })
    }
}

/// State shared by the two halves and the supervisor: atomics only.
struct Probe {
    /// Samples handed out so far, warm-up included (the next sequence number).
    issued: AtomicU64,
    /// Sequence numbers below this are warm-up.
    warmup_samples: u64,
    /// Measured samples sent.
    sent: Counter,
    /// Measured samples received (first copies).
    received: Counter,
    /// Measured samples sent but never received (set when the writer stops).
    lost: AtomicU64,
    /// Extra copies of measured samples.
    duplicates: Counter,
    /// Measured samples that arrived after a later-sent one.
    reordered: Counter,
    /// Samples with a sequence number the probe never sent.
    foreign: Counter,
    /// Samples older than the duplicate-detection window.
    too_old: Counter,
    /// Round trips that were negative or above 100 s.
    out_of_range: Counter,
    rtt_min_ns: AtomicU64,
    rtt_max_ns: AtomicU64,
    rtt_p50_ns: AtomicU64,
    rtt_p99_ns: AtomicU64,
    rtt_p99_9_ns: AtomicU64,
}

impl Probe {
    fn new(warmup_samples: u64) -> Self {
        Probe {
            issued: AtomicU64::new(0),
            warmup_samples,
            sent: Counter::default(),
            received: Counter::default(),
            lost: AtomicU64::new(0),
            duplicates: Counter::default(),
            reordered: Counter::default(),
            foreign: Counter::default(),
            too_old: Counter::default(),
            out_of_range: Counter::default(),
            rtt_min_ns: AtomicU64::new(0),
            rtt_max_ns: AtomicU64::new(0),
            rtt_p50_ns: AtomicU64::new(0),
            rtt_p99_ns: AtomicU64::new(0),
            rtt_p99_9_ns: AtomicU64::new(0),
        }
    }
}

impl NodeCounters for Probe {
    fn snapshot(&self) -> Vec<CounterValue> {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        vec![
            CounterValue::info("sent", self.sent.get()),
            CounterValue::info("received", self.received.get()),
            CounterValue::problem("lost", load(&self.lost)),
            CounterValue::problem("duplicates", self.duplicates.get()),
            CounterValue::problem("reordered", self.reordered.get()),
            CounterValue::info("warmup", self.warmup_samples.min(load(&self.issued))),
            CounterValue::problem("foreign", self.foreign.get()),
            CounterValue::problem("too_old", self.too_old.get()),
            CounterValue::problem("out_of_range", self.out_of_range.get()),
            CounterValue::info("rtt_min_ns", load(&self.rtt_min_ns)),
            CounterValue::info("rtt_max_ns", load(&self.rtt_max_ns)),
            CounterValue::info("rtt_p50_ns", load(&self.rtt_p50_ns)),
            CounterValue::info("rtt_p99_ns", load(&self.rtt_p99_ns)),
            CounterValue::info("rtt_p99_9_ns", load(&self.rtt_p99_9_ns)),
        ]
    }
}

/// The sending half: a timed source on absolute deadlines.
struct RttReader {
    probe: Arc<Probe>,
    schedule: Schedule,
    wall_offset: Nanos,
    values: usize,
    payload: Payload,
}

impl NodeReader for RttReader {
    fn due(&self) -> Due {
        self.schedule.due()
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        while !out.is_full() {
            let Some(tick) = self.schedule.take_due(ctx.now) else {
                break;
            };
            // Published before the sample can reach the writer, so it is never foreign.
            self.probe
                .issued
                .store(self.schedule.next_seq(), Ordering::Release);
            let Some(mut sample) = ctx.pool.alloc() else {
                // Pool empty: the sample is never sent (the engine counts pool exhaustion),
                // so it is not counted as sent either.
                break;
            };
            sample.seq = tick.seq;
            sample.ts_origin = tick.due + self.wall_offset;
            let value = match self.payload {
                Payload::Zeros => 0.0,
                Payload::Counter => tick.seq as f64,
            };
            for _ in 0..self.values {
                if sample.push(Value::F64(value)).is_err() {
                    break;
                }
            }
            let measured = tick.seq >= self.probe.warmup_samples;
            if out.push(sample).is_ok() && measured {
                self.probe.sent.inc();
            }
        }
        Ok(())
    }
}

/// The receiving half: takes the round trip of every returning sample.
struct RttWriter {
    probe: Arc<Probe>,
    wall_offset: Nanos,
    seen: SeenWindow,
    histogram: LatencyHistogram,
    /// Highest measured sequence number received so far.
    newest: Option<u64>,
    since_publish: u32,
}

impl RttWriter {
    /// Accounts for one returning sample received at wall time `now`.
    fn account(&mut self, seq: u64, ts_origin: Nanos, now: Nanos) {
        let probe = &*self.probe;
        if seq >= probe.issued.load(Ordering::Acquire) {
            probe.foreign.inc();
            return;
        }
        let measured = seq >= probe.warmup_samples;
        match self.seen.mark(seq) {
            Arrival::First => {}
            Arrival::Duplicate => {
                if measured {
                    probe.duplicates.inc();
                }
                return;
            }
            Arrival::TooOld => {
                probe.too_old.inc();
                return;
            }
        }
        if !measured {
            return;
        }
        probe.received.inc();
        match self.newest {
            Some(newest) if seq < newest => probe.reordered.inc(),
            _ => self.newest = Some(seq),
        }
        let rtt = now - ts_origin;
        let before = self.histogram.out_of_range();
        self.histogram.record(rtt);
        if self.histogram.out_of_range() > before {
            probe.out_of_range.inc();
            return;
        }
        // In range, so 0 ≤ rtt ≤ 100 s.
        let rtt = rtt as u64;
        let first = self.histogram.len() == 1;
        if first || rtt < probe.rtt_min_ns.load(Ordering::Relaxed) {
            probe.rtt_min_ns.store(rtt, Ordering::Relaxed);
        }
        if first || rtt > probe.rtt_max_ns.load(Ordering::Relaxed) {
            probe.rtt_max_ns.store(rtt, Ordering::Relaxed);
        }
        self.since_publish += 1;
        if self.since_publish >= PUBLISH_EVERY {
            self.publish_percentiles();
        }
    }

    /// Stores the current percentiles (walks the histogram's buckets; never allocates).
    fn publish_percentiles(&mut self) {
        self.since_publish = 0;
        if self.histogram.is_empty() {
            return;
        }
        let probe = &*self.probe;
        let min = probe.rtt_min_ns.load(Ordering::Relaxed);
        let max = probe.rtt_max_ns.load(Ordering::Relaxed);
        // The histogram stores 0 as 1 ns and rounds to 3 digits: keep within the exact range.
        let at = |q: f64| self.histogram.quantile(q).clamp(min, max);
        probe.rtt_p50_ns.store(at(0.5), Ordering::Relaxed);
        probe.rtt_p99_ns.store(at(0.99), Ordering::Relaxed);
        probe.rtt_p99_9_ns.store(at(0.999), Ordering::Relaxed);
    }
}

impl NodeWriter for RttWriter {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        // The same timeline as `ts_origin` (deadline + fixed offset): immune to wall-clock steps.
        let now = ctx.now + self.wall_offset;
        for sample in samples {
            self.account(sample.seq, sample.ts_origin, now);
        }
        Ok(samples.len())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.publish_percentiles();
        let probe = &*self.probe;
        let lost = probe.sent.get().saturating_sub(probe.received.get());
        probe.lost.store(lost, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::clock::VirtualClock;
    use gridhil_engine::sample::SamplePool;

    fn config(text: &str) -> Result<RttConfig, String> {
        let mut config: RttConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config
            .prepare(&ConfigContext {
                name: "probe".into(),
                config_dir: ".".into(),
            })
            .map_err(|e| e.to_string())?;
        Ok(config)
    }

    fn counters(probe: &dyn NodeCounters) -> std::collections::BTreeMap<&'static str, u64> {
        probe
            .snapshot()
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect()
    }

    struct Harness {
        clock: Arc<VirtualClock>,
        pool: Arc<SamplePool>,
        io: NodeIo,
    }

    impl Harness {
        fn new(text: &str) -> Self {
            let clock = Arc::new(VirtualClock::new(1_000_000_000));
            let pool = SamplePool::new(256, 8);
            let ctx = BuildContext {
                name: "probe".into(),
                clock: clock.clone(),
                pool: Arc::clone(&pool),
                start: 0,
                end: None,
                wall_offset: 1_000_000_000,
                batch_size: 64,
                controls: Default::default(),
            };
            let io = config(text).unwrap().build(&ctx).unwrap();
            Harness { clock, pool, io }
        }

        /// Advances to `t` and reads what is due.
        fn read_at(&mut self, t: Nanos) -> Batch {
            self.clock.advance_to(t);
            let mut batch = Batch::with_capacity(64);
            let mut ctx = ReadContext::new(self.clock.as_ref(), &self.pool, 0, None);
            let reader = self.io.reader.as_mut().unwrap();
            reader.read(&mut ctx, &mut batch).unwrap();
            batch
        }

        /// Advances to `t` and writes `samples` back.
        fn write_at(&mut self, t: Nanos, samples: &[SampleRef]) {
            self.clock.advance_to(t);
            let ctx = WriteContext::now(self.clock.as_ref());
            let writer = self.io.writer.as_mut().unwrap();
            assert_eq!(writer.write(samples, &ctx).unwrap(), samples.len());
        }

        fn stop(&mut self) -> std::collections::BTreeMap<&'static str, u64> {
            self.io.writer.as_mut().unwrap().stop().unwrap();
            counters(self.io.counters.as_deref().unwrap())
        }
    }

    #[test]
    fn samples_carry_their_send_instant() {
        let mut h = Harness::new("rate = \"1kHz\"\nvalues = 3\npayload = \"counter\"\n");
        assert_eq!(h.io.reader.as_ref().unwrap().due(), Due::At(0));
        let batch = h.read_at(2_500_000);
        let seqs: Vec<u64> = batch.as_slice().iter().map(|s| s.seq).collect();
        assert_eq!(
            seqs,
            vec![0, 1, 2],
            "catch-up: every due sample, none skipped"
        );
        for s in batch.as_slice() {
            assert_eq!(s.ts_origin, 1_000_000_000 + s.seq as Nanos * 1_000_000);
            assert_eq!(s.values(), &[Value::F64(s.seq as f64); 3]);
        }
        assert_eq!(h.io.reader.as_ref().unwrap().due(), Due::At(3_000_000));
    }

    #[test]
    fn round_trips_duplicates_reordering_and_loss() {
        let mut h = Harness::new("rate = \"1kHz\"\nvalues = 1\n");
        let batch = h.read_at(9_000_000); // seqs 0..=9, sent at 0..=9 ms
        assert_eq!(batch.len(), 10);
        let s = batch.as_slice();
        // Back at 10 ms: 0, 1, 3, 2 (reordered), 3 again (duplicate); 4..=9 never come back.
        h.write_at(10_000_000, &[]);
        let back: Vec<SampleRef> = [0, 1, 3, 2, 3]
            .iter()
            .map(|&i| h.pool.alloc_copy(&s[i]).unwrap())
            .collect();
        h.write_at(10_000_000, &back);
        let c = h.stop();
        assert_eq!(c["sent"], 10);
        assert_eq!(c["received"], 4);
        assert_eq!(c["lost"], 6);
        assert_eq!(c["duplicates"], 1);
        assert_eq!(c["reordered"], 1);
        assert_eq!(c["rtt_min_ns"], 7_000_000);
        assert_eq!(c["rtt_max_ns"], 10_000_000);
        assert_eq!(c["foreign"], 0);
        let p50 = c["rtt_p50_ns"];
        assert!((8_000_000..=9_000_000).contains(&p50), "{p50}");
    }

    #[test]
    fn warmup_is_not_counted_and_foreign_samples_are() {
        let mut h = Harness::new("rate = \"1kHz\"\nvalues = 1\nwarmup = \"3ms\"\nlimit = 5\n");
        let batch = h.read_at(100_000_000);
        assert_eq!(batch.len(), 5, "limit");
        assert_eq!(h.io.reader.as_ref().unwrap().due(), Due::Done);
        let mut back: Vec<SampleRef> = batch
            .as_slice()
            .iter()
            .map(|s| h.pool.alloc_copy(s).unwrap())
            .collect();
        let mut stranger = h.pool.alloc().unwrap();
        stranger.seq = 99;
        back.push(stranger);
        h.write_at(100_000_000, &back);
        let c = h.stop();
        assert_eq!(c["warmup"], 3);
        assert_eq!(c["sent"], 2);
        assert_eq!(c["received"], 2);
        assert_eq!(c["lost"], 0);
        assert_eq!(c["foreign"], 1);
    }

    #[test]
    fn zero_round_trip_reads_zero() {
        let mut h = Harness::new("rate = \"1kHz\"\nvalues = 1\n");
        let batch = h.read_at(0);
        let back: Vec<SampleRef> = batch
            .as_slice()
            .iter()
            .map(|s| h.pool.alloc_copy(s).unwrap())
            .collect();
        h.write_at(0, &back);
        let c = h.stop();
        assert_eq!(c["received"], 1);
        assert_eq!(
            (
                c["rtt_min_ns"],
                c["rtt_p50_ns"],
                c["rtt_p99_9_ns"],
                c["rtt_max_ns"]
            ),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn negative_round_trips_are_out_of_range() {
        let mut h = Harness::new("rate = \"1kHz\"\nvalues = 1\n");
        let batch = h.read_at(0);
        let mut back = h.pool.alloc_copy(&batch.as_slice()[0]).unwrap();
        back.ts_origin += 5_000_000;
        h.write_at(1_000, &[back]);
        let c = h.stop();
        assert_eq!(c["received"], 1);
        assert_eq!(c["out_of_range"], 1);
        assert_eq!(c["rtt_max_ns"], 0);
    }

    #[test]
    fn bad_configs_are_refused() {
        for text in [
            "rate = \"200kHz\"\nvalues = 1\n",
            "rate = \"1kHz\"\nvalues = 0\n",
            "rate = \"1kHz\"\nvalues = 5000\n",
            "rate = \"1kHz\"\n",
            "rate = \"1kHz\"\nvalues = 1\nlimit = 10\nwarmup = \"10ms\"\n",
            "rate = \"1kHz\"\nvalues = 1\npayload = \"ones\"\n",
            "rate = \"1kHz\"\nvalues = 1\nbogus = 1\n",
        ] {
            assert!(config(text).is_err(), "{text}");
        }
        assert!(config("rate = \"1kHz\"\nvalues = 1\nlimit = 11\nwarmup = \"10ms\"\n").is_ok());
    }
}
