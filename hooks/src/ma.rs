//! `ma`: moving average of each chosen signal over a sliding window, in place.

use crate::common::{select, WindowSum};
use crate::rms::window_of;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::Rate;
use serde::Deserialize;

/// Configuration of the `ma` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaConfig {
    /// Signals to replace by their moving average (default: every f64/i64 signal).
    #[serde(default)]
    pub signals: Vec<String>,
    /// Window length in samples (VILLASnode's `window_size`).
    pub window_size: Option<u64>,
    /// Window length in cycles of `frequency` (needs `frequency` and `sample_rate`).
    pub cycles: Option<f64>,
    /// Nominal frequency of the waveform (for `cycles`).
    pub frequency: Option<Rate>,
    /// Sample rate of the path's samples (for `cycles`).
    pub sample_rate: Option<Rate>,
}

struct Ma {
    indices: Vec<usize>,
    windows: Vec<WindowSum>,
}

impl HookConfig for MaConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let len = window_of!(self).samples()?;
        let indices = select(input, &self.signals, true)?;
        let mut output = input.to_vec();
        for &i in &indices {
            output[i].ty = SignalType::F64;
        }
        Ok((
            Box::new(Ma {
                windows: vec![WindowSum::new(len); indices.len()],
                indices,
            }),
            output,
        ))
    }
}

impl Hook for Ma {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values_mut();
        for (window, &i) in self.windows.iter_mut().zip(&self.indices) {
            if let Some(value) = values.get_mut(i) {
                let sum = window.push(value.as_f64());
                *value = Value::F64(sum / window.len() as f64);
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
    fn moving_average_of_a_ramp_is_the_window_middle() {
        let mut r = rig::<MaConfig>("window_size = 5", &["a", "b"]);
        let rows: Vec<Vec<f64>> = (0..50).map(|k| vec![k as f64, -2.0 * k as f64]).collect();
        let out = r.feed(1000, &rows);
        for (seq, v) in &out[4..] {
            let mid = *seq as f64 - 2.0;
            assert!((v[0] - mid).abs() < 1e-12, "seq {seq}: {}", v[0]);
            assert!(
                (v[1] + 2.0 * mid).abs() < 1e-12,
                "seq {seq}: each signal has its own window"
            );
        }
        assert_eq!(out[1].1[0], 1.0 / 5.0, "unfilled window counts zeros");
    }
}
