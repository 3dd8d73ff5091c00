//! `limit_value`: clamps signals into `[min, max]`, counting the values it clamped.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, Value};
use serde::Deserialize;

/// Configuration of the `limit_value` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitValueConfig {
    /// Signals to clamp (default: every f64 and i64 signal).
    #[serde(default)]
    pub signals: Vec<String>,
    /// Lower limit.
    pub min: f64,
    /// Upper limit.
    pub max: f64,
}

struct LimitValue {
    indices: Vec<usize>,
    min: f64,
    max: f64,
    clamped: u64,
}

impl HookConfig for LimitValueConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if self.min.is_nan() || self.max.is_nan() || self.min > self.max {
            return Err(FieldError::new(format!(
                "`min` ({}) must not be above `max` ({})",
                self.min, self.max
            )));
        }
        let indices = crate::common::select(input, &self.signals, true)?;
        Ok((
            Box::new(LimitValue {
                indices,
                min: self.min,
                max: self.max,
                clamped: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for LimitValue {
    fn parameters(&self) -> Vec<&'static str> {
        vec!["min", "max"]
    }

    fn set_parameter(&mut self, index: usize, value: f64) {
        // A limit that would cross the other one is not taken (clamp would panic).
        match index {
            0 if value <= self.max => self.min = value,
            1 if value >= self.min => self.max = value,
            _ => {}
        }
    }

    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values_mut();
        for &i in &self.indices {
            if let Some(value) = values.get_mut(i) {
                let clamped = match *value {
                    Value::F64(v) => Value::F64(v.clamp(self.min, self.max)),
                    Value::I64(v) => {
                        Value::I64((v as f64).clamp(self.min, self.max).round() as i64)
                    }
                    other => other,
                };
                if clamped != *value {
                    self.clamped += 1;
                    *value = clamped;
                }
            }
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!("limit_value: {} values clamped", self.clamped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn clamps_and_counts() {
        let mut r = rig::<LimitValueConfig>("min = -1\nmax = 1", &["a", "b"]);
        assert_eq!(
            r.feed(1, &[vec![-3.0, 0.5], vec![2.0, 1.0]])
                .iter()
                .map(|r| r.1.clone())
                .collect::<Vec<_>>(),
            vec![vec![-1.0, 0.5], vec![1.0, 1.0]]
        );
        assert_eq!(r.hook.summary().unwrap(), "limit_value: 2 values clamped");
        assert!(crate::common::testing::rig_with::<LimitValueConfig>(
            "min = 2\nmax = 1",
            &[Signal::f64("a")]
        )
        .is_err());
    }
}
