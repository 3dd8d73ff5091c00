//! Two gridhil processes over real UDP sockets on loopback, one per wire format: A sends a
//! signal, B receives and logs it to HDF5; B's sequence numbers and values equal A's.

mod common;

use common::{gridhil, read_path, text, write_config};
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits until a UDP port is bound on this host (read from /proc/net/udp{,6}, whose
/// second column is `ADDRESS:PORT` in hex).
fn wait_udp_bound(port: u16) -> bool {
    let port_hex = format!("{port:04X}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            let text = std::fs::read_to_string(table).unwrap_or_default();
            let bound = text
                .lines()
                .skip(1)
                .filter_map(|l| l.split_whitespace().nth(1))
                .any(|local| local.rsplit(':').next() == Some(port_hex.as_str()));
            if bound {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

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
        .args(["run", receiver.to_str().unwrap(), "--duration", "4s", "--quiet", "--log", b_log.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_udp_bound(port), "{}: receiver never bound port {port}", case.name);
    let a = gridhil()
        .args(["run", sender.to_str().unwrap(), "--quiet", "--log", a_log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(a.status.success(), "{}: sender failed: {}", case.name, text(&a));
    let b = b.wait_with_output().unwrap();
    assert!(b.status.success(), "{}: receiver failed: {}", case.name, text(&b));

    let sent = read_path(&a_log, "tx");
    let received = read_path(&b_log, "rx");
    assert_eq!(sent.seq.len(), 200);
    assert_eq!(received.seq.len(), sent.seq.len(), "{}: loss on loopback: {}", case.name, text(&b));
    if case.carries_seq {
        assert_eq!(received.seq, sent.seq, "{}: sequence numbers", case.name);
    }
    for (i, (r, s)) in received.values.iter().zip(&sent.values).enumerate() {
        for (k, (x, y)) in r.iter().zip(s).enumerate() {
            let tolerance = case.tolerance * y.abs().max(1.0);
            assert!((x - y).abs() <= tolerance, "{}: sample {i} value {k}: got {x}, sent {y}", case.name);
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
