//! `jitter_calc`: one-way delay (`ts_received − ts_origin`) statistics per sample: the
//! RFC 3550 interarrival jitter and the mean and variance over a window, as new signals.

use crate::common::WindowSum;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use serde::Deserialize;

/// Configuration of the `jitter_calc` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JitterCalcConfig {
    /// Samples in the mean/variance window (VILLASnode: 16, fixed).
    #[serde(default = "sixteen")]
    pub window_size: usize,
}

fn sixteen() -> usize {
    16
}

struct JitterCalc {
    width: usize,
    reference: Option<i64>,
    last_delay: Option<i64>,
    jitter: f64,
    sum: WindowSum,
    squares: WindowSum,
    seen: usize,
    capacity_errors: u64,
}

impl HookConfig for JitterCalcConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if !(2..=1_000_000).contains(&self.window_size) {
            return Err(FieldError::at("window_size", "must be 2 to 1000000"));
        }
        let mut output = input.to_vec();
        for (name, unit) in [
            ("jitter", "s"),
            ("delay_mean", "s"),
            ("delay_variance", "s^2"),
        ] {
            if input.iter().any(|s| s.name == name) {
                return Err(FieldError::new(format!(
                    "the path has a signal `{name}` already"
                )));
            }
            output.push(Signal::new(name, unit, SignalType::F64));
        }
        Ok((
            Box::new(JitterCalc {
                width: input.len(),
                reference: None,
                last_delay: None,
                jitter: 0.0,
                sum: WindowSum::new(self.window_size),
                squares: WindowSum::new(self.window_size),
                seen: 0,
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

impl Hook for JitterCalc {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let delay = sample.ts_received.saturating_sub(sample.ts_origin);
        if let Some(last) = self.last_delay {
            let d = delay.saturating_sub(last).unsigned_abs() as f64 * 1e-9;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_delay = Some(delay);
        // Statistics of the delay relative to the first one: the variance does not depend on
        // the shift, and the squares stay small.
        let reference = *self.reference.get_or_insert(delay);
        let x = delay.saturating_sub(reference) as f64 * 1e-9;
        let sum = self.sum.push(x);
        let squares = self.squares.push(x * x);
        self.seen = (self.seen + 1).min(self.sum.len());
        let n = self.seen as f64;
        let mean = sum / n;
        let variance = if self.seen > 1 {
            ((squares - sum * sum / n) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let mean = mean + reference as f64 * 1e-9;
        if sample.values().len() != self.width {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        for value in [self.jitter, mean, variance] {
            if sample.push(Value::F64(value)).is_err() {
                self.capacity_errors += 1;
                return HookAction::Drop;
            }
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "jitter_calc: jitter {:.3} us at the end",
            self.jitter * 1e6
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn jitter_mean_and_variance_match_a_direct_computation() {
        let mut r = rig::<JitterCalcConfig>("window_size = 4", &["x"]);
        let delays: [i64; 8] = [100, 300, 200, 500, 100, 100, 700, 400];
        let mut jitter = 0.0;
        for (k, &d) in delays.iter().enumerate() {
            let mut s = r.sample(k as u64, 1_000_000 * k as i64, &[1.0]);
            s.ts_received = s.ts_origin + d * 1000; // µs
            r.process(&mut s, 0);
            if k > 0 {
                jitter += (((d - delays[k - 1]).abs() as f64) * 1e-6 - jitter) / 16.0;
            }
            let window = &delays[k.saturating_sub(3)..=k];
            let n = window.len() as f64;
            let mean = window.iter().sum::<i64>() as f64 / n * 1e-6;
            let var = if window.len() > 1 {
                window
                    .iter()
                    .map(|&x| (x as f64 * 1e-6 - mean).powi(2))
                    .sum::<f64>()
                    / (n - 1.0)
            } else {
                0.0
            };
            let v: Vec<f64> = s.values().iter().map(|v| v.as_f64()).collect();
            assert!(
                (v[1] - jitter).abs() < 1e-15,
                "sample {k}: jitter {} vs {jitter}",
                v[1]
            );
            assert!(
                (v[2] - mean).abs() < 1e-12,
                "sample {k}: mean {} vs {mean}",
                v[2]
            );
            assert!(
                (v[3] - var).abs() < 1e-15,
                "sample {k}: variance {} vs {var}",
                v[3]
            );
        }
    }
}
