//! The measurement hooks (`rms`, `power`, `average`, `ma`, `dp`, `ebm`, `expr`,
//! `jitter_calc`) against numpy: `measurements.toml` runs 0.3 s in virtual time and
//! `peers/check_measurements.py` recomputes every logged value from the raw waveforms.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The Python with numpy and h5py: the project's `.venv` (setup.sh), else the system's.
fn python() -> PathBuf {
    let venv = repo(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

#[test]
fn measurement_hooks_agree_with_numpy() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.h5");
    let config = repo("tests/hooks/measurements.toml");
    let check = Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .arg("check")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "gridhil check: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let run = Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .args([
            "run",
            "--virtual-time",
            "--duration",
            "300ms",
            "--quiet",
            "--log",
        ])
        .arg(&log)
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "gridhil run: {}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let numpy = Command::new(python())
        .arg(repo("tests/hooks/peers/check_measurements.py"))
        .arg(&log)
        .output()
        .expect("python3 with numpy and h5py (./setup.sh installs them)");
    let report = String::from_utf8_lossy(&numpy.stdout);
    assert!(
        numpy.status.success(),
        "numpy disagrees:\n{report}{}",
        String::from_utf8_lossy(&numpy.stderr)
    );
    assert!(
        report.lines().filter(|l| l.starts_with("ok ")).count() >= 30,
        "{report}"
    );
}
