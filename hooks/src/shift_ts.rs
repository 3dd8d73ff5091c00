//! `shift_ts`: shifts a time stamp by a fixed offset (to compensate a known link delay).

use crate::common::Span;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Which time stamp `shift_ts` shifts.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ShiftMode {
    /// `ts_origin`.
    #[default]
    Origin,
    /// `ts_received`.
    Received,
}

/// Configuration of the `shift_ts` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftTsConfig {
    /// Added to the time stamp (seconds, or with a unit; negative moves it earlier).
    pub offset: Span,
    /// The time stamp to shift.
    #[serde(default)]
    pub mode: ShiftMode,
}

struct ShiftTs {
    offset: i64,
    mode: ShiftMode,
}

impl HookConfig for ShiftTsConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(ShiftTs {
                offset: self.offset.0,
                mode: self.mode,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for ShiftTs {
    fn parameters(&self) -> Vec<&'static str> {
        vec!["offset"]
    }

    /// `offset` in seconds (a measured link delay changes during a run).
    fn set_parameter(&mut self, index: usize, value: f64) {
        if index == 0 && value.abs() < 9e9 {
            self.offset = (value * 1e9).round() as i64;
        }
    }

    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let ts = match self.mode {
            ShiftMode::Origin => &mut sample.ts_origin,
            ShiftMode::Received => &mut sample.ts_received,
        };
        *ts = ts.saturating_add(self.offset);
        HookAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn shifts_the_chosen_stamp() {
        let mut r = rig::<ShiftTsConfig>("offset = \"-1.5ms\"", &["x"]);
        let mut s = r.sample(0, 10_000_000, &[0.0]);
        r.process(&mut s, 0);
        assert_eq!((s.ts_origin, s.ts_received), (8_500_000, 10_000_000));
        let mut r = rig::<ShiftTsConfig>("offset = 0.25\nmode = \"received\"", &["x"]);
        let mut s = r.sample(0, 0, &[0.0]);
        r.process(&mut s, 0);
        assert_eq!((s.ts_origin, s.ts_received), (0, 250_000_000));
        r.hook.set_parameter(0, -0.002);
        let mut s = r.sample(0, 0, &[0.0]);
        r.process(&mut s, 0);
        assert_eq!(
            s.ts_received, -2_000_000,
            "the offset set by an action, in seconds"
        );
    }
}
