//! The `pdc` node's other modes, end to end with the real binary and its HDF5 run log:
//! two pypmu PMUs aligned in one node (one skips time stamps and stops early: its
//! values NaN and its status -1 in those rows), a UDP PMU and a TCP + UDP PMU written
//! here with pypmu's frame classes (an independent encoder), our `pmu-server` read
//! with a CFG-3 request and by listening to its spontaneous UDP stream, and its
//! multi-PMU example read as three tables on one connection, over commanded UDP and
//! over TCP-config/UDP-data.

use gridhil_test_support::prelude::python_with;
use gridhil_test_support::prelude::{
    free_tcp_port, free_udp_port, gridhil, node_counter, read_path, repo, text, write_config,
    PathLog,
};
use gridhil_test_support::wait;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// The peers' Python with pypmu, or `None` (the test skips, saying why).
fn python() -> Option<PathBuf> {
    python_with(&["synchrophasor"])
}

/// Counter `name` from the run summary.
fn counter(output: &str, name: &str) -> u64 {
    output
        .split([',', '\n'])
        .filter_map(|part| part.trim().strip_prefix(name)?.trim().parse().ok())
        .next()
        .unwrap_or(0)
}

/// Starts `gridhil run CONFIG --duration D --log LOG`.
fn start_run(config: &Path, duration: &str, log: &Path) -> Child {
    gridhil()
        .args([
            "run",
            config.to_str().unwrap(),
            "--duration",
            duration,
            "--log",
        ])
        .arg(log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gridhil")
}

fn column(path: &PathLog, name: &str) -> usize {
    path.signals
        .iter()
        .position(|s| s == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", path.signals))
}

/// Checks the IEEE sample values (pypmu's data frame) in `row` for signal prefix `p`.
fn assert_ieee_sample(path: &PathLog, row: &[f64], p: &str) {
    let at = |name: &str| row[column(path, &format!("{p}{name}"))];
    // VA = 14635 × PHUNIT 915527·10⁻⁵ V, FREQ = 60 Hz + 2500 mHz.
    assert!((at("va.re") - 14635.0 * 9.15527).abs() < 1e-6, "{row:?}");
    assert!(at("va.im").abs() < 1e-9, "{row:?}");
    assert!((at("freq") - 62.5).abs() < 1e-9, "{row:?}");
    assert_eq!(at("rocof"), 0.0);
    assert_eq!((at("a1"), at("a3")), (100.0, 10_000.0));
    assert_eq!(at("breakers"), f64::from(0x3c12));
}

/// The IEEE sample signals of one PMU, prefixed.
fn ieee_signals(p: &str) -> String {
    format!(
        r#"phasors = ["{p}va", "{p}vb", "{p}vc", "{p}i1"]
analogs = ["{p}a1", "{p}a2", "{p}a3"]
digitals = ["{p}breakers"]
freq = "{p}freq"
rocof = "{p}rocof""#
    )
}

#[test]
fn two_pmus_aligned_with_the_missing_one_marked() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let script = gridhil_test_support::python::script("tests/pmu/peers/pypmu_pmu_skipping.py");
    let (port_a, port_b) = (free_tcp_port(), free_tcp_port());
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &format!(
            r#"
[nodes.pdc]
type = "pdc"
wait = "300ms"
backoff = "50ms"
max_backoff = "200ms"

[[nodes.pdc.pmus]]
name = "a"
connect = "127.0.0.1:{port_a}"
idcode = 1410
{a}

[[nodes.pdc.pmus]]
name = "b"
connect = "127.0.0.1:{port_b}"
idcode = 1420
{b}

[[paths]]
name = "pdc"
in = ["pdc"]
"#,
            a = ieee_signals("a_"),
            b = ieee_signals("b_"),
        ),
    );
    let log = dir.path().join("pdc.h5");
    let pdc = start_run(&config, "6s", &log);
    // Both PMUs stamp and send frame k at T0 + k × 20 ms; B skips k % 10 == 5 and stops
    // 1.5 s before A.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let t0 = now.as_secs() + 1;
    let end_a = now.as_secs_f64() + 4.5;
    let end_b = end_a - 1.5;
    let pmu = |port: u16, idcode: &str, end: f64, skip: &str| {
        Command::new(&python)
            .arg(&script)
            .args([
                &port.to_string(),
                idcode,
                &t0.to_string(),
                &end.to_string(),
                skip,
            ])
            .spawn()
            .expect("run pypmu")
    };
    let mut a = pmu(port_a, "1410", end_a, "0");
    let mut b = pmu(port_b, "1420", end_b, "1");
    assert!(a.wait().unwrap().success(), "pypmu PMU a failed");
    assert!(b.wait().unwrap().success(), "pypmu PMU b failed");
    let output = pdc.wait_with_output().unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert_eq!(counter(&out, "crc_errors"), 0, "{out}");
    assert_eq!(counter(&out, "config_mismatch"), 0, "{out}");

    let path = read_path(&log, "pdc");
    assert!(path.seq.len() >= 50, "{} rows\n{out}", path.seq.len());
    // Rows strictly in time-stamp order, on the 20 ms grid.
    for pair in path.ts_origin.windows(2) {
        assert!(pair[0] < pair[1], "rows out of order: {pair:?}");
    }
    let t0_ns = i64::try_from(t0).unwrap() * 1_000_000_000;
    let (stat_a, stat_b) = (column(&path, "a_stat"), column(&path, "b_stat"));
    let (b_va, b_freq, b_breakers) = (
        column(&path, "b_va.re"),
        column(&path, "b_freq"),
        column(&path, "b_breakers"),
    );
    let (mut complete, mut skipped, mut b_missing, mut a_missing) = (0, 0, 0, 0);
    for (ts, row) in path.ts_origin.iter().zip(&path.values) {
        let offset = ts - t0_ns;
        assert_eq!(offset % 20_000_000, 0, "{ts} is off the 20 ms grid");
        let k = offset / 20_000_000;
        // The status column says whether the PMU is in the row: STAT (0 here) or -1.
        let a_present = row[stat_a] == 0.0;
        let b_present = row[stat_b] == 0.0;
        assert!(a_present || row[stat_a] == -1.0, "{row:?}");
        assert!(b_present || row[stat_b] == -1.0, "{row:?}");
        assert!(a_present || b_present, "a row with no PMU: {row:?}");
        if a_present {
            assert_ieee_sample(&path, row, "a_");
        } else {
            a_missing += 1;
            assert!(row[column(&path, "a_va.re")].is_nan(), "{row:?}");
        }
        if b_present {
            assert_ieee_sample(&path, row, "b_");
        } else {
            b_missing += 1;
            // Missing: NaN phasors (both parts), frequency; -1 digital word.
            assert!(row[b_va].is_nan() && row[b_va + 1].is_nan(), "{row:?}");
            assert!(row[b_freq].is_nan(), "{row:?}");
            assert_eq!(row[b_breakers], -1.0, "{row:?}");
        }
        if k % 10 == 5 {
            // B never sends these time stamps.
            assert!(!b_present, "B skipped k = {k} but is present: {row:?}");
            skipped += 1;
        }
        complete += usize::from(a_present && b_present);
    }
    eprintln!(
        "{} rows: {complete} complete, {a_missing} without a, {b_missing} without b \
         ({skipped} skipped by b)",
        path.seq.len()
    );
    assert!(complete > 0, "no row with both PMUs\n{out}");
    assert!(skipped > 0, "no row at a time stamp B skipped\n{out}");
    // Counters: every logged row was counted; a partial row counts its missing PMUs.
    let rows = node_counter(&log, "pdc", "rows");
    assert!(rows >= path.seq.len() as u64, "{rows} rows counted\n{out}");
    assert!(node_counter(&log, "pdc", "missing_b") >= b_missing, "{out}");
    assert!(node_counter(&log, "pdc", "missing_a") >= a_missing, "{out}");
    assert!(
        node_counter(&log, "pdc", "missing") >= a_missing + b_missing,
        "{out}"
    );
    assert!(
        node_counter(&log, "pdc", "partial_rows") >= b_missing,
        "{out}"
    );
}

