//! `rms`: root mean square of each chosen signal over a sliding window, in place.
//! The window is given in samples, or in cycles of a nominal frequency at a sample rate.

use crate::common::{select, WindowSum};
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::Rate;
use serde::Deserialize;

/// How long a sliding window is: `window_size` samples, or `cycles` periods of `frequency`
/// at `sample_rate`. Shared by `rms`, `ma` and `power` (each config carries the four fields:
/// serde cannot flatten into a table that denies unknown fields).
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowConfig {
    /// Window length in samples (VILLASnode's `window_size`).
    pub window_size: Option<u64>,
    /// Window length in cycles of `frequency` (needs `frequency` and `sample_rate`).
    pub cycles: Option<f64>,
    /// Nominal frequency of the waveform (for `cycles`).
    pub frequency: Option<Rate>,
    /// Sample rate of the path's samples (for `cycles`).
    pub sample_rate: Option<Rate>,
}

impl WindowConfig {
    /// The window length in samples, checked: exactly one of the two ways, at least 1, at
    /// most 10⁶ samples, and a whole number of samples for `cycles`.
    pub fn samples(&self) -> Result<usize, FieldError> {
        const MAX: u64 = 1_000_000;
        match (self.window_size, self.cycles) {
            (Some(_), Some(_)) => Err(FieldError::new(
                "give the window either as `window_size` (samples) or as `cycles`, not both",
            )),
            (Some(n), None) if (1..=MAX).contains(&n) => Ok(n as usize),
            (Some(_), None) => Err(FieldError::at("window_size", format!("must be 1 to {MAX}"))),
            (None, Some(cycles)) => {
                let (Some(f), Some(rate)) = (self.frequency, self.sample_rate) else {
                    return Err(FieldError::at(
                        "cycles",
                        "`cycles` needs `frequency` and `sample_rate`",
                    ));
                };
                let exact = cycles * rate.hz() / f.hz();
                let n = exact.round();
                if cycles.is_nan() || cycles <= 0.0 || !(1.0..=MAX as f64).contains(&n) {
                    return Err(FieldError::at(
                        "cycles",
                        format!("gives {exact} samples; the window must be 1 to {MAX} samples"),
                    ));
                }
                if (exact - n).abs() > 1e-6 * n {
                    return Err(FieldError::at(
                        "cycles",
                        format!("{cycles} cycles of {} Hz at {} Hz are {exact} samples, not a whole number", f.hz(), rate.hz()),
                    ));
                }
                Ok(n as usize)
            }
            (None, None) => Err(FieldError::new(
                "no window: give `window_size` (samples) or `cycles` with `frequency` and `sample_rate`",
            )),
        }
    }
}

/// Configuration of the `rms` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmsConfig {
    /// Signals to replace by their RMS (default: every f64/i64 signal).
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

/// The window of a config that carries the four window fields.
macro_rules! window_of {
    ($config:expr) => {
        $crate::rms::WindowConfig {
            window_size: $config.window_size,
            cycles: $config.cycles,
            frequency: $config.frequency,
            sample_rate: $config.sample_rate,
        }
    };
}
pub(crate) use window_of;

struct Rms {
    indices: Vec<usize>,
    windows: Vec<WindowSum>,
}

impl HookConfig for RmsConfig {
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
            Box::new(Rms {
                windows: vec![WindowSum::new(len); indices.len()],
                indices,
            }),
            output,
        ))
    }
}

impl Hook for Rms {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values_mut();
        for (window, &i) in self.windows.iter_mut().zip(&self.indices) {
            if let Some(value) = values.get_mut(i) {
                let x = value.as_f64();
                let sum = window.push(x * x);
                *value = Value::F64((sum.max(0.0) / window.len() as f64).sqrt());
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
    fn rms_of_a_sine_over_whole_cycles_is_peak_over_sqrt2() {
        // 50 Hz at 10 kHz: 200 samples a cycle; window of 2 cycles.
        let mut r = rig::<RmsConfig>(
            "cycles = 2\nfrequency = 50\nsample_rate = \"10kHz\"\nsignals = [\"v\"]",
            &["v", "other"],
        );
        let rows: Vec<Vec<f64>> = (0..1000)
            .map(|k| {
                vec![
                    325.0 * (2.0 * std::f64::consts::PI * 50.0 * k as f64 / 1e4 + 0.3).sin(),
                    7.0,
                ]
            })
            .collect();
        let out = r.feed(100_000, &rows);
        for (seq, v) in &out[400..] {
            assert!(
                (v[0] - 325.0 / 2f64.sqrt()).abs() < 1e-9,
                "seq {seq}: {}",
                v[0]
            );
            assert_eq!(v[1], 7.0, "an unchosen signal is left alone");
        }
        // Before the window is full, missing samples count as zero (as VILLASnode).
        assert!((out[0].1[0] - (rows[0][0].powi(2) / 400.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn window_settings_are_checked() {
        let bad = [
            "",
            "window_size = 0",
            "window_size = 4\ncycles = 1",
            "cycles = 1",
            "cycles = 1.5\nfrequency = 50\nsample_rate = 1001",
        ];
        for text in bad {
            let config: RmsConfig = toml::from_str(text).unwrap();
            assert!(window_of!(config).samples().is_err(), "{text:?} accepted");
        }
    }
}
