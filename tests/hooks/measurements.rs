//! The measurement hooks (`rms`, `power`, `average`, `ma`, `dp`, `ebm`, `expr`,
//! `jitter_calc`) against numpy: `measurements.toml` runs 0.3 s in virtual time and
//! `scripts/check_measurements.py` recomputes every logged value from the raw waveforms.

use gridhil_test_support::process::{repo, run, text};
use gridhil_test_support::python;

#[test]
fn measurement_hooks_agree_with_numpy() {
    let Some(python) = python::python_with(&["h5py", "numpy"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.h5");
    let config = repo("tests/hooks/measurements.toml");
    let config = config.to_str().unwrap();
    let check = run(&["check", config]);
    assert!(check.status.success(), "gridhil check: {}", text(&check));
    let out = run(&[
        "run",
        "--virtual-time",
        "--duration",
        "300ms",
        "--quiet",
        "--log",
        log.to_str().unwrap(),
        config,
    ]);
    assert!(out.status.success(), "gridhil run: {}", text(&out));
    let numpy = python::run_ok(
        python::command(&python, "tests/hooks/scripts/check_measurements.py").arg(&log),
    );
    let report = text(&numpy);
    assert!(
        report.lines().filter(|l| l.starts_with("ok ")).count() >= 30,
        "{report}"
    );
}