/// Runs the frame-class PMU in `mode` and a `pdc` node reading it with the matching
/// transport (`spont` → `udp-listen`, no `connect`); checks every logged row.
fn pdc_reads_frame_pmu(mode: &str, extra: &str, port: u16, data_port: Option<u16>) -> PathLog {
    let python = python().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = gridhil_test_support::python::script("tests/pmu/peers/frame_pmu.py");
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &format!(
            r#"
[nodes.pdc]
type = "pdc"
{connect}
idcode = 1411
transport = "{transport}"
retry = "200ms"
backoff = "50ms"
max_backoff = "200ms"
stat = "stat"
{extra}
{signals}

[[paths]]
name = "pdc"
in = ["pdc"]
"#,
            signals = ieee_signals(""),
            connect = if mode == "spont" {
                String::new()
            } else {
                format!(r#"connect = "127.0.0.1:{port}""#)
            },
            transport = if mode == "spont" { "udp-listen" } else { mode },
        ),
    );
    let mut pmu = Command::new(&python);
    // It runs longer than the node (and is stopped after it): a slow start of either
    // cannot leave the node without data.
    pmu.arg(&script).args([mode, &port.to_string(), "20"]);
    if let Some(data_port) = data_port {
        pmu.arg(data_port.to_string());
    }
    let mut pmu = pmu
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the frame-class PMU");
    // Its sockets are open once it says so.
    let mut ready = String::new();
    BufReader::new(pmu.stdout.take().expect("PMU stdout"))
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready", "the frame-class PMU did not start");
    let log = dir.path().join("pdc.h5");
    let output = start_run(&config, "4s", &log).wait_with_output().unwrap();
    let _ = pmu.kill();
    let _ = pmu.wait();
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert_eq!(counter(&out, "crc_errors"), 0, "{out}");
    assert_eq!(counter(&out, "config_mismatch"), 0, "{out}");
    if mode == "udp" {
        // The PMU ignored the first CFG-2 request and the first "data on".
        assert!(node_counter(&log, "pdc", "cfg_retries") >= 1, "{out}");
        assert!(node_counter(&log, "pdc", "data_on_retries") >= 1, "{out}");
    }
    if mode == "spont" {
        // The other stream's frames were ignored (their VA would fail the checks below).
        assert!(node_counter(&log, "pdc", "foreign_frames") >= 1, "{out}");
    }
    let path = read_path(&log, "pdc");
    // 4 s at 50 frames/s, less the start and the retries (200 ms each): far more.
    assert!(path.seq.len() >= 10, "{} rows\n{out}", path.seq.len());
    let stat = column(&path, "stat");
    for row in &path.values {
        assert_ieee_sample(&path, row, "");
        assert_eq!(row[stat], 0.0, "{row:?}");
    }
    for pair in path.ts_origin.windows(2) {
        assert!(pair[0] < pair[1], "rows out of order: {pair:?}");
    }
    path
}

