//! The `pdc` node against a third-party PMU (pypmu's PMU server): CFG-2 checked against
//! the declared signals, data frames logged to the HDF5 run log, reconnection when the
//! PMU goes away and comes back.

use gridhil_test_support::prelude::{free_tcp_port, gridhil, read_path, repo, text, write_config};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Command, Stdio};

fn counter(output: &str, name: &str) -> u64 {
    output
        .split([',', '\n'])
        .filter_map(|part| part.trim().strip_prefix(name)?.trim().parse().ok())
        .next()
        .unwrap_or(0)
}

#[test]
fn pdc_reads_pypmu_and_reconnects() {
    let Some(python) = gridhil_test_support::python::python_with(&["synchrophasor"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = gridhil_test_support::python::script("tests/pmu/peers/pypmu_pmu.py");
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = write_config(
        dir.path(),
        "pdc.toml",
        &format!(
            r#"
[nodes.pdc]
type = "pdc"
connect = "127.0.0.1:{port}"
idcode = 1410
phasors = ["va", "vb", "vc", "i1"]
analogs = ["a1", "a2", "a3"]
digitals = ["breakers"]
backoff = "50ms"
max_backoff = "400ms"

[[paths]]
name = "pdc"
in = ["pdc"]
"#
        ),
    );
    let log = dir.path().join("pdc.h5");
    let pdc = gridhil()
        .args(["run", config.to_str().unwrap(), "--duration", "7s", "--log"])
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gridhil");
    // The PMU comes up (before or after the PDC is ready: it retries), goes away, and
    // comes back.
    for _ in 0..2 {
        let status = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg("2.5")
            .status()
            .expect("run pypmu");
        assert!(status.success(), "pypmu PMU failed");
    }
    let output = pdc.wait_with_output().unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(counter(&out, "connects") >= 2, "{out}");
    assert!(counter(&out, "reconnects") >= 1, "{out}");
    assert_eq!(counter(&out, "crc_errors"), 0, "{out}");
    assert_eq!(counter(&out, "config_mismatch"), 0, "{out}");

    let path = read_path(&log, "pdc");
    assert!(path.seq.len() >= 50, "{} samples\n{out}", path.seq.len());
    let col = |name: &str| {
        path.signals
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", path.signals))
    };
    let (va_re, va_im, freq, rocof) = (col("va.re"), col("va.im"), col("freq"), col("rocof"));
    let (a1, a3, breakers) = (col("a1"), col("a3"), col("breakers"));
    for row in &path.values {
        // IEEE sample: VA = 14635 × PHUNIT 915527·10⁻⁵ V, FREQ = 60 Hz + 2500 mHz.
        assert!((row[va_re] - 14635.0 * 9.15527).abs() < 1e-6, "{row:?}");
        assert!(row[va_im].abs() < 1e-9, "{row:?}");
        assert!((row[freq] - 62.5).abs() < 1e-9, "{row:?}");
        assert_eq!(row[rocof], 0.0);
        assert_eq!((row[a1], row[a3]), (100.0, 10_000.0));
        assert_eq!(row[breakers], f64::from(0x3c12));
    }
    // FRACSEC steps of 20 ms within each PMU run (one jump between the runs).
    let jumps = path
        .ts_origin
        .windows(2)
        .filter(|p| p[1] - p[0] != 20_000_000)
        .count();
    assert!(jumps <= 2, "{jumps} irregular steps: {:?}", path.ts_origin);
}

#[test]
fn pdc_example_checks() {
    let output =
        gridhil_test_support::process::run(&["check", repo("examples/pdc.toml").to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
}

/// Our `pdc` node reads our `pmu-server`: both examples, on free ports.
#[test]
fn pdc_example_reads_pmu_server_example() {
    let dir = tempfile::tempdir().unwrap();
    let (tcp, udp) = (free_tcp_port(), free_tcp_port());
    let server = crate::spawn_pmu_server_example(tcp, udp, "6s");
    let log = dir.path().join("pdc.h5");
    let pdc = gridhil()
        .arg("run")
        .arg(repo("examples/pdc.toml"))
        .args(["--duration", "4s", "--set"])
        .arg(format!("nodes.pdc.connect=\"127.0.0.1:{tcp}\""))
        .arg("--log")
        .arg(&log)
        .output()
        .expect("run the pdc example");
    let server = server.wait_with_output().unwrap();
    let out = text(&pdc);
    assert!(pdc.status.success(), "{out}\nserver: {}", text(&server));
    assert_eq!(counter(&out, "config_mismatch"), 0, "{out}");
    let path = read_path(&log, "pdc");
    assert!(path.seq.len() >= 20, "{} samples\n{out}", path.seq.len());
    let col = |name: &str| path.signals.iter().position(|s| s == name).unwrap();
    let (v1re, v1im, i1re, i1im) = (col("v1.re"), col("v1.im"), col("i1.re"), col("i1.im"));
    let freq = col("freq");
    for row in &path.values {
        assert!((row[v1re].hypot(row[v1im]) - 230.0).abs() < 0.3, "{row:?}");
        assert!((row[i1re].hypot(row[i1im]) - 100.0).abs() < 0.1, "{row:?}");
        assert!((row[freq] - 50.0).abs() < 0.01, "{row:?}");
    }
    for pair in path.ts_origin.windows(2) {
        assert_eq!(pair[1] - pair[0], 20_000_000, "FRACSEC steps of 20 ms");
    }
}
