//! The JSON report: every scenario's result as the runner returns it, with a summary.

use crate::result::{ScenarioResult, Status};
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    passed: usize,
    failed: usize,
    errors: usize,
    wall_s: f64,
    scenarios: &'a [ScenarioResult],
}

/// The JSON document of a suite's results (non-finite numbers become `null`).
pub fn json(results: &[ScenarioResult], wall_s: f64) -> String {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let report = Report {
        passed: count(Status::Passed),
        failed: count(Status::Failed),
        errors: count(Status::Error),
        wall_s,
        scenarios: results,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
