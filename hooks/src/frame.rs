//! `frame`: marks the first sample of each frame with [`NEW_FRAME`], a frame being
//! `interval` sequence numbers or an `interval` of `ts_origin`, for formats that carry
//! several samples in one message.

use gridhil_engine::field::FieldError;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookConfig, HookContext};
use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Signal;
use serde::Deserialize;

/// The sample flag `frame` sets on the first sample of a frame (and clears on the others):
/// [`gridhil_engine::sample::SampleFlags::NEW_FRAME`]. The `udp` node starts a new datagram
/// at it when it packs several samples into one (`samples_per_datagram`).
pub const NEW_FRAME: u32 = gridhil_engine::sample::SampleFlags::NEW_FRAME;

/// What starts a frame.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FrameTrigger {
    /// `ts_origin` crosses a multiple of `interval` (VILLASnode's default).
    #[default]
    Timestamp,
    /// `seq` crosses a multiple of `interval`.
    Sequence,
}

/// Configuration of the `frame` hook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameConfig {
    /// What starts a frame.
    #[serde(default)]
    pub trigger: FrameTrigger,
    /// Frame length: sequence numbers, or (timestamp) seconds or a duration with a unit.
    pub interval: crate::common::Span,
}

struct Frame {
    trigger: FrameTrigger,
    interval: u64,
    current: Option<u64>,
    frames: u64,
}

impl HookConfig for FrameConfig {
    fn build(
        &self,
        input: &[Signal],
        _ctx: &HookBuildContext,
    ) -> Result<(Box<dyn Hook>, Vec<Signal>), FieldError> {
        // `Span` reads a plain number as seconds; for sequences it is a count.
        let interval = match self.trigger {
            FrameTrigger::Timestamp => self.interval.0,
            FrameTrigger::Sequence => self.interval.0 / 1_000_000_000,
        };
        if interval <= 0
            || (self.trigger == FrameTrigger::Sequence && self.interval.0 % 1_000_000_000 != 0)
        {
            return Err(FieldError::at(
                "interval",
                "must be above 0 (a whole number of sequence numbers for `sequence`)",
            ));
        }
        Ok((
            Box::new(Frame {
                trigger: self.trigger,
                interval: interval as u64,
                current: None,
                frames: 0,
            }),
            input.to_vec(),
        ))
    }
}

impl Hook for Frame {
    fn process(&mut self, sample: &mut Sample, _ctx: &HookContext<'_>) -> HookAction {
        let position = match self.trigger {
            FrameTrigger::Timestamp => sample.ts_origin.max(0) as u64,
            FrameTrigger::Sequence => sample.seq,
        };
        let frame = position / self.interval;
        let new = self.current != Some(frame);
        if new {
            self.current = Some(frame);
            self.frames += 1;
        }
        sample.flags.set(NEW_FRAME, new);
        HookAction::Pass
    }

    fn summary(&self) -> Option<String> {
        Some(format!("frame: {} frames", self.frames))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::rig;

    #[test]
    fn marks_frame_starts() {
        let mut r = rig::<FrameConfig>("trigger = \"sequence\"\ninterval = 4", &["x"]);
        let marks: Vec<bool> = (2..11)
            .map(|seq| {
                let mut s = r.sample(seq, 0, &[0.0]);
                r.process(&mut s, 0);
                s.flags.contains(NEW_FRAME)
            })
            .collect();
        assert_eq!(
            marks,
            [true, false, true, false, false, false, true, false, false]
        );
        let mut r = rig::<FrameConfig>("interval = \"1ms\"", &["x"]);
        let marks: Vec<bool> = [0, 400_000, 999_999, 1_000_000, 2_500_000]
            .iter()
            .map(|&ts| {
                let mut s = r.sample(0, ts, &[0.0]);
                r.process(&mut s, 0);
                s.flags.contains(NEW_FRAME)
            })
            .collect();
        assert_eq!(marks, [true, false, false, true, true]);
    }
}
