//! Run statistics: counters shared with the supervisor and latency histograms.

use crate::units::Nanos;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// Sub-buckets per power of two: values are kept to within 1/256 (0.4 %) of their size.
const SUB_BUCKET_BITS: u32 = 8;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Highest latency the histogram resolves (100 s).
const HISTOGRAM_MAX_NS: u64 = 100_000_000_000;

/// Index of the bucket holding `v` (1 ≤ v ≤ HISTOGRAM_MAX_NS).
fn bucket_of(v: u64) -> usize {
    if v < SUB_BUCKETS {
        return v as usize;
    }
    let exponent = 63 - v.leading_zeros();
    let shift = exponent - SUB_BUCKET_BITS;
    let mantissa = v >> shift;
    ((u64::from(shift) + 1) * SUB_BUCKETS + (mantissa - SUB_BUCKETS)) as usize
}

/// Highest value that falls into bucket `index`.
fn bucket_high(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let shift = index / SUB_BUCKETS - 1;
    let mantissa = index % SUB_BUCKETS + SUB_BUCKETS;
    ((mantissa + 1) << shift) - 1
}

/// A latency histogram in nanoseconds (1 ns to 100 s, within 0.4 %), with atomic
/// buckets: one thread records without allocating or locking, and any thread can read a
/// snapshot while it runs. Negative and out-of-range values are counted apart.
pub struct LatencyHistogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
    out_of_range: AtomicU64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for LatencyHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyHistogram")
            .field("count", &self.len())
            .finish()
    }
}

impl LatencyHistogram {
    /// An empty histogram (allocates its buckets now).
    pub fn new() -> Self {
        let buckets = (0..=bucket_of(HISTOGRAM_MAX_NS))
            .map(|_| AtomicU64::new(0))
            .collect();
        LatencyHistogram {
            buckets,
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
            out_of_range: AtomicU64::new(0),
        }
    }

    /// Records one latency.
    pub fn record(&self, ns: Nanos) {
        let v = match u64::try_from(ns) {
            Ok(v) if v <= HISTOGRAM_MAX_NS => v.max(1),
            _ => {
                self.out_of_range.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        if let Some(bucket) = self.buckets.get(bucket_of(v)) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
        self.min.fetch_min(v, Ordering::Relaxed);
        self.max.fetch_max(v, Ordering::Relaxed);
    }

    /// Number of recorded values (in range).
    pub fn len(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values that were negative or above 100 s.
    pub fn out_of_range(&self) -> u64 {
        self.out_of_range.load(Ordering::Relaxed)
    }

    /// The value at a quantile (0–1) in ns (the highest value of its bucket, at most the
    /// largest value recorded).
    pub fn quantile(&self, q: f64) -> u64 {
        self.snapshot().quantile(q)
    }

    /// A copy of the current contents (allocates; off the real-time path).
    pub fn snapshot(&self) -> HistogramSnapshot {
        let buckets: Vec<(u64, u64)> = self
            .buckets
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let n = b.load(Ordering::Relaxed);
                (n > 0).then(|| (bucket_high(i), n))
            })
            .collect();
        let count = buckets.iter().map(|(_, n)| n).sum();
        HistogramSnapshot {
            count,
            sum_ns: self.sum.load(Ordering::Relaxed),
            min_ns: if count == 0 {
                0
            } else {
                self.min.load(Ordering::Relaxed)
            },
            max_ns: self.max.load(Ordering::Relaxed),
            out_of_range: self.out_of_range(),
            buckets,
        }
    }

    /// Summary figures in µs.
    pub fn summary(&self) -> LatencySummary {
        self.snapshot().summary()
    }

    /// One-line text summary in µs.
    pub fn summary_us(&self) -> String {
        let s = self.summary();
        if s.count == 0 {
            return "n/a".to_string();
        }
        format!(
            "min {:.1} / p50 {:.1} / p99 {:.1} / p99.9 {:.1} / max {:.1} µs",
            s.min, s.p50, s.p99, s.p99_9, s.max
        )
    }
}

/// The contents of a [`LatencyHistogram`] at one moment.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HistogramSnapshot {
    /// Recorded values (in range).
    pub count: u64,
    /// Sum of the recorded values in ns.
    pub sum_ns: u64,
    /// Smallest value in ns (0 when empty).
    pub min_ns: u64,
    /// Largest value in ns.
    pub max_ns: u64,
    /// Values outside the range (negative or above 100 s).
    pub out_of_range: u64,
    /// Non-empty buckets as (highest value in ns, count), in increasing order.
    pub buckets: Vec<(u64, u64)>,
}

impl HistogramSnapshot {
    /// The value at a quantile (0–1) in ns.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(high, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return high.min(self.max_ns).max(self.min_ns);
            }
        }
        self.max_ns
    }

    /// Mean in ns.
    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }

    /// Summary figures in µs.
    pub fn summary(&self) -> LatencySummary {
        let us = |ns: u64| ns as f64 / 1000.0;
        if self.count == 0 {
            return LatencySummary {
                out_of_range: self.out_of_range,
                ..LatencySummary::default()
            };
        }
        LatencySummary {
            count: self.count,
            min: us(self.min_ns),
            p50: us(self.quantile(0.5)),
            p90: us(self.quantile(0.9)),
            p99: us(self.quantile(0.99)),
            p99_9: us(self.quantile(0.999)),
            max: us(self.max_ns),
            mean: self.mean_ns() / 1000.0,
            out_of_range: self.out_of_range,
        }
    }
}

