//! `sv-publisher` → `sv-subscriber` over a veth pair, with the real binary and the
//! shipped examples: two processes, zero loss, values equal within half the scaling
//! quantum, smpCnt derived from the sample time and wrapping at 4000; tshark dissects
//! a capture of the published frames without a malformed mark.
//!
//! Needs root (raw sockets, creating interfaces) and `ip`; prints `skipped: ...`
//! and passes otherwise. Each test creates its own uniquely named veth pair and
//! deletes it when done, also on failure.

mod common;

use common::{gridhil, node_counter, read_path, repo, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RATE: i64 = 4000;
const NANOS: i64 = 1_000_000_000;

/// A veth pair that is deleted when dropped.
struct VethPair {
    a: String,
    b: String,
}

impl VethPair {
    /// Creates and raises `gs<pid><tag>a` ↔ `gs<pid><tag>b`; `None` (with a skip
    /// message) without root or `ip`.
    fn create(tag: &str) -> Option<VethPair> {
        let uid = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            eprintln!("skipped: creating veth interfaces and raw sockets needs root");
            return None;
        }
        let id = std::process::id() % 100_000;
        let pair = VethPair {
            a: format!("gs{id}{tag}a"),
            b: format!("gs{id}{tag}b"),
        };
        let ip = |args: &[&str]| Command::new("ip").args(args).output();
        let _ = ip(&["link", "del", &pair.a]);
        match ip(&["link", "add", &pair.a, "type", "veth", "peer", "name", &pair.b]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                eprintln!(
                    "skipped: cannot create a veth pair: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                return None;
            }
            Err(e) => {
                eprintln!("skipped: `ip` cannot be run: {e}");
                return None;
            }
        }
        for name in [&pair.a, &pair.b] {
            let out = ip(&["link", "set", name, "up"]).expect("ip link set up");
            assert!(out.status.success(), "ip link set {name} up failed");
        }
        Some(pair)
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        // Deleting one end removes both.
        let _ = Command::new("ip").args(["link", "del", &self.a]).output();
    }
}

