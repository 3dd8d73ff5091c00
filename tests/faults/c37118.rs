//! IEEE C37.118.2: the `pdc` node's PMU vanishes (SIGKILL) and comes back, sends garbage,
//! and stalls; the `pmu-server` node's clients send garbage, flood it with commands,
//! vanish mid-stream and stall (read nothing).
//!
//! What must happen: the PDC reconnects with its back-off (`reconnects`), counts what it
//! cannot decode (`decode_errors`, `crc_errors`) and drops a silent connection after
//! `silence`; every row it made (`rows`) is in the log. The PMU server counts bad commands
//! and dropped clients and keeps serving its good clients.

use crate::{every_accepted_sample_logged_but, finish, start, stop, HANG};
use gridhil_test_support::net::{free_tcp_port, free_udp_port};
use gridhil_test_support::prelude::{gridhil, node_counter, read_path, repo, ChildGuard};
use gridhil_test_support::wait::{tcp_port_listening, Lines};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

/// The pmu-server example on `tcp` (commands and data) and `udp`, for `duration`.
fn pmu_server(tcp: u16, duration: &str, log: Option<&Path>) -> ChildGuard {
    let udp = free_udp_port();
    let mut command = gridhil();
    command
        .arg("run")
        .arg(repo("examples/pmu-server.toml"))
        .args(["--duration", duration, "--set"])
        .arg(format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""))
        .arg("--set")
        .arg(format!("nodes.pmu.udp=\"127.0.0.1:{udp}\""));
    if let Some(log) = log {
        command.arg("--log").arg(log);
    }
    ChildGuard::spawn(&mut command)
}

/// A `pdc` node reading the pmu-server example's PMU at `port`.
fn pdc_config(port: u16, silence: &str) -> String {
    format!(
        r#"
[nodes.pdc]
type = "pdc"
connect = "127.0.0.1:{port}"
idcode = 1
phasors = ["va", "vb", "vc", "ia", "ib", "ic", "v1", "i1"]
freq = "freq"
rocof = "rocof"
backoff = "50ms"
max_backoff = "200ms"
silence = "{silence}"

[[paths]]
name = "pdc"
in = ["pdc"]
"#
    )
}

/// Every row the PDC made is in the log, except those it still held when the run
/// stopped (counted in `rows_unread`).
fn pdc_rows_logged(log: &Path) -> u64 {
    every_accepted_sample_logged_but(log, "pdc", "pdc", "rows", &["rows_unread"])
}

/// CRC-CCITT (poly 0x1021, initial 0xFFFF) of C37.118.2.
fn crc_ccitt(bytes: &[u8]) -> u16 {
    let mut crc = 0xFFFFu16;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// A C37.118.2 command frame to PMU `idcode` (2 = data on, 5 = send CFG-2).
fn command_frame(idcode: u16, command: u16) -> Vec<u8> {
    let mut frame = vec![0xAA, 0x41, 0x00, 18];
    frame.extend_from_slice(&idcode.to_be_bytes());
    frame.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    frame.extend_from_slice(&0u32.to_be_bytes());
    frame.extend_from_slice(&command.to_be_bytes());
    let crc = crc_ccitt(&frame);
    frame.extend_from_slice(&crc.to_be_bytes());
    frame
}

#[test]
fn pdc_reconnects_when_its_pmu_is_killed_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port();
    let (mut pdc, log) = start(dir.path(), "pdc-vanish", &pdc_config(port, "2s"), "60s");
    let mut lines = Lines::read(pdc.child().stderr.take().expect("piped stderr"));
    let mut first = pmu_server(port, "30s", None);
    // Wait until the PDC has taken rows from the first PMU...
    let mut before = 0;
    while before == 0 {
        before = crate::next_progress(&mut lines, "pdc");
    }
    // ...then the PMU vanishes without a word (SIGKILL: no FIN from a clean shutdown of
    // the run, the kernel closes the socket) and a new one comes up on the same port.
    let pid = i32::try_from(first.child().id()).expect("pid");
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = first.child().wait();
    let second = pmu_server(port, "2s", None);
    let second_out = finish(second, "second pmu-server");
    let out = stop(pdc, "pdc");
    assert!(node_counter(&log, "pdc", "reconnects") >= 1, "{out}");
    assert!(node_counter(&log, "pdc", "connects") >= 2, "{out}");
    assert_eq!(node_counter(&log, "pdc", "config_mismatch"), 0, "{out}");
    let rows = pdc_rows_logged(&log);
    assert!(
        rows > before + 10,
        "{rows} rows, {before} before the kill: the second PMU's rows are missing\n{out}\n{second_out}"
    );
}

