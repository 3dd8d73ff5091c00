//! `signal` → `pmu` hook in virtual time: one report per reporting period with the
//! expected magnitudes, frequency and ROCOF.

use gridhil_test_support::prelude::{read_path, run, text, write_config};

const CONFIG: &str = r#"
[nodes.gen]
type = "signal"
rate = "10kHz"
signals = [
  { name = "va", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = 0, unit = "V" },
  { name = "vb", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = -120, unit = "V" },
  { name = "vc", waveform = "cosine", amplitude = 325.269, frequency = 50, phase = 120, unit = "V" },
  { name = "ia", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = -30, unit = "A" },
  { name = "ib", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = -150, unit = "A" },
  { name = "ic", waveform = "cosine", amplitude = 141.421, frequency = 50, phase = 90, unit = "A" },
]

[[paths]]
name = "pmu"
in = ["gen"]
hooks = [
  { type = "pmu", class = "P", nominal = "50Hz", rate = 50, sample_rate = "10kHz", voltages = ["va", "vb", "vc"], currents = ["ia", "ib", "ic"] },
]
"#;

fn column(names: &[String], name: &str) -> usize {
    names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no column {name} in {names:?}"))
}

#[test]
fn pmu_hook_reports_at_the_reporting_rate() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "pmu.toml", CONFIG);
    let log = dir.path().join("pmu.h5");
    let output = run(&[
        "run",
        config.to_str().unwrap(),
        "--virtual-time",
        "--duration",
        "2s",
        "--log",
        log.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let path = read_path(&log, "pmu");
    // 2 s at 50 frames/s, less the first and last half window (P class: 2 cycles + 2 ms).
    let n = path.seq.len();
    assert!((96..=100).contains(&n), "{n} reports in 2 s");
    for pair in path.ts_origin.windows(2) {
        assert_eq!(pair[1] - pair[0], 20_000_000, "reports 20 ms apart");
    }
    assert!(
        path.ts_origin.iter().all(|t| t % 20_000_000 == 0),
        "on the 50 fps grid"
    );
    let names = &path.signals;
    let (v1re, v1im) = (column(names, "v1.re"), column(names, "v1.im"));
    let (i1re, i1im) = (column(names, "i1.re"), column(names, "i1.im"));
    let (vare, vaim) = (column(names, "va.re"), column(names, "va.im"));
    let (freq, rocof) = (column(names, "freq"), column(names, "rocof"));
    for row in &path.values {
        let v1 = row[v1re].hypot(row[v1im]);
        let i1 = row[i1re].hypot(row[i1im]);
        let va = row[vare].hypot(row[vaim]);
        assert!((v1 - 230.0).abs() < 0.23, "|V1| = {v1}");
        assert!((va - 230.0).abs() < 0.23, "|Va| = {va}");
        assert!((i1 - 100.0).abs() < 0.1, "|I1| = {i1}");
        let lag = (row[v1im].atan2(row[v1re]) - row[i1im].atan2(row[i1re])).to_degrees();
        let lag = (lag + 540.0) % 360.0 - 180.0;
        assert!((lag - 30.0).abs() < 0.1, "current lags by {lag}°");
        assert!((row[freq] - 50.0).abs() < 0.005, "f = {}", row[freq]);
        assert!(row[rocof].abs() < 0.1, "rocof = {}", row[rocof]);
    }
}

#[test]
fn pmu_hook_rejects_unknown_signals() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "bad.toml",
        &CONFIG.replace(r#"currents = ["ia", "ib", "ic"]"#, r#"currents = ["ix"]"#),
    );
    let output = run(&["check", config.to_str().unwrap()]);
    assert!(!output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("ix"), "{}", text(&output));
}
