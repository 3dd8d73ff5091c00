//! `pmu` hook: turns sampled waveforms into synchrophasor reports.
//!
//! Every input sample is pushed into an [`Estimator`]; when it completes a report the
//! sample is reshaped into the report (per-channel phasors, positive sequences,
//! frequency, ROCOF) with `ts_origin` set to the report instant and passed on. All other
//! samples are dropped, which is how the hook reduces the rate from the waveform's
//! sample rate to the reporting rate (the path's `hook_dropped` counter counts them).

use crate::estimator::{Estimator, EstimatorConfig, PmuClass};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Complex, Signal, SignalType, Value};
use gridhil_engine::units::Rate;
use gridhil_engine::{FieldError, FieldPath};
use serde::Deserialize;

/// Performance class, as written in the configuration.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
pub enum ClassName {
    /// Protection class.
    #[default]
    P,
    /// Measurement class.
    M,
}

impl From<ClassName> for PmuClass {
    fn from(class: ClassName) -> Self {
        match class {
            ClassName::P => PmuClass::P,
            ClassName::M => PmuClass::M,
        }
    }
}

/// Configuration of the `pmu` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PmuHookConfig {
    /// Performance class, `"P"` or `"M"`.
    #[serde(default)]
    pub class: ClassName,
    /// Nominal frequency (`"50Hz"` or `"60Hz"`).
    pub nominal: Rate,
    /// Reporting rate in frames per second (e.g. `50`).
    pub rate: Rate,
    /// Sample rate of the incoming waveforms (e.g. `"10kHz"`).
    pub sample_rate: Rate,
    /// Voltage channels by signal name; three names form a three-phase group.
    #[serde(default)]
    pub voltages: Vec<String>,
    /// Current channels by signal name; three names form a three-phase group.
    #[serde(default)]
    pub currents: Vec<String>,
    /// Name of the voltage positive-sequence signal.
    #[serde(default = "default_v1")]
    pub voltage_sequence: String,
    /// Name of the current positive-sequence signal.
    #[serde(default = "default_i1")]
    pub current_sequence: String,
}

fn default_v1() -> String {
    "v1".into()
}
fn default_i1() -> String {
    "i1".into()
}

/// Name of the frequency signal the hook produces.
pub const FREQ_SIGNAL: &str = "freq";
/// Name of the ROCOF signal the hook produces.
pub const ROCOF_SIGNAL: &str = "rocof";

struct PmuHook {
    estimator: Estimator,
    inputs: Vec<usize>,
    waveform: Vec<f64>,
    output: Vec<Value>,
    reports: u64,
    capacity_errors: u64,
}

/// Index of the signal called `name` (a sampled waveform) in `input`.
fn index_of(input: &[Signal], name: &str) -> Result<usize, String> {
    let index = input.iter().position(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = input.iter().map(|s| s.name.as_str()).collect();
        format!(
            "no signal `{name}` in this path (it has: {})",
            known.join(", ")
        )
    })?;
    if matches!(input[index].ty, SignalType::Bool | SignalType::Complex) {
        return Err(format!(
            "signal `{name}` is {}: the pmu hook needs sampled (f64/i64) waveforms",
            input[index].ty
        ));
    }
    Ok(index)
}

impl PmuHookConfig {
    fn estimator_config(&self) -> Result<EstimatorConfig, FieldError> {
        let channels = self.voltages.len() + self.currents.len();
        if channels == 0 {
            return Err("the pmu hook needs `voltages` and/or `currents` (signal names)".into());
        }
        let fps = self.rate.hz();
        if fps.fract() != 0.0 || !(1.0..=1000.0).contains(&fps) {
            return Err(FieldError::at(
                "rate",
                format!("`rate` must be a whole number of frames per second, got {fps}"),
            ));
        }
        let mut groups = Vec::new();
        if self.voltages.len() == 3 {
            groups.push([0, 1, 2]);
        }
        if self.currents.len() == 3 {
            let first = self.voltages.len();
            groups.push([first, first + 1, first + 2]);
        }
        let config = EstimatorConfig {
            class: self.class.into(),
            nominal_hz: self.nominal.hz(),
            sample_rate_hz: self.sample_rate.hz(),
            reporting_rate: fps as u32,
            channels,
            three_phase_groups: groups,
        };
        config
            .validate()
            .map_err(|e| FieldError::new(e.to_string()))?;
        Ok(config)
    }

    fn output_signals(&self, input: &[Signal], inputs: &[usize]) -> Vec<Signal> {
        let mut out: Vec<Signal> = inputs
            .iter()
            .map(|&i| Signal::new(&input[i].name, &input[i].unit, SignalType::Complex))
            .collect();
        let unit_of = |names: &[String]| {
            names
                .first()
                .and_then(|n| input.iter().find(|s| &s.name == n))
                .map(|s| s.unit.clone())
                .unwrap_or_default()
        };
        if self.voltages.len() == 3 {
            out.push(Signal::new(
                &self.voltage_sequence,
                unit_of(&self.voltages),
                SignalType::Complex,
            ));
        }
        if self.currents.len() == 3 {
            out.push(Signal::new(
                &self.current_sequence,
                unit_of(&self.currents),
                SignalType::Complex,
            ));
        }
        out.push(Signal::new(FREQ_SIGNAL, "Hz", SignalType::F64));
        out.push(Signal::new(ROCOF_SIGNAL, "Hz/s", SignalType::F64));
        out
    }
}

