//! `sv-publisher` → `sv-subscriber` over a veth pair, with the real binary and the
//! shipped examples: two processes, zero loss, values equal within half the scaling
//! quantum, smpCnt derived from the sample time and wrapping at 4000; tshark dissects
//! a capture of the published frames without a malformed mark; the grid simulator's
//! outputs published as sampled values.
//!
//! Needs root (raw sockets, creating interfaces) and `ip`; prints `skipped: ...`
//! and passes otherwise. Each test creates its own uniquely named veth pair and
//! deletes it when done, also on failure.

use gridhil_test_support::net::VethPair;
use gridhil_test_support::prelude::{gridhil, node_counter, python_with, read_path, repo, text};
use gridhil_test_support::wait;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const RATE: i64 = 4000;
const NANOS: i64 = 1_000_000_000;

/// A veth pair for this test, or `None` (with a skip message) where it cannot be made.
fn veth_pair(tag: &str) -> Option<VethPair> {
    VethPair::create(tag)
        .map_err(|why| gridhil_test_support::skip(&why))
        .ok()
}

/// Starts `examples/sv-subscribe.toml` on `interface` for at most `duration`, logging to
/// `log`, and waits until its socket is bound. Its queue holds 4 s of samples: a loaded
/// CI machine may stall a process for a while (the default 1024 would drop after 256 ms).
fn start_subscriber(interface: &str, duration: &str, log: &Path) -> std::process::Child {
    let subscriber = gridhil()
        .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.sub.interface={interface}")])
        .args(["--set", "paths.0.queue=16384"])
        .args(["--duration", duration, "--log", log.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        sv_socket_bound(interface),
        "subscriber never opened its socket on {interface}"
    );
    subscriber
}

/// smpCnt of a sample at `ts`: its nearest sample instant within the second at 4000/s.
fn expected_smp_cnt(ts: i64) -> i64 {
    let within = ts.rem_euclid(NANOS);
    ((within * RATE + NANOS / 2) / NANOS) % RATE
}

#[test]
fn publisher_to_subscriber_over_veth_is_lossless_and_exact() {
    let Some(veth) = veth_pair("x") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rx_log = dir.path().join("rx.h5");
    let tx_log = dir.path().join("tx.h5");
    let subscriber = start_subscriber(&veth.b, "17s", &rx_log);
    // 10 s of samples at 4 kHz (the issue's acceptance run), smpCnt aligned to the second.
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", "nodes.gen.limit=40000"])
        .args(["--set", "nodes.mu1.smp_synch=global"])
        .args(["--set", "paths.0.log=true", "--set", "paths.0.queue=16384"])
        .args(["--log", tx_log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher failed: {}",
        text(&publisher)
    );
    let subscriber = subscriber.wait_with_output().unwrap();
    assert!(
        subscriber.status.success(),
        "subscriber failed: {}",
        text(&subscriber)
    );

    let summaries = format!(
        "publisher: {}\nsubscriber: {}",
        text(&publisher),
        text(&subscriber)
    );
    assert_eq!(
        node_counter(&tx_log, "mu1", "frames_sent"),
        40_000,
        "{summaries}"
    );
    assert_eq!(
        node_counter(&tx_log, "mu1", "send_errors"),
        0,
        "{summaries}"
    );
    for counter in [
        "lost",
        "duplicates",
        "out_of_order",
        "malformed",
        "conf_rev_changes",
        "batch_overflow",
    ] {
        assert_eq!(
            node_counter(&rx_log, "sub", counter),
            0,
            "subscriber counter {counter}: {summaries}"
        );
    }
    assert_eq!(node_counter(&rx_log, "sub", "asdus"), 40_000, "{summaries}");

    let sent = read_path(&tx_log, "mu1");
    let received = read_path(&rx_log, "sub");
    assert_eq!(sent.seq.len(), 40_000);
    assert_eq!(
        received.seq.len(),
        sent.seq.len(),
        "every sample arrives once"
    );
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
        assert_eq!(
            smp_cnt,
            expected_smp_cnt(sent.ts_origin[i]),
            "sample {i}: smpCnt"
        );
        assert_eq!(rx[9], 0.0, "sample {i}: quality good");
        if i > 0 {
            let previous = received.values[i - 1][8] as i64;
            assert_eq!(
                (previous + 1) % RATE,
                smp_cnt,
                "sample {i}: smpCnt steps by one"
            );
            if smp_cnt == 0 {
                assert_eq!(previous, RATE - 1, "wraps at 4000");
                wraps += 1;
            }
            assert_eq!(
                received.seq[i],
                received.seq[i - 1] + 1,
                "running sample number"
            );
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
    assert!(
        wraps >= 2,
        "3 s of samples wrap smpCnt at least twice, saw {wraps}"
    );
}

/// The grid simulator as a merging unit: the feeder of examples/grids/feeder10.toml in real
/// time (50 µs step, every 5th step published = 4000 samples/s, 100 ms lookahead) →
/// `sv-publisher` (9-2LE) → veth → `sv-subscriber`. Channels: the grid infeed currents,
/// the fault current at mv4 (in the neutral-current slot: the earth-fault current), the
/// mv0 phase voltages and mv4's phase-a voltage (in the neutral-voltage slot). Every sample
/// arrives once with the simulated values within half the scaling quantum, and the fault
/// at 0.3 s is in the received stream.
#[test]
fn gridsim_feeds_the_sv_publisher() {
    let Some(veth) = veth_pair("g") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rx_log = dir.path().join("rx.h5");
    let tx_log = dir.path().join("tx.h5");
    let config = dir.path().join("grid-sv.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[engine]
realtime = {{ priority = 80, lock_memory = true }}

[nodes.grid]
type = "gridsim"
model = "{model}"
step = "50us"
decimation = 5
lookahead = "100ms"
outputs = ["grid.ia", "grid.ib", "grid.ic", "f4.ia", "mv0.va", "mv0.vb", "mv0.vc", "mv4.va"]

[nodes.mu1]
type = "sv-publisher"
interface = "{interface}"
sv_id = "GRIDSIM_MU01"
app_id = 0x4000
dst = "01:0C:CD:04:00:01"
profile = "9-2LE"
samples_per_cycle = 80
frequency = 50
smp_synch = "global"

[[paths]]
name = "grid"
in = ["grid"]
out = ["mu1"]
queue = 16384
"#,
            model = repo("examples/grids/feeder10.toml").display(),
            interface = veth.a,
        ),
    )
    .unwrap();
    let subscriber = start_subscriber(&veth.b, "12s", &rx_log);
    let publisher = gridhil()
        .args(["run", config.to_str().unwrap(), "--duration", "1s"])
        .args(["--log", tx_log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher: {}",
        text(&publisher)
    );
    // The last frames are on the wire: once the subscriber's socket has read them all, it
    // stops on SIGINT (what it read reaches its log).
    assert!(
        wait::packet_sockets_drained(&veth.b, Some(0x88ba)),
        "the subscriber never drained its socket"
    );
    let _ = Command::new("kill")
        .args(["-INT", &subscriber.id().to_string()])
        .status();
    let subscriber = subscriber.wait_with_output().unwrap();
    assert!(
        subscriber.status.success(),
        "subscriber: {}",
        text(&subscriber)
    );
    let summaries = format!(
        "publisher: {}\nsubscriber: {}",
        text(&publisher),
        text(&subscriber)
    );

    let sent = read_path(&tx_log, "grid");
    let received = read_path(&rx_log, "sub");
    assert_eq!(sent.seq.len(), 4000, "1 s at 4 kHz: {summaries}");
    assert_eq!(sent.seq, (0..4000).collect::<Vec<u64>>(), "no gap");
    assert_eq!(
        node_counter(&tx_log, "mu1", "frames_sent"),
        4000,
        "{summaries}"
    );
    for counter in ["lost", "duplicates", "out_of_order", "malformed"] {
        assert_eq!(
            node_counter(&rx_log, "sub", counter),
            0,
            "subscriber counter {counter}: {summaries}"
        );
    }
    assert_eq!(
        received.seq.len(),
        4000,
        "every sample arrives once: {summaries}"
    );
    for (i, (rx, tx)) in received.values.iter().zip(&sent.values).enumerate() {
        for (k, (got, want)) in rx.iter().zip(tx).take(8).enumerate() {
            let quantum = if k < 4 { 0.001 } else { 0.01 };
            assert!(
                (got - want).abs() <= quantum / 2.0 + 1e-9,
                "sample {i} channel {k}: received {got}, simulated {want}"
            );
        }
        assert_eq!(
            rx[8] as i64,
            expected_smp_cnt(sent.ts_origin[i]),
            "sample {i}: smpCnt"
        );
    }
    // The simulated feeder, as received: 20 kV-class voltages, and the earth-fault current
    // only from the fault at 0.3 s (sample 1200) until the breaker opens.
    let peak = |channel: usize, from: usize, to: usize| {
        received.values[from..to]
            .iter()
            .map(|row| row[channel].abs())
            .fold(0.0, f64::max)
    };
    let mv0_peak = peak(4, 0, 1000);
    assert!(
        (15_000.0..17_500.0).contains(&mv0_peak),
        "mv0 phase-a peak {mv0_peak} V"
    );
    assert!(peak(3, 0, 1190) < 1.0, "no fault current before 0.3 s");
    assert!(peak(3, 1210, 1400) > 500.0, "fault current after 0.3 s");
}

/// The kernel drops the 802.1Q tag of SV frames before an 0x88BA-bound socket sees
/// them; with `vlan_id` the subscriber binds ETH_P_ALL and reads the tag from
/// PACKET_AUXDATA: VLAN 0 (the example's tag) passes, VLAN 7 is filtered out.
#[test]
fn vlan_filter_reads_the_tag_the_kernel_strips() {
    let Some(veth) = veth_pair("v") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let spawn = |vid: u16| {
        let log = dir.path().join(format!("vid{vid}.h5"));
        let child = gridhil()
            .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
            .args(["--set", &format!("nodes.sub.interface={}", veth.b)])
            .args(["--set", &format!("nodes.sub.vlan_id={vid}")])
            .args([
                "--duration",
                "6s",
                "--quiet",
                "--log",
                log.to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        (child, log)
    };
    let (matching, matching_log) = spawn(0);
    let (other, other_log) = spawn(7);
    assert!(
        wait::packet_sockets_bound(&veth.b, 2),
        "the two subscribers never bound their sockets"
    );
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", "nodes.gen.limit=400", "--quiet"])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher failed: {}",
        text(&publisher)
    );
    for child in [matching, other] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "subscriber failed: {}", text(&out));
    }
    assert_eq!(node_counter(&matching_log, "sub", "asdus"), 400);
    assert_eq!(node_counter(&matching_log, "sub", "filtered"), 0);
    assert_eq!(node_counter(&matching_log, "sub", "lost"), 0);
    assert_eq!(node_counter(&other_log, "sub", "asdus"), 0);
    assert_eq!(node_counter(&other_log, "sub", "filtered"), 400);
}

/// Runs tshark on a capture file and returns its stdout lines.
fn tshark_read(file: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-o", "sv.decode_data_as_phsmeas:TRUE"];
    all.extend_from_slice(args);
    gridhil_test_support::tshark::read(file, &all)
}

#[test]
fn tshark_dissects_published_frames_without_malformed_marks() {
    if !gridhil_test_support::tshark::available() {
        return;
    }
    let Some(veth) = veth_pair("t") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("sv.pcapng");
    let frames = 400;
    let mut tshark = Command::new("tshark")
        // A 64 MiB capture buffer: a busy CI machine must not make dumpcap drop frames.
        .args(["-n", "-i", &veth.b, "-B", "64", "-f", "ether proto 0x88ba"])
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
        let _ = tshark.wait();
        gridhil_test_support::skip(&format!("tshark cannot capture on {}", veth.b));
        return;
    }
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", "nodes.gen.limit=2000", "--quiet"])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher failed: {}",
        text(&publisher)
    );
    let status = tshark.wait().unwrap();
    assert!(status.success(), "tshark capture failed");

    let errors = tshark_read(
        &capture,
        &["-Y", "_ws.malformed || _ws.expert.severity >= error"],
    );
    assert!(errors.is_empty(), "tshark marks frames: {errors:?}");
    let fields = tshark_read(
        &capture,
        &[
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "sv.svID",
            "-e",
            "sv.appid",
            "-e",
            "vlan.priority",
            "-e",
            "sv.confRev",
            "-e",
            "sv.noASDU",
            "-e",
            "sv.smpCnt",
            "-e",
            "eth.dst",
        ],
    );
    assert_eq!(fields.len(), frames, "captured frames");
    // libpcap opens its socket before binding it to the interface, so a frame of a
    // libiec61850 peer running beside this test may slip in: check ours.
    let ours: Vec<&String> = fields
        .iter()
        .filter(|line| line.starts_with("GRIDHIL_MU01|"))
        .collect();
    assert!(ours.len() + 10 >= frames, "captured {} of ours", ours.len());
    let mut previous: Option<i64> = None;
    for line in ours {
        let cols: Vec<&str> = line.split('|').collect();
        assert_eq!(cols.get(1), Some(&"0x4000"), "{line}");
        assert_eq!(cols.get(2), Some(&"4"), "{line}");
        assert_eq!(cols.get(3), Some(&"1"), "{line}");
        assert_eq!(cols.get(4), Some(&"1"), "{line}");
        assert_eq!(cols.get(6), Some(&"01:0c:cd:04:00:01"), "{line}");
        let smp_cnt: i64 = cols.get(5).and_then(|c| c.parse().ok()).expect("smpCnt");
        if let Some(p) = previous {
            assert_eq!(
                (p + 1) % RATE,
                smp_cnt,
                "consecutive smpCnt: {line}\npublisher: {}",
                text(&publisher)
            );
        }
        previous = Some(smp_cnt);
    }
}

