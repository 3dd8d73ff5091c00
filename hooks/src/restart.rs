//! `restart`: detects a peer that starts its sequence numbers again (a simulator restarted)
//! and re-bases them, so that the path's `seq` keeps rising; restarts are counted.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `restart` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartConfig {
    /// A sequence number at most this far back is a late sample, not a restart (default 0:
    /// every step back is a restart).
    #[serde(default)]
    pub tolerance: u64,
    /// Re-base the sequence (off: only count restarts).
    #[serde(default = "yes")]
    pub rebase: bool,
}

fn yes() -> bool {
    true
}

struct Restart {
    tolerance: u64,
    rebase: bool,
    last_in: Option<u64>,
    last_out: u64,
    base: u64,
    restarts: u64,
}

impl HookConfig for RestartConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(Restart {
                tolerance: self.tolerance,
                rebase: self.rebase,
                last_in: None,
                last_out: 0,
                base: 0,
                restarts: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Restart {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let seq = sample.seq;
        if let Some(last) = self.last_in {
            if seq < last && last - seq > self.tolerance {
                self.restarts += 1;
                if self.rebase {
                    self.base = self.last_out.wrapping_add(1).wrapping_sub(seq);
                }
            }
        }
        if self
            .last_in
            .is_none_or(|last| seq >= last || last - seq > self.tolerance)
        {
            self.last_in = Some(seq);
        }
        sample.seq = seq.wrapping_add(self.base);
        self.last_out = self.last_out.max(sample.seq);
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!("restart: {} sequence restarts", self.restarts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn rebases_after_a_restart() {
        let mut r = rig::<RestartConfig>("tolerance = 2", &["x"]);
        let mut out = Vec::new();
        for seq in [10, 11, 12, 11, 13, 0, 1, 2] {
            let mut s = r.sample(seq, 0, &[0.0]);
            r.process(&mut s, 0);
            out.push(s.seq);
        }
        assert_eq!(out, [10, 11, 12, 11, 13, 14, 15, 16]);
        assert_eq!(r.hook.summary().unwrap(), "restart: 1 sequence restarts");
    }
}
