//! Without real-time privileges the demo still runs, and says so in exactly one warning.

use gridhil_test_support::prelude::{repo, text};
use std::process::Command;

#[test]
fn demo_runs_without_rt_privileges_and_warns_once() {
    // As root, dropping CAP_SYS_NICE and CAP_IPC_LOCK from the bounding set makes the
    // child unprivileged for SCHED_FIFO (RLIMIT_RTPRIO is 0) and mlockall beyond the limit.
    let is_root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    let setpriv = Command::new("setpriv")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("n.h5");
    let mut command = if is_root && setpriv {
        let mut c = Command::new("setpriv");
        c.args(["--bounding-set", "-sys_nice,-ipc_lock", "--"])
            .arg(env!("CARGO_BIN_EXE_gridhil"));
        c
    } else {
        gridhil_test_support::skip("dropping privileges needs root and setpriv");
        Command::new(env!("CARGO_BIN_EXE_gridhil"))
    };
    let output = command
        .args([
            "run",
            repo("examples/demo.toml").to_str().unwrap(),
            "--duration",
            "1s",
            "--quiet",
        ])
        .args(["--log", log.to_str().unwrap()])
        .output()
        .unwrap();
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Warnings about the real-time state; others (late steps of a loaded machine without
    // SCHED_FIFO) may come and go.
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("real-time"))
        .collect();
    if is_root && setpriv {
        assert_eq!(warnings.len(), 1, "exactly one real-time warning: {stderr}");
        assert!(warnings[0].contains("SCHED_FIFO"), "{stderr}");
        assert!(out.contains("degraded"), "the report says so too: {out}");
    } else {
        assert!(
            warnings.len() <= 1,
            "at most one real-time warning: {stderr}"
        );
    }
    assert!(out.contains("10000 in, 10000 out"), "{out}");
}
