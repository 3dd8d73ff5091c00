//! The acceptance test of `gridhil rtt` (issue "Network coupling"): a gridhil echo path
//! (`examples/udp-echo.toml`, on free ports: villas.binary in, straight back to the
//! probe) measured at 10 kHz × 64 values for 2 s loses nothing.
//! Counts only, no timing asserts.

use gridhil_test_support::net::free_udp_port;
use gridhil_test_support::process::{gridhil, repo, ChildGuard};
use serde_json::Value;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// One villas.binary data message of 64 float32 zeros with sequence number `seq`.
fn villas_message(seq: u32) -> Vec<u8> {
    let mut message = vec![0x20, 0];
    message.extend_from_slice(&64u16.to_be_bytes());
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    message.extend_from_slice(&0u32.to_be_bytes());
    message.extend_from_slice(&[0u8; 64 * 4]);
    message
}

/// Waits until the echo path answers on its ports (the process is up and its path runs).
fn wait_until_echoing(echo: &mut ChildGuard, echo_in: &str, echo_back: &str) {
    let probe = UdpSocket::bind(echo_back).expect("bind the probe's port");
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 2048];
    // Sequence numbers far from the probe's own (0, 1, …) so a late answer is not
    // mistaken for one of the measured samples.
    let mut seq = 0xf000_0000u32;
    loop {
        assert!(Instant::now() < deadline, "the echo never answered");
        assert!(!echo.has_exited(), "gridhil run exited early");
        let _ = probe.send_to(&villas_message(seq), echo_in);
        seq += 1;
        if probe.recv_from(&mut buf).is_ok() {
            return;
        }
    }
}

#[test]
fn rtt_through_a_gridhil_echo_path_loses_nothing() {
    let echo_in = format!("127.0.0.1:{}", free_udp_port());
    let echo_back = format!("127.0.0.1:{}", free_udp_port());
    let mut echo = ChildGuard::spawn(
        gridhil()
            .args(["run", "--quiet", "--duration", "120s"])
            .arg(repo("examples/udp-echo.toml"))
            .args(["--set", &format!("nodes.echo.local=\"{echo_in}\"")])
            .args(["--set", &format!("nodes.echo.remote=\"{echo_back}\"")]),
    );
    wait_until_echoing(&mut echo, &echo_in, &echo_back);
    let out = gridhil()
        .args([
            "rtt",
            "--target",
            &echo_in,
            "--bind",
            &echo_back,
            "--rate",
            "10kHz",
            "--values",
            "64",
            "--duration",
            "10s",
            "--grace",
            "3s",
            "--json",
        ])
        .output()
        .expect("start gridhil rtt");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gridhil rtt failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    let count = |key: &str| report[key].as_u64().unwrap_or(u64::MAX);
    assert_eq!(count("sent"), 100_000, "{report}");
    assert_eq!(count("received"), 100_000, "{report}");
    assert_eq!(count("lost"), 0, "{report}");
    assert_eq!(count("duplicates"), 0, "{report}");
    for key in ["min", "p50", "p90", "p99", "p99_9", "max"] {
        assert!(report["rtt_us"][key].is_f64(), "rtt_us.{key}: {report}");
    }
    echo.stop();
}
