//! Built-in hooks, one file each, and their registration (`register`, called by whoever
//! assembles a registry). The registry itself knows no hook type.

mod decimate;
mod limit_rate;
mod print;
mod scale;
mod stats;
mod ts;
mod volt_var;

pub use decimate::DecimateConfig;
pub use limit_rate::LimitRateConfig;
pub use print::PrintConfig;
pub use scale::ScaleConfig;
pub use stats::StatsConfig;
pub use ts::TsConfig;
pub use volt_var::VoltVarConfig;

use crate::field::{FieldError, FieldPath};
use crate::registry::Registry;
use crate::signal::Signal;

/// Registers every built-in hook type.
pub fn register(registry: &mut Registry) {
    registry
        .add_hook::<StatsConfig>(
            "stats",
            "one-way delay, gap and sequence statistics, reported at the end",
        )
        .example(include_str!("../../compliance/stats.toml"));
    registry
        .add_hook::<ScaleConfig>("scale", "value * gain + offset on all or named signals")
        .example(include_str!("../../compliance/scale.toml"));
    registry
        .add_hook::<DecimateConfig>("decimate", "passes every n-th sample")
        .example(include_str!("../../compliance/decimate.toml"));
    registry
        .add_hook::<PrintConfig>(
            "print",
            "prints samples on the terminal, off the real-time thread",
        )
        .example(include_str!("../../compliance/print.toml"));
    registry
        .add_hook::<LimitRateConfig>("limit_rate", "drops samples that come faster than a rate")
        .example(include_str!("../../compliance/limit_rate.toml"));
    registry
        .add_hook::<TsConfig>("ts", "sets ts_origin from the engine clock")
        .example(include_str!("../../compliance/ts.toml"));
    registry
        .add_hook::<VoltVarConfig>(
            "volt_var",
            "volt-var (Q(U) droop) controller with a lag and a measurement watchdog",
        )
        .example(include_str!("../../compliance/volt_var.toml"));
}

/// Indices of the signals a hook's `signals` field names in `signals` (all of them when
/// `names` is empty); an unknown name is reported at its place in `signals`.
pub(crate) fn select_signals(
    signals: &[Signal],
    names: &[String],
) -> Result<Vec<usize>, FieldError> {
    if names.is_empty() {
        return Ok((0..signals.len()).collect());
    }
    names
        .iter()
        .enumerate()
        .map(|(position, name)| {
            signals.iter().position(|s| &s.name == name).ok_or_else(|| {
                let known: Vec<&str> = signals.iter().map(|s| s.name.as_str()).collect();
                FieldError::at_path(
                    FieldPath::root().key("signals").index(position),
                    format!(
                        "no signal `{name}` in this path (it has: {})",
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}
