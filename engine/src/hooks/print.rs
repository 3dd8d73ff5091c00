//! `print`: shows samples on the terminal. The real-time thread only copies the sample
//! into the event channel; the supervising thread formats and prints it.

use crate::event::EngineEvent;
use crate::field::FieldError;
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::Signal;
use serde::Deserialize;

/// Configuration of the `print` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintConfig {
    /// Print one sample in `every` (default 1: all).
    #[serde(default = "one")]
    pub every: u64,
}

fn one() -> u64 {
    1
}

struct Print {
    every: u64,
    count: u64,
}

impl HookConfig for PrintConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if self.every == 0 {
            return Err(FieldError::at("every", "must be at least 1"));
        }
        Ok((
            Box::new(Print {
                every: self.every,
                count: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Print {
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        if self.count % self.every == 0 {
            if let Some(copy) = ctx.pool.alloc_copy(sample) {
                ctx.events.send(EngineEvent::Print {
                    path: ctx.path_index,
                    sample: copy,
                });
            }
        }
        self.count = self.count.wrapping_add(1);
        HookAction::Pass
    }
}
