//! `signal`: a waveform generator producing samples at a fixed rate on absolute deadlines.
//!
//! Sample `k` is due at `start + k / rate` and describes the instant `t = k / rate`
//! seconds after the start, so its values are exact functions of its sequence number.
//! A reader that wakes late produces every sample that is due (none is skipped): the
//! timing is the shared [`Schedule`].

use crate::timed::Schedule;
use gridhil_engine::control::ControlReceiver;
use gridhil_engine::node::{
    Batch, BuildContext, Due, NodeConfig, NodeError, NodeIo, NodeReader, ReadContext,
};
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::{Nanos, Rate};
use gridhil_engine::{FieldError, FieldPath};
use serde::Deserialize;
use std::f64::consts::PI;

/// Waveform of a generated signal.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Waveform {
    /// `offset + amplitude·sin(2π·f·t + phase)`.
    #[default]
    Sine,
    /// `offset + amplitude·cos(2π·f·t + phase)`.
    Cosine,
    /// `offset ± amplitude`, positive in the first half period.
    Square,
    /// Triangle between `offset − amplitude` and `offset + amplitude`, in phase with the sine.
    Triangle,
    /// Sawtooth rising from `offset` to `offset + amplitude` once per period.
    Ramp,
    /// `offset + amplitude`.
    Constant,
    /// `offset + amplitude·u`, `u` uniform in [−1, 1) from a seeded generator (deterministic).
    Noise,
    /// `offset + amplitude·k` for sample `k`.
    Counter,
}

/// One generated signal.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedSignal {
    /// Signal name.
    pub name: String,
    /// Waveform.
    #[serde(default)]
    pub waveform: Waveform,
    /// Amplitude (peak).
    #[serde(default = "one")]
    pub amplitude: f64,
    /// Frequency in Hz.
    #[serde(default = "one")]
    pub frequency: f64,
    /// Phase in degrees.
    #[serde(default)]
    pub phase: f64,
    /// Offset added to the waveform.
    #[serde(default)]
    pub offset: f64,
    /// Unit.
    #[serde(default)]
    pub unit: String,
    /// Value type (`f64`, `i64`, `bool`).
    #[serde(default, rename = "type")]
    pub ty: SignalType,
}

fn one() -> f64 {
    1.0
}

/// Configuration of a `signal` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalConfig {
    /// Sample rate (up to 100 kHz).
    pub rate: Rate,
    /// Explicit signals.
    #[serde(default)]
    pub signals: Vec<GeneratedSignal>,
    /// Shorthand: this many signals `s0..` of `waveform` with the defaults below,
    /// phases spread evenly over 360° (three signals give a three-phase set).
    pub values: Option<usize>,
    /// Waveform of the shorthand signals.
    #[serde(default)]
    pub waveform: Waveform,
    /// Amplitude of the shorthand signals.
    #[serde(default = "one")]
    pub amplitude: f64,
    /// Frequency of the shorthand signals in Hz.
    #[serde(default = "one")]
    pub frequency: f64,
    /// Offset of the shorthand signals.
    #[serde(default)]
    pub offset: f64,
    /// Stop after this many samples.
    pub limit: Option<u64>,
    /// Seed of the noise generator.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    0x9E37_79B9_7F4A_7C15
}

/// Highest supported rate.
pub const MAX_RATE_HZ: f64 = 100_000.0;

/// What to write when the signals are not declared (or too many).
const DECLARE_SIGNALS: &str =
    "declare the signals: `values = 8` or `signals = [{ name = \"va\", ... }]` (at most 4096)";

impl SignalConfig {
    fn resolved(&self) -> Result<Vec<GeneratedSignal>, FieldError> {
        if self.rate.hz() > MAX_RATE_HZ {
            return Err(FieldError::at(
                "rate",
                format!("`rate` {} is above the maximum of 100kHz", self.rate),
            ));
        }
        let from_values = self.signals.is_empty();
        let list = match (from_values, self.values) {
            (false, None) => self.signals.clone(),
            (true, Some(n)) if n > 0 && n <= 4096 => (0..n)
                .map(|i| GeneratedSignal {
                    name: format!("s{i}"),
                    waveform: self.waveform,
                    amplitude: self.amplitude,
                    frequency: self.frequency,
                    phase: -360.0 * i as f64 / n as f64,
                    offset: self.offset,
                    unit: String::new(),
                    ty: SignalType::F64,
                })
                .collect(),
            (false, Some(_)) => {
                return Err(FieldError::at(
                    "values",
                    "give either `signals` or `values`, not both",
                ))
            }
            (true, Some(_)) => return Err(FieldError::at("values", DECLARE_SIGNALS)),
            (true, None) => return Err(DECLARE_SIGNALS.into()),
        };
        // A field of signal `i`: in its `signals` entry, or the shared one `values` spreads.
        let field = |i: usize, key: &str| -> FieldPath {
            if from_values {
                FieldPath::root().key(key)
            } else {
                FieldPath::root().key("signals").index(i).key(key)
            }
        };
        for (i, s) in list.iter().enumerate() {
            let numbers = [
                ("amplitude", s.amplitude),
                ("frequency", s.frequency),
                ("phase", s.phase),
                ("offset", s.offset),
            ];
            if let Some((key, _)) = numbers.iter().find(|(_, v)| !v.is_finite()) {
                return Err(FieldError::at_path(
                    field(i, key),
                    format!("signal `{}`: `{key}` must be finite", s.name),
                ));
            }
            if s.frequency < 0.0 {
                return Err(FieldError::at_path(
                    field(i, "frequency"),
                    format!("signal `{}`: `frequency` must not be negative", s.name),
                ));
            }
            if s.ty == SignalType::Complex {
                return Err(FieldError::at_path(
                    field(i, "type"),
                    format!(
                        "signal `{}`: the generator makes real values (f64, i64 or bool)",
                        s.name
                    ),
                ));
            }
        }
        Ok(list)
    }
}

