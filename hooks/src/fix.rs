//! `fix`: fills in what a source left out: a zero `seq` after the first sample becomes the
//! last one plus 1, a zero `ts_received` the engine's wall time, a zero `ts_origin` the
//! receive time.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `fix` hook.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FixConfig {}

struct Fix {
    last_seq: Option<u64>,
    fixed: u64,
}

impl HookConfig for FixConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(Fix {
                last_seq: None,
                fixed: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Fix {
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        let mut fixed = false;
        if sample.seq == 0 {
            if let Some(last) = self.last_seq {
                sample.seq = last.wrapping_add(1);
                fixed = true;
            }
        }
        self.last_seq = Some(sample.seq);
        if sample.ts_received == 0 {
            sample.ts_received = ctx.wall;
            fixed = true;
        }
        if sample.ts_origin == 0 {
            sample.ts_origin = sample.ts_received;
            fixed = true;
        }
        self.fixed += u64::from(fixed);
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!("fix: {} samples completed", self.fixed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn fills_missing_fields() {
        let mut r = rig::<FixConfig>("", &["x"]);
        let mut s = r.sample(0, 0, &[0.0]);
        r.process(&mut s, 777);
        assert_eq!(
            (s.seq, s.ts_origin, s.ts_received),
            (0, 777, 777),
            "a first seq of 0 is kept"
        );
        let mut s = r.sample(0, 5, &[0.0]);
        s.ts_received = 9;
        r.process(&mut s, 1000);
        assert_eq!((s.seq, s.ts_origin, s.ts_received), (1, 5, 9));
    }
}
