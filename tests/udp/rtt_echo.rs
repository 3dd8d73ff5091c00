//! `gridhil rtt` against a plain UDP echo running in the test process (real sockets on
//! loopback), and against a target that never answers. No timing asserts: only counts,
//! keys and the order of the percentiles.

use serde_json::Value;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A UDP echo on 127.0.0.1: every datagram goes straight back to its sender.
struct Echo {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Echo {
    fn start() -> Echo {
        Echo::start_on("127.0.0.1:0").expect("bind echo")
    }

    /// An echo on `addr`, or `None` when it cannot be bound (e.g. no IPv6 loopback).
    fn start_on(addr: &str) -> Option<Echo> {
        let socket = UdpSocket::bind(addr).ok()?;
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            while !flag.load(Ordering::Relaxed) {
                if let Ok((n, from)) = socket.recv_from(&mut buf) {
                    let _ = socket.send_to(&buf[..n], from);
                }
            }
        });
        Some(Echo {
            addr,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn rtt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .arg("rtt")
        .args(args)
        .output()
        .expect("start gridhil")
}

/// Runs `gridhil rtt … --json`, checks it succeeded and printed exactly one JSON object.
fn rtt_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = rtt(&all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gridhil rtt failed: {}\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one JSON line expected, got: {stdout}");
    serde_json::from_str(lines[0]).expect("stdout is JSON")
}

fn count(report: &Value, key: &str) -> u64 {
    report[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` missing or not a count in {report}"))
}

/// Every percentile key is a number, and they are in order.
fn check_percentiles(report: &Value, key: &str) {
    let p = &report[key];
    let keys = ["min", "p50", "p90", "p99", "p99_9", "max"];
    let figures: Vec<f64> = keys
        .iter()
        .map(|k| {
            p[*k]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}.{k} missing in {report}"))
        })
        .collect();
    assert!(
        figures.windows(2).all(|w| w[0] <= w[1]),
        "{key} out of order: {p}"
    );
    assert!(figures[0] >= 0.0, "{key}.min negative: {p}");
}

#[test]
fn rtt_through_a_plain_echo_loses_nothing() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    let report = rtt_json(&[
        "--target",
        &target,
        "--rate",
        "2kHz",
        "--values",
        "8",
        "--duration",
        "1s",
        "--grace",
        "3s",
    ]);
    assert_eq!(count(&report, "sent"), 2000, "{report}");
    assert_eq!(
        count(&report, "received"),
        count(&report, "sent"),
        "{report}"
    );
    assert_eq!(count(&report, "lost"), 0, "{report}");
    assert_eq!(count(&report, "duplicates"), 0, "{report}");
    assert_eq!(count(&report, "invalid"), 0, "{report}");
    assert!(report["reordered"].is_u64(), "{report}");
    assert_eq!(report["format"], "villas.binary");
    assert_eq!(report["values"], 8);
    assert_eq!(report["rate_hz"].as_f64(), Some(2000.0));
    assert_eq!(report["rtt_us"]["count"], 2000);
    check_percentiles(&report, "rtt_us");
    check_percentiles(&report, "send_jitter_us");
}

#[test]
fn busy_poll_receives_everything() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    // Normal scheduling: a spinning SCHED_FIFO thread would starve a 2-core CI machine.
    let report = rtt_json(&[
        "--target",
        &target,
        "--rate",
        "2kHz",
        "--count",
        "500",
        "--busy-poll",
        "--priority",
        "0",
        "--grace",
        "3s",
    ]);
    assert_eq!(count(&report, "received"), 500, "{report}");
    assert_eq!(report["busy_poll"], true);
    assert_eq!(report["scheduling"], "normal");
}

#[test]
fn rtt_works_over_ipv6() {
    let Some(echo) = Echo::start_on("[::1]:0") else {
        println!("skipped: no IPv6 loopback");
        return;
    };
    let target = echo.addr.to_string();
    let report = rtt_json(&[
        "--target", &target, "--bind", "[::1]:0", "--rate", "1kHz", "--count", "200", "--grace",
        "3s",
    ]);
    assert_eq!(count(&report, "received"), 200, "{report}");
    assert!(report["bind"]
        .as_str()
        .is_some_and(|b| b.starts_with("[::1]:")));
}

#[test]
fn formats_without_a_sequence_field_carry_it_in_value_0() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    // gtnet: value 0 carries the sequence; raw with an 8-bit sequence word wraps 3 times.
    for format in [
        "gtnet",
        r#"{"type":"raw","bits":8,"header":["sequence"]}"#,
        "json",
    ] {
        let report = rtt_json(&[
            "--target", &target, "--format", format, "--rate", "1kHz", "--values", "4", "--count",
            "600", "--grace", "3s",
        ]);
        assert_eq!(count(&report, "sent"), 600, "{format}: {report}");
        assert_eq!(count(&report, "received"), 600, "{format}: {report}");
        assert_eq!(count(&report, "invalid"), 0, "{format}: {report}");
        assert_eq!(count(&report, "duplicates"), 0, "{format}: {report}");
    }
}

#[test]
fn batched_sends_lose_nothing() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    let report = rtt_json(&[
        "--target", &target, "--rate", "4kHz", "--batch", "8", "--values", "8", "--count", "4000",
        "--grace", "3s",
    ]);
    assert_eq!(count(&report, "sent"), 4000, "{report}");
    assert_eq!(count(&report, "received"), 4000, "{report}");
    assert_eq!(count(&report, "duplicates"), 0, "{report}");
    assert_eq!(count(&report, "invalid"), 0, "{report}");
    check_percentiles(&report, "rtt_us");
}

#[test]
fn the_log_holds_every_sample_and_warmup_is_excluded() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("rtt.h5");
    let report = rtt_json(&[
        "--target",
        &target,
        "--rate",
        "1kHz",
        "--values",
        "64",
        "--count",
        "300",
        "--warmup",
        "100ms",
        "--grace",
        "3s",
        "--log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(count(&report, "sent"), 300, "{report}");
    assert_eq!(count(&report, "warmup_samples"), 100, "{report}");
    assert_eq!(count(&report, "received"), 300, "{report}");
    let file = hdf5::File::open(&log).expect("open rtt log");
    let group = file.group("rtt").expect("/rtt");
    let seq = group.dataset("seq").unwrap().read_raw::<u64>().unwrap();
    let sent = group.dataset("ts_sent").unwrap().read_raw::<i64>().unwrap();
    let received = group
        .dataset("ts_received")
        .unwrap()
        .read_raw::<i64>()
        .unwrap();
    assert_eq!(seq, (0..400).collect::<Vec<u64>>());
    assert_eq!((sent.len(), received.len()), (400, 400));
    for i in 100..400 {
        assert!(sent[i] > 0 && received[i] >= sent[i], "row {i}");
    }
    assert!(sent.windows(2).all(|w| w[0] < w[1]), "send times increase");
    let attr_u64 = |k: &str| group.attr(k).unwrap().read_scalar::<u64>().unwrap();
    assert_eq!(attr_u64("values"), 64);
    assert_eq!(attr_u64("warmup_samples"), 100);
    let rate: f64 = group.attr("rate_hz").unwrap().read_scalar().unwrap();
    assert_eq!(rate, 1000.0);
}

#[test]
fn a_silent_target_gives_total_loss() {
    // A bound socket that never reads: no ICMP errors, no answers.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = silent.local_addr().unwrap().to_string();
    let report = rtt_json(&[
        "--target", &target, "--rate", "1kHz", "--count", "200", "--grace", "100ms",
    ]);
    assert_eq!(count(&report, "sent"), 200, "{report}");
    assert_eq!(count(&report, "received"), 0, "{report}");
    assert_eq!(count(&report, "lost"), 200, "{report}");
    assert_eq!(report["loss_percent"].as_f64(), Some(100.0));
    assert!(report["rtt_us"]["p50"].is_null(), "{report}");
    drop(silent);
}

#[test]
fn the_text_summary_is_readable() {
    let echo = Echo::start();
    let target = echo.addr.to_string();
    let out = rtt(&[
        "--target", &target, "--rate", "500Hz", "--count", "50", "--grace", "3s",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for needle in [
        "sent 50, received 50, lost 0",
        "round trip",
        "send jitter",
        "p99.9",
    ] {
        assert!(stdout.contains(needle), "`{needle}` missing:\n{stdout}");
    }
}

#[test]
fn bad_arguments_fail_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["--target", "nowhere"], "bad address"),
        (
            &["--target", "127.0.0.1:9", "--bind", "127.0.0.1:99999"],
            "--bind",
        ),
        (
            &["--target", "127.0.0.1:9", "--format", "villas.nope"],
            "unknown --format",
        ),
        (
            &["--target", "127.0.0.1:9", "--rate", "0Hz"],
            "must be positive",
        ),
        (&["--target", "127.0.0.1:9", "--rate", "fast"], "--rate"),
        (&["--target", "127.0.0.1:9", "--duration", "10"], "no unit"),
        (
            &["--target", "127.0.0.1:9", "--count", "0"],
            "nothing to measure",
        ),
        (
            &[
                "--target",
                "127.0.0.1:9",
                "--format",
                "gtnet",
                "--values",
                "400",
            ],
            "cannot carry",
        ),
        (
            &["--target", "[::1]:9", "--bind", "127.0.0.1:0"],
            "address famil",
        ),
        (&["--rate", "1kHz"], "--target"),
    ];
    for (args, message) in cases {
        let out = rtt(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains(message),
            "{args:?}: `{message}` not in:\n{stderr}"
        );
    }
}
