//! `stats`: per-path statistics of what passes this point of the hook chain: one-way
//! delay (`ts_received − ts_origin`), spacing of `ts_origin`, missing and reordered
//! sequence numbers. Recorded without allocation; reported at the end of the run.

use crate::field::FieldError;
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::Signal;
use crate::stats::LatencyHistogram;
use serde::Deserialize;

/// Configuration of the `stats` hook.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StatsConfig {}

struct Stats {
    path: String,
    owd: LatencyHistogram,
    gap: LatencyHistogram,
    last_seq: Option<u64>,
    last_origin: Option<i64>,
    samples: u64,
    missing: u64,
    reordered: u64,
}

impl HookConfig for StatsConfig {
    fn build(
        &self,
        input: &[Signal],
        ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(Stats {
                path: ctx.path_name.clone(),
                owd: LatencyHistogram::new(),
                gap: LatencyHistogram::new(),
                last_seq: None,
                last_origin: None,
                samples: 0,
                missing: 0,
                reordered: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Stats {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        self.samples += 1;
        self.owd.record(sample.ts_received - sample.ts_origin);
        if let Some(last) = self.last_origin {
            self.gap.record(sample.ts_origin - last);
        }
        match self.last_seq {
            Some(last) if sample.seq <= last => self.reordered += 1,
            Some(last) => self.missing += sample.seq - last - 1,
            None => {}
        }
        if self.last_seq.is_none_or(|last| sample.seq > last) {
            self.last_seq = Some(sample.seq);
        }
        self.last_origin = Some(sample.ts_origin);
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!(
            "stats[{}]: {} samples, {} missing, {} reordered; one-way delay {}; ts_origin gap {}",
            self.path,
            self.samples,
            self.missing,
            self.reordered,
            self.owd.summary_us(),
            self.gap.summary_us()
        ))
    }
}
