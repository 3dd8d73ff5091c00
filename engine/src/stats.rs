//! Run statistics: counters shared with the supervisor and latency histograms.

use crate::units::Nanos;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// A latency histogram in nanoseconds (1 ns to 100 s, 3 significant digits), preallocated:
/// recording never allocates. Negative and out-of-range values are counted apart.
pub struct LatencyHistogram {
    histogram: Option<Histogram<u64>>,
    out_of_range: u64,
}

/// Highest latency the histogram resolves (100 s).
const HISTOGRAM_MAX_NS: u64 = 100_000_000_000;

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram (allocates its buckets now).
    pub fn new() -> Self {
        LatencyHistogram {
            histogram: Histogram::new_with_bounds(1, HISTOGRAM_MAX_NS, 3).ok(),
            out_of_range: 0,
        }
    }

    /// Records one latency.
    pub fn record(&mut self, ns: Nanos) {
        let recorded = match (&mut self.histogram, u64::try_from(ns)) {
            (Some(h), Ok(v)) if v <= HISTOGRAM_MAX_NS => h.record(v.max(1)).is_ok(),
            _ => false,
        };
        if !recorded {
            self.out_of_range += 1;
        }
    }

    /// Number of recorded values (in range).
    pub fn len(&self) -> u64 {
        self.histogram.as_ref().map_or(0, |h| h.len())
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values that were negative or above 100 s.
    pub fn out_of_range(&self) -> u64 {
        self.out_of_range
    }

    /// The value at a quantile (0–1) in ns.
    pub fn quantile(&self, q: f64) -> u64 {
        self.histogram
            .as_ref()
            .map_or(0, |h| h.value_at_quantile(q))
    }

    /// Summary figures in µs.
    pub fn summary(&self) -> LatencySummary {
        let us = |ns: u64| ns as f64 / 1000.0;
        match &self.histogram {
            Some(h) if !h.is_empty() => LatencySummary {
                count: h.len(),
                min: us(h.min()),
                p50: us(h.value_at_quantile(0.5)),
                p90: us(h.value_at_quantile(0.9)),
                p99: us(h.value_at_quantile(0.99)),
                p99_9: us(h.value_at_quantile(0.999)),
                max: us(h.max()),
                mean: h.mean() / 1000.0,
                out_of_range: self.out_of_range,
            },
            _ => LatencySummary {
                out_of_range: self.out_of_range,
                ..LatencySummary::default()
            },
        }
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
}
