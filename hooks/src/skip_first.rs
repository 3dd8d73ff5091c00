//! `skip_first`: drops the first samples of a run, by count or by time on `ts_origin`.

use crate::common::Span;
use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// Configuration of the `skip_first` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipFirstConfig {
    /// Drop this many samples.
    pub samples: Option<u64>,
    /// Drop the samples within this time of the first one (seconds or with a unit).
    pub seconds: Option<Span>,
}

struct SkipFirst {
    samples: Option<u64>,
    span: Option<i64>,
    seen: u64,
    first: Option<i64>,
}

impl HookConfig for SkipFirstConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        match (self.samples, self.seconds) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(FieldError::new("give one of `samples` and `seconds`"))
            }
            (None, Some(span)) if span.0 < 0 => {
                return Err(FieldError::at("seconds", "must not be negative"))
            }
            _ => {}
        }
        Ok((
            Box::new(SkipFirst {
                samples: self.samples,
                span: self.seconds.map(|s| s.0),
                seen: 0,
                first: None,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for SkipFirst {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let skip = match (self.samples, self.span) {
            (Some(n), _) => {
                let skip = self.seen < n;
                self.seen = self.seen.saturating_add(1);
                skip
            }
            (None, Some(span)) => {
                let first = *self.first.get_or_insert(sample.ts_origin);
                sample.ts_origin.saturating_sub(first) < span
            }
            (None, None) => false,
        };
        if skip {
            HookAction::Drop
        } else {
            HookAction::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn skips_by_count_and_by_time() {
        let rows = vec![vec![0.0]; 10];
        let mut r = rig::<SkipFirstConfig>("samples = 3", &["x"]);
        assert_eq!(r.feed(1_000, &rows)[0].0, 3);
        let mut r = rig::<SkipFirstConfig>("seconds = \"4500ns\"", &["x"]);
        assert_eq!(r.feed(1_000, &rows)[0].0, 5);
        let mut r = rig::<SkipFirstConfig>("seconds = 0.000002", &["x"]);
        assert_eq!(r.feed(1_000, &rows).len(), 8);
    }
}
