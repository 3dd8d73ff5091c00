//! `gate`: passes samples while a condition on one signal holds (`above`/`below` a
//! threshold), or for a while after an edge through it (`rising_edge`/`falling_edge`).

use crate::common::Span;
use crate::ebm::SignalRef;
use gridhil_engine::field::{FieldError, FieldPath};
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// When the gate is open.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// While the signal is above the threshold.
    Above,
    /// While the signal is below the threshold.
    Below,
    /// For `duration`/`samples` after the signal rises through the threshold (VILLASnode's default).
    #[default]
    RisingEdge,
    /// For `duration`/`samples` after the signal falls through the threshold.
    FallingEdge,
}

/// Configuration of the `gate` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// The signal the condition is on (name or position).
    pub signal: SignalRef,
    /// When the gate is open.
    #[serde(default)]
    pub mode: GateMode,
    /// Threshold (default 0.5).
    #[serde(default = "half")]
    pub threshold: f64,
    /// Edge modes: how long the gate stays open after the edge, on `ts_origin`.
    pub duration: Option<Span>,
    /// Edge modes: how many samples pass after the edge (the edge's own sample included).
    pub samples: Option<u64>,
}

fn half() -> f64 {
    0.5
}

struct Gate {
    index: usize,
    mode: GateMode,
    threshold: f64,
    duration: Option<i64>,
    samples: Option<u64>,
    previous: Option<bool>,
    opened: Option<(i64, u64)>,
}

impl HookConfig for GateConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        let index = self
            .signal
            .resolve(input, FieldPath::root().key("signal"))?;
        if !self.threshold.is_finite() {
            return Err(FieldError::at("threshold", "must be a finite number"));
        }
        let edge = matches!(self.mode, GateMode::RisingEdge | GateMode::FallingEdge);
        if edge && self.duration.is_none() && self.samples.is_none() {
            return Err(FieldError::new(
                "an edge mode needs `duration` or `samples`: how long the gate stays open",
            ));
        }
        if !edge && (self.duration.is_some() || self.samples.is_some()) {
            return Err(FieldError::new(
                "`duration` and `samples` only go with `rising_edge` or `falling_edge`",
            ));
        }
        if self.duration.is_some_and(|d| d.0 <= 0) {
            return Err(FieldError::at("duration", "must be longer than 0"));
        }
        if self.samples == Some(0) {
            return Err(FieldError::at("samples", "must be at least 1"));
        }
        Ok((
            Box::new(Gate {
                index,
                mode: self.mode,
                threshold: self.threshold,
                duration: self.duration.map(|d| d.0),
                samples: self.samples,
                previous: None,
                opened: None,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Gate {
    fn parameters(&self) -> Vec<&'static str> {
        vec!["threshold"]
    }

    fn set_parameter(&mut self, index: usize, value: f64) {
        if index == 0 {
            self.threshold = value;
        }
    }

    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let Some(value) = sample.values().get(self.index).map(|v| v.as_f64()) else {
            return HookAction::Drop;
        };
        let above = value > self.threshold;
        let previous = self.previous.replace(above);
        let open = match self.mode {
            GateMode::Above => above,
            GateMode::Below => value < self.threshold,
            GateMode::RisingEdge | GateMode::FallingEdge => {
                let edge = match (previous, self.mode) {
                    (Some(false), GateMode::RisingEdge) => above,
                    (Some(true), GateMode::FallingEdge) => !above,
                    _ => false,
                };
                if edge {
                    self.opened = Some((sample.ts_origin, 0));
                }
                match &mut self.opened {
                    Some((since, count)) => {
                        *count += 1;
                        let in_time = self.duration.is_none_or(|d| sample.ts_origin - *since < d);
                        let in_count = self.samples.is_none_or(|n| *count <= n);
                        let open = in_time && in_count;
                        if !open {
                            self.opened = None;
                        }
                        open
                    }
                    None => false,
                }
            }
        };
        if open {
            HookAction::Pass
        } else {
            HookAction::Drop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    fn passed(config: &str, xs: &[f64]) -> Vec<u64> {
        let mut r = rig::<GateConfig>(config, &["x"]);
        let rows: Vec<Vec<f64>> = xs.iter().map(|x| vec![*x]).collect();
        r.feed(1_000_000, &rows)
            .into_iter()
            .map(|(seq, _)| seq)
            .collect()
    }

    #[test]
    fn levels_and_edges() {
        let xs = [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        assert_eq!(
            passed("signal = \"x\"\nmode = \"above\"", &xs),
            [1, 2, 3, 6, 7]
        );
        assert_eq!(
            passed("signal = \"x\"\nmode = \"below\"", &xs),
            [0, 4, 5, 8]
        );
        assert_eq!(passed("signal = \"x\"\nsamples = 2", &xs), [1, 2, 6, 7]);
        assert_eq!(
            passed(
                "signal = 0\nmode = \"falling_edge\"\nduration = \"1.5ms\"",
                &xs
            ),
            [4, 5, 8]
        );
        assert_eq!(
            passed("signal = 0\nmode = \"rising_edge\"\nduration = 0.0025", &xs),
            [1, 2, 3, 6, 7, 8]
        );
    }

    #[test]
    fn the_threshold_is_a_parameter() {
        let mut r = rig::<GateConfig>("signal = \"x\"\nmode = \"above\"", &["x"]);
        r.hook.set_parameter(0, 2.0);
        let rows: Vec<Vec<f64>> = [1.0, 3.0].iter().map(|x| vec![*x]).collect();
        assert_eq!(r.feed(1, &rows).len(), 1);
    }

    #[test]
    fn edge_modes_need_a_length() {
        assert!(crate::common::testing::rig_with::<GateConfig>(
            "signal = \"x\"",
            &[Signal::f64("x")]
        )
        .is_err());
    }
}
