//! `ts`: sets `ts_origin` from the engine clock (for sources without their own time).

use crate::field::FieldError;
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::Signal;
use serde::Deserialize;

/// Configuration of the `ts` hook.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TsConfig {}

struct Ts;

impl HookConfig for TsConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((Box::new(Ts), input.to_vec()))
    }
}

impl Hook for Ts {
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        sample.ts_origin = ctx.wall;
        HookAction::Pass
    }
}
