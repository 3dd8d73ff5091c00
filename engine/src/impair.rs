//! Link impairments of a path, as a network emulator would add them between a controller
//! and a plant: delay, jitter, loss, duplication, reordering and outages. They act on what a
//! path sends (after its hooks), so its outputs and its run log see the impaired stream.
//!
//! Deterministic: random choices come from a seeded generator in sample order, so a
//! virtual-time run with impairments repeats bit for bit. Nothing allocates after start:
//! delayed samples wait in a heap preallocated to `hold` entries (a full heap drops and
//! counts).

use crate::sample::{SamplePool, SampleRef};
use crate::stats::Counter;
use crate::units::{Duration, Nanos};
use serde::Deserialize;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

/// The `impair` table of a path.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImpairSettings {
    /// Added to every sample's way out.
    #[serde(default)]
    pub delay: Duration,
    /// Uniform spread around `delay` (a sample waits `delay ± jitter`, never less than 0).
    #[serde(default)]
    pub jitter: Duration,
    /// Probability that a sample is lost (0–1).
    #[serde(default)]
    pub loss: f64,
    /// Probability that a sample is sent twice (0–1).
    #[serde(default)]
    pub duplicate: f64,
    /// Probability that a sample is held back by `reorder_delay` more, so later ones
    /// overtake it (0–1).
    #[serde(default)]
    pub reorder: f64,
    /// How long a reordered sample is held back in addition.
    #[serde(default = "default_reorder_delay")]
    pub reorder_delay: Duration,
    /// Seed of the random choices.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Samples that may wait at once (default: the path's queue size).
    pub hold: Option<usize>,
}

fn default_reorder_delay() -> Duration {
    Duration(1_000_000)
}

fn default_seed() -> u64 {
    0x5EED
}

impl Default for ImpairSettings {
    fn default() -> Self {
        ImpairSettings {
            delay: Duration(0),
            jitter: Duration(0),
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: default_reorder_delay(),
            seed: default_seed(),
            hold: None,
        }
    }
}

impl ImpairSettings {
    /// Checks the values; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        for (name, p) in [
            ("loss", self.loss),
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("`impair.{name}` must be a probability from 0 to 1"));
            }
        }
        if self.hold == Some(0) {
            return Err("`impair.hold` must be at least 1".into());
        }
        Ok(())
    }
}

/// Names of the parameters an action may set, in index order. Times are in seconds,
/// probabilities 0–1; `outage` drops everything while it is not 0.
pub const IMPAIR_PARAMETERS: &[&str] = &[
    "delay",
    "jitter",
    "loss",
    "duplicate",
    "reorder",
    "outage",
    "reorder_delay",
];

/// Parameters that change timing: only paths with an `impair` table (which run on a thread
/// of their own and are woken for releases) take them.
pub const TIMING_PARAMETERS: &[&str] = &["delay", "jitter", "reorder", "reorder_delay"];

/// What the impairments did, counted.
#[derive(Debug, Default)]
pub struct ImpairCounters {
    /// Samples lost on purpose (`loss`).
    pub lost: Counter,
    /// Samples lost to an outage.
    pub outage_dropped: Counter,
    /// Extra copies sent (`duplicate`).
    pub duplicated: Counter,
    /// Samples held back to be overtaken (`reorder`).
    pub reordered: Counter,
    /// Samples dropped because `hold` samples were already waiting.
    pub hold_full: Counter,
    /// Samples still held back when the run ended (in flight, never delivered).
    pub unreleased: Counter,
}

/// A sample waiting for its release.
struct Held {
    release: Nanos,
    order: u64,
    sample: SampleRef,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.release, self.order) == (other.release, other.order)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.release, self.order).cmp(&(other.release, other.order))
    }
}

