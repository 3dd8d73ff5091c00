//! Pieces several hooks share: picking signals by name, checking they are numeric, a
//! sliding window sum that stays exact, and a hook context for unit tests.
//! Nothing here runs per sample except `WindowSum`, which does not allocate.

use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::signal::{Signal, SignalType};

/// Index of the signal called `name`, or an error at `field` listing the signals there are.
pub(crate) fn find_signal(
    signals: &[Signal],
    name: &str,
    field: FieldPath,
) -> Result<usize, FieldError> {
    signals.iter().position(|s| s.name == name).ok_or_else(|| {
        let known: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
        FieldError::at_path(
            field,
            format!(
                "no signal `{name}` in this path (it has: {})",
                known.join(", ")
            ),
        )
    })
}

/// Indices of the signals `names` (all signals when `names` is empty); with `numeric`,
/// every chosen signal must be `f64` or `i64` (taken by default: the non-numeric ones are
/// left out instead).
pub(crate) fn select(
    signals: &[Signal],
    names: &[String],
    numeric: bool,
) -> Result<Vec<usize>, FieldError> {
    if names.is_empty() {
        return Ok((0..signals.len())
            .filter(|&i| !numeric || is_numeric(signals[i].ty))
            .collect());
    }
    let mut out = Vec::with_capacity(names.len());
    for (position, name) in names.iter().enumerate() {
        let field = FieldPath::root().key("signals").index(position);
        let index = find_signal(signals, name, field.clone())?;
        if numeric && !is_numeric(signals[index].ty) {
            return Err(FieldError::at_path(
                field,
                format!(
                    "signal `{name}` is {} and this hook takes f64 or i64 signals",
                    signals[index].ty
                ),
            ));
        }
        if out.contains(&index) {
            return Err(FieldError::at_path(
                field,
                format!("signal `{name}` is named twice"),
            ));
        }
        out.push(index);
    }
    Ok(out)
}

/// Whether values of this type are plain numbers.
pub(crate) fn is_numeric(ty: SignalType) -> bool {
    matches!(ty, SignalType::F64 | SignalType::I64)
}

/// The sum of the last `len` values pushed (missing ones count as 0). The running sum is
/// recomputed from the window every `len` pushes, so rounding errors do not pile up.
#[derive(Debug, Clone)]
pub(crate) struct WindowSum {
    values: Vec<f64>,
    next: usize,
    sum: f64,
}

impl WindowSum {
    /// A window of `len` (≥ 1) values, all 0.
    pub(crate) fn new(len: usize) -> Self {
        WindowSum {
            values: vec![0.0; len.max(1)],
            next: 0,
            sum: 0.0,
        }
    }

    /// Pushes `value` (the oldest leaves) and returns the new sum.
    pub(crate) fn push(&mut self, value: f64) -> f64 {
        let old = std::mem::replace(&mut self.values[self.next], value);
        self.next += 1;
        if self.next == self.values.len() {
            self.next = 0;
            self.sum = self.values.iter().sum();
        } else {
            self.sum += value - old;
        }
        self.sum
    }

    /// Number of values in the window.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

/// Parses a signed duration such as `"-1.5ms"` or `"20us"` into nanoseconds.
pub(crate) fn signed_duration(text: &str) -> Result<i64, String> {
    let (negative, rest) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim().strip_prefix('+').unwrap_or(text.trim())),
    };
    let magnitude = gridhil_engine::units::parse_duration(rest)
        .map_err(|e| e.0)?
        .as_nanos();
    Ok(if negative { -magnitude } else { magnitude })
}

/// Indices of the signals `names` (all f64 and complex signals when empty): for hooks that
/// work on real and complex values alike and leave integers and booleans alone.
pub(crate) fn select_any(signals: &[Signal], names: &[String]) -> Result<Vec<usize>, FieldError> {
    if names.is_empty() {
        return Ok((0..signals.len())
            .filter(|&i| matches!(signals[i].ty, SignalType::F64 | SignalType::Complex))
            .collect());
    }
    names
        .iter()
        .enumerate()
        .map(|(position, name)| {
            find_signal(
                signals,
                name,
                FieldPath::root().key("signals").index(position),
            )
        })
        .collect()
}

/// A signed span of time, written as seconds (`0.002`, as VILLASnode does) or with a unit
/// (`"2ms"`, `"-50us"`); nanoseconds inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span(pub i64);

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Span;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "seconds as a number, or a duration with a unit such as \"2ms\" or \"-50us\"",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Span, E> {
                signed_duration(v).map(Span).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Span, E> {
                if !v.is_finite() || v.abs() > 9e9 {
                    return Err(E::custom(format!("{v} s is not a usable span of time")));
                }
                Ok(Span((v * 1e9).round() as i64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Span, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Span, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Running a built hook over samples in unit tests.
    use gridhil_engine::event::EventSink;
    use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
    use gridhil_engine::sample::{SamplePool, SampleRef};
    use gridhil_engine::signal::{Signal, Value};
    use serde::de::DeserializeOwned;
    use std::sync::Arc;

    /// A hook built from TOML for `signals`, with a pool and event sink to run it.
    pub struct Rig {
        pub hook: Box<dyn Hook>,
        pub signals: Vec<Signal>,
        pub pool: Arc<SamplePool>,
        pub events: EventSink,
    }

    /// Builds hook config `C` from `toml` over f64 signals named `names`.
    pub fn rig<C: HookConfig + DeserializeOwned>(toml_text: &str, names: &[&str]) -> Rig {
        let input: Vec<Signal> = names.iter().map(|n| Signal::f64(*n)).collect();
        rig_with::<C>(toml_text, &input).expect("hook builds")
    }

    /// Builds hook config `C` from `toml` over `input`.
    pub fn rig_with<C: HookConfig + DeserializeOwned>(
        toml_text: &str,
        input: &[Signal],
    ) -> Result<Rig, gridhil_engine::FieldError> {
        let config: C = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        let ctx = HookBuildContext {
            path_name: "p".into(),
            path_index: 0,
        };
        let (hook, signals) = config.build(input, &ctx)?;
        Ok(Rig {
            hook,
            signals,
            pool: SamplePool::new(64, 128),
            events: EventSink::new(16),
        })
    }

    impl Rig {
        /// A sample with `values`, `seq` and `ts_origin` (ns).
        pub fn sample(&self, seq: u64, ts: i64, values: &[f64]) -> SampleRef {
            let mut s = self.pool.alloc().expect("pool slot");
            s.seq = seq;
            s.ts_origin = ts;
            s.ts_received = ts;
            let vals: Vec<Value> = values.iter().map(|v| Value::F64(*v)).collect();
            s.set_values(&vals).expect("fits");
            s
        }

        /// Runs the hook over `sample` at wall time `wall`.
        pub fn process(&mut self, sample: &mut SampleRef, wall: i64) -> HookAction {
            let ctx = HookContext {
                now: wall,
                wall,
                pool: &self.pool,
                events: &self.events,
                path_index: 0,
            };
            self.hook.process(sample, &ctx)
        }

        /// Runs `values` through the hook (seq = index, ts = index·period) and returns the
        /// values of every sample it passes, with their seq.
        pub fn feed(&mut self, period: i64, rows: &[Vec<f64>]) -> Vec<(u64, Vec<f64>)> {
            let mut out = Vec::new();
            for (k, row) in rows.iter().enumerate() {
                let mut s = self.sample(k as u64, k as i64 * period, row);
                if self.process(&mut s, k as i64 * period) == HookAction::Pass {
                    out.push((s.seq, s.values().iter().map(|v| v.as_f64()).collect()));
                }
            }
            out
        }
    }
}