#[test]
fn pdc_over_udp_asks_again_and_reads_data() {
    if python().is_none() {
        return;
    }
    let port = free_udp_port();
    pdc_reads_frame_pmu("udp", "", port, None);
}

#[test]
fn pdc_over_tcp_with_udp_data() {
    if python().is_none() {
        return;
    }
    let (port, data_port) = (free_tcp_port(), free_udp_port());
    let path = pdc_reads_frame_pmu(
        "tcp-udp",
        &format!(r#"udp_bind = "127.0.0.1:{data_port}""#),
        port,
        Some(data_port),
    );
    // Data came on UDP, in 20 ms steps.
    let steady = path
        .ts_origin
        .windows(2)
        .filter(|p| p[1] - p[0] == 20_000_000)
        .count();
    assert!(steady > 0);
}

#[test]
fn pdc_listens_to_spontaneous_udp_with_in_band_cfg() {
    if python().is_none() {
        return;
    }
    let data_port = free_udp_port();
    pdc_reads_frame_pmu(
        "spont",
        &format!(r#"udp_bind = "127.0.0.1:{data_port}""#),
        0,
        Some(data_port),
    );
}

/// Our `pmu-server` example read by two `pdc` nodes: one asks for CFG-3 over TCP, the
/// other listens to its spontaneous UDP stream (configuration asked over TCP).
#[test]
fn pdc_reads_pmu_server_with_cfg3_and_udp_listen() {
    let dir = tempfile::tempdir().unwrap();
    let (tcp, udp) = (free_tcp_port(), free_udp_port());
    let server = crate::spawn_pmu_server_example(tcp, udp, "6s");
    let phasors = r#"phasors = ["va", "vb", "vc", "ia", "ib", "ic", "v1", "i1"]"#;
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &format!(
            r#"
[nodes.cfg3]
type = "pdc"
connect = "127.0.0.1:{tcp}"
idcode = 1
config = "cfg3"
backoff = "50ms"
max_backoff = "200ms"
{phasors}

[nodes.listen]
type = "pdc"
transport = "udp-listen"
udp_bind = "127.0.0.1:{udp}"
connect = "127.0.0.1:{tcp}"
idcode = 1
backoff = "50ms"
max_backoff = "200ms"
{phasors}

[[paths]]
name = "cfg3"
in = ["cfg3"]

[[paths]]
name = "listen"
in = ["listen"]
"#
        ),
    );
    let log = dir.path().join("pdc.h5");
    assert!(
        wait::tcp_port_listening(tcp),
        "the pmu-server never listened"
    );
    let output = start_run(&config, "4s", &log).wait_with_output().unwrap();
    let server = server.wait_with_output().unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}\nserver: {}", text(&server));
    // The first node asked for CFG-3 only, the second for CFG-2 only.
    assert!(node_counter(&log, "cfg3", "cfg3_frames") >= 1, "{out}");
    assert_eq!(node_counter(&log, "cfg3", "cfg2_frames"), 0, "{out}");
    assert!(node_counter(&log, "listen", "cfg2_frames") >= 1, "{out}");
    assert_eq!(node_counter(&log, "listen", "cfg3_frames"), 0, "{out}");
    for name in ["cfg3", "listen"] {
        assert_eq!(node_counter(&log, name, "config_mismatch"), 0, "{out}");
        assert_eq!(node_counter(&log, name, "crc_errors"), 0, "{out}");
        let path = read_path(&log, name);
        assert!(
            path.seq.len() >= 20,
            "{name}: {} rows\n{out}",
            path.seq.len()
        );
        let (v1re, i1re, freq) = (
            column(&path, "v1.re"),
            column(&path, "i1.re"),
            column(&path, "freq"),
        );
        for row in &path.values {
            assert!(
                (row[v1re].hypot(row[v1re + 1]) - 230.0).abs() < 0.3,
                "{name}: {row:?}"
            );
            assert!(
                (row[i1re].hypot(row[i1re + 1]) - 100.0).abs() < 0.1,
                "{name}: {row:?}"
            );
            assert!((row[freq] - 50.0).abs() < 0.01, "{name}: {row:?}");
        }
        // A datagram may be dropped on a loaded machine: steps of whole 20 ms.
        for pair in path.ts_origin.windows(2) {
            let step = pair[1] - pair[0];
            assert!(step > 0 && step % 20_000_000 == 0, "{name}: step {step}");
        }
    }
    // The listening node sent no command, so data came from the UDP stream only.
    assert!(node_counter(&log, "listen", "data_frames") >= 20, "{out}");
}

