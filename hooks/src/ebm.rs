//! `ebm`: energy-based metric of a coupling interface: the energy ∫ Σ u·i dt that crossed
//! it, integrated with the trapezoidal rule over `ts_origin`, as a new signal.

use crate::common::{find_signal, is_numeric};
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use serde::Deserialize;

/// A signal given by name or by position (VILLASnode's configurations use positions).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SignalRef {
    /// Position in the sample.
    Index(usize),
    /// Name.
    Name(String),
}

impl SignalRef {
    pub(crate) fn resolve(
        &self,
        signals: &[Signal],
        field: FieldPath,
    ) -> Result<usize, FieldError> {
        let index = match self {
            SignalRef::Index(i) if *i < signals.len() => *i,
            SignalRef::Index(i) => {
                return Err(FieldError::at_path(
                    field,
                    format!("signal {i} is past the {} signals", signals.len()),
                ))
            }
            SignalRef::Name(name) => find_signal(signals, name, field.clone())?,
        };
        if !is_numeric(signals[index].ty) {
            return Err(FieldError::at_path(
                field,
                format!(
                    "signal `{}` is {}, not a number",
                    signals[index].name, signals[index].ty
                ),
            ));
        }
        Ok(index)
    }
}

/// Configuration of the `ebm` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EbmConfig {
    /// `[voltage, current]` pairs (names or positions).
    pub phases: Vec<(SignalRef, SignalRef)>,
    /// Name of the new signal holding the energy (J).
    #[serde(default = "default_name")]
    pub name: String,
}

fn default_name() -> String {
    "energy".into()
}

struct Ebm {
    phases: Vec<(usize, usize)>,
    width: usize,
    last: Option<(i64, f64)>,
    energy: f64,
    capacity_errors: u64,
}

impl HookConfig for EbmConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if self.phases.is_empty() {
            return Err(FieldError::at(
                "phases",
                "needs at least one [voltage, current] pair",
            ));
        }
        let mut phases = Vec::new();
        for (k, (u, i)) in self.phases.iter().enumerate() {
            let at = FieldPath::root().key("phases").index(k);
            phases.push((
                u.resolve(input, at.index(0))?,
                i.resolve(input, at.index(1))?,
            ));
        }
        if input.iter().any(|s| s.name == self.name) {
            return Err(FieldError::at(
                "name",
                format!("signal `{}` exists already", self.name),
            ));
        }
        let mut output = input.to_vec();
        output.push(Signal::new(self.name.clone(), "J", SignalType::F64));
        Ok((
            Box::new(Ebm {
                phases,
                width: input.len(),
                last: None,
                energy: 0.0,
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

impl Hook for Ebm {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values();
        let power: f64 = self
            .phases
            .iter()
            .map(|&(u, i)| {
                let get = |k: usize| values.get(k).map_or(f64::NAN, |v| v.as_f64());
                get(u) * get(i)
            })
            .sum();
        if let Some((ts, last_power)) = self.last {
            let dt = (sample.ts_origin - ts) as f64 * 1e-9;
            self.energy += dt * (power + last_power) / 2.0;
        }
        self.last = Some((sample.ts_origin, power));
        if sample.values().len() != self.width || sample.push(Value::F64(self.energy)).is_err() {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "ebm: energy {:.6e} J{}",
            self.energy,
            if self.capacity_errors > 0 {
                format!(
                    ", {} samples dropped (wrong width or full)",
                    self.capacity_errors
                )
            } else {
                String::new()
            }
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;
    use std::f64::consts::PI;

    #[test]
    fn energy_of_a_sine_power_matches_the_integral() {
        // p(t) = u·i = 10·sin(2π t)·sin(2π t) + 3·1 → ∫0..T = 5T − 5 sin(4πT)/(4π) + 3T.
        let mut r = rig::<EbmConfig>("phases = [[\"u\", \"i\"], [2, 3]]", &["u", "i", "u2", "i2"]);
        assert_eq!(r.signals[4].name, "energy");
        let dt = 1e-4;
        let rows: Vec<Vec<f64>> = (0..=7000)
            .map(|k| {
                let t = k as f64 * dt;
                vec![10.0 * (2.0 * PI * t).sin(), (2.0 * PI * t).sin(), 3.0, 1.0]
            })
            .collect();
        let out = r.feed(100_000, &rows);
        let t = 0.7;
        let want = 5.0 * t - 5.0 * (4.0 * PI * t).sin() / (4.0 * PI) + 3.0 * t;
        let got = out.last().unwrap().1[4];
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
}
