//! `dp`: dynamic phasors. Forward: one sampled waveform becomes one complex signal per
//! harmonic of `f0` (a sliding one-cycle DFT); inverse: such phasors become the waveform
//! again. Used to couple an EMT simulator with a phasor-domain one.

use crate::common::{find_signal, WindowSum};
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Complex, Signal, SignalType, Value};
use gridhil_engine::units::{Duration, Rate};
use serde::Deserialize;
use std::f64::consts::PI;

/// Configuration of the `dp` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpConfig {
    /// Forward: the waveform signal. Inverse: the first of the harmonics' complex signals.
    pub signal: String,
    /// Fundamental frequency.
    pub f0: Rate,
    /// Sample rate of the path's samples (or `dt`).
    pub rate: Option<Rate>,
    /// Sample period (or `rate`).
    pub dt: Option<Duration>,
    /// Harmonics of `f0` to extract (0 is the mean).
    pub harmonics: Vec<u32>,
    /// Phasors to waveform instead of waveform to phasors.
    #[serde(default)]
    pub inverse: bool,
    /// Inverse only: name of the waveform signal (default: `signal` without its `_h<k>` suffix).
    pub name: Option<String>,
}

struct Twiddle {
    harmonic: u32,
    /// cos and sin of 2π·h·m/N for m in 0..N.
    table: Vec<(f64, f64)>,
    re: WindowSum,
    im: WindowSum,
}

struct Dp {
    inverse: bool,
    index: usize,
    width: usize,
    window: usize,
    step: usize,
    twiddles: Vec<Twiddle>,
    output: Vec<Value>,
    capacity_errors: u64,
}

impl DpConfig {
    fn window(&self) -> Result<usize, FieldError> {
        let rate = match (self.rate, self.dt) {
            (Some(rate), None) => rate.hz(),
            (None, Some(dt)) if dt.as_nanos() > 0 => 1e9 / dt.as_nanos() as f64,
            (None, Some(_)) => return Err(FieldError::at("dt", "must be longer than 0")),
            _ => {
                return Err(FieldError::new(
                    "give the sample rate as `rate` or as `dt`, one of them",
                ))
            }
        };
        let exact = rate / self.f0.hz();
        let n = exact.round();
        if !(2.0..=1e6).contains(&n) || (exact - n).abs() > 1e-6 * n {
            return Err(FieldError::at(
                "f0",
                format!("one cycle of {} Hz is {exact} samples: it must be a whole number from 2 to 10⁶", self.f0.hz()),
            ));
        }
        Ok(n as usize)
    }
}

