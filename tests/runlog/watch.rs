//! A run log can be watched while it is written: h5py in SWMR-read mode sees the rows grow.

use crate::start_signals;
use gridhil_test_support::prelude::python_with;
use gridhil_test_support::python;
use gridhil_test_support::wait::Lines;
use std::time::Duration;

#[test]
fn h5py_sees_the_rows_grow_while_the_run_writes_them() {
    let Some(python) = python_with(&["h5py"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("watched.h5");
    let mut run = start_signals(dir.path(), &log, "6s", &[]);
    let stderr = run.child().stderr.take().expect("piped stderr");
    let mut lines = Lines::read(stderr);
    assert!(
        lines
            .wait_for(" signals: ", Duration::from_secs(60))
            .is_some(),
        "no progress line: {:?}",
        lines.seen
    );
    let out = python::run_ok(
        python::command(&python, "tests/runlog/scripts/watch_log.py")
            .arg(&log)
            .arg("signals"),
    );
    let counts: Vec<u64> = serde_json::from_slice(&out.stdout).expect("JSON list of counts");
    assert!(counts[0] > 0, "nothing visible after 1 s: {counts:?}");
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "rows went back: {counts:?}"
    );
    assert!(
        counts.last() > counts.first(),
        "the rows did not grow: {counts:?}"
    );
    run.stop();
}
