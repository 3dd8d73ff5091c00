//! The run log survives what labs' runs meet: a SIGKILL at any moment (the file opens and
//! holds every row up to its last flush), a full disk (the paths keep running, the log stops
//! at its last flush, the loss is counted and the exit status says so), a reader watching the
//! file grow while it is written, and compressed chunks that read back identical.
//!
//! Every file is read by h5py (an independent reader; the scripts are in `scripts/`).

mod compression;
mod crash;
mod full_disk;
mod watch;

use gridhil_test_support::prelude::{gridhil, repo, ChildGuard};
use gridhil_test_support::python;
use std::path::{Path, PathBuf};

/// `examples/signals.toml` (8 signals at 10 kHz, one logged path `signals`) in real time for
/// `duration`, logging to `log` with a 100 ms flush interval, its CSV copy in `dir`, with
/// progress lines (`t=1.0s signals: N in, …`) on stderr.
fn start_signals(dir: &Path, log: &Path, duration: &str, sets: &[&str]) -> ChildGuard {
    let mut command = gridhil();
    command
        .arg("run")
        .arg(repo("examples/signals.toml"))
        .args(["--duration", duration, "--log"])
        .arg(log)
        .args([
            "--set",
            &format!("nodes.csv.out=\"{}\"", dir.join("signals.csv").display()),
        ])
        .args(["--set", "engine.log.flush_interval=\"100ms\""]);
    for set in sets {
        command.args(["--set", set]);
    }
    ChildGuard::spawn(&mut command)
}

/// The JSON report of `scripts/read_log.py` on `file` (opened in SWMR-read mode by h5py).
fn read_log(python: &PathBuf, file: &Path) -> serde_json::Value {
    let out = python::run_ok(python::command(python, "tests/runlog/scripts/read_log.py").arg(file));
    serde_json::from_slice(&out.stdout).expect("one JSON object from read_log.py")
}
