//! `pps_ts`: time stamps from a PPS (pulse per second) signal sampled on an input, for
//! GPS-disciplined labs. A rising edge through `threshold` marks a whole second (the one
//! nearest the sample's `ts_received`); samples after it get `ts_origin` = that second +
//! k · period, the period measured from the samples between the last two edges
//! (`expected_rate` until two edges are seen). Samples before the first edge are marked
//! unsynchronised.

use crate::ebm::SignalRef;
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::{Sample, SampleFlags};
use gridhil_engine::signal::Signal;
use gridhil_engine::units::Rate;
use serde::Deserialize;

const SECOND: i64 = 1_000_000_000;

/// Configuration of the `pps_ts` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PpsTsConfig {
    /// The PPS signal (name or position).
    pub signal: SignalRef,
    /// Edge threshold (VILLASnode's default 1.5, for a 0–3.3 V pulse).
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// The nominal sample rate (VILLASnode's `expected_smp_rate`).
    pub expected_rate: Rate,
}

fn default_threshold() -> f64 {
    1.5
}

struct PpsTs {
    index: usize,
    threshold: f64,
    period: f64,
    nominal: f64,
    previous: Option<bool>,
    edge_second: Option<i64>,
    since_edge: u64,
    edges: u64,
    rejected_periods: u64,
}

impl HookConfig for PpsTsConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let index = self
            .signal
            .resolve(input, FieldPath::root().key("signal"))?;
        if !self.threshold.is_finite() {
            return Err(FieldError::at("threshold", "must be a finite number"));
        }
        let period = 1e9 / self.expected_rate.hz();
        Ok((
            Box::new(PpsTs {
                index,
                threshold: self.threshold,
                period,
                nominal: period,
                previous: None,
                edge_second: None,
                since_edge: 0,
                edges: 0,
                rejected_periods: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for PpsTs {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let value = sample
            .values()
            .get(self.index)
            .map_or(f64::NAN, |v| v.as_f64());
        let high = value > self.threshold;
        let rising = self.previous == Some(false) && high;
        self.previous = Some(high);
        if rising {
            if self.edge_second.is_some() && self.since_edge > 0 {
                let measured = 1e9 / self.since_edge as f64;
                // A missed or extra pulse gives a period far from nominal: keep the old one.
                if (measured - self.nominal).abs() < 0.1 * self.nominal {
                    self.period = measured;
                } else {
                    self.rejected_periods += 1;
                }
            }
            let second = (sample.ts_received + SECOND / 2).div_euclid(SECOND) * SECOND;
            self.edge_second = Some(second);
            self.since_edge = 0;
            self.edges += 1;
        }
        match self.edge_second {
            Some(second) => {
                sample.ts_origin = second + (self.since_edge as f64 * self.period).round() as i64;
                sample.flags.set(SampleFlags::UNSYNCED, false);
            }
            None => sample.flags.set(SampleFlags::UNSYNCED, true),
        }
        self.since_edge += 1;
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "pps_ts: {} pulses, period {:.3} ns, {} implausible periods ignored",
            self.edges, self.period, self.rejected_periods
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn stamps_follow_the_pulse() {
        // A device sampling at 1000.5 Hz (its clock runs fast) while announcing 1 kHz; the
        // pulse comes every 1000.5 samples… rounded: pulses at sample 0 (first second is
        // sample 300), 1300 and 2301 — 1001 samples between the last two.
        let mut r = rig::<PpsTsConfig>("signal = \"pps\"\nexpected_rate = \"1kHz\"", &["pps", "v"]);
        let edges = [300u64, 1300, 2301];
        let mut stamps = Vec::new();
        for k in 0..3000u64 {
            let pulse = edges.iter().any(|&e| k >= e && k < e + 100);
            // Arrival: about 0.3 s after the epoch second 100, plus transport jitter.
            let received = 100 * SECOND - 300_000_000 + k as i64 * 999_500 + 4_000_000;
            let mut s = r.sample(k, 0, &[if pulse { 3.3 } else { 0.0 }, 1.0]);
            s.ts_received = received;
            r.process(&mut s, 0);
            stamps.push((s.ts_origin, s.flags.contains(SampleFlags::UNSYNCED)));
        }
        assert!(stamps[299].1 && !stamps[300].1);
        assert_eq!(stamps[300].0, 100 * SECOND);
        assert_eq!(
            stamps[301].0,
            100 * SECOND + 1_000_000,
            "nominal period before two pulses"
        );
        assert_eq!(stamps[1300].0, 101 * SECOND);
        assert_eq!(
            stamps[1301].0,
            101 * SECOND + 1_000_000,
            "1000 samples between the first two"
        );
        assert_eq!(stamps[2301].0, 102 * SECOND);
        assert_eq!(
            stamps[2302].0,
            102 * SECOND + 999_001,
            "1001 samples: 999001 ns"
        );
    }
}