impl NodeConfig for SignalConfig {
    fn prepare(&mut self, _ctx: &gridhil_engine::node::ConfigContext) -> Result<(), FieldError> {
        self.signals = self.resolved()?;
        self.values = None;
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.signals
            .iter()
            .map(|s| Signal::new(s.name.clone(), s.unit.clone(), s.ty))
            .collect()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    /// `<signal>.amplitude` and `<signal>.offset` of every generated signal, in order.
    fn controls(&self) -> Vec<Signal> {
        self.signals
            .iter()
            .flat_map(|s| {
                [
                    Signal::new(
                        format!("{}.amplitude", s.name),
                        s.unit.clone(),
                        SignalType::F64,
                    ),
                    Signal::new(
                        format!("{}.offset", s.name),
                        s.unit.clone(),
                        SignalType::F64,
                    ),
                ]
            })
            .collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let signals = self
            .resolved()
            .map_err(|e| NodeError::Config(e.to_string()))?;
        Ok(NodeIo {
            reader: Some(Box::new(SignalReader {
                signals,
                rate: self.rate,
                schedule: Schedule::new(self.rate, ctx.start, self.limit),
                wall_offset: ctx.wall_offset,
                seed: self.seed,
                controls: ctx.controls.take(),
            })),
            writer: None,
            counters: None,
        })
    }
}

struct SignalReader {
    signals: Vec<GeneratedSignal>,
    rate: Rate,
    schedule: Schedule,
    wall_offset: Nanos,
    seed: u64,
    /// Amplitudes and offsets set by actions (control `2i` is signal `i`'s amplitude,
    /// `2i + 1` its offset), each applied from the first sample due at or after its instant.
    controls: Option<ControlReceiver>,
}

impl SignalReader {
    /// Applies the amplitudes and offsets whose instant is at or before `due`.
    fn apply_controls(&mut self, due: Nanos) {
        let Some(controls) = self.controls.as_mut() else {
            return;
        };
        while let Some(control) = controls.take_due(due) {
            if let Some(s) = self.signals.get_mut(control.index / 2) {
                if control.index % 2 == 0 {
                    s.amplitude = control.value;
                } else {
                    s.offset = control.value;
                }
            }
        }
    }
}

/// SplitMix64: a stateless hash of (seed, sample, signal) so noise is reproducible.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Value of a generated signal for sample `k` at `rate` (pure function, used by tests too).
pub fn waveform_value(s: &GeneratedSignal, k: u64, rate_hz: f64, seed: u64, index: usize) -> f64 {
    // Cycles since start, reduced to [0, 1) before scaling by 2π to keep precision.
    let cycles = (s.frequency * (k as f64) / rate_hz + s.phase / 360.0).rem_euclid(1.0);
    let angle = 2.0 * PI * cycles;
    let a = s.amplitude;
    s.offset
        + match s.waveform {
            Waveform::Sine => a * angle.sin(),
            Waveform::Cosine => a * angle.cos(),
            Waveform::Square => {
                if cycles < 0.5 {
                    a
                } else {
                    -a
                }
            }
            Waveform::Triangle => a * (2.0 / PI) * angle.sin().asin(),
            Waveform::Ramp => a * cycles,
            Waveform::Constant => a,
            Waveform::Noise => {
                let r = splitmix(seed ^ splitmix(k ^ ((index as u64) << 48)));
                a * ((r >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
            }
            Waveform::Counter => a * k as f64,
        }
}

impl NodeReader for SignalReader {
    fn due(&self) -> Due {
        self.schedule.due()
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        while !out.is_full() {
            let Some(tick) = self.schedule.take_due(ctx.now) else {
                break;
            };
            self.apply_controls(tick.due);
            let Some(mut sample) = ctx.pool.alloc() else {
                // Pool empty: the sample is lost; the engine counts pool exhaustion.
                break;
            };
            sample.seq = tick.seq;
            sample.ts_origin = tick.due + self.wall_offset;
            for (index, s) in self.signals.iter().enumerate() {
                let v = waveform_value(s, tick.seq, self.rate.hz(), self.seed, index);
                let value = Value::F64(v).convert(s.ty);
                if sample.push(value).is_err() {
                    break;
                }
            }
            if out.push(sample).is_err() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(waveform: Waveform) -> GeneratedSignal {
        GeneratedSignal {
            name: "x".into(),
            waveform,
            amplitude: 2.0,
            frequency: 50.0,
            phase: 0.0,
            offset: 1.0,
            unit: String::new(),
            ty: SignalType::F64,
        }
    }

    #[test]
    fn waveforms_match_their_definitions() {
        let rate = 10_000.0;
        // k = 50 is a quarter period of 50 Hz at 10 kHz.
        assert!((waveform_value(&sig(Waveform::Sine), 50, rate, 0, 0) - 3.0).abs() < 1e-12);
        assert!((waveform_value(&sig(Waveform::Cosine), 50, rate, 0, 0) - 1.0).abs() < 1e-12);
        assert_eq!(waveform_value(&sig(Waveform::Square), 50, rate, 0, 0), 3.0);
        assert_eq!(
            waveform_value(&sig(Waveform::Square), 150, rate, 0, 0),
            -1.0
        );
        assert!((waveform_value(&sig(Waveform::Triangle), 50, rate, 0, 0) - 3.0).abs() < 1e-12);
        assert!((waveform_value(&sig(Waveform::Ramp), 100, rate, 0, 0) - 2.0).abs() < 1e-12);
        assert_eq!(waveform_value(&sig(Waveform::Constant), 7, rate, 0, 0), 3.0);
        assert_eq!(waveform_value(&sig(Waveform::Counter), 7, rate, 0, 0), 15.0);
        let n1 = waveform_value(&sig(Waveform::Noise), 7, rate, 42, 0);
        let n2 = waveform_value(&sig(Waveform::Noise), 7, rate, 42, 0);
        assert_eq!(n1, n2);
        assert!((-1.0..3.0).contains(&n1));
    }

    #[test]
    fn shorthand_spreads_phases() {
        let mut config: SignalConfig =
            toml::from_str("rate = \"1kHz\"\nvalues = 3\nfrequency = 50\n").unwrap();
        config
            .prepare(&gridhil_engine::node::ConfigContext {
                name: "g".into(),
                config_dir: ".".into(),
            })
            .unwrap();
        let phases: Vec<f64> = config.signals.iter().map(|s| s.phase).collect();
        assert_eq!(phases, vec![0.0, -120.0, -240.0]);
    }

    #[test]
    fn bad_configs_are_refused() {
        for text in [
            "rate = \"200kHz\"\nvalues = 1\n",
            "rate = \"1kHz\"\n",
            "rate = \"1kHz\"\nvalues = 1\nsignals = [{ name = \"a\" }]\n",
        ] {
            let mut config: SignalConfig = toml::from_str(text).unwrap();
            assert!(
                config
                    .prepare(&gridhil_engine::node::ConfigContext {
                        name: "g".into(),
                        config_dir: ".".into()
                    })
                    .is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn an_action_sets_amplitude_and_offset_from_its_instant() {
        use gridhil_engine::clock::{Clock, VirtualClock};
        use gridhil_engine::control::{control_channel, ControlValue};
        use gridhil_engine::node::{BuildContext, ControlSlot, ReadContext};
        use gridhil_engine::sample::SamplePool;
        use std::sync::Arc;
        let mut config: SignalConfig = toml::from_str(
            "rate = \"1kHz\"\nsignals = [{ name = \"c\", waveform = \"constant\", amplitude = 2 }]\n",
        )
        .unwrap();
        config
            .prepare(&gridhil_engine::node::ConfigContext {
                name: "g".into(),
                config_dir: ".".into(),
            })
            .unwrap();
        let names: Vec<String> = config.controls().into_iter().map(|c| c.name).collect();
        assert_eq!(names, vec!["c.amplitude", "c.offset"]);
        let (tx, rx) = control_channel();
        for (index, value, at) in [(0, 5.0, 3_000_000), (1, 100.0, 5_000_000)] {
            tx.send(ControlValue {
                index,
                hook: 0,
                value,
                at,
            })
            .unwrap();
        }
        let clock = Arc::new(VirtualClock::new(0));
        let pool = SamplePool::new(16, 1);
        let ctx = BuildContext {
            name: "g".into(),
            clock: clock.clone(),
            pool: Arc::clone(&pool),
            start: 0,
            end: None,
            wall_offset: 0,
            batch_size: 16,
            controls: ControlSlot::new(rx),
        };
        let mut reader = config.build(&ctx).unwrap().reader.unwrap();
        clock.advance_to(6_000_000);
        let mut out = Batch::with_capacity(16);
        let mut read = ReadContext::new(clock.as_ref() as &dyn Clock, &pool, 0, None);
        reader.read(&mut read, &mut out).unwrap();
        let values: Vec<f64> = out
            .as_slice()
            .iter()
            .map(|s| s.values()[0].as_f64())
            .collect();
        assert_eq!(values, vec![2.0, 2.0, 2.0, 5.0, 5.0, 105.0, 105.0]);
    }
}
