//! `drop`: drops samples whose sequence number is not above the last one passed
//! (reordered or duplicated samples), counting each kind.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `drop` hook.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DropConfig {}

struct Drop {
    last: Option<u64>,
    reordered: u64,
    duplicated: u64,
}

impl HookConfig for DropConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(Drop {
                last: None,
                reordered: 0,
                duplicated: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Drop {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        match self.last {
            Some(last) if sample.seq == last => {
                self.duplicated += 1;
                HookAction::Drop
            }
            Some(last) if sample.seq < last => {
                self.reordered += 1;
                HookAction::Drop
            }
            _ => {
                self.last = Some(sample.seq);
                HookAction::Pass
            }
        }
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "drop: {} reordered, {} duplicated samples dropped",
            self.reordered, self.duplicated
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;
    use gridhil_engine::hook::HookAction;

    #[test]
    fn drops_late_and_repeated_samples() {
        let mut r = rig::<DropConfig>("", &["x"]);
        let mut passed = Vec::new();
        for seq in [1, 2, 2, 4, 3, 5, 5, 6] {
            let mut s = r.sample(seq, 0, &[0.0]);
            if r.process(&mut s, 0) == HookAction::Pass {
                passed.push(seq);
            }
        }
        assert_eq!(passed, [1, 2, 4, 5, 6]);
        assert_eq!(
            r.hook.summary().unwrap(),
            "drop: 1 reordered, 2 duplicated samples dropped"
        );
    }
}
