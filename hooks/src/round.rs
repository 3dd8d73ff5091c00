//! `round`: rounds signals to a number of decimal places.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Complex, Signal, Value};
use serde::Deserialize;

/// Configuration of the `round` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundConfig {
    /// Signals to round (default: every f64 and complex signal).
    #[serde(default)]
    pub signals: Vec<String>,
    /// Decimal places (VILLASnode's default: 1; negative rounds to tens, hundreds, …).
    #[serde(default = "one")]
    pub precision: i32,
}

fn one() -> i32 {
    1
}

struct Round {
    indices: Vec<usize>,
    scale: f64,
}

fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

impl HookConfig for RoundConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if !(-15..=15).contains(&self.precision) {
            return Err(FieldError::at(
                "precision",
                "must be -15 to 15 decimal places",
            ));
        }
        let indices = crate::common::select_any(input, &self.signals)?;
        Ok((
            Box::new(Round {
                indices,
                scale: 10f64.powi(self.precision),
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Round {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values_mut();
        for &i in &self.indices {
            if let Some(value) = values.get_mut(i) {
                *value = match *value {
                    Value::F64(v) => Value::F64(round(v, self.scale)),
                    Value::Complex(c) => Value::Complex(Complex::new(
                        round(c.re, self.scale),
                        round(c.im, self.scale),
                    )),
                    other => other,
                };
            }
        }
        HookAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn rounds_to_the_precision() {
        let mut r = rig::<RoundConfig>("precision = 2\nsignals = [\"a\"]", &["a", "b"]);
        assert_eq!(
            r.feed(1, &[vec![1.23456, 2.34567]])[0].1,
            vec![1.23, 2.34567]
        );
        let mut r = rig::<RoundConfig>("precision = -1", &["a"]);
        assert_eq!(r.feed(1, &[vec![1234.5]])[0].1, vec![1230.0]);
    }
}
