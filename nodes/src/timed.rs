//! The timed-source skeleton of the `signal` and `rtt` nodes and the rtt probe's sender:
//! sample `k` is due at `start + k / rate`, and a late wake-up produces every due sample.
//!
//! A [`Schedule`] counts samples and computes deadlines; it does not sleep, read a clock or
//! make samples (the engine hands readers `now`, the probe's sender sleeps on its own).

use gridhil_engine::node::Due;
use gridhil_engine::units::{Duration, Nanos, Rate, NANOS_PER_SEC};
use std::ops::Range;

/// The samples of a fixed-rate source: which is next, when each is due, when it ends.
#[derive(Debug, Clone)]
pub struct Schedule {
    rate: Rate,
    start: Nanos,
    next: u64,
    limit: Option<u64>,
}

/// One sample taken from a [`Schedule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Its sequence number `k`, counted from 0.
    pub seq: u64,
    /// When it is due: `start + k / rate`.
    pub due: Nanos,
}

impl Schedule {
    /// Samples at `rate` from `start` (the instant of sample 0), `limit` of them in all
    /// (`None`: no end).
    pub fn new(rate: Rate, start: Nanos, limit: Option<u64>) -> Self {
        Schedule {
            rate,
            start,
            next: 0,
            limit,
        }
    }

    /// When sample `k` is due, computed from `k` (rounding never accumulates).
    pub fn deadline(&self, k: u64) -> Nanos {
        self.rate.tick(self.start, k)
    }

    /// Sequence number of the next sample: how many were taken so far.
    pub fn next_seq(&self) -> u64 {
        self.next
    }

    /// Whether every sample up to the limit was taken.
    pub fn is_finished(&self) -> bool {
        self.limit.is_some_and(|limit| self.next >= limit)
    }

    /// When the next sample is due, for [`gridhil_engine::node::NodeReader::due`].
    pub fn due(&self) -> Due {
        if self.is_finished() {
            Due::Done
        } else {
            Due::At(self.deadline(self.next))
        }
    }

    /// Takes the next sample if it is due at `now` (and the limit is not reached). Called
    /// until it gives `None`, it yields every sample due, none skipped, however late.
    pub fn take_due(&mut self, now: Nanos) -> Option<Tick> {
        if self.is_finished() {
            return None;
        }
        let due = self.deadline(self.next);
        if due > now {
            return None;
        }
        let tick = Tick {
            seq: self.next,
            due,
        };
        self.next += 1;
        Some(tick)
    }

    /// Takes the next `count` samples (fewer at the limit) whether or not they are due yet:
    /// a sender that sends a batch on the deadline of its first sample.
    pub fn take(&mut self, count: u64) -> Range<u64> {
        let first = self.next;
        let left = self
            .limit
            .map_or(u64::MAX, |limit| limit.saturating_sub(first));
        self.next = first + count.min(left);
        first..self.next
    }
}

/// How many samples of a source at `rate` are due within `duration` after its start: those
/// with `k / rate < duration` (a started period counts).
pub fn samples_in(duration: Duration, rate: Rate) -> u64 {
    let exact = duration.as_nanos() as f64 * rate.hz() / NANOS_PER_SEC as f64;
    // Tolerate float noise such as 1s × 3 Hz = 3.0000000004.
    (exact - 1e-6).ceil().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_wake_up_takes_every_due_sample() {
        let mut schedule = Schedule::new(Rate(1000.0), 5_000, None);
        assert_eq!(schedule.due(), Due::At(5_000));
        assert_eq!(schedule.take_due(4_999), None, "not yet due");
        let taken: Vec<Tick> = std::iter::from_fn(|| schedule.take_due(3_005_000)).collect();
        assert_eq!(
            taken,
            (0..=3)
                .map(|k| Tick {
                    seq: k,
                    due: 5_000 + k as Nanos * 1_000_000
                })
                .collect::<Vec<_>>()
        );
        assert_eq!(schedule.next_seq(), 4);
        assert_eq!(schedule.due(), Due::At(4_005_000));
    }

    #[test]
    fn deadlines_do_not_drift() {
        let schedule = Schedule::new(Rate(3.0), 0, None);
        assert_eq!(schedule.deadline(3), NANOS_PER_SEC);
        assert_eq!(schedule.deadline(300_000), 100_000 * NANOS_PER_SEC);
        assert_eq!(schedule.deadline(1), 333_333_333);
    }

    #[test]
    fn the_limit_ends_the_schedule() {
        let mut schedule = Schedule::new(Rate(1000.0), 0, Some(5));
        assert_eq!(schedule.take(3), 0..3);
        assert_eq!(schedule.take(3), 3..5, "a batch stops at the limit");
        assert!(schedule.is_finished());
        assert_eq!(schedule.due(), Due::Done);
        assert_eq!(schedule.take_due(Nanos::MAX), None);
        assert_eq!(schedule.take(3), 5..5);
    }

    #[test]
    fn samples_in_counts_started_periods() {
        assert_eq!(samples_in(Duration(NANOS_PER_SEC), Rate(3.0)), 3);
        assert_eq!(samples_in(Duration(250_000_000), Rate(2000.0)), 500);
        assert_eq!(samples_in(Duration(1_500_000), Rate(1000.0)), 2);
        assert_eq!(samples_in(Duration(0), Rate(1000.0)), 0);
    }
}
