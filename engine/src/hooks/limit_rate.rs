//! `limit_rate`: drops samples that follow the last passed one sooner than 1/rate.

use crate::field::FieldError;
use crate::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use crate::sample::Sample;
use crate::signal::Signal;
use crate::units::{Nanos, Rate};
use serde::Deserialize;

/// Which timestamp `limit_rate` measures the spacing on.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RateTimestamp {
    /// `ts_origin` (deterministic: the source's time).
    #[default]
    Origin,
    /// `ts_received` (arrival time).
    Received,
}

/// Configuration of the `limit_rate` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitRateConfig {
    /// Highest rate passed on.
    pub rate: Rate,
    /// Timestamp to measure spacing on.
    #[serde(default)]
    pub timestamp: RateTimestamp,
}

struct LimitRate {
    period: Nanos,
    timestamp: RateTimestamp,
    last: Option<Nanos>,
}

impl HookConfig for LimitRateConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        Ok((
            Box::new(LimitRate {
                period: self.rate.period_ns(),
                timestamp: self.timestamp,
                last: None,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for LimitRate {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let ts = match self.timestamp {
            RateTimestamp::Origin => sample.ts_origin,
            RateTimestamp::Received => sample.ts_received,
        };
        match self.last {
            Some(last) if ts - last < self.period => HookAction::Drop,
            _ => {
                self.last = Some(ts);
                HookAction::Pass
            }
        }
    }
}