/// Latency figures in µs.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LatencySummary {
    /// Recorded values.
    pub count: u64,
    /// Minimum.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
    /// Maximum.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Values outside the histogram's range (negative or > 100 s).
    pub out_of_range: u64,
}

/// What an increase of a counter means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// It counts what happened (frames sent, clients connected).
    Info,
    /// Something went wrong (bad input, lost data, failed I/O, a missed deadline): the
    /// supervisor warns when it grows, and the end-of-run summary shows it.
    Problem,
}

/// One counter's value with its meaning, as nodes and the engine report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CounterValue {
    /// Name (`snake_case`, what is counted: `late_steps`, `clients_refused`).
    pub name: &'static str,
    /// The count.
    pub value: u64,
    /// What an increase means.
    pub severity: Severity,
    /// Shown in the summary even when zero (a zero there is the news, e.g. no simulation
    /// step missed its deadline).
    pub shown_when_zero: bool,
}

impl CounterValue {
    /// A counter of what happened.
    pub const fn info(name: &'static str, value: u64) -> Self {
        CounterValue {
            name,
            value,
            severity: Severity::Info,
            shown_when_zero: false,
        }
    }

    /// A counter of trouble.
    pub const fn problem(name: &'static str, value: u64) -> Self {
        CounterValue {
            name,
            value,
            severity: Severity::Problem,
            shown_when_zero: false,
        }
    }

    /// The same counter, shown in the summary even when zero.
    pub const fn shown_when_zero(mut self) -> Self {
        self.shown_when_zero = true;
        self
    }

    /// Whether an increase means trouble.
    pub fn is_problem(&self) -> bool {
        self.severity == Severity::Problem
    }
}

/// A counter written by one thread and read by the supervisor.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }
    /// Current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Live counters of a path.
#[derive(Debug, Default)]
pub struct PathCounters {
    /// Samples taken from the input queues.
    pub received: Counter,
    /// Samples written to the outputs (after hooks).
    pub sent: Counter,
    /// Samples dropped by hooks.
    pub hook_dropped: Counter,
    /// Output samples lost because the pool was empty.
    pub pool_exhausted: Counter,
    /// Rate ticks that came after the next tick was already due.
    pub overruns: Counter,
    /// Write calls that failed.
    pub write_errors: Counter,
    /// Samples an output did not accept.
    pub write_short: Counter,
    /// Samples the run log dropped because its queue was full.
    pub log_dropped: Counter,
    /// Samples dropped because the path was stopped by an action.
    pub stopped_dropped: Counter,
    /// Samples not written to an output node that was stopped by an action.
    pub output_stopped: Counter,
}

/// Live counters of a node's engine side.
#[derive(Debug, Default)]
pub struct NodeRunCounters {
    /// Samples read.
    pub read: Counter,
    /// Samples not delivered to a path because the pool was empty.
    pub pool_exhausted: Counter,
    /// Timed wake-ups after which the next sample was already overdue (the reader is
    /// behind its schedule; it catches up without losing samples).
    pub late_wakeups: Counter,
    /// Read errors.
    pub read_errors: Counter,
    /// Samples read while the node was stopped by an action, and dropped.
    pub stopped_dropped: Counter,
}

impl NodeRunCounters {
    /// The engine-side counters of a node.
    pub fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("read", self.read.get()),
            CounterValue::problem("pool_exhausted", self.pool_exhausted.get()),
            CounterValue::info("late_wakeups", self.late_wakeups.get()),
            CounterValue::problem("read_errors", self.read_errors.get()),
            CounterValue::info("stopped_dropped", self.stopped_dropped.get()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_range_in_order_within_their_precision() {
        let check = |v: u64| {
            let i = bucket_of(v);
            let high = bucket_high(i);
            assert!(high >= v, "{v} in bucket {i} up to {high}");
            assert!((high - v) as f64 <= v as f64 / 256.0 + 1.0, "{v}: {high}");
            i
        };
        let mut last = 0;
        for v in 1..100_000u64 {
            let i = check(v);
            assert!(i >= last, "buckets grow with the value");
            last = i;
        }
        for e in 17..37 {
            check(1u64 << e);
            check((1u64 << e) - 1);
        }
        check(HISTOGRAM_MAX_NS);
    }

    #[test]
    fn quantiles_match_a_sorted_list() {
        let h = LatencyHistogram::new();
        let values: Vec<i64> = (1..=10_000).map(|i| i * 37 % 9_973 + 1_000).collect();
        for v in &values {
            h.record(*v);
        }
        h.record(-5);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = sorted[((q * sorted.len() as f64).ceil() as usize) - 1] as f64;
            let got = h.quantile(q) as f64;
            assert!(
                (got - exact).abs() <= exact / 256.0 + 1.0,
                "q {q}: {got} vs {exact}"
            );
        }
        let s = h.summary();
        assert_eq!(s.count, 10_000);
        assert_eq!(s.out_of_range, 1);
        assert_eq!(s.min, sorted[0] as f64 / 1000.0);
        assert_eq!(s.max, *sorted.last().unwrap() as f64 / 1000.0);
        let mean = values.iter().sum::<i64>() as f64 / values.len() as f64 / 1000.0;
        assert!((s.mean - mean).abs() < 1e-9);
    }
}
