//! Running `gridhil test` and finding a Python with numpy and h5py.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A path in the repository.
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs `gridhil test ARGS` (quiet, in the repository root).
pub fn gridhil_test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .arg("test")
        .args(args)
        .arg("--quiet")
        .current_dir(repo(""))
        .output()
        .expect("gridhil runs")
}

/// Standard output and error, for messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A Python interpreter that has numpy, h5py and tomllib (the project's .venv, made with
/// the system's packages by setup.sh, or the system's python3).
pub fn python() -> PathBuf {
    let candidates = [repo(".venv/bin/python"), PathBuf::from("/usr/bin/python3")];
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import numpy, h5py, tomllib"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return python;
        }
    }
    panic!("no Python with numpy, h5py and tomllib: run ./setup.sh");
}

/// The JSON report of a run.
pub fn json_report(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file).expect("JSON report written");
    serde_json::from_str(&text).expect("JSON report parses")
}
