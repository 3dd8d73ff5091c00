//! GOOSE end to end with the real binary, the shipped examples and libiec61850
//! (pyiec61850-ng) over a veth pair, in both directions:
//! - libiec61850 publishes five states of a dataset with every basic type (boolean,
//!   quality, a structure of Dbpos and UtcTime, float32, int32, unsigned, float64) and
//!   gridhil's `goose-subscriber` logs one sample per state with each value as sent, counts
//!   every repeat, and reports the stream lost when the publisher stops (time allowed to
//!   live) — with no message missed, duplicated or malformed;
//! - gridhil's `goose-publisher` publishes a trip signal and libiec61850 receives every
//!   state with stNum/sqNum in sequence, the dataset's values, and the timeAllowedtoLive of
//!   the retransmission curve;
//! - the trip loop (`trip_loop.rs`): simulated fault → sampled values → a libiec61850 relay →
//!   GOOSE → the simulated breaker opens.
//!
//! Needs root (raw sockets, creating interfaces), `ip` and the peers in `.venv` (setup.sh);
//! prints `skipped: ...` and passes otherwise.

mod trip_loop;

use gridhil_test_support::net::VethPair;
use gridhil_test_support::process::{gridhil, repo, text};
use gridhil_test_support::python::python_with;
use gridhil_test_support::runlog::{node_counter, read_path, PathLog};
use gridhil_test_support::wait::packet_socket;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The venv's Python when it has libiec61850, else `None` (the test skips, saying why; a
/// failure under `GRIDHIL_STRICT_TESTS=1`).
fn python() -> Option<PathBuf> {
    python_with(&["pyiec61850.pyiec61850"])
}

fn veth_pair(tag: &str) -> Option<VethPair> {
    VethPair::create(tag)
        .map_err(|why| gridhil_test_support::skip(&why))
        .ok()
}

/// The value of `signal` in `row`.
fn value(rows: &PathLog, row: usize, signal: &str) -> f64 {
    rows.values[row][rows.column_index(signal)]
}

/// Waits until a packet socket for EtherType 0x88B8 is bound to `interface`.
fn wait_goose_socket(interface: &str) -> bool {
    packet_socket(interface, Some(0x88b8))
}

/// Forwards a child's stderr lines to a channel (and keeps them for failure messages).
fn stderr_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("piped stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads lines until one contains `needle` (at most 30 s); returns every line read.
fn wait_for_line(lines: &mpsc::Receiver<String>, needle: &str) -> (bool, Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return (true, seen);
                }
            }
            Err(_) => break,
        }
    }
    (false, seen)
}

fn interrupt(child: &Child) {
    // SAFETY: sending SIGINT to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
}

#[derive(serde::Deserialize)]
struct Published {
    st: u32,
    sq: u32,
    values: Vec<f64>,
}

const SUBSCRIBER_SIGNALS: [&str; 8] = ["trip", "q", "pos.stval", "pos.t", "i", "count", "n", "f64"];

