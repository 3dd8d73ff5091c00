//! `shift_seq`: adds a fixed offset to the sequence number.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `shift_seq` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSeqConfig {
    /// Added to `seq` (wrapping around 2⁶⁴).
    pub offset: i64,
}

struct ShiftSeq {
    offset: i64,
}

impl HookConfig for ShiftSeqConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(ShiftSeq {
                offset: self.offset,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for ShiftSeq {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        sample.seq = sample.seq.wrapping_add_signed(self.offset);
        HookAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn shifts_both_ways() {
        let mut r = rig::<ShiftSeqConfig>("offset = -2", &["x"]);
        assert_eq!(
            r.feed(1, &[vec![0.0], vec![0.0], vec![0.0]])
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            [u64::MAX - 1, u64::MAX, 0]
        );
    }
}