/// Waits until a packet socket for EtherType 0x88BA is bound to `interface`
/// (from /proc/net/packet: `sk RefCnt Type Proto Iface ...`, Proto in hex).
fn wait_sv_socket(interface: &str) -> bool {
    let index = std::fs::read_to_string(format!("/sys/class/net/{interface}/ifindex"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let table = std::fs::read_to_string("/proc/net/packet").unwrap_or_default();
        let bound = table.lines().skip(1).any(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            cols.get(3).is_some_and(|p| p.eq_ignore_ascii_case("88ba")) && cols.get(4) == Some(&index.as_str())
        });
        if bound {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// smpCnt of a sample at `ts`: its nearest sample instant within the second at 4000/s.
fn expected_smp_cnt(ts: i64) -> i64 {
    let within = ts.rem_euclid(NANOS);
    ((within * RATE + NANOS / 2) / NANOS) % RATE
}

#[test]
fn publisher_to_subscriber_over_veth_is_lossless_and_exact() {
    let Some(veth) = VethPair::create("x") else { return };
    let dir = tempfile::tempdir().unwrap();
    let rx_log = dir.path().join("rx.h5");
    let tx_log = dir.path().join("tx.h5");
    let subscriber = gridhil()
        .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.sub.interface={}", veth.b)])
        .args(["--duration", "9s", "--quiet", "--log", rx_log.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_sv_socket(&veth.b), "subscriber never opened its socket on {}", veth.b);
    // 3 s of samples at 4 kHz, smpCnt aligned to the second.
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", "nodes.gen.limit=12000"])
        .args(["--set", "nodes.mu1.smp_synch=global"])
        .args(["--set", "paths.0.log=true"])
        .args(["--quiet", "--log", tx_log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(publisher.status.success(), "publisher failed: {}", text(&publisher));
    let subscriber = subscriber.wait_with_output().unwrap();
    assert!(subscriber.status.success(), "subscriber failed: {}", text(&subscriber));

    assert_eq!(node_counter(&tx_log, "mu1", "frames_sent"), 12_000);
    assert_eq!(node_counter(&tx_log, "mu1", "send_errors"), 0);
    for counter in ["lost", "duplicates", "out_of_order", "malformed", "conf_rev_changes", "batch_overflow"] {
        assert_eq!(
            node_counter(&rx_log, "sub", counter),
            0,
            "subscriber counter {counter}: {}",
            text(&subscriber)
        );
    }
    assert_eq!(node_counter(&rx_log, "sub", "asdus"), 12_000);

    let sent = read_path(&tx_log, "mu1");
    let received = read_path(&rx_log, "sub");
    assert_eq!(sent.seq.len(), 12_000);
    assert_eq!(received.seq.len(), sent.seq.len(), "every sample arrives once");
    assert_eq!(
        received.signals,
        ["ia", "ib", "ic", "in", "va", "vb", "vc", "vn", "smp_cnt", "quality"]
    );
    let mut wraps = 0;
    for (i, (rx, tx)) in received.values.iter().zip(&sent.values).enumerate() {
        for (k, (got, want)) in rx.iter().zip(tx).take(8).enumerate() {
            let quantum = if k < 4 { 0.001 } else { 0.01 };
            assert!(
                (got - want).abs() <= quantum / 2.0 + 1e-9,
                "sample {i} channel {k}: received {got}, sent {want}"
            );
        }
        let smp_cnt = rx[8] as i64;
        assert_eq!(smp_cnt, expected_smp_cnt(sent.ts_origin[i]), "sample {i}: smpCnt");
        assert_eq!(rx[9], 0.0, "sample {i}: quality good");
        if i > 0 {
            let previous = received.values[i - 1][8] as i64;
            assert_eq!((previous + 1) % RATE, smp_cnt, "sample {i}: smpCnt steps by one");
            if smp_cnt == 0 {
                assert_eq!(previous, RATE - 1, "wraps at 4000");
                wraps += 1;
            }
            assert_eq!(received.seq[i], received.seq[i - 1] + 1, "running sample number");
        }
        // The subscriber rebuilds the sample instant from smpCnt (smpSynch global):
        // it is the sent instant rounded to the 250 µs grid of the second.
        let offset = (received.ts_origin[i] - sent.ts_origin[i]).rem_euclid(NANOS);
        assert!(
            offset <= NANOS / RATE / 2 || offset >= NANOS - NANOS / RATE / 2,
            "sample {i}: ts_origin {} vs sent {}",
            received.ts_origin[i],
            sent.ts_origin[i]
        );
        assert!(received.ts_received[i] > 0, "kernel receive timestamp");
    }
    assert!(wraps >= 2, "3 s of samples wrap smpCnt at least twice, saw {wraps}");
}

/// Whether tshark is installed (prints why not).
fn tshark_available() -> bool {
    match Command::new("tshark").arg("-v").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            eprintln!("skipped: tshark is not installed");
            false
        }
    }
}

/// Runs tshark on a capture file and returns its stdout lines.
fn tshark_read(file: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-o", "sv.decode_data_as_phsmeas:TRUE"])
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
}

#[test]
fn tshark_dissects_published_frames_without_malformed_marks() {
    if !tshark_available() {
        return;
    }
    let Some(veth) = VethPair::create("t") else { return };
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("sv.pcapng");
    let frames = 400;
    let mut tshark = Command::new("tshark")
        .args(["-n", "-i", &veth.b, "-f", "ether proto 0x88ba"])
        .args(["-c", &frames.to_string(), "-a", "duration:60", "-w"])
        .arg(&capture)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tshark");
    // tshark says "Capturing on '...'" once the capture is running.
    let stderr = tshark.stderr.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Capturing on") {
                let _ = ready_tx.send(());
            }
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        let _ = tshark.kill();
        eprintln!("skipped: tshark cannot capture on {}", veth.b);
        return;
    }
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", "nodes.gen.limit=2000", "--quiet"])
        .output()
        .unwrap();
    assert!(publisher.status.success(), "publisher failed: {}", text(&publisher));
    let status = tshark.wait().unwrap();
    assert!(status.success(), "tshark capture failed");

    let errors = tshark_read(&capture, &["-Y", "_ws.malformed || _ws.expert.severity >= error"]);
    assert!(errors.is_empty(), "tshark marks frames: {errors:?}");
    let fields = tshark_read(
        &capture,
        &[
            "-T", "fields", "-E", "separator=|", "-e", "sv.svID", "-e", "sv.appid", "-e", "vlan.priority", "-e",
            "sv.confRev", "-e", "sv.noASDU", "-e", "sv.smpCnt", "-e", "eth.dst",
        ],
    );
    assert_eq!(fields.len(), frames, "captured frames");
    let mut previous: Option<i64> = None;
    for line in &fields {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.first(), Some(&"GRIDHIL_MU01"), "{line}");
        assert_eq!(cols.get(1), Some(&"0x4000"), "{line}");
        assert_eq!(cols.get(2), Some(&"4"), "{line}");
        assert_eq!(cols.get(3), Some(&"1"), "{line}");
        assert_eq!(cols.get(4), Some(&"1"), "{line}");
        assert_eq!(cols.get(6), Some(&"01:0c:cd:04:00:01"), "{line}");
        let smp_cnt: i64 = cols.get(5).and_then(|c| c.parse().ok()).expect("smpCnt");
        if let Some(p) = previous {
            assert_eq!((p + 1) % RATE, smp_cnt, "consecutive smpCnt: {line}");
        }
        previous = Some(smp_cnt);
    }
}

#[test]
fn missing_interface_is_named_in_the_error() {
    let out = gridhil()
        .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
        .args(["--set", "nodes.sub.interface=ghsv-none0", "--duration", "1s", "--quiet"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("ghsv-none0"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}
