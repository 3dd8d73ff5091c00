//! Compressed run logs (shuffle + deflate, the default) read back identical to uncompressed
//! ones, in h5py, and are smaller.

use gridhil_test_support::prelude::{python_with, repo, run, text};
use gridhil_test_support::python;
use std::path::Path;

fn run_virtual(dir: &Path, log: &Path, compression: &str) {
    let output = run(&[
        "run",
        repo("examples/signals.toml").to_str().unwrap(),
        "--virtual-time",
        "--duration",
        "2s",
        "--quiet",
        "--log",
        log.to_str().unwrap(),
        "--set",
        &format!("nodes.csv.out=\"{}\"", dir.join("x.csv").display()),
        "--set",
        &format!("engine.log.compression=\"{compression}\""),
    ]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn compressed_logs_read_back_identical_and_smaller() {
    let Some(python) = python_with(&["h5py", "numpy"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (plain, packed) = (dir.path().join("plain.h5"), dir.path().join("packed.h5"));
    run_virtual(dir.path(), &plain, "none");
    run_virtual(dir.path(), &packed, "deflate");
    let out = python::run_ok(
        python::command(&python, "tests/runlog/scripts/compare_logs.py")
            .arg(&plain)
            .arg(&packed),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["rows"]["signals"], 20000, "{report}");
    assert_eq!(report["compression"][1], "gzip", "{report}");
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(
        size(&packed) < size(&plain),
        "compressed {} B, plain {} B",
        size(&packed),
        size(&plain)
    );
}
