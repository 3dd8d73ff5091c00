//! `decimate`: passes every n-th sample.

use crate::field::FieldError;
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::Signal;
use serde::Deserialize;

/// Configuration of the `decimate` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecimateConfig {
    /// Keep one sample in `ratio`.
    pub ratio: u64,
}

struct Decimate {
    ratio: u64,
    count: u64,
}

impl HookConfig for DecimateConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if self.ratio == 0 {
            return Err(FieldError::at("ratio", "must be at least 1"));
        }
        Ok((
            Box::new(Decimate {
                ratio: self.ratio,
                count: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Decimate {
    fn process(&mut self, _sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let keep = self.count % self.ratio == 0;
        self.count = self.count.wrapping_add(1);
        if keep {
            HookAction::Pass
        } else {
            HookAction::Drop
        }
    }
}
