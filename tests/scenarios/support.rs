//! Running `gridhil test` from the repository root (the suite's paths are relative to it);
//! the rest comes from `gridhil-test-support`.

use gridhil_test_support::process::{gridhil, repo_root};
use std::path::Path;
use std::process::Output;

pub use gridhil_test_support::process::{repo, text};

/// Runs `gridhil test ARGS --quiet` in the repository root.
pub fn gridhil_test(args: &[&str]) -> Output {
    gridhil()
        .arg("test")
        .args(args)
        .arg("--quiet")
        .current_dir(repo_root())
        .output()
        .expect("gridhil runs")
}

/// The JSON report of a run.
pub fn json_report(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file).expect("JSON report written");
    serde_json::from_str(&text).expect("JSON report parses")
}