#[test]
fn pdc_examples_check() {
    for example in ["examples/pdc.toml", "examples/pdc-multi.toml"] {
        let output =
            gridhil_test_support::process::run(&["check", repo(example).to_str().unwrap()]);
        assert!(output.status.success(), "{example}: {}", text(&output));
    }
}

/// Our `pmu-server` multi-PMU example (stream IDCODE 10, blocks 11 "FEEDER-V", 12
/// "FEEDER-I", 13 "FEEDER-SEQ") read three ways: the three blocks as three PMU tables
/// sharing one TCP connection; block 13 over commanded UDP; block 12 over
/// TCP-config/UDP-data.
#[test]
fn pdc_reads_the_multi_pmu_stream_of_pmu_server() {
    let dir = tempfile::tempdir().unwrap();
    let (tcp, udp_listen, tcp_udp, data) = (
        free_tcp_port(),
        free_udp_port(),
        free_tcp_port(),
        free_udp_port(),
    );
    let server = gridhil()
        .arg("run")
        .arg(repo("examples/pmu-server-multi.toml"))
        .args(["--duration", "6s"])
        .args(["--set", &format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\"")])
        .args([
            "--set",
            &format!("nodes.pmu.udp_listen=\"127.0.0.1:{udp_listen}\""),
        ])
        .args([
            "--set",
            &format!("nodes.pmu.tcp_udp=\"127.0.0.1:{tcp_udp}\""),
        ])
        .args(["--set", &format!("nodes.pmu.tcp_udp_data={data}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the pmu-server-multi example");
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &format!(
            r#"
[nodes.tcp]
type = "pdc"
backoff = "50ms"
max_backoff = "200ms"

[[nodes.tcp.pmus]]
name = "v"
connect = "127.0.0.1:{tcp}"
idcode = 10
pmu = 11
phasors = ["v_va", "v_vb", "v_vc", "v_v1"]

[[nodes.tcp.pmus]]
name = "i"
connect = "127.0.0.1:{tcp}"
idcode = 10
pmu = 12
phasors = ["i_ia", "i_ib", "i_ic", "i_i1"]

[[nodes.tcp.pmus]]
name = "seq"
connect = "127.0.0.1:{tcp}"
idcode = 10
pmu = 13
phasors = ["seq_v1", "seq_i1"]

[nodes.udp]
type = "pdc"
transport = "udp"
connect = "127.0.0.1:{udp_listen}"
idcode = 10
pmu = 13
retry = "200ms"
backoff = "50ms"
max_backoff = "200ms"
phasors = ["v1", "i1"]
stat = "stat"

[nodes.tcpudp]
type = "pdc"
transport = "tcp-udp"
connect = "127.0.0.1:{tcp_udp}"
udp_bind = "127.0.0.1:{data}"
idcode = 10
pmu = 12
backoff = "50ms"
max_backoff = "200ms"
phasors = ["ia", "ib", "ic", "i1"]
stat = "stat"

[[paths]]
name = "tcp"
in = ["tcp"]

[[paths]]
name = "udp"
in = ["udp"]

[[paths]]
name = "tcpudp"
in = ["tcpudp"]
"#
        ),
    );
    let log = dir.path().join("pdc.h5");
    assert!(
        wait::tcp_port_listening(tcp),
        "the pmu-server never listened"
    );
    let output = start_run(&config, "4s", &log).wait_with_output().unwrap();
    let server = server.wait_with_output().unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}\nserver: {}", text(&server));
    let magnitude = |path: &PathLog, row: &[f64], name: &str| {
        let re = column(path, &format!("{name}.re"));
        row[re].hypot(row[re + 1])
    };
    let check = |node: &str, checks: &[(&str, f64, f64)], freqs: &[&str], stats: &[&str]| {
        assert_eq!(
            node_counter(&log, node, "config_mismatch"),
            0,
            "{node}\n{out}"
        );
        assert_eq!(node_counter(&log, node, "crc_errors"), 0, "{node}\n{out}");
        let path = read_path(&log, node);
        assert!(
            path.seq.len() >= 20,
            "{node}: {} rows\n{out}",
            path.seq.len()
        );
        for row in &path.values {
            for &(name, expected, tolerance) in checks {
                let m = magnitude(&path, row, name);
                assert!(
                    (m - expected).abs() < tolerance,
                    "{node}.{name} = {m}: {row:?}"
                );
            }
            for freq in freqs {
                let f = row[column(&path, freq)];
                assert!((f - 50.0).abs() < 0.01, "{node}.{freq} = {f}");
            }
            for stat in stats {
                assert!(row[column(&path, stat)] >= 0.0, "{node}.{stat}: {row:?}");
            }
        }
        // A datagram may be dropped (and a frame skipped by a loaded server): steps of
        // whole 20 ms.
        for pair in path.ts_origin.windows(2) {
            let step = pair[1] - pair[0];
            assert!(step > 0 && step % 20_000_000 == 0, "{node}: step {step}");
        }
    };
    check(
        "tcp",
        &[
            ("v_va", 230.0, 0.3),
            ("v_v1", 230.0, 0.3),
            ("i_ib", 100.0, 0.1),
            ("i_i1", 100.0, 0.1),
            ("seq_v1", 230.0, 0.3),
            ("seq_i1", 100.0, 0.1),
        ],
        &["v_freq", "i_freq", "seq_freq"],
        &["v_stat", "i_stat", "seq_stat"],
    );
    // One client thread and connection for the three tables (three threads would
    // connect three times without a reconnection).
    let (connects, reconnects) = (
        node_counter(&log, "tcp", "connects"),
        node_counter(&log, "tcp", "reconnects"),
    );
    assert!(connects <= 1 + reconnects, "{connects} connects\n{out}");
    // The three blocks come in one data frame: every row is complete.
    assert_eq!(node_counter(&log, "tcp", "partial_rows"), 0, "{out}");
    assert_eq!(node_counter(&log, "tcp", "missing"), 0, "{out}");
    check(
        "udp",
        &[("v1", 230.0, 0.3), ("i1", 100.0, 0.1)],
        &["freq"],
        &["stat"],
    );
    check(
        "tcpudp",
        &[("ia", 100.0, 0.1), ("i1", 100.0, 0.1)],
        &["freq"],
        &["stat"],
    );
}