#[test]
fn pdc_counts_garbage_and_drops_a_stalled_pmu() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (pdc, log) = start(dir.path(), "pdc-garbage", &pdc_config(port, "300ms"), "60s");
    // The fake PMU: garbage on the first connection, a frame with a bad CRC on the second,
    // then every later connection is accepted and never answered (a stalled peer).
    let peer = std::thread::spawn(move || {
        let mut held = Vec::new();
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { break };
            match i {
                0 => {
                    let mut state = 0x9E37_79B9_7F4A_7C15u64;
                    let noise: Vec<u8> = (0..4096)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            state as u8
                        })
                        .collect();
                    let _ = stream.write_all(&noise);
                    let _ = stream.shutdown(Shutdown::Both);
                }
                1 => {
                    let mut frame = command_frame(1, 2);
                    let last = frame.len() - 1;
                    frame[last] ^= 0xFF;
                    let _ = stream.write_all(&frame);
                    let _ = stream.shutdown(Shutdown::Both);
                }
                _ => held.push(stream),
            }
            if held.len() >= 2 {
                break; // the PDC dropped a silent connection and came back: enough
            }
        }
        held.len()
    });
    let held = peer.join().expect("the fake PMU");
    let out = stop(pdc, "pdc against garbage");
    assert!(
        held >= 2,
        "the silent PMU was never dropped and reconnected\n{out}"
    );
    let errors =
        node_counter(&log, "pdc", "decode_errors") + node_counter(&log, "pdc", "crc_errors");
    assert!(errors >= 1, "the garbage is counted\n{out}");
    assert!(node_counter(&log, "pdc", "reconnects") >= 3, "{out}");
    assert_eq!(pdc_rows_logged(&log), 0);
}

#[test]
fn pmu_server_keeps_serving_through_bad_clients() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port();
    let server_log = dir.path().join("pmu-server.h5");
    let server = pmu_server(port, "60s", Some(&server_log));
    assert!(
        tcp_port_listening(port),
        "the pmu-server never listened on {port}"
    );
    let connect = || {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the pmu-server");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    };
    // Garbage: the server answers nothing sensible and counts it.
    let mut garbage = connect();
    garbage.write_all(&[0x5A; 1000]).unwrap();
    let mut bad_crc = command_frame(1, 2);
    bad_crc[17] ^= 0xFF;
    garbage.write_all(&bad_crc).unwrap();
    // A flood of commands (CFG-2 requests, each answered) from a client that reads
    // nothing: a stalled peer at the same time.
    let mut flood = connect();
    for _ in 0..2000 {
        if flood.write_all(&command_frame(1, 5)).is_err() {
            break; // the server dropped the stalled flooder: allowed
        }
    }
    // A client that turns data on, takes some frames and vanishes mid-stream.
    let mut vanishing = connect();
    vanishing.write_all(&command_frame(1, 2)).unwrap();
    let mut buffer = [0u8; 64];
    vanishing
        .read_exact(&mut buffer)
        .expect("data frames after data on");
    drop(vanishing);
    // A good client still gets its data: our pdc.
    let (pdc, pdc_log) = start(dir.path(), "pdc-good", &pdc_config(port, "2s"), "3s");
    let pdc_out = finish(pdc, "the good pdc");
    let rows = pdc_rows_logged(&pdc_log);
    assert!(rows >= 20, "the good client got {rows} rows\n{pdc_out}");
    drop((garbage, flood));
    let out = stop(server, "pmu-server");
    assert!(
        node_counter(&server_log, "pmu", "bad_commands") >= 1,
        "{out}"
    );
    assert!(
        node_counter(&server_log, "pmu", "clients_accepted") >= 4,
        "{out}"
    );
    assert!(
        node_counter(&server_log, "pmu", "clients_dropped") >= 1,
        "{out}"
    );
    let logged = read_path(&server_log, "pmu").seq.len() as u64;
    let counter = |name| crate::path_counter(&server_log, "pmu", name);
    assert_eq!(
        logged + counter("hook_dropped") + counter("queue_dropped"),
        counter("received"),
        "the server's path logs every report its pmu hook made\n{out}"
    );
    assert_eq!(
        logged,
        node_counter(&server_log, "pmu", "frames_encoded"),
        "every logged report became a data frame\n{out}"
    );
}