/// SplitMix64: small, fast, and the same sequence on every run.
fn next_random(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut x = *state;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The impairment stage of one path.
pub(crate) struct Impairment {
    delay: Nanos,
    jitter: Nanos,
    loss: f64,
    duplicate: f64,
    reorder: f64,
    reorder_delay: Nanos,
    outage: bool,
    rng: u64,
    order: u64,
    held: BinaryHeap<Reverse<Held>>,
    capacity: usize,
    /// What happened.
    pub counters: Arc<ImpairCounters>,
}

impl Impairment {
    /// The stage with `settings`; `hold` is the default number of samples that may wait.
    pub(crate) fn new(
        settings: &ImpairSettings,
        hold: usize,
        counters: Arc<ImpairCounters>,
    ) -> Self {
        let capacity = settings.hold.unwrap_or(hold).max(1);
        Impairment {
            delay: settings.delay.as_nanos(),
            jitter: settings.jitter.as_nanos(),
            loss: settings.loss,
            duplicate: settings.duplicate,
            reorder: settings.reorder,
            reorder_delay: settings.reorder_delay.as_nanos(),
            outage: false,
            rng: settings.seed,
            order: 0,
            held: BinaryHeap::with_capacity(capacity),
            capacity,
            counters,
        }
    }

    /// Whether samples may wait (a delay, jitter or reordering is set).
    fn delays(&self) -> bool {
        self.delay > 0 || self.jitter > 0 || self.reorder > 0.0
    }

    /// Sets parameter `index` of [`IMPAIR_PARAMETERS`] (times in seconds).
    pub(crate) fn set(&mut self, index: usize, value: f64) {
        let ns = (value * 1e9).round().max(0.0) as Nanos;
        let p = value.clamp(0.0, 1.0);
        match IMPAIR_PARAMETERS.get(index).copied() {
            Some("delay") => self.delay = ns,
            Some("jitter") => self.jitter = ns,
            Some("loss") => self.loss = p,
            Some("duplicate") => self.duplicate = p,
            Some("reorder") => self.reorder = p,
            Some("outage") => self.outage = value != 0.0,
            Some("reorder_delay") => self.reorder_delay = ns,
            _ => {}
        }
    }

    /// Takes one sample the path sends at `now`: drops it, passes it on (to `out`), or
    /// holds it for later; a duplicate is a copy from `pool`.
    pub(crate) fn admit(
        &mut self,
        sample: SampleRef,
        now: Nanos,
        pool: &Arc<SamplePool>,
        out: &mut Vec<SampleRef>,
    ) {
        if self.outage {
            self.counters.outage_dropped.inc();
            return;
        }
        if self.loss > 0.0 && next_random(&mut self.rng) < self.loss {
            self.counters.lost.inc();
            return;
        }
        let copy = if self.duplicate > 0.0 && next_random(&mut self.rng) < self.duplicate {
            self.counters.duplicated.inc();
            pool.alloc_copy(&sample)
        } else {
            None
        };
        for s in std::iter::once(sample).chain(copy) {
            self.route(s, now, out);
        }
    }

    fn route(&mut self, sample: SampleRef, now: Nanos, out: &mut Vec<SampleRef>) {
        if !self.delays() {
            if out.len() < out.capacity() {
                out.push(sample);
            } else {
                self.hold(now, sample);
            }
            return;
        }
        let mut wait = self.delay;
        if self.jitter > 0 {
            let spread = (next_random(&mut self.rng) * 2.0 - 1.0) * self.jitter as f64;
            wait = (wait as f64 + spread).round().max(0.0) as Nanos;
        }
        if self.reorder > 0.0 && next_random(&mut self.rng) < self.reorder {
            self.counters.reordered.inc();
            wait += self.reorder_delay;
        }
        self.hold(now + wait, sample);
    }

    fn hold(&mut self, release: Nanos, sample: SampleRef) {
        if self.held.len() >= self.capacity {
            self.counters.hold_full.inc();
            return;
        }
        self.order += 1;
        self.held.push(Reverse(Held {
            release,
            order: self.order,
            sample,
        }));
    }

    /// Moves the held samples due at or before `now` to `out`, in release order, while it has
    /// room.
    pub(crate) fn release(&mut self, now: Nanos, out: &mut Vec<SampleRef>) {
        while out.len() < out.capacity() {
            match self.held.peek() {
                Some(Reverse(h)) if h.release <= now => {
                    if let Some(Reverse(h)) = self.held.pop() {
                        out.push(h.sample);
                    }
                }
                _ => break,
            }
        }
    }

    /// When the next held sample is due.
    pub(crate) fn next_release(&self) -> Option<Nanos> {
        self.held.peek().map(|Reverse(h)| h.release)
    }

    /// Samples waiting.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    /// Counts what is still held at the end of the run as never delivered.
    pub(crate) fn finish(&mut self) {
        self.counters.unreleased.add(self.held.len() as u64);
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(settings: ImpairSettings) -> (Impairment, Arc<SamplePool>) {
        (
            Impairment::new(&settings, 64, Arc::default()),
            SamplePool::new(256, 1),
        )
    }

    fn sample(pool: &Arc<SamplePool>, seq: u64) -> SampleRef {
        let mut s = pool.alloc().unwrap();
        s.seq = seq;
        s
    }

    fn seqs(out: &[SampleRef]) -> Vec<u64> {
        out.iter().map(|s| s.seq).collect()
    }

    #[test]
    fn without_settings_every_sample_passes_at_once() {
        let (mut stage, pool) = stage(ImpairSettings::default());
        let mut out = Vec::with_capacity(8);
        for k in 0..3 {
            stage.admit(sample(&pool, k), 0, &pool, &mut out);
        }
        assert_eq!(seqs(&out), vec![0, 1, 2]);
        assert_eq!(stage.next_release(), None);
    }

    #[test]
    fn a_delay_holds_each_sample_until_its_release() {
        let (mut stage, pool) = stage(ImpairSettings {
            delay: Duration(5_000),
            ..ImpairSettings::default()
        });
        let mut out = Vec::with_capacity(8);
        stage.admit(sample(&pool, 0), 0, &pool, &mut out);
        stage.admit(sample(&pool, 1), 1_000, &pool, &mut out);
        assert!(out.is_empty());
        assert_eq!(stage.next_release(), Some(5_000));
        stage.release(5_999, &mut out);
        assert_eq!(seqs(&out), vec![0]);
        stage.release(6_000, &mut out);
        assert_eq!(seqs(&out), vec![0, 1]);
        assert_eq!(stage.held(), 0);
    }

    #[test]
    fn loss_duplication_and_reordering_follow_their_probabilities_and_repeat() {
        let settings = ImpairSettings {
            loss: 0.1,
            duplicate: 0.05,
            reorder: 0.2,
            jitter: Duration(100),
            delay: Duration(1_000),
            ..ImpairSettings::default()
        };
        let run = || {
            let (mut stage, pool) = stage(settings.clone());
            let mut out = Vec::with_capacity(64);
            let mut all = Vec::new();
            for k in 0..20_000u64 {
                let now = k as Nanos * 10_000;
                stage.admit(sample(&pool, k), now, &pool, &mut out);
                stage.release(now, &mut out);
                all.extend(seqs(&out));
                out.clear();
            }
            let c = &stage.counters;
            (all, c.lost.get(), c.duplicated.get(), c.reordered.get())
        };
        let (a, lost, duplicated, reordered) = run();
        assert_eq!(run().0, a, "the same seed gives the same stream");
        let near = |n: u64, p: f64| (n as f64 - 20_000.0 * p).abs() < 20_000.0 * p * 0.15;
        assert!(near(lost, 0.1), "lost {lost}");
        assert!(near(duplicated, 0.9 * 0.05), "duplicated {duplicated}");
        assert!(reordered > 3000, "reordered {reordered}");
        let out_of_order = a.windows(2).filter(|w| w[1] < w[0]).count();
        assert!(
            out_of_order > 1000,
            "later samples overtake held ones: {out_of_order}"
        );
    }

    #[test]
    fn an_outage_drops_everything_until_it_ends() {
        let (mut stage, pool) = stage(ImpairSettings::default());
        let mut out = Vec::with_capacity(8);
        let outage = IMPAIR_PARAMETERS
            .iter()
            .position(|p| *p == "outage")
            .unwrap();
        stage.set(outage, 1.0);
        stage.admit(sample(&pool, 0), 0, &pool, &mut out);
        stage.set(outage, 0.0);
        stage.admit(sample(&pool, 1), 0, &pool, &mut out);
        assert_eq!(seqs(&out), vec![1]);
        assert_eq!(stage.counters.outage_dropped.get(), 1);
    }

    #[test]
    fn a_full_hold_drops_and_counts() {
        let (mut stage, pool) = stage(ImpairSettings {
            delay: Duration(1_000),
            hold: Some(2),
            ..ImpairSettings::default()
        });
        let mut out = Vec::with_capacity(8);
        for k in 0..3 {
            stage.admit(sample(&pool, k), 0, &pool, &mut out);
        }
        assert_eq!(stage.held(), 2);
        assert_eq!(stage.counters.hold_full.get(), 1);
    }
}
