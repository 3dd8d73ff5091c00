//! Two gridhil processes over real UDP sockets on loopback, one per wire format: A sends a
//! signal, B receives and logs it to HDF5; B's sequence numbers and values equal A's.

use gridhil_test_support::prelude::{gridhil, read_path, text, write_config};
use std::path::Path;
use std::time::Duration;

struct Case {
    name: &'static str,
    format: &'static str,
    carries_seq: bool,
    /// Relative tolerance of values on the wire (float32 formats).
    tolerance: f64,
}

fn exchange(case: &Case, port: u16, dir: &Path) {
    let receiver = write_config(
        dir,
        &format!("b-{}.toml", case.name),
        &format!(
            r#"
[nodes.rx]
type = "udp"
local = "127.0.0.1:{port}"
format = {format}
values = 4

[[paths]]
name = "rx"
in = ["rx"]
"#,
            format = case.format
        ),
    );
    let sender = write_config(
        dir,
        &format!("a-{}.toml", case.name),
        &format!(
            r#"
[nodes.gen]
type = "signal"
rate = "2kHz"
limit = 200
signals = [
  {{ name = "a", waveform = "sine", amplitude = 100.5, frequency = 50 }},
  {{ name = "b", waveform = "counter", amplitude = 1 }},
  {{ name = "c", waveform = "ramp", amplitude = 0.25, frequency = 10 }},
  {{ name = "d", waveform = "constant", amplitude = -3 }},
]

[nodes.tx]
type = "udp"
remote = "127.0.0.1:{port}"
format = {format}

[[paths]]
name = "tx"
in = ["gen"]
out = ["tx"]
"#,
            format = case.format
        ),
    );
    let b_log = dir.join(format!("b-{}.h5", case.name));
    let a_log = dir.join(format!("a-{}.h5", case.name));
    let b = gridhil()
        .args([
            "run",
            receiver.to_str().unwrap(),
            "--duration",
            "4s",
            "--quiet",
            "--log",
            b_log.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        gridhil_test_support::wait::udp_port_bound(port),
        "{}: receiver never bound port {port}",
        case.name
    );
    let a = gridhil()
        .args([
            "run",
            sender.to_str().unwrap(),
            "--quiet",
            "--log",
            a_log.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        a.status.success(),
        "{}: sender failed: {}",
        case.name,
        text(&a)
    );
    let b = b.wait_with_output().unwrap();
    assert!(
        b.status.success(),
        "{}: receiver failed: {}",
        case.name,
        text(&b)
    );

    let sent = read_path(&a_log, "tx");
    let received = read_path(&b_log, "rx");
    assert_eq!(sent.seq.len(), 200);
    assert_eq!(
        received.seq.len(),
        sent.seq.len(),
        "{}: loss on loopback: {}",
        case.name,
        text(&b)
    );
    if case.carries_seq {
        assert_eq!(received.seq, sent.seq, "{}: sequence numbers", case.name);
    }
    for (i, (r, s)) in received.values.iter().zip(&sent.values).enumerate() {
        for (k, (x, y)) in r.iter().zip(s).enumerate() {
            let tolerance = case.tolerance * y.abs().max(1.0);
            assert!(
                (x - y).abs() <= tolerance,
                "{}: sample {i} value {k}: got {x}, sent {y}",
                case.name
            );
        }
    }
}

#[test]
fn every_format_carries_samples_between_two_processes() {
    let cases = [
        Case { name: "villas_binary", format: "\"villas.binary\"", carries_seq: true, tolerance: 1e-6 },
        Case { name: "villas_web", format: "\"villas.web\"", carries_seq: true, tolerance: 1e-6 },
        Case { name: "villas_human", format: "\"villas.human\"", carries_seq: true, tolerance: 0.0 },
        Case { name: "gtnet", format: "\"gtnet\"", carries_seq: false, tolerance: 1e-6 },
        Case { name: "gtnet_fake", format: "{ type = \"gtnet\", fake = true }", carries_seq: true, tolerance: 1e-6 },
        Case { name: "raw64", format: "{ type = \"raw\", bits = 64, endian = \"big\", values = \"float\", header = [\"sequence\", \"seconds\", \"nanoseconds\"] }", carries_seq: true, tolerance: 0.0 },
        Case { name: "opal", format: "\"opal.asyncip\"", carries_seq: false, tolerance: 0.0 },
        Case { name: "csv", format: "\"csv\"", carries_seq: true, tolerance: 0.0 },
        Case { name: "json", format: "\"json\"", carries_seq: true, tolerance: 0.0 },
    ];
    let dir = tempfile::tempdir().unwrap();
    std::thread::scope(|scope| {
        for (i, case) in cases.iter().enumerate() {
            let dir = dir.path();
            scope.spawn(move || exchange(case, 23_100 + i as u16, dir));
        }
    });
}

fn villas_datagram(seq: u32, values: &[f32]) -> Vec<u8> {
    let mut d = vec![0x20, 0x00];
    d.extend_from_slice(&(values.len() as u16).to_be_bytes());
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    d.extend_from_slice(&500u32.to_be_bytes());
    for v in values {
        d.extend_from_slice(&v.to_be_bytes());
    }
    d
}

#[test]
fn malformed_and_short_datagrams_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let port = 23_090;
    let config = write_config(
        dir.path(),
        "rx.toml",
        &format!("[nodes.rx]\ntype = \"udp\"\nlocal = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\nvalues = 4\nreceive_buffer = 8388608\n\n[[paths]]\nname = \"rx\"\nin = [\"rx\"]\n"),
    );
    let log = dir.path().join("rx.h5");
    let rx = gridhil()
        .args([
            "run",
            config.to_str().unwrap(),
            "--duration",
            "3s",
            "--quiet",
            "--log",
            log.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(gridhil_test_support::wait::udp_port_bound(port));
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let good = villas_datagram(7, &[1.0, 2.0, 3.0, 4.0]);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut sent_good = 0;
    for i in 0..1500u32 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let datagram = match i % 5 {
            0 => good[..(state as usize) % good.len()].to_vec(), // truncated
            1 => villas_datagram(i, &[1.0, 2.0]),                // too few values
            2 => (0..(state % 64))
                .map(|k| (state >> (k % 8)) as u8)
                .collect(), // noise
            3 => {
                let mut d = good.clone();
                let at = (state as usize) % d.len();
                d[at] ^= 0xFF;
                d
            }
            _ => {
                sent_good += 1;
                villas_datagram(i, &[1.0, 2.0, 3.0, 4.0])
            }
        };
        socket.send_to(&datagram, ("127.0.0.1", port)).unwrap();
        if i % 10 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let out = rx.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("malformed") || stderr.contains("too_few_values"),
        "a warning names the problem: {stderr}"
    );
    let file = hdf5::File::open(&log).unwrap();
    let node = file.group("nodes/rx").unwrap();
    let counter = |name: &str| node.attr(name).unwrap().read_scalar::<u64>().unwrap();
    assert!(
        counter("too_few_values") >= 300,
        "every short datagram is counted as such"
    );
    assert!(counter("malformed") > 0);
    let rows = read_path(&log, "rx").seq.len() as u64;
    // Mutated datagrams may still be valid samples; every good one arrives.
    assert!(
        rows >= sent_good,
        "{rows} rows, {sent_good} good datagrams sent"
    );
    assert_eq!(counter("datagrams_received"), 1500);
}