#[test]
fn pdc_takes_a_flood_of_frames_and_then_a_stall() {
    let Some(python) = gridhil_test_support::python::python_with(&["synchrophasor"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port();
    let count = 5000u64;
    let mut peer = ChildGuard::spawn(
        gridhil_test_support::python::command(&python, "tests/faults/peers/flood_pmu.py")
            .arg(port.to_string())
            .arg(count.to_string())
            .arg("60"),
    );
    let mut peer_lines = Lines::read(peer.child().stdout.take().expect("piped stdout"));
    peer_lines
        .wait_for("ready", HANG)
        .unwrap_or_else(|| panic!("the flooding PMU did not start: {:?}", peer_lines.seen));
    let config = format!(
        r#"
[nodes.pdc]
type = "pdc"
connect = "127.0.0.1:{port}"
idcode = 1411
phasors = ["va", "vb", "vc", "i1"]
analogs = ["a1", "a2", "a3"]
digitals = ["breakers"]
silence = "60s"

[[paths]]
name = "pdc"
in = ["pdc"]
queue = 16384
"#
    );
    let (pdc, log) = start(dir.path(), "pdc-flood", &config, "60s");
    peer_lines
        .wait_for("sent", HANG)
        .unwrap_or_else(|| panic!("the PMU never flooded: {:?}", peer_lines.seen));
    // The stall: the PMU sends nothing more; wait until the PDC has taken the burst.
    let taken = gridhil_test_support::wait::until_true(HANG, || tcp_rx_queue_empty(port));
    assert!(taken, "the PDC never read the burst");
    let out = stop(pdc, "pdc flooded");
    let frames = node_counter(&log, "pdc", "data_frames");
    assert_eq!(
        frames, count,
        "every frame of the burst decoded (TCP loses none)\n{out}"
    );
    let rows = pdc_rows_logged(&log);
    let dropped = node_counter(&log, "pdc", "queue_full");
    assert!(rows > 0, "{out}");
    assert!(
        rows + dropped <= count,
        "{rows} rows + {dropped} queue_full of {count} frames\n{out}"
    );
}

/// Whether the TCP connection to 127.0.0.1:`port` is idle: the PMU's side has nothing left
/// to send (`tx_queue` 0) and the PDC's side has read what arrived (`rx_queue` 0), from
/// `/proc/net/tcp`.
fn tcp_rx_queue_empty(port: u16) -> bool {
    let address = format!("0100007F:{port:04X}");
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .all(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let queues = cols.get(4).copied().unwrap_or("");
            let (tx, rx) = queues.split_once(':').unwrap_or(("", ""));
            if cols.get(1) == Some(&address.as_str()) {
                tx == "00000000"
            } else if cols.get(2) == Some(&address.as_str()) {
                rx == "00000000"
            } else {
                true
            }
        })
}
