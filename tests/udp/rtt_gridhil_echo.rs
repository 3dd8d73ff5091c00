//! The acceptance test of `gridhil rtt` (issue "Network coupling"): a gridhil echo path
//! (`examples/udp-echo.toml`: villas.binary in on 127.0.0.1:12002, straight back to
//! 127.0.0.1:12001) measured at 10 kHz × 64 values for 2 s loses nothing.
//! Counts only, no timing asserts.

use serde_json::Value;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ECHO_IN: &str = "127.0.0.1:12002";
const ECHO_BACK: &str = "127.0.0.1:12001";

/// The echo process, stopped (SIGTERM, then SIGKILL) when dropped.
struct EchoProcess(Child);

impl Drop for EchoProcess {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: kill only sends a signal to the child this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
fn wait_until_echoing(echo: &mut EchoProcess) {
    let probe = UdpSocket::bind(ECHO_BACK).expect("bind 127.0.0.1:12001 (port in use?)");
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
        if let Ok(Some(status)) = echo.0.try_wait() {
            panic!("gridhil run exited early: {status}");
        }
        let _ = probe.send_to(&villas_message(seq), ECHO_IN);
        seq += 1;
        if probe.recv_from(&mut buf).is_ok() {
            return;
        }
    }
}

#[test]
fn rtt_through_a_gridhil_echo_path_loses_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("examples/udp-echo.toml");
    if !config.exists() {
        println!("skipped: {} is missing", config.display());
        return;
    }
    let child = Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .args(["run", "--quiet", "--duration", "120s"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gridhil run");
    let mut echo = EchoProcess(child);
    wait_until_echoing(&mut echo);
    let out = Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .args([
            "rtt",
            "--target",
            ECHO_IN,
            "--bind",
            ECHO_BACK,
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
    drop(echo);
}
