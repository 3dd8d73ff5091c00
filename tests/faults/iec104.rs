//! IEC 60870-5-104: the `iec104-server` node's master (a raw TCP master in the test)
//! sends garbage, floods it with test frames, vanishes mid-transfer and comes back, and
//! stalls (starts the transfer, then neither reads nor acknowledges).
//!
//! What must happen: garbage closes that connection and is counted (`malformed` or
//! `protocol_errors`); a flood of TESTFR act is answered or cut, never fatal; a vanished
//! master is counted (`disconnects`) and a new one is served; a stalled master gets at most
//! k unacknowledged I frames and is dropped after t1; the path serving the points logs
//! every sample it took, and the run ends cleanly at its duration.

use crate::{path_counter, start, stop};
use gridhil_test_support::net::free_tcp_port;
use gridhil_test_support::prelude::{node_counter, read_path};
use gridhil_test_support::wait::tcp_port_listening;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const STARTDT_ACT: [u8; 6] = [0x68, 0x04, 0x07, 0x00, 0x00, 0x00];
const TESTFR_ACT: [u8; 6] = [0x68, 0x04, 0x43, 0x00, 0x00, 0x00];

fn config(port: u16) -> String {
    std::fs::read_to_string(gridhil_test_support::prelude::repo(
        "hil/compliance/iec104-server.toml",
    ))
    .expect("the iec104-server compliance example")
    .replace("{port0}", &port.to_string())
    .replace(
        "common_address = 1",
        "common_address = 1\nt1 = \"1s\"\nt2 = \"500ms\"\nk = 12",
    )
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the outstation");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// Reads APDUs until `count` I frames arrived; returns them (the STARTDT con included).
fn read_i_frames(stream: &mut TcpStream, count: usize) -> usize {
    let mut seen = 0;
    let mut header = [0u8; 2];
    while seen < count {
        stream
            .read_exact(&mut header)
            .expect("an APDU from the outstation");
        assert_eq!(header[0], 0x68, "start byte");
        let mut body = vec![0u8; usize::from(header[1])];
        stream.read_exact(&mut body).expect("the APDU's body");
        if body[0] & 0x01 == 0 {
            seen += 1;
        }
    }
    seen
}

/// Reads until the outstation closes the connection (or 30 s pass); true when it closed.
fn closed_by_peer(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn iec104_server_survives_garbage_floods_vanishing_and_stalled_masters() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port();
    let (server, log) = start(dir.path(), "iec104", &config(port), "60s");
    assert!(
        tcp_port_listening(port),
        "the outstation never listened on {port}"
    );

    // Garbage: the connection is closed.
    let mut garbage = connect(port);
    garbage
        .write_all(&[0x68, 0xFF, 0x13, 0x37, 0x00, 0x01, 0x02, 0x03])
        .unwrap();
    garbage.write_all(&[0x55; 600]).unwrap();
    assert!(
        closed_by_peer(&mut garbage),
        "garbage must close the connection"
    );

    // A flood of test frames: answered (TESTFR con) or cut, never fatal.
    let mut flood = connect(port);
    let frames: Vec<u8> = TESTFR_ACT.iter().copied().cycle().take(6 * 5000).collect();
    let _ = flood.write_all(&frames);
    drop(flood);

    // A master that starts the transfer, takes some I frames and vanishes...
    let mut vanishing = connect(port);
    vanishing.write_all(&STARTDT_ACT).unwrap();
    read_i_frames(&mut vanishing, 5);
    drop(vanishing);
    // ...and comes back: served again.
    let mut back = connect(port);
    back.write_all(&STARTDT_ACT).unwrap();
    assert_eq!(
        read_i_frames(&mut back, 5),
        5,
        "a returning master is served"
    );
    drop(back);

    // A stalled master: STARTDT, then no acknowledgement: at most k = 12 I frames, then
    // the outstation drops it after t1 (1 s).
    let mut stalled = connect(port);
    stalled.write_all(&STARTDT_ACT).unwrap();
    let mut received = Vec::new();
    let closed = loop {
        let mut buffer = [0u8; 4096];
        match stalled.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    assert!(
        closed,
        "a master that never acknowledges is dropped after t1"
    );
    let mut i_frames = 0;
    let mut at = 0;
    while at + 2 <= received.len() {
        let len = usize::from(received[at + 1]);
        if at + 2 < received.len() && received[at + 2] & 0x01 == 0 {
            i_frames += 1;
        }
        at += 2 + len;
    }
    assert!(
        i_frames <= 12,
        "{i_frames} unacknowledged I frames sent, k = 12"
    );

    let out = stop(server, "iec104-server");
    let errors =
        node_counter(&log, "rtu", "malformed") + node_counter(&log, "rtu", "protocol_errors");
    assert!(errors >= 1, "garbage counted\n{out}");
    assert!(node_counter(&log, "rtu", "connections") >= 5, "{out}");
    assert!(node_counter(&log, "rtu", "disconnects") >= 4, "{out}");
    let rows = read_path(&log, "serve").seq.len() as u64;
    assert_eq!(
        rows + path_counter(&log, "serve", "queue_dropped"),
        path_counter(&log, "serve", "received"),
        "the serving path logs every sample it took\n{out}"
    );
}
