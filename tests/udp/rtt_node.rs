//! The `rtt` engine node, end to end through the real binary: a loop
//! rtt → path → loopback → path → rtt in real and in virtual time, and a UDP loop through
//! the gridhil echo of `examples/udp-echo.toml`. Counts only, no timing asserts.

use gridhil_test_support::prelude::{
    free_udp_port, gridhil, read_path, repo, run, text, write_config, ChildGuard,
};
use gridhil_test_support::wait;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The loop through a loopback node, at 1 kHz.
const LOOP: &str = r#"
[nodes.probe]
type = "rtt"
rate = "1kHz"
values = 4
payload = "counter"

[nodes.lb]
type = "loopback"
values = 4

[[paths]]
name = "out"
in = ["probe"]
out = ["lb"]
log = false

[[paths]]
name = "back"
in = ["lb"]
out = ["probe"]
"#;

/// Runs `config` with `args` and returns the counters of node `node` from the JSON report.
fn node_counters(config: &Path, args: &[&str], node: &str) -> BTreeMap<String, u64> {
    let mut all = vec!["run", config.to_str().unwrap(), "--json", "--quiet"];
    all.extend_from_slice(args);
    let output = run(&all);
    assert!(output.status.success(), "{}", text(&output));
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("JSON report: {e}\n{}", text(&output)));
    let nodes = report["nodes"].as_array().expect("nodes");
    let entry = nodes
        .iter()
        .find(|n| n["name"] == node)
        .unwrap_or_else(|| panic!("node {node} in {report}"));
    entry["counters"]
        .as_array()
        .expect("counters")
        .iter()
        .map(|counter| {
            (
                counter["name"].as_str().unwrap().to_string(),
                counter["value"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn assert_ordered_percentiles(c: &BTreeMap<String, u64>) {
    let order = [
        c["rtt_min_ns"],
        c["rtt_p50_ns"],
        c["rtt_p99_ns"],
        c["rtt_p99_9_ns"],
        c["rtt_max_ns"],
    ];
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{c:?}");
}

#[test]
fn real_time_loop_through_a_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "loop.toml", LOOP);
    let log = dir.path().join("loop.h5");
    // 1 s of probes at 1 kHz, then 0.5 s for the last ones to come back.
    let c = node_counters(
        &config,
        &[
            "--duration",
            "1500ms",
            "--set",
            "nodes.probe.limit=1000",
            "--log",
            log.to_str().unwrap(),
        ],
        "probe",
    );
    assert_eq!(c["sent"], 1000, "{c:?}");
    assert!(c["received"] + 2 >= c["sent"], "at most 2 lost: {c:?}");
    assert_eq!(c["lost"], c["sent"] - c["received"], "{c:?}");
    assert_eq!(
        (
            c["duplicates"],
            c["foreign"],
            c["too_old"],
            c["out_of_range"]
        ),
        (0, 0, 0, 0),
        "{c:?}"
    );
    assert!(c["rtt_p50_ns"] > 0, "{c:?}");
    assert_ordered_percentiles(&c);
    // The path into the probe is logged: one row per returning sample, seq and ts_origin
    // as sent, so the run log holds every round trip (ts_sent − ts_origin).
    let back = read_path(&log, "back");
    assert_eq!(back.seq.len() as u64, c["received"], "{c:?}");
    for (i, (&seq, &origin)) in back.seq.iter().zip(&back.ts_origin).enumerate() {
        assert_eq!(seq, i as u64, "in order");
        assert_eq!(
            origin - back.ts_origin[0],
            seq as i64 * 1_000_000,
            "ts_origin is the deadline"
        );
    }
    assert_eq!(back.values[5], vec![5.0; 4], "counter payload came back");
    // The summary is in the run log as attributes of /nodes/probe.
    let file = hdf5::File::open(&log).unwrap();
    let node = file.group("nodes/probe").unwrap();
    for key in ["sent", "received", "lost", "rtt_p50_ns", "rtt_p99_9_ns"] {
        let value: u64 = node.attr(key).unwrap().read_scalar().unwrap();
        assert_eq!(value, c[key], "{key}");
    }
}

#[test]
fn virtual_time_loop_is_instant_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "loop.toml", LOOP);
    let args = ["--virtual-time", "--duration", "1s"];
    let a = node_counters(&config, &args, "probe");
    let b = node_counters(&config, &args, "probe");
    assert_eq!(a, b, "two virtual runs give the same counters");
    assert_eq!(a["sent"], 1000, "{a:?}");
    assert_eq!(a["received"], 1000, "{a:?}");
    assert_eq!(a["lost"], 0);
    // Paths run in zero virtual time: every sample is back at the instant it was sent.
    for key in [
        "rtt_min_ns",
        "rtt_p50_ns",
        "rtt_p99_ns",
        "rtt_p99_9_ns",
        "rtt_max_ns",
    ] {
        assert_eq!(a[key], 0, "{key}: {a:?}");
    }
}

#[test]
fn warmup_and_limit_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "loop.toml", LOOP);
    let c = node_counters(
        &config,
        &[
            "--virtual-time",
            "--duration",
            "1s",
            "--set",
            "nodes.probe.warmup=100ms",
            "--set",
            "nodes.probe.limit=300",
        ],
        "probe",
    );
    assert_eq!(
        (c["warmup"], c["sent"], c["received"]),
        (100, 200, 200),
        "{c:?}"
    );
}

#[test]
fn bad_rtt_configs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "loop.toml", LOOP);
    for set in [
        "nodes.probe.values=0",
        "nodes.probe.rate=\"1MHz\"",
        "nodes.probe.payload=\"ones\"",
    ] {
        let output = run(&["check", config.to_str().unwrap(), "--set", set]);
        assert!(
            !output.status.success(),
            "{set} accepted: {}",
            text(&output)
        );
    }
}

#[test]
fn udp_loop_through_the_gridhil_echo() {
    let (echo_in, echo_back) = (free_udp_port(), free_udp_port());
    let local = |node: &str, port: u16| format!("nodes.{node}.local=\"127.0.0.1:{port}\"");
    let remote = |node: &str, port: u16| format!("nodes.{node}.remote=\"127.0.0.1:{port}\"");
    let mut echo = ChildGuard::spawn(
        gridhil()
            .args(["run", repo("examples/udp-echo.toml").to_str().unwrap()])
            .args(["--quiet", "--duration", "30s"])
            .args(["--set", &local("echo", echo_in)])
            .args(["--set", &remote("echo", echo_back)]),
    );
    // Once the echo's socket is bound, the probe's samples wait in its receive buffer
    // until the echo path runs.
    assert!(
        wait::udp_port_bound(echo_in),
        "the echo never bound its port"
    );
    assert!(!echo.has_exited(), "the echo exited: {}", echo.finish());
    let (link_local, link_remote) = (local("link", echo_back), remote("link", echo_in));
    let c = node_counters(
        &repo("examples/rtt-loop.toml"),
        &[
            "--duration",
            "1s",
            "--set",
            &link_local,
            "--set",
            &link_remote,
        ],
        "probe",
    );
    assert!(
        c["received"] > 0,
        "nothing came back through the echo: {c:?}"
    );
    assert_eq!(
        (c["duplicates"], c["foreign"], c["out_of_range"]),
        (0, 0, 0),
        "{c:?}"
    );
    assert!(c["rtt_p50_ns"] > 0, "{c:?}");
    assert_ordered_percentiles(&c);
    echo.stop();
}
