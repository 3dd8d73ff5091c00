//! Hooks for labs coming from VILLASnode: measurement (`rms`, `power`, `average`, `ma`,
//! `dp`, `jitter_calc`, `ebm`) and shaping (`cast`, `round`, `limit_value`, `gate`, `drop`,
//! `skip_first`, `shift_ts`, `shift_seq`, `reorder_ts`, `fix`, `restart`, `frame`,
//! `pps_ts`, `dump`, `digest`), one file each, and `expr` (a folder: its expression
//! language is public for the fuzz target), registered in [`register`]. Each keeps its
//! VILLASnode name and meaning where that is sensible; docs/hooks.md lists the differences.
//! None allocates, locks or logs after it is built.

mod average;
mod cast;
mod common;
mod digest;
mod dp;
mod drop_seq;
mod dump;
mod ebm;
pub mod expr;
mod fix;
mod frame;
mod gate;
mod jitter_calc;
mod limit_value;
mod ma;
mod power;
mod pps_ts;
mod reorder_ts;
mod restart;
mod rms;
mod round;
mod shift_seq;
mod shift_ts;
mod skip_first;

pub use average::AverageConfig;
pub use cast::CastConfig;
pub use common::Span;
pub use digest::DigestConfig;
pub use dp::DpConfig;
pub use drop_seq::DropConfig;
pub use dump::DumpConfig;
pub use ebm::{EbmConfig, SignalRef};
pub use fix::FixConfig;
pub use frame::{FrameConfig, FrameTrigger, NEW_FRAME};
pub use gate::{GateConfig, GateMode};
pub use jitter_calc::JitterCalcConfig;
pub use limit_value::LimitValueConfig;
pub use ma::MaConfig;
pub use power::{Pairing, PowerConfig, TimestampAlign};
pub use pps_ts::PpsTsConfig;
pub use reorder_ts::ReorderTsConfig;
pub use restart::RestartConfig;
pub use rms::{RmsConfig, WindowConfig};
pub use round::RoundConfig;
pub use shift_seq::ShiftSeqConfig;
pub use shift_ts::{ShiftMode, ShiftTsConfig};
pub use skip_first::SkipFirstConfig;

use gridhil_engine::Registry;

/// Registers every hook type of this crate with its compliance example.
pub fn register(registry: &mut Registry) {
    registry
        .add_hook::<RmsConfig>("rms", "root mean square of signals over a sliding window")
        .example(include_str!("../compliance/rms.toml"));
    registry
        .add_hook::<PowerConfig>(
            "power",
            "P, Q, S and power factor from voltage/current waveforms",
        )
        .example(include_str!("../compliance/power.toml"));
    registry
        .add_hook::<AverageConfig>("average", "mean of several signals as a new signal")
        .example(include_str!("../compliance/average.toml"));
    registry
        .add_hook::<MaConfig>("ma", "moving average of signals over a sliding window")
        .example(include_str!("../compliance/ma.toml"));
    registry
        .add_hook::<DpConfig>("dp", "dynamic phasors of harmonics of a waveform, or back")
        .example(include_str!("../compliance/dp.toml"));
    registry
        .add_hook::<JitterCalcConfig>(
            "jitter_calc",
            "one-way delay jitter, mean and variance as signals",
        )
        .example(include_str!("../compliance/jitter_calc.toml"));
    registry
        .add_hook::<EbmConfig>("ebm", "energy through a coupling interface as a signal")
        .example(include_str!("../compliance/ebm.toml"));
    registry
        .add_hook::<CastConfig>("cast", "changes a signal's type, name or unit")
        .example(include_str!("../compliance/cast.toml"));
    registry
        .add_hook::<RoundConfig>("round", "rounds signals to decimal places")
        .example(include_str!("../compliance/round.toml"));
    registry
        .add_hook::<LimitValueConfig>("limit_value", "clamps signals into [min, max]")
        .example(include_str!("../compliance/limit_value.toml"));
    registry
        .add_hook::<GateConfig>(
            "gate",
            "passes samples while a condition on a signal holds or after an edge",
        )
        .example(include_str!("../compliance/gate.toml"));
    registry
        .add_hook::<DropConfig>("drop", "drops reordered and duplicated samples (by seq)")
        .example(include_str!("../compliance/drop.toml"));
    registry
        .add_hook::<SkipFirstConfig>("skip_first", "drops the first samples, by count or time")
        .example(include_str!("../compliance/skip_first.toml"));
    registry
        .add_hook::<ShiftTsConfig>(
            "shift_ts",
            "shifts ts_origin or ts_received by a fixed offset",
        )
        .example(include_str!("../compliance/shift_ts.toml"));
    registry
        .add_hook::<ShiftSeqConfig>("shift_seq", "adds an offset to seq")
        .example(include_str!("../compliance/shift_seq.toml"));
    registry
        .add_hook::<ReorderTsConfig>(
            "reorder_ts",
            "restores ts_origin order within a bounded window",
        )
        .example(include_str!("../compliance/reorder_ts.toml"));
    registry
        .add_hook::<FixConfig>("fix", "fills in missing seq and time stamps")
        .example(include_str!("../compliance/fix.toml"));
    registry
        .add_hook::<RestartConfig>("restart", "re-bases seq after a peer restarts its sequence")
        .example(include_str!("../compliance/restart.toml"));
    registry
        .add_hook::<FrameConfig>("frame", "marks the first sample of each frame")
        .example(include_str!("../compliance/frame.toml"));
    registry
        .add_hook::<PpsTsConfig>("pps_ts", "time stamps from a PPS signal")
        .example(include_str!("../compliance/pps_ts.toml"));
    registry
        .add_hook::<DumpConfig>(
            "dump",
            "copies samples to a text file off the real-time thread",
        )
        .example(include_str!("../compliance/dump.toml"));
    registry
        .add_hook::<DigestConfig>(
            "digest",
            "running hash of the samples, as signals and in the summary",
        )
        .example(include_str!("../compliance/digest.toml"));
    registry
        .add_hook::<expr::ExprConfig>(
            "expr",
            "new signals from arithmetic expressions over the sample's signals",
        )
        .example(include_str!("../compliance/expr.toml"));
}
