//! IEEE C37.118 end to end: the `pmu` hook, `pmu-server` (transports, multi-PMU streams, its
//! clock) and the `pdc` node, against our codec, tshark and pypmu (the peers in `peers/`).

mod hook;
mod pdc;
mod pdc_modes;
mod pdc_virtual_time;
mod server;
mod server_clock;
mod server_modes;

use gridhil_test_support::process::{gridhil, repo};
use std::process::{Child, Stdio};

/// Starts `examples/pmu-server.toml` on the given TCP (commanded) and UDP (spontaneous)
/// ports for `duration`, with its output piped.
fn spawn_pmu_server_example(tcp: u16, udp: u16, duration: &str) -> Child {
    gridhil()
        .arg("run")
        .arg(repo("examples/pmu-server.toml"))
        .args(["--duration", duration, "--set"])
        .arg(format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""))
        .arg("--set")
        .arg(format!("nodes.pmu.udp=\"127.0.0.1:{udp}\""))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the pmu-server example")
}
