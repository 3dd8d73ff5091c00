//! Acceptance of the foundation with the signal-generator example (examples/signals.toml):
//! it runs in real time for 3 s and writes an HDF5 run log with the expected rows, sequence
//! numbers, timestamps and waveform values.

use gridhil_test_support::prelude::{read_path, repo, run, text};
use std::f64::consts::PI;

#[test]
fn signal_example_writes_a_complete_run_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("d.h5");
    let config = repo("examples/signals.toml");
    let csv = dir.path().join("signals.csv");
    let output = run(&[
        "run",
        config.to_str().unwrap(),
        "--duration",
        "3s",
        "--log",
        log.to_str().unwrap(),
        "--set",
        &format!("nodes.csv.out={}", csv.display()),
        // A log queue that can hold the whole run: on a loaded machine the (non-real-time)
        // log writer may fall behind, and a full queue drops rows by design.
        "--set",
        "engine.log.queue=65536",
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));

    let path = read_path(&log, "signals");
    let rows = path.seq.len();
    assert!((29_400..=30_600).contains(&rows), "rows {rows}");
    assert_eq!(path.seq[0], 0);
    for w in path.seq.windows(2) {
        assert_eq!(w[1], w[0] + 1, "seq must increase by one without gaps");
    }
    for i in 0..rows {
        assert!(
            path.ts_received[i] >= path.ts_origin[i],
            "row {i}: received before origin"
        );
        assert!(
            path.ts_sent[i] >= path.ts_received[i],
            "row {i}: sent before received"
        );
    }
    // ts_origin advances by exactly one period (100 us at 10 kHz).
    for w in path.ts_origin.windows(2) {
        let d = w[1] - w[0];
        assert!((99_999..=100_001).contains(&d), "ts_origin step {d}");
    }
    assert_eq!(
        path.signals,
        ["va", "vb", "vc", "ia", "square", "triangle", "ramp", "counter"]
    );
    for (i, row) in path.values.iter().enumerate().step_by(97) {
        let k = path.seq[i] as f64;
        let t = k / 10_000.0;
        let va = 325.27 * (2.0 * PI * 50.0 * t).sin();
        let vb = 325.27 * (2.0 * PI * 50.0 * t - 2.0 * PI / 3.0).sin();
        let ia = 141.42 * (2.0 * PI * 50.0 * t - PI / 6.0).cos();
        assert!(
            (row[0] - va).abs() < 1e-6,
            "va at seq {k}: {} vs {va}",
            row[0]
        );
        assert!((row[1] - vb).abs() < 1e-6, "vb at seq {k}");
        assert!((row[3] - ia).abs() < 1e-6, "ia at seq {k}");
        let square = if (5.0 * t).fract() < 0.5 { 1.0 } else { -1.0 };
        assert_eq!(row[4], square, "square at seq {k}");
        assert!((row[6] - t.fract()).abs() < 1e-9, "ramp at seq {k}");
        assert_eq!(row[7], k, "counter");
    }

    // The CSV recording holds the same samples.
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = csv_text.lines();
    assert_eq!(
        lines.next(),
        Some("seq,ts_origin,ts_received,va,vb,vc,ia,square,triangle,ramp,counter")
    );
    assert_eq!(lines.count(), rows);

    // File attributes and node counters.
    let file = hdf5::File::open(&log).unwrap();
    let config_text = file
        .attr("config")
        .unwrap()
        .read_scalar::<hdf5::types::VarLenUnicode>()
        .unwrap();
    assert!(config_text.as_str().contains("[nodes.gen]"));
    let read = file
        .group("nodes/gen")
        .unwrap()
        .attr("read")
        .unwrap()
        .read_scalar::<u64>()
        .unwrap();
    assert_eq!(read as usize, rows);
}

#[test]
fn run_log_opens_in_h5py() {
    let Some(python) = gridhil_test_support::python::python_with(&["h5py", "numpy"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("v.h5");
    let output = run(&[
        "run",
        repo("examples/signals.toml").to_str().unwrap(),
        "--virtual-time",
        "--duration",
        "1s",
        "--log",
        log.to_str().unwrap(),
        "--set",
        &format!("nodes.csv.out={}", dir.path().join("x.csv").display()),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let out = gridhil_test_support::python::run_ok(
        gridhil_test_support::python::command(&python, "tests/engine/scripts/check_signals_log.py")
            .arg(&log),
    );
    assert!(text(&out).contains("h5py ok 10000"), "{}", text(&out));
}
