//! Verdicts: each assertion evaluated on the recorded series (cut to its window, divided by
//! its base) or on the run's report, as an [`AssertResult`]. Pure: no run, no file.

use crate::check::{self, Check};
use crate::file::{AssertKind, Assertion};
use crate::record::Recording;
use crate::result::AssertResult;
use gridhil_engine::RunReport;

/// An evaluator's check as a verdict.
pub fn result_of(name: String, kind: &str, line: usize, c: Check) -> AssertResult {
    AssertResult {
        name,
        kind: kind.to_string(),
        line,
        passed: c.passed,
        measured: c.measured,
        limit: c.limit,
        at: c.at,
        message: c.message,
    }
}

/// Evaluates one assertion on the recording (its signal cut to the window and scaled).
pub fn evaluate(
    a: &Assertion,
    signal: Option<usize>,
    reference: Option<usize>,
    recording: &Recording,
    report: &RunReport,
) -> AssertResult {
    let (from, to) = a.window;
    let series = |k: Option<usize>| {
        k.map(|k| recording.series(k).window(from, to).scaled(a.base))
            .unwrap_or_default()
    };
    let s = series(signal);
    let c = match &a.kind {
        AssertKind::Band { min, max } => check::band(&s, *min, *max),
        AssertKind::Settle { min, max, within } => check::settle(&s, from, *min, *max, *within),
        AssertKind::Step {
            initial,
            target,
            band,
            limits,
        } => check::step(&s, from, *initial, *target, *band, limits),
        AssertKind::Envelope {
            origin,
            lower,
            upper,
        } => check::envelope(&s, *origin, lower.as_ref(), upper.as_ref()),
        AssertKind::Nadir { min } => check::nadir(&s, *min),
        AssertKind::Rocof { over, max } => check::rocof(&s, *over, *max),
        AssertKind::Tracks {
            tolerance, delay, ..
        } => {
            // The reference from `delay` before the window on, so a lag at its start counts.
            let r = reference
                .map(|k| recording.series(k).window(from - delay, to).scaled(a.base))
                .unwrap_or_default();
            check::tracks(&s, &r, *tolerance, *delay)
        }
        AssertKind::Event { edge, before } => check::event_before(&s, *edge, *before),
        AssertKind::NoProblems { allow } => {
            let problems = check::problem_counters(report, allow);
            let message = if problems.is_empty() {
                "no drops, no late steps, no counter in problem state".to_string()
            } else {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{} {} = {}", p.owner, p.counter, p.value))
                    .collect();
                format!("problem counters above 0: {}", list.join(", "))
            };
            Check {
                passed: problems.is_empty(),
                measured: problems.iter().map(|p| p.value as f64).sum(),
                limit: 0.0,
                at: None,
                message,
            }
        }
    };
    result_of(a.name.clone(), &a.kind_name, a.line, c)
}
