//! The terminal lines: one per scenario, one per failed assertion with its measured value
//! against the limit, and the summary.

use crate::result::{ScenarioResult, Status};

/// The lines of one scenario's result.
pub fn scenario_lines(r: &ScenarioResult) -> Vec<String> {
    let mut lines = Vec::new();
    let word = match r.status {
        Status::Passed => "PASS ",
        Status::Failed => "FAIL ",
        Status::Error => "ERROR",
    };
    let passed = r.asserts.iter().filter(|a| a.passed).count();
    let detail = match r.status {
        Status::Error => "error".to_string(),
        _ => format!(
            "{passed}/{} assertions, {:.2} s run in {:.2} s",
            r.asserts.len(),
            r.run_s,
            r.wall_s
        ),
    };
    lines.push(format!(
        "{word} {} ({}) [{detail}]",
        r.name,
        r.file.display()
    ));
    for a in r.asserts.iter().filter(|a| !a.passed) {
        lines.push(format!(
            "      ✗ {} ({}, {}:{}): {}",
            a.name,
            a.kind,
            r.file.display(),
            a.line,
            a.message
        ));
    }
    for c in &r.conditional_actions {
        lines.push(format!(
            "      conditional action ({}:{}) taken at {:.4} s",
            r.file.display(),
            c.line,
            c.at
        ));
    }
    if let Some(e) = &r.error {
        lines.push(format!("      {e}"));
    }
    if let Some(g) = &r.golden_updated {
        lines.push(format!("      golden file rewritten: {}", g.display()));
    }
    if r.status != Status::Passed {
        if let Some(log) = &r.log {
            lines.push(format!("      run log kept: {}", log.display()));
        }
    }
    lines
}

/// The summary line.
pub fn summary(results: &[ScenarioResult], wall_s: f64) -> String {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    format!(
        "{} scenarios: {} passed, {} failed, {} errors in {:.2} s",
        results.len(),
        count(Status::Passed),
        count(Status::Failed),
        count(Status::Error),
        wall_s
    )
}