impl HookConfig for PmuHookConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let config = self.estimator_config()?;
        // An unusable name is reported at its place in `voltages` or `currents`.
        let mut inputs = Vec::with_capacity(self.voltages.len() + self.currents.len());
        for (field, names) in [("voltages", &self.voltages), ("currents", &self.currents)] {
            for (position, name) in names.iter().enumerate() {
                let index = index_of(input, name).map_err(|message| {
                    FieldError::at_path(FieldPath::root().key(field).index(position), message)
                })?;
                inputs.push(index);
            }
        }
        let signals = self.output_signals(input, &inputs);
        let mut names: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("output signal `{}` would appear twice", pair[0]).into());
        }
        let estimator = Estimator::new(config).map_err(|e| FieldError::new(e.to_string()))?;
        Ok((
            Box::new(PmuHook {
                estimator,
                waveform: vec![0.0; inputs.len()],
                inputs,
                output: vec![Value::default(); signals.len()],
                reports: 0,
                capacity_errors: 0,
            }),
            signals,
        ))
    }
}

fn complex(c: crate::estimator::Complex) -> Value {
    Value::Complex(Complex::new(c.re, c.im))
}

impl Hook for PmuHook {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values();
        for (slot, &index) in self.waveform.iter_mut().zip(&self.inputs) {
            *slot = values.get(index).map_or(f64::NAN, |v| v.as_f64());
        }
        let Some(report) = self.estimator.push(sample.ts_origin, &self.waveform) else {
            return HookAction::Drop;
        };
        let mut k = 0;
        for p in report.phasors.iter().chain(&report.positive_sequence) {
            if let Some(slot) = self.output.get_mut(k) {
                *slot = complex(*p);
            }
            k += 1;
        }
        if let Some(slot) = self.output.get_mut(k) {
            *slot = Value::F64(report.freq_hz);
        }
        if let Some(slot) = self.output.get_mut(k + 1) {
            *slot = Value::F64(report.rocof_hz_s);
        }
        sample.ts_origin = report.ts_ns;
        if sample.set_values(&self.output).is_err() {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        sample.seq = self.reports;
        self.reports += 1;
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "pmu: {} reports, {} resyncs, {} rejected samples, {} too large for a sample",
            self.reports,
            self.estimator.resyncs(),
            self.estimator.rejected_samples(),
            self.capacity_errors
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Result<PmuHookConfig, toml::de::Error> {
        toml::from_str(&format!(
            "nominal = \"50Hz\"\nrate = 50\nsample_rate = \"10kHz\"\n{extra}"
        ))
    }

    fn ctx() -> HookBuildContext {
        HookBuildContext {
            path_name: "p".into(),
            path_index: 0,
        }
    }

    fn inputs() -> Vec<Signal> {
        ["va", "vb", "vc", "ia"]
            .iter()
            .map(|n| {
                Signal::new(
                    *n,
                    if n.starts_with('v') { "V" } else { "A" },
                    SignalType::F64,
                )
            })
            .collect()
    }

    #[test]
    fn output_signals_follow_the_channels() {
        let cfg = config("voltages = [\"va\", \"vb\", \"vc\"]\ncurrents = [\"ia\"]").unwrap();
        let (_, out) = cfg.build(&inputs(), &ctx()).unwrap();
        let names: Vec<&str> = out.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["va", "vb", "vc", "ia", "v1", "freq", "rocof"]);
        assert_eq!(out[0].ty, SignalType::Complex);
        assert_eq!(out[3].unit, "A");
        assert_eq!(out[5].unit, "Hz");
    }

    #[test]
    fn bad_configurations_are_refused() {
        let build = |extra: &str| config(extra).unwrap().build(&inputs(), &ctx()).map(|_| ());
        assert!(build("").is_err(), "no channel");
        let e = build("voltages = [\"va\", \"vx\"]").unwrap_err();
        assert!(e.message.contains("vx"), "{e}");
        assert_eq!(
            e.field,
            Some(gridhil_engine::FieldPath::parse("voltages[1]"))
        );
        assert!(build("voltages = [\"va\"]\nvoltage_sequence = \"va\"").is_ok());
        assert!(build("voltages = [\"va\", \"vb\", \"vc\"]\nvoltage_sequence = \"va\"").is_err());
        let slow = config("voltages = [\"va\"]").map(|mut c| {
            c.sample_rate = Rate(100.0);
            c
        });
        assert!(
            slow.unwrap().build(&inputs(), &ctx()).is_err(),
            "1 kHz minimum"
        );
    }

    #[test]
    fn reporting_rates_above_twice_nominal_up_to_240() {
        for class in ["P", "M"] {
            let build = |rate: u32| {
                config(&format!("class = \"{class}\"\nvoltages = [\"va\"]"))
                    .map(|mut c| {
                        c.rate = Rate(f64::from(rate));
                        c
                    })
                    .unwrap()
                    .build(&inputs(), &ctx())
                    .map(|_| ())
            };
            assert!(build(100).is_ok(), "{class} at 2·f0");
            assert!(build(200).is_ok(), "{class} above 2·f0");
            assert!(build(240).is_ok(), "{class} at 240");
            let e = build(241).unwrap_err();
            assert!(e.message.contains("240"), "{class} above 240: {e}");
        }
    }
}