#[test]
fn examples_pass_the_config_check() {
    for (file, node) in [
        ("examples/sv-publish.toml", "mu1"),
        ("examples/sv-subscribe.toml", "sub"),
    ] {
        let out = gridhil()
            .args(["check", repo(file).to_str().unwrap()])
            .args(["--set", &format!("nodes.{node}.interface=eth1")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{file}: {}", text(&out));
    }
}

#[test]
fn missing_interface_is_named_in_the_error() {
    let out = gridhil()
        .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
        .args([
            "--set",
            "nodes.sub.interface=ghsv-none0",
            "--duration",
            "1s",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let message = text(&out);
    assert!(message.contains("ghsv-none0"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn libiec61850_publisher_to_our_subscriber() {
    let Some(python) = python_with(&["pyiec61850.pyiec61850"]) else {
        return;
    };
    let Some(veth) = veth_pair("p") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rx_log = dir.path().join("rx.h5");
    let subscriber = gridhil()
        .args(["run", repo("examples/sv-subscribe.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.sub.interface={}", veth.b)])
        .args([
            "--set",
            "nodes.sub.sv_id=TESTMU0101",
            "--set",
            "paths.0.queue=16384",
        ])
        .args([
            "--duration",
            "8s",
            "--quiet",
            "--log",
            rx_log.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        sv_socket_bound(&veth.b),
        "subscriber never opened its socket"
    );
    let frames = 1000;
    let publisher = Command::new(&python)
        .arg(gridhil_test_support::python::script(
            "tests/sv/peers/libiec61850_publisher.py",
        ))
        .args([&veth.a, &frames.to_string()])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "libiec61850 publisher: {}",
        text(&publisher)
    );
    let subscriber = subscriber.wait_with_output().unwrap();
    assert!(
        subscriber.status.success(),
        "subscriber failed: {}",
        text(&subscriber)
    );
    for counter in [
        "lost",
        "duplicates",
        "out_of_order",
        "malformed",
        "filtered",
    ] {
        assert_eq!(
            node_counter(&rx_log, "sub", counter),
            0,
            "counter {counter}"
        );
    }
    let received = read_path(&rx_log, "sub");
    assert_eq!(
        received.seq.len(),
        frames,
        "every libiec61850 frame decoded once"
    );
    let phases = [0.0, -2.094, 2.094];
    for (k, row) in received.values.iter().enumerate() {
        let th = 2.0 * std::f64::consts::PI * 50.0 * k as f64 / 4000.0;
        let mut expected = [0i64; 8];
        for (i, p) in phases.iter().enumerate() {
            expected[i] = (1000.0 * (th + p).sin()) as i64;
            expected[4 + i] = (10000.0 * (th + p).sin()) as i64;
        }
        for (c, want) in expected.iter().enumerate() {
            let scale = if c < 4 { 0.001 } else { 0.01 };
            let raw = (row[c] / scale).round() as i64;
            // One LSB of slack for libm differences at truncation boundaries.
            assert!(
                (raw - want).abs() <= 1,
                "frame {k} channel {c}: {raw} vs {want}"
            );
        }
        assert_eq!(row[8] as usize, k % 4000, "frame {k}: smpCnt");
        assert_eq!(row[9], 0.0, "frame {k}: quality");
    }
}

#[test]
fn our_publisher_to_libiec61850_subscriber() {
    let Some(python) = python_with(&["pyiec61850.pyiec61850"]) else {
        return;
    };
    let Some(veth) = veth_pair("q") else {
        return;
    };
    let mut peer = Command::new(&python)
        .arg(gridhil_test_support::python::script(
            "tests/sv/peers/libiec61850_subscriber.py",
        ))
        .args([&veth.b, "6"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(peer.stdout.take().unwrap()).lines();
    let ready = lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(ready, "ready", "libiec61850 subscriber did not start");
    assert!(
        wait::packet_socket(&veth.b, None),
        "libiec61850 receiver never opened a socket"
    );
    // 1 kHz samples with a free-running smpCnt 0, 1, 2, ...: slow enough for a Python listener.
    let dir = tempfile::tempdir().unwrap();
    let tx_log = dir.path().join("tx.h5");
    let publisher = gridhil()
        .args(["run", repo("examples/sv-publish.toml").to_str().unwrap()])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args([
            "--set",
            "nodes.gen.rate=1kHz",
            "--set",
            "nodes.gen.limit=1000",
        ])
        .args([
            "--set",
            "nodes.mu1.smp_synch=none",
            "--set",
            "paths.0.log=true",
        ])
        .args(["--quiet", "--log", tx_log.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        publisher.status.success(),
        "publisher failed: {}",
        text(&publisher)
    );
    let json = lines.next().and_then(Result::ok).unwrap_or_default();
    let status = peer.wait().unwrap();
    assert!(status.success(), "libiec61850 subscriber failed");
    let sent = read_path(&tx_log, "mu1");
    let all = parse_peer_frames(&json);
    // libiec61850's receiver opens its socket for every interface before binding it
    // to one, so it may see a few frames of other tests' peers: keep ours.
    let frames: Vec<_> = all.iter().filter(|f| f.0 == "GRIDHIL_MU01").collect();
    assert!(
        !frames.is_empty(),
        "libiec61850 received nothing of ours: {json:.200}"
    );
    eprintln!(
        "libiec61850 received {} of {} frames ({} foreign)",
        frames.len(),
        sent.seq.len(),
        all.len() - frames.len()
    );
    for (_, smp_cnt, conf_rev, words) in frames {
        assert_eq!(*conf_rev, 1);
        let row = sent
            .values
            .get(*smp_cnt as usize)
            .expect("smpCnt names a sent sample");
        assert_eq!(words.len(), 16, "8 INT32 values with quality");
        for c in 0..8 {
            let scale = if c < 4 { 0.001 } else { 0.01 };
            let want = (row[c] / scale).round() as i64;
            assert_eq!(words[2 * c], want, "smpCnt {smp_cnt} channel {c}");
            assert_eq!(words[2 * c + 1], 0, "smpCnt {smp_cnt} quality {c}");
        }
    }
}

/// Parses `[["svID", smpCnt, confRev, [w, ...]], ...]` as printed by the peer script.
fn parse_peer_frames(json: &str) -> Vec<(String, u64, u64, Vec<i64>)> {
    let mut frames = Vec::new();
    let body = json.trim().trim_start_matches('[').trim_end_matches(']');
    for item in body.split("], [").filter(|s| !s.trim().is_empty()) {
        let item = item.trim_start_matches('[');
        let (head, words) = item.split_once(", [").unwrap_or((item, ""));
        let mut head = head.split(", ");
        let sv_id = head.next().unwrap_or("").trim_matches('"').to_owned();
        let smp_cnt = head.next().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
        let conf_rev = head.next().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
        let words = words
            .trim_end_matches(']')
            .split(", ")
            .filter_map(|w| w.trim().parse().ok())
            .collect();
        frames.push((sv_id, smp_cnt, conf_rev, words));
    }
    frames
}

/// Waits until a packet socket for EtherType 0x88BA (sampled values) is bound to `interface`.
fn sv_socket_bound(interface: &str) -> bool {
    wait::packet_socket(interface, Some(0x88ba))
}