/// `examples/pdc-multi.toml` against two copies of `examples/pmu-server.toml` (IDCODE 1
/// and 2), all on free ports: the two PMUs in one row, PMU 2 read with CFG-3.
#[test]
fn pdc_multi_example_reads_two_pmu_servers() {
    let dir = tempfile::tempdir().unwrap();
    let server = |idcode: u16, tcp: u16| {
        gridhil()
            .arg("run")
            .arg(repo("examples/pmu-server.toml"))
            .args(["--duration", "6s"])
            .args(["--set", &format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\"")])
            .args([
                "--set",
                &format!("nodes.pmu.udp=\"127.0.0.1:{}\"", free_udp_port()),
            ])
            .args(["--set", &format!("nodes.pmu.idcode={idcode}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the pmu-server example")
    };
    let (tcp1, tcp2) = (free_tcp_port(), free_tcp_port());
    let (server1, server2) = (server(1, tcp1), server(2, tcp2));
    assert!(
        wait::tcp_port_listening(tcp1) && wait::tcp_port_listening(tcp2),
        "the pmu-servers never listened"
    );
    let log = dir.path().join("pdc.h5");
    let output = gridhil()
        .arg("run")
        .arg(repo("examples/pdc-multi.toml"))
        .args(["--duration", "4s", "--log"])
        .arg(&log)
        .args([
            "--set",
            &format!("nodes.pdc.pmus.0.connect=\"127.0.0.1:{tcp1}\""),
        ])
        .args([
            "--set",
            &format!("nodes.pdc.pmus.1.connect=\"127.0.0.1:{tcp2}\""),
        ])
        // A wide window: two separate processes on a busy machine.
        .args(["--set", "nodes.pdc.wait=\"500ms\""])
        // Retry often: the servers may start slowly on a busy machine.
        .args(["--set", "nodes.pdc.max_backoff=\"200ms\""])
        .output()
        .expect("run the pdc-multi example");
    let servers = [server1, server2].map(|s| text(&s.wait_with_output().unwrap()));
    let out = text(&output);
    assert!(output.status.success(), "{out}\nservers: {servers:?}");
    assert_eq!(node_counter(&log, "pdc", "config_mismatch"), 0, "{out}");
    assert!(node_counter(&log, "pdc", "cfg2_frames") >= 1, "{out}");
    assert!(node_counter(&log, "pdc", "cfg3_frames") >= 1, "{out}");
    let path = read_path(&log, "pdc");
    assert!(path.seq.len() >= 20, "{} rows\n{out}", path.seq.len());
    let mut complete = 0;
    for (ts, row) in path.ts_origin.iter().zip(&path.values) {
        assert_eq!(ts % 20_000_000, 0, "{ts} is off the 20 ms grid");
        let mut present = 0;
        for pmu in ["pmu1", "pmu2"] {
            let stat = row[column(&path, &format!("{pmu}_stat"))];
            let v1 = column(&path, &format!("{pmu}_v1.re"));
            let freq = row[column(&path, &format!("{pmu}_freq"))];
            if stat >= 0.0 {
                present += 1;
                assert!((row[v1].hypot(row[v1 + 1]) - 230.0).abs() < 0.3, "{row:?}");
                assert!((freq - 50.0).abs() < 0.01, "{row:?}");
            } else {
                assert_eq!(stat, -1.0, "{row:?}");
                assert!(row[v1].is_nan() && freq.is_nan(), "{row:?}");
            }
        }
        complete += usize::from(present == 2);
    }
    for pair in path.ts_origin.windows(2) {
        assert!(pair[0] < pair[1], "rows out of order: {pair:?}");
    }
    eprintln!("{} rows, {complete} with both PMUs", path.seq.len());
    assert!(complete > 0, "no row with both PMUs\n{out}");
}
