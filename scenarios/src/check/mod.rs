//! Assertion evaluators: pure functions over [`Series`](crate::series::Series) (already cut
//! to the assertion's window), each returning a [`Check`] with the measured value against
//! the limit. No engine, no file, no clock: unit-tested against closed-form values here and
//! against numpy in `tests/scenarios/`.

mod band;
mod counters;
mod envelope;
mod event;
mod frequency;
mod settle;
mod step;
mod tracks;

pub use band::band;
pub use counters::{problem_counters, CounterProblem};
pub use envelope::{envelope, Curve};
pub use event::{event_before, Edge};
pub use frequency::{nadir, rocof};
pub use settle::settle;
pub use step::{step, StepLimits, StepMetrics};
pub use tracks::tracks;

/// What an evaluator found.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Whether the assertion holds.
    pub passed: bool,
    /// The measured value the verdict rests on (the worst one).
    pub measured: f64,
    /// The limit it was held against.
    pub limit: f64,
    /// Run time (s) of the measured value, when it has one.
    pub at: Option<f64>,
    /// One line: the measured value against the limit.
    pub message: String,
}

impl Check {
    fn new(passed: bool, measured: f64, limit: f64, at: Option<f64>, message: String) -> Self {
        Check {
            passed,
            measured,
            limit,
            at,
            message,
        }
    }

    /// A failure without a measurement (no samples in the window).
    pub fn no_samples() -> Self {
        Check::new(
            false,
            f64::NAN,
            f64::NAN,
            None,
            "no samples in the window".into(),
        )
    }
}

/// A number as the messages write it: 6 significant digits, trailing zeros dropped.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (5 - magnitude).clamp(0, 9) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A time in seconds as the messages write it.
pub fn secs(t: f64) -> String {
    format!("{} s", num(t))
}
