//! `reorder_ts`: restores `ts_origin` order within a bounded window. It holds up to
//! `window_size` samples (copies in the run's pool) and passes the oldest when one more
//! comes: every sample leaves `window_size` samples late; a sample older than one already
//! passed is dropped and counted.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::{Sample, SampleRef};
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `reorder_ts` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReorderTsConfig {
    /// Samples held (VILLASnode's default: 16; at most 512, as the pool has spare slots).
    #[serde(default = "sixteen")]
    pub window_size: usize,
}

fn sixteen() -> usize {
    16
}

struct ReorderTs {
    window: usize,
    held: Vec<SampleRef>,
    last_passed: Option<i64>,
    too_late: u64,
    pool_exhausted: u64,
    reordered: u64,
}

impl HookConfig for ReorderTsConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        if !(1..=512).contains(&self.window_size) {
            return Err(FieldError::at("window_size", "must be 1 to 512"));
        }
        Ok((
            Box::new(ReorderTs {
                window: self.window_size,
                held: Vec::with_capacity(self.window_size + 1),
                last_passed: None,
                too_late: 0,
                pool_exhausted: 0,
                reordered: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for ReorderTs {
    fn process(&mut self, sample: &mut Sample, ctx: &HookContext<'_>) -> HookAction {
        if self.last_passed.is_some_and(|last| sample.ts_origin < last) {
            self.too_late += 1;
            return HookAction::Drop;
        }
        let Some(copy) = ctx.pool.alloc_copy(sample) else {
            // No slot to hold it in: let it through as it is.
            self.pool_exhausted += 1;
            return HookAction::Pass;
        };
        self.held.push(copy);
        if self.held.len() <= self.window {
            return HookAction::Drop;
        }
        let mut oldest = 0;
        for (k, s) in self.held.iter().enumerate() {
            let best = &self.held[oldest];
            if (s.ts_origin, s.seq) < (best.ts_origin, best.seq) {
                oldest = k;
            }
        }
        if oldest != 0 {
            self.reordered += 1;
        }
        // `remove` keeps arrival order among the rest (ties leave in arrival order).
        let out = self.held.remove(oldest);
        sample.copy_from(&out);
        self.last_passed = Some(out.ts_origin);
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "reorder_ts: {} reordered, {} too late dropped, {} passed unordered (pool empty), {} held at the end",
            self.reordered, self.too_late, self.pool_exhausted, self.held.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;
    use gridhil_engine::hook::HookAction;

    #[test]
    fn restores_order_within_the_window() {
        let mut r = rig::<ReorderTsConfig>("window_size = 2", &["x"]);
        let mut out = Vec::new();
        for ts in [1, 3, 2, 4, 6, 5, 7, 1, 8, 9] {
            let mut s = r.sample(ts as u64, ts, &[ts as f64]);
            if r.process(&mut s, 0) == HookAction::Pass {
                out.push((s.ts_origin, s.values()[0].as_f64() as i64));
            }
        }
        assert_eq!(
            out,
            [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7)]
        );
        assert!(r.hook.summary().unwrap().contains("1 too late dropped"));
        assert_eq!(
            r.pool.available(),
            64 - 2,
            "two held, the rest back in the pool"
        );
    }
}
