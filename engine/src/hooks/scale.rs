//! `scale`: value × gain + offset.

use super::select_signals;
use crate::field::{FieldError, FieldPath};
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::{Complex, Signal, SignalType, Value};
use serde::Deserialize;

/// Configuration of the `scale` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleConfig {
    /// Multiplier.
    #[serde(default = "one")]
    pub gain: f64,
    /// Added after the multiplication.
    #[serde(default)]
    pub offset: f64,
    /// Signals to scale (default: all).
    #[serde(default)]
    pub signals: Vec<String>,
}

fn one() -> f64 {
    1.0
}

struct Scale {
    gain: f64,
    offset: f64,
    indices: Vec<usize>,
}

impl HookConfig for ScaleConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if !self.gain.is_finite() {
            return Err(FieldError::at("gain", "must be a finite number"));
        }
        if !self.offset.is_finite() {
            return Err(FieldError::at("offset", "must be a finite number"));
        }
        let indices = select_signals(input, &self.signals)?;
        for (position, &i) in indices.iter().enumerate() {
            if input[i].ty == SignalType::Bool {
                let message = format!("signal `{}` is boolean and cannot be scaled", input[i].name);
                // Named in `signals`: point at the name; taken by default: the hook as a whole.
                return Err(if self.signals.is_empty() {
                    FieldError::new(message)
                } else {
                    FieldError::at_path(FieldPath::root().key("signals").index(position), message)
                });
            }
        }
        Ok((
            Box::new(Scale {
                gain: self.gain,
                offset: self.offset,
                indices,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Scale {
    fn parameters(&self) -> Vec<&'static str> {
        vec!["gain", "offset"]
    }

    fn set_parameter(&mut self, index: usize, value: f64) {
        match index {
            0 => self.gain = value,
            1 => self.offset = value,
            _ => {}
        }
    }

    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values_mut();
        for &i in &self.indices {
            if let Some(value) = values.get_mut(i) {
                *value = match *value {
                    Value::F64(v) => Value::F64(v * self.gain + self.offset),
                    Value::I64(v) => {
                        Value::I64((v as f64 * self.gain + self.offset).round() as i64)
                    }
                    Value::Complex(c) => Value::Complex(Complex::new(
                        c.re * self.gain + self.offset,
                        c.im * self.gain,
                    )),
                    other => other,
                };
            }
        }
        HookAction::Pass
    }
}
