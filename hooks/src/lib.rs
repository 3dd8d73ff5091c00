//! Hooks for labs coming from VILLASnode: measurement (`rms`, `power`, `average`, `ma`,
//! `dp`, `jitter_calc`, `ebm`), one file each, registered in [`register`]. Each keeps its
//! VILLASnode name and meaning where that is sensible; docs/hooks.md lists the differences.
//! None allocates, locks or logs after it is built.

mod average;
mod common;
mod dp;
mod ebm;
mod jitter_calc;
mod ma;
mod power;
mod rms;

pub use average::AverageConfig;
pub use dp::DpConfig;
pub use ebm::{EbmConfig, SignalRef};
pub use jitter_calc::JitterCalcConfig;
pub use ma::MaConfig;
pub use power::{Pairing, PowerConfig, TimestampAlign};
pub use rms::{RmsConfig, WindowConfig};

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
}