#[test]
fn libiec61850_publisher_to_gridhil_subscriber() {
    let Some(python) = python() else { return };
    let Some(veth) = veth_pair("g") else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("rx.h5");
    let mut subscriber = gridhil()
        .args([
            "run",
            repo("examples/goose-subscribe.toml").to_str().unwrap(),
        ])
        .args(["--set", &format!("nodes.sub.interface={}", veth.b)])
        .args(["--log", log.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut subscriber);
    assert!(
        wait_goose_socket(&veth.b),
        "the subscriber never bound its socket"
    );

    const STATES: usize = 5;
    let publisher = Command::new(&python)
        .arg(repo("tests/goose/peers/goose_publisher.py"))
        .args([&veth.a, &STATES.to_string()])
        .output()
        .unwrap();
    assert!(publisher.status.success(), "peer: {}", text(&publisher));
    let sent: Vec<Published> = String::from_utf8_lossy(&publisher.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("peer line"))
        .collect();
    assert_eq!(sent.len(), STATES * 4);

    // The publisher has stopped: the stream must be reported lost within its 500 ms TAL.
    let (expired, seen) = wait_for_line(&lines, "tal_expired");
    interrupt(&subscriber);
    let out = subscriber.wait_with_output().unwrap();
    let all = format!("{}\n{}", seen.join("\n"), text(&out));
    assert!(expired, "no time-allowed-to-live warning: {all}");
    assert!(out.status.success(), "subscriber failed: {all}");

    let rows = read_path(&log, "sub");
    // One sample per state, then the lost stream.
    assert_eq!(rows.values.len(), STATES + 1, "{all}");
    for (state, row) in (0..STATES).zip(0..) {
        let first = &sent[state * 4];
        assert_eq!(
            (first.st, first.sq),
            (state as u32 + 1, 0),
            "the peer's own record"
        );
        let expected = &first.values;
        for (i, signal) in SUBSCRIBER_SIGNALS.iter().enumerate() {
            let got = value(&rows, row, signal);
            let want = expected[i];
            // i is a float32 on the wire; everything else is exact.
            let tolerance = if *signal == "i" { 1e-3 } else { 0.0 };
            assert!(
                (got - want).abs() <= tolerance,
                "state {state}: {signal} = {got}, libiec61850 sent {want}"
            );
        }
        assert_eq!(value(&rows, row, "st_num"), (state + 1) as f64);
        assert_eq!(value(&rows, row, "sq_num"), 0.0);
        assert_eq!(value(&rows, row, "valid"), 1.0);
        // ts_origin is the message's t (the change), before it was received.
        assert!(rows.ts_origin[row] > 0 && rows.ts_origin[row] <= rows.ts_received[row]);
    }
    assert_eq!(
        value(&rows, STATES, "valid"),
        0.0,
        "the last sample says: stream lost"
    );
    assert_eq!(value(&rows, STATES, "st_num"), STATES as f64);
    for (counter, value) in [
        ("messages", STATES * 4),
        ("new_states", STATES),
        ("repeats", STATES * 3),
        ("missed_messages", 0),
        ("missed_states", 0),
        ("duplicates", 0),
        ("out_of_order", 0),
        ("malformed", 0),
        ("dataset_mismatch", 0),
        ("conf_rev_mismatch", 0),
        ("tal_expired", 1),
        ("event_latency_count", STATES - 1),
    ] {
        assert_eq!(
            node_counter(&log, "sub", counter),
            value as u64,
            "counter {counter}: {all}"
        );
    }
}

#[derive(serde::Deserialize, Debug)]
struct Received {
    st: u32,
    sq: u32,
    tal: u32,
    conf_rev: u32,
    go_id: String,
    dat_set: String,
    valid: bool,
    nds_com: bool,
    test: bool,
    values: serde_json::Value,
}

#[test]
fn gridhil_publisher_to_libiec61850_subscriber() {
    let Some(python) = python() else { return };
    let Some(veth) = veth_pair("h") else { return };
    let mut peer = Command::new(&python)
        .arg(repo("tests/goose/peers/goose_subscriber.py"))
        .args([&veth.b, "GRIDHILTEST/LLN0$GO$trip"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(peer.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    assert_eq!(
        ready.trim(),
        "ready",
        "the libiec61850 subscriber did not start"
    );

    // 1 s of a 5 Hz square wave: the trip changes every 100 ms, ten states.
    let publisher = gridhil()
        .args(["run", repo("examples/goose-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.ptrc.interface={}", veth.a)])
        .args(["--set", "nodes.relay.limit=1000"])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher: {}",
        text(&publisher)
    );
    // Let the last frames arrive: the peer's socket has them once the sender returned;
    // closing stdin makes it stop and print.
    drop(peer.stdin.take());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let mut errors = String::new();
    if let Some(mut stderr) = peer.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut errors);
    }
    let status = peer.wait().unwrap();
    assert!(status.success(), "peer failed: {errors}");
    let got: Vec<Received> = rest
        .lines()
        .map(|l| serde_json::from_str(l).expect("peer line"))
        .collect();
    assert!(
        !got.is_empty(),
        "libiec61850 received nothing: {}",
        text(&publisher)
    );

    let mut states = 0;
    let mut last: Option<(u32, u32)> = None;
    for (i, m) in got.iter().enumerate() {
        assert!(m.valid && !m.nds_com && !m.test, "message {i}: {m:?}");
        assert_eq!((m.conf_rev, m.go_id.as_str()), (1, "GRIDHIL_TRIP"));
        assert_eq!(m.dat_set, "GRIDHILTEST/LLN0$Trip");
        match last {
            None => assert_eq!((m.st, m.sq), (1, 0), "the first message"),
            Some((st, sq)) if m.st == st => assert_eq!(m.sq, sq + 1, "message {i}: a repeat"),
            Some((st, _)) => assert_eq!((m.st, m.sq), (st + 1, 0), "message {i}: a new state"),
        }
        if m.sq == 0 {
            states += 1;
        }
        last = Some((m.st, m.sq));
        // The curve: first repeat after 2 ms, doubling up to the 1 s heartbeat; TAL is
        // twice the gap to the next frame.
        let gap_ms = (2u64 << m.sq.min(20)).min(1000);
        assert_eq!(u64::from(m.tal), 2 * gap_ms, "message {i}: {m:?}");
        // trip, quality, { magnitude }: state 1 trips, state 2 does not, …
        let trip = m.st % 2 == 1;
        let expected =
            serde_json::json!([trip, "0000000000000", [if trip { 1200.0 } else { 0.0 }]]);
        assert_eq!(m.values, expected, "message {i}");
    }
    assert_eq!(states, 10, "ten states in one second of a 5 Hz square wave");
}
