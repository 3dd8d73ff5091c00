//! IEEE C37.118 synchrophasors for gridhil.
//!
//! * [`codec`]: IEEE C37.118.2 frames.
//! * [`estimator`]: C37.118.1 P/M-class phasor estimator and compliance harness.
//! * [`hook`]: the `pmu` hook (waveforms → synchrophasor reports).
//! * [`pdc`]: the `pdc` node (IEEE C37.118.2 client of a PMU).
//! * [`server`]: the `pmu-server` node (IEEE C37.118.2 PMU or multi-PMU stream over TCP and UDP).
#![forbid(unsafe_code)]

pub mod codec;
pub mod estimator;
pub mod hook;
pub mod pdc;
pub mod server;

use gridhil_engine::Registry;

/// Registers the hook and node types of this crate.
pub fn register(registry: &mut Registry) {
    registry
        .add_hook::<hook::PmuHookConfig>(
            "pmu",
            "synchrophasors, frequency and ROCOF from sampled waveforms (C37.118.1 P/M class)",
        )
        .example(include_str!("../compliance/pmu.toml"));
    registry.add_node::<server::PmuServerConfig>(
        "pmu-server",
        "IEEE C37.118.2 PMU (one or several PMU blocks): commanded TCP or UDP, TCP-config/UDP-data, spontaneous UDP",
    )
    .example(include_str!("../compliance/pmu-server.toml"));
    registry
        .add_node::<pdc::PdcConfig>(
            "pdc",
            "IEEE C37.118.2 PDC client: reads a PMU over TCP (CFG-2, data on), reconnects",
        )
        .example(include_str!("../compliance/pdc.toml"));
}
