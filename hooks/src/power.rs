//! `power`: active, reactive and apparent power and power factor from sampled voltage and
//! current waveforms over a sliding window, per voltage/current pair and in total.
//! The sample's signals are replaced by the computed quantities (as in VILLASnode).

use crate::common::{find_signal, is_numeric, WindowSum};
use crate::rms::window_of;
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::Rate;
use serde::Deserialize;

/// A voltage signal and the current through the same terminal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pairing {
    /// Name of the voltage signal.
    pub voltage: String,
    /// Name of the current signal.
    pub current: String,
}

/// Which instant of the window a result is stamped with.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TimestampAlign {
    /// The oldest sample of the window.
    Left,
    /// The middle of the window (VILLASnode's default).
    #[default]
    Center,
    /// The newest sample (the sample's own time stamp, unchanged).
    Right,
}

fn yes() -> bool {
    true
}

/// Configuration of the `power` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerConfig {
    /// Voltage/current pairs, one per phase.
    pub pairings: Vec<Pairing>,
    /// Window length in samples (VILLASnode's `window_size`).
    pub window_size: Option<u64>,
    /// Window length in cycles of `frequency` (needs `frequency` and `sample_rate`).
    pub cycles: Option<f64>,
    /// Nominal frequency of the waveform (for `cycles`).
    pub frequency: Option<Rate>,
    /// Sample rate of the path's samples (for `cycles`).
    pub sample_rate: Option<Rate>,
    /// Output active power P (W).
    #[serde(default = "yes")]
    pub active_power: bool,
    /// Output reactive power Q (var).
    #[serde(default = "yes")]
    pub reactive_power: bool,
    /// Output apparent power S (VA).
    #[serde(default = "yes")]
    pub apparent_power: bool,
    /// Output the power factor P/S.
    #[serde(default = "yes")]
    pub cos_phi: bool,
    /// Suffix each output with `_` and its voltage signal's name (always on for several pairs).
    #[serde(default)]
    pub add_channel_name: bool,
    /// Also output the totals over all pairs (default: when there are several pairs).
    pub total: Option<bool>,
    /// Which instant of the window the result is stamped with.
    #[serde(default)]
    pub timestamp_align: TimestampAlign,
}

struct Channel {
    voltage: usize,
    current: usize,
    uu: WindowSum,
    ii: WindowSum,
    ui: WindowSum,
}

struct Power {
    channels: Vec<Channel>,
    quantities: [bool; 4],
    total: bool,
    align: TimestampAlign,
    stamps: Vec<i64>,
    next_stamp: usize,
    filled: usize,
    output: Vec<Value>,
    capacity_errors: u64,
}

const QUANTITIES: [(&str, &str); 4] = [
    ("active", "W"),
    ("reactive", "var"),
    ("apparent", "VA"),
    ("cos_phi", ""),
];

impl HookConfig for PowerConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let len = window_of!(self).samples()?;
        if self.pairings.is_empty() {
            return Err(FieldError::at(
                "pairings",
                "needs at least one voltage/current pair",
            ));
        }
        let quantities = [
            self.active_power,
            self.reactive_power,
            self.apparent_power,
            self.cos_phi,
        ];
        if !quantities.iter().any(|q| *q) {
            return Err(FieldError::new(
                "every quantity is switched off: nothing to output",
            ));
        }
        let mut channels = Vec::new();
        for (k, pair) in self.pairings.iter().enumerate() {
            let at = FieldPath::root().key("pairings").index(k);
            let voltage = find_signal(input, &pair.voltage, at.key("voltage"))?;
            let current = find_signal(input, &pair.current, at.key("current"))?;
            for (index, field) in [(voltage, "voltage"), (current, "current")] {
                if !is_numeric(input[index].ty) {
                    return Err(FieldError::at_path(
                        at.key(field),
                        format!(
                            "signal `{}` is {}, not a number",
                            input[index].name, input[index].ty
                        ),
                    ));
                }
            }
            channels.push(Channel {
                voltage,
                current,
                uu: WindowSum::new(len),
                ii: WindowSum::new(len),
                ui: WindowSum::new(len),
            });
        }
        let suffix = self.add_channel_name || channels.len() > 1;
        let total = self.total.unwrap_or(channels.len() > 1);
        let mut output = Vec::new();
        for pair in &self.pairings {
            for (on, (name, unit)) in quantities.iter().zip(QUANTITIES) {
                if *on {
                    let name = if suffix {
                        format!("{name}_{}", pair.voltage)
                    } else {
                        name.to_string()
                    };
                    output.push(Signal::new(name, unit, SignalType::F64));
                }
            }
        }
        if total {
            for (on, (name, unit)) in quantities.iter().zip(QUANTITIES) {
                if *on {
                    output.push(Signal::new(format!("{name}_total"), unit, SignalType::F64));
                }
            }
        }
        Ok((
            Box::new(Power {
                channels,
                quantities,
                total,
                align: self.timestamp_align,
                stamps: vec![0; len],
                next_stamp: 0,
                filled: 0,
                output: vec![Value::F64(0.0); output.len()],
                capacity_errors: 0,
            }),
            output,
        ))
    }
}

impl Power {
    fn stamp(&mut self, ts: i64) -> i64 {
        let len = self.stamps.len();
        self.stamps[self.next_stamp] = ts;
        self.next_stamp = (self.next_stamp + 1) % len;
        self.filled = (self.filled + 1).min(len);
        let oldest = self.stamps[(self.next_stamp + len - self.filled) % len];
        match self.align {
            TimestampAlign::Left => oldest,
            TimestampAlign::Center => oldest + (ts - oldest) / 2,
            TimestampAlign::Right => ts,
        }
    }
}

