//! `udp`: the sending peer vanishes and comes back (from another port), floods, sends
//! garbage, and stalls; the receiving peer of a sender vanishes and comes back.
//!
//! What must happen: the node keeps running; every datagram it decodes is a row in the
//! log (`samples_received` = path `received` = rows); garbage is counted (`malformed`,
//! `too_few_values`), never fatal; a flood may lose datagrams in the kernel's socket
//! buffer but never a sample the node accepted; with no peer at all the run ends at its
//! duration with an empty path.

use crate::{every_accepted_sample_logged, finish, start, stop, udp_drained};
use gridhil_test_support::net::free_udp_port;
use gridhil_test_support::prelude::{node_counter, read_path};
use gridhil_test_support::wait::{udp_port_bound, Lines};
use std::net::UdpSocket;
use std::time::Duration;

/// A `villas.binary` datagram of one sample.
pub fn villas_datagram(seq: u32, seconds: u32, values: &[f32]) -> Vec<u8> {
    let mut d = vec![0x20, 0x00];
    d.extend_from_slice(&(values.len() as u16).to_be_bytes());
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&seconds.to_be_bytes());
    d.extend_from_slice(&500u32.to_be_bytes());
    for v in values {
        d.extend_from_slice(&v.to_be_bytes());
    }
    d
}

/// A receiving `udp` node `rx` on `port` (4 values, villas.binary) logged by path `rx`.
pub fn receiver(port: u16, buffer: usize) -> String {
    format!(
        "[nodes.rx]\ntype = \"udp\"\nlocal = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\n\
         values = 4\nreceive_buffer = {buffer}\n\n[[paths]]\nname = \"rx\"\nin = [\"rx\"]\n"
    )
}

fn send(socket: &UdpSocket, port: u16, datagram: &[u8]) {
    socket
        .send_to(datagram, ("127.0.0.1", port))
        .expect("send a datagram on loopback");
}

/// Sends `count` good datagrams from `socket`, pausing briefly every 50 so that an 8 MiB
/// socket buffer never overflows on a loaded machine.
fn send_good(socket: &UdpSocket, port: u16, first_seq: u32, count: u32) {
    for i in 0..count {
        send(
            socket,
            port,
            &villas_datagram(first_seq + i, 1_700_000_000, &[1.0, 2.0, 3.0, 4.0]),
        );
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

#[test]
fn udp_peer_vanishes_and_comes_back_from_another_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (run, log) = start(dir.path(), "udp-vanish", &receiver(port, 8 << 20), "60s");
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let first = UdpSocket::bind("127.0.0.1:0").unwrap();
    send_good(&first, port, 0, 400);
    drop(first); // the peer vanishes (a gap, no farewell)...
    std::thread::sleep(Duration::from_millis(300));
    let second = UdpSocket::bind("127.0.0.1:0").unwrap(); // ...and comes back, restarted
    send_good(&second, port, 0, 400);
    assert!(udp_drained(port), "the node never read what was sent");
    let out = stop(run, "udp vanish/return");
    let rows = every_accepted_sample_logged(&log, "rx", "rx", "samples_received");
    assert_eq!(
        rows, 800,
        "every datagram of both lives of the peer is logged\n{out}"
    );
    let seq = read_path(&log, "rx").seq;
    assert_eq!(seq[399], 399);
    assert_eq!(
        seq[400], 0,
        "the restarted peer's sequence is logged as sent"
    );
}

#[test]
fn udp_flood_loses_nothing_that_was_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    // A small socket buffer: the flood must overflow it.
    let (run, log) = start(dir.path(), "udp-flood", &receiver(port, 65_536), "60s");
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let flood = 50_000u32;
    for i in 0..flood {
        send(
            &socket,
            port,
            &villas_datagram(i, 1_700_000_000, &[1.0, 2.0, 3.0, 4.0]),
        );
    }
    assert!(udp_drained(port), "the node never read what was sent");
    let out = stop(run, "udp flood");
    let rows = every_accepted_sample_logged(&log, "rx", "rx", "samples_received");
    assert!(
        rows > 0 && rows <= u64::from(flood),
        "{rows} rows of {flood}\n{out}"
    );
    // What the node took is in order: the kernel drops, it never reorders on loopback.
    let seq = read_path(&log, "rx").seq;
    assert!(seq.windows(2).all(|w| w[0] < w[1]), "rows out of order");
}

#[test]
fn udp_garbage_is_counted_and_good_datagrams_between_it_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (run, log) = start(dir.path(), "udp-garbage", &receiver(port, 8 << 20), "60s");
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut good = 0u64;
    for i in 0..1000u32 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let datagram = match i % 4 {
            0 => (0..(state % 200))
                .map(|k| (state >> (k % 56)) as u8)
                .collect(), // noise
            1 => vec![0x20, 0x00, 0xFF, 0xFF, 0, 0, 0, 1], // huge count
            2 => villas_datagram(i, 1_700_000_000, &[1.0]), // too few values
            _ => {
                good += 1;
                villas_datagram(i, 1_700_000_000, &[1.0, 2.0, 3.0, 4.0])
            }
        };
        send(&socket, port, &datagram);
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(udp_drained(port), "the node never read what was sent");
    let out = stop(run, "udp garbage");
    let rows = every_accepted_sample_logged(&log, "rx", "rx", "samples_received");
    assert!(rows >= good, "{rows} rows, {good} good datagrams\n{out}");
    let problems =
        node_counter(&log, "rx", "malformed") + node_counter(&log, "rx", "too_few_values");
    assert!(problems >= 500, "garbage counted: {problems}\n{out}");
    assert_eq!(node_counter(&log, "rx", "datagrams_received"), 1000);
}

#[test]
fn udp_silent_peer_leaves_an_empty_path_and_the_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (run, log) = start(dir.path(), "udp-stall", &receiver(port, 65_536), "1s");
    finish(run, "udp stall");
    assert_eq!(
        every_accepted_sample_logged(&log, "rx", "rx", "samples_received"),
        0
    );
}

#[test]
fn udp_sender_survives_its_receiver_vanishing_and_reaches_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let config = format!(
        "[nodes.gen]\ntype = \"signal\"\nrate = \"500Hz\"\nsignals = [{{ name = \"a\", waveform = \"counter\", amplitude = 1 }}]\n\n\
         [nodes.tx]\ntype = \"udp\"\nremote = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\n\n\
         [[paths]]\nname = \"tx\"\nin = [\"gen\"]\nout = [\"tx\"]\n"
    );
    let (mut run, log) = start(dir.path(), "udp-tx", &config, "60s");
    // Nobody listens for the first second (ICMP port unreachable on loopback).
    let stderr = run.child().stderr.take().expect("piped stderr");
    let mut lines = Lines::read(stderr);
    crate::next_progress(&mut lines, "tx");
    // The receiver comes (back).
    let socket = UdpSocket::bind(("127.0.0.1", port)).expect("bind the receiver's port");
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buffer = [0u8; 256];
    let got = socket
        .recv(&mut buffer)
        .expect("the sender reaches the receiver again");
    assert!(got >= 16);
    let out = stop(run, "udp sender");
    let sent = node_counter(&log, "tx", "datagrams_sent");
    let errors = node_counter(&log, "tx", "send_errors");
    let rows = read_path(&log, "tx").seq.len() as u64;
    assert_eq!(
        sent + errors,
        rows,
        "every logged sample was either sent or counted as a send error\n{out}"
    );
}