impl HookConfig for DpConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let n = self.window()?;
        if self.harmonics.is_empty() {
            return Err(FieldError::at("harmonics", "needs at least one harmonic"));
        }
        for (k, &h) in self.harmonics.iter().enumerate() {
            if 2 * h as usize >= n {
                return Err(FieldError::at_path(
                    FieldPath::root().key("harmonics").index(k),
                    format!(
                        "harmonic {h} is at or above half the sample rate ({n} samples a cycle)"
                    ),
                ));
            }
            if self.harmonics[..k].contains(&h) {
                return Err(FieldError::at_path(
                    FieldPath::root().key("harmonics").index(k),
                    format!("harmonic {h} is named twice"),
                ));
            }
        }
        let index = find_signal(input, &self.signal, FieldPath::root().key("signal"))?;
        let twiddles: Vec<Twiddle> = self
            .harmonics
            .iter()
            .map(|&h| Twiddle {
                harmonic: h,
                table: (0..n)
                    .map(|m| {
                        let angle = 2.0 * PI * ((h as usize * m) % n) as f64 / n as f64;
                        (angle.cos(), angle.sin())
                    })
                    .collect(),
                re: WindowSum::new(n),
                im: WindowSum::new(n),
            })
            .collect();
        let mut output = input.to_vec();
        let unit = input[index].unit.clone();
        if self.inverse {
            let count = self.harmonics.len();
            if index + count > input.len() {
                return Err(FieldError::at(
                    "signal",
                    format!(
                        "{count} harmonics need {count} complex signals from `{}` on",
                        self.signal
                    ),
                ));
            }
            if let Some(bad) = input[index..index + count]
                .iter()
                .find(|s| s.ty != SignalType::Complex)
            {
                return Err(FieldError::at(
                    "signal",
                    format!("signal `{}` is {}, not complex", bad.name, bad.ty),
                ));
            }
            let name = self
                .name
                .clone()
                .unwrap_or_else(|| match self.signal.rsplit_once("_h") {
                    Some((base, _)) => base.to_string(),
                    None => self.signal.clone(),
                });
            output.splice(
                index..index + count,
                [Signal::new(name, unit, SignalType::F64)],
            );
        } else {
            if !crate::common::is_numeric(input[index].ty) {
                return Err(FieldError::at(
                    "signal",
                    format!(
                        "signal `{}` is {}, not a number",
                        self.signal, input[index].ty
                    ),
                ));
            }
            let phasors: Vec<Signal> = self
                .harmonics
                .iter()
                .map(|h| {
                    Signal::new(
                        format!("{}_h{h}", self.signal),
                        unit.clone(),
                        SignalType::Complex,
                    )
                })
                .collect();
            output.splice(index..index + 1, phasors);
        }
        Ok((
            Box::new(Dp {
                inverse: self.inverse,
                index,
                width: input.len(),
                window: n,
                step: 0,
                twiddles,
                output: vec![Value::F64(0.0); output.len()],
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

impl Dp {
    fn forward(&mut self, values: &[Value]) {
        let x = values.get(self.index).map_or(f64::NAN, |v| v.as_f64());
        let m = self.step;
        let n = self.window as f64;
        self.output[..self.index].copy_from_slice(&values[..self.index]);
        for (k, tw) in self.twiddles.iter_mut().enumerate() {
            let (c, s) = tw.table[m];
            // x·e^{-jθ}
            let re = tw.re.push(x * c);
            let im = tw.im.push(-x * s);
            let scale = if tw.harmonic == 0 { 1.0 / n } else { 2.0 / n };
            self.output[self.index + k] = Value::Complex(Complex::new(re * scale, im * scale));
        }
        let after = self.index + self.twiddles.len();
        self.output[after..].copy_from_slice(&values[self.index + 1..]);
    }

    fn inverse(&mut self, values: &[Value]) {
        let m = self.step;
        let mut x = 0.0;
        for (k, tw) in self.twiddles.iter().enumerate() {
            let phasor = values
                .get(self.index + k)
                .map_or(Complex::new(f64::NAN, 0.0), |v| v.as_complex());
            let (c, s) = tw.table[m];
            // Re(X·e^{jθ})
            x += phasor.re * c - phasor.im * s;
        }
        let count = self.twiddles.len();
        self.output[..self.index].copy_from_slice(&values[..self.index]);
        self.output[self.index] = Value::F64(x);
        self.output[self.index + 1..].copy_from_slice(&values[self.index + count..]);
    }
}

impl Hook for Dp {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        if sample.values().len() != self.width {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        if self.inverse {
            self.inverse(sample.values());
        } else {
            self.forward(sample.values());
        }
        self.step = (self.step + 1) % self.window;
        if sample.set_values(&self.output).is_err() {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        (self.capacity_errors > 0).then(|| {
            format!(
                "dp: {} samples of the wrong width or too small",
                self.capacity_errors
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig_with;

    #[test]
    fn phasors_of_a_two_tone_signal_and_back() {
        // 50 Hz at 1 kHz: 20 samples a cycle. x = 2 + 100·cos(ωt + 0.4) + 10·cos(3ωt − 1).
        let input = [Signal::f64("v"), Signal::f64("other")];
        let mut fwd = rig_with::<DpConfig>(
            "signal = \"v\"\nf0 = 50\nrate = 1000\nharmonics = [0, 1, 3]",
            &input,
        )
        .unwrap();
        assert_eq!(
            fwd.signals
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["v_h0", "v_h1", "v_h3", "other"]
        );
        let mut inv = rig_with::<DpConfig>(
            "signal = \"v_h0\"\nf0 = 50\nrate = 1000\nharmonics = [0, 1, 3]\ninverse = true",
            &fwd.signals,
        )
        .unwrap();
        assert_eq!(
            inv.signals
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["v", "other"]
        );
        let w = 2.0 * PI * 50.0 / 1000.0;
        for k in 0..200u64 {
            let t = k as f64;
            let x = 2.0 + 100.0 * (w * t + 0.4).cos() + 10.0 * (3.0 * w * t - 1.0).cos();
            let mut s = fwd.sample(k, k as i64, &[x, 5.0]);
            fwd.process(&mut s, 0);
            if k >= 19 {
                let v = s.values();
                let want = [
                    Complex::new(2.0, 0.0),
                    Complex::from_polar(100.0, 0.4),
                    Complex::from_polar(10.0, -1.0),
                ];
                for (got, want) in v[..3].iter().zip(want) {
                    let got = got.as_complex();
                    assert!(
                        (got.re - want.re).abs() < 1e-9 && (got.im - want.im).abs() < 1e-9,
                        "step {k}: {got:?} ≠ {want:?}"
                    );
                }
                assert_eq!(v[3], Value::F64(5.0));
            }
            inv.process(&mut s, 0);
            if k >= 19 {
                assert!(
                    (s.values()[0].as_f64() - x).abs() < 1e-9,
                    "step {k}: inverse"
                );
                assert_eq!(s.values().len(), 2);
            }
        }
    }

    #[test]
    fn settings_are_checked() {
        let input = [Signal::f64("v")];
        for text in [
            "signal = \"v\"\nf0 = 50\nrate = 1010\nharmonics = [1]",
            "signal = \"v\"\nf0 = 50\nharmonics = [1]",
            "signal = \"v\"\nf0 = 50\nrate = 1000\nharmonics = [10]",
            "signal = \"v\"\nf0 = 50\nrate = 1000\nharmonics = []",
            "signal = \"w\"\nf0 = 50\nrate = 1000\nharmonics = [1]",
            "signal = \"v\"\nf0 = 50\nrate = 1000\nharmonics = [1]\ninverse = true",
        ] {
            assert!(rig_with::<DpConfig>(text, &input).is_err(), "{text}");
        }
    }
}
