//! The grid simulator feeds the synchrophasor estimator: gridsim bus voltages → `pmu` hook
//! (P class, 50 frames/s) in virtual time. The estimated positive-sequence voltage and
//! frequency match the simulated feeder before the fault, and the fault shows as a dip.

use gridhil_test_support::prelude::{read_path, repo, run, text, write_config};

#[test]
fn gridsim_voltages_feed_the_pmu_hook() {
    let dir = tempfile::tempdir().unwrap();
    let model = repo("examples/grids/feeder10.toml");
    let config = write_config(
        dir.path(),
        "grid-pmu.toml",
        &format!(
            r#"
[nodes.grid]
type = "gridsim"
model = "{}"
step = "50us"
decimation = 2
outputs = ["mv0.va", "mv0.vb", "mv0.vc"]

[[paths]]
name = "pmu"
in = ["grid"]
hooks = [{{ type = "pmu", class = "P", nominal = "50Hz", rate = 50, sample_rate = "10kHz", voltages = ["mv0.va", "mv0.vb", "mv0.vc"] }}]
"#,
            model.display()
        ),
    );
    let log = dir.path().join("grid-pmu.h5");
    let out = run(&[
        "run",
        config.to_str().unwrap(),
        "--virtual-time",
        "--duration",
        "1s",
        "--quiet",
        "--log",
        log.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let reports = read_path(&log, "pmu");
    assert!(
        (45..=50).contains(&reports.seq.len()),
        "{} reports in 1 s at 50 fps",
        reports.seq.len()
    );
    let column = |name: &str| {
        reports
            .signals
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("no column {name}: {:?}", reports.signals))
    };
    let (v1_re, v1_im, freq) = (column("v1.re"), column("v1.im"), column("freq"));
    let start = reports.ts_origin[0] - (reports.ts_origin[0] % 1_000_000_000);
    let at = |i: usize| (reports.ts_origin[i] - start) as f64 / 1e9;
    // 20 kV line-to-line: 11 547 V per phase, RMS.
    let nominal = 20_000.0 / 3f64.sqrt();
    let mut pre_fault = Vec::new();
    let mut during_fault = Vec::new();
    for (i, row) in reports.values.iter().enumerate() {
        let v1 = row[v1_re].hypot(row[v1_im]);
        let t = at(i);
        if (0.1..0.29).contains(&t) {
            assert!(
                (v1 / nominal - 1.0).abs() < 0.05,
                "|V1| {v1} V at {t} s, nominal {nominal}"
            );
            assert!(
                (row[freq] - 50.0).abs() < 0.05,
                "f {} Hz at {t} s",
                row[freq]
            );
            pre_fault.push(v1);
        }
        if (0.32..0.36).contains(&t) {
            during_fault.push(v1);
        }
    }
    assert!(
        pre_fault.len() >= 8,
        "reports before the fault: {}",
        pre_fault.len()
    );
    let before = pre_fault.iter().sum::<f64>() / pre_fault.len() as f64;
    let dip = during_fault.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        dip < 0.98 * before,
        "the fault at 300 ms shows as a dip: {dip} V vs {before} V"
    );
}