impl Hook for Power {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let values = sample.values();
        let mut k = 0;
        let mut totals = [0.0; 3];
        for ch in &mut self.channels {
            let u = values.get(ch.voltage).map_or(f64::NAN, |v| v.as_f64());
            let i = values.get(ch.current).map_or(f64::NAN, |v| v.as_f64());
            let n = ch.uu.len() as f64;
            let p = ch.ui.push(u * i) / n;
            let s =
                (ch.uu.push(u * u).max(0.0) / n).sqrt() * (ch.ii.push(i * i).max(0.0) / n).sqrt();
            let q = (s * s - p * p).max(0.0).sqrt();
            let pf = if s > 0.0 { p / s } else { 0.0 };
            totals[0] += p;
            totals[1] += q;
            totals[2] += s;
            for (on, value) in self.quantities.iter().zip([p, q, s, pf]) {
                if *on {
                    self.output[k] = Value::F64(value);
                    k += 1;
                }
            }
        }
        if self.total {
            let pf = if totals[2] > 0.0 {
                totals[0] / totals[2]
            } else {
                0.0
            };
            for (on, value) in self
                .quantities
                .iter()
                .zip([totals[0], totals[1], totals[2], pf])
            {
                if *on {
                    self.output[k] = Value::F64(value);
                    k += 1;
                }
            }
        }
        sample.ts_origin = self.stamp(sample.ts_origin);
        if sample.set_values(&self.output).is_err() {
            self.capacity_errors += 1;
            return HookAction::Drop;
        }
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        (self.capacity_errors > 0).then(|| {
            format!(
                "power: {} samples too small for the result",
                self.capacity_errors
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;
    use std::f64::consts::PI;

    #[test]
    fn three_phase_power_matches_the_closed_form() {
        // U = 230 V rms, I = 10 A rms lagging by 30°: P = 3·2300·cos30°, Q = 3·2300·sin30°.
        let mut r = rig::<PowerConfig>(
            "cycles = 1\nfrequency = 50\nsample_rate = \"10kHz\"\ntimestamp_align = \"right\"\n\
             pairings = [{ voltage = \"va\", current = \"ia\" }, { voltage = \"vb\", current = \"ib\" }, { voltage = \"vc\", current = \"ic\" }]",
            &["va", "vb", "vc", "ia", "ib", "ic"],
        );
        assert_eq!(r.signals.len(), 16);
        assert_eq!(r.signals[0].name, "active_va");
        assert_eq!(r.signals[12].name, "active_total");
        let (u, i, phi) = (230.0 * 2f64.sqrt(), 10.0 * 2f64.sqrt(), PI / 6.0);
        let rows: Vec<Vec<f64>> = (0..600)
            .map(|k| {
                let w = 2.0 * PI * 50.0 * k as f64 / 1e4;
                let ph = |m: f64| w - m * 2.0 * PI / 3.0;
                vec![
                    u * ph(0.0).cos(),
                    u * ph(1.0).cos(),
                    u * ph(2.0).cos(),
                    i * (ph(0.0) - phi).cos(),
                    i * (ph(1.0) - phi).cos(),
                    i * (ph(2.0) - phi).cos(),
                ]
            })
            .collect();
        let out = r.feed(100_000, &rows);
        let (p, q, s) = (2300.0 * phi.cos(), 2300.0 * phi.sin(), 2300.0);
        for (seq, v) in &out[200..] {
            for ch in 0..3 {
                let got = &v[ch * 4..ch * 4 + 4];
                for (g, want) in got.iter().zip([p, q, s, phi.cos()]) {
                    assert!(
                        (g - want).abs() < 1e-6 * want.abs().max(1.0),
                        "seq {seq} phase {ch}: {got:?}"
                    );
                }
            }
            let tot = &v[12..16];
            for (g, want) in tot.iter().zip([3.0 * p, 3.0 * q, 3.0 * s, phi.cos()]) {
                assert!(
                    (g - want).abs() < 1e-6 * want.abs().max(1.0),
                    "seq {seq} total: {tot:?}"
                );
            }
        }
    }

    #[test]
    fn timestamps_align_to_the_window_center() {
        let mut r = rig::<PowerConfig>(
            "window_size = 5\npairings = [{ voltage = \"v\", current = \"i\" }]\nactive_power = true",
            &["v", "i"],
        );
        assert_eq!(r.signals.len(), 4, "one pair: no totals, no suffix");
        let mut s = r.sample(9, 9000, &[1.0, 1.0]);
        r.process(&mut s, 0);
        assert_eq!(s.ts_origin, 9000);
        for k in 10..20 {
            let mut s = r.sample(k, k as i64 * 1000, &[1.0, 1.0]);
            r.process(&mut s, 0);
            let oldest = 9.max(k as i64 - 4) * 1000;
            assert_eq!(
                s.ts_origin,
                (oldest + k as i64 * 1000) / 2,
                "center of the window"
            );
        }
    }

    #[test]
    fn unknown_signals_are_named() {
        let err = crate::common::testing::rig_with::<PowerConfig>(
            "window_size = 4\npairings = [{ voltage = \"v\", current = \"x\" }]",
            &[Signal::f64("v"), Signal::f64("i")],
        )
        .err()
        .unwrap();
        assert_eq!(err.field.unwrap().to_string(), "pairings[0].current");
    }
}
