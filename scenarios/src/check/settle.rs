//! `settle`: the signal enters `[min, max]` within `within` of the window's start and stays
//! there to the window's end.

use super::{num, secs, Check};
use crate::series::Series;

/// The settling instant is the first sample of the final stretch inside the band; the
/// measured value is its time after `start`. Fails when the last sample is outside.
pub fn settle(s: &Series, start: f64, min: f64, max: f64, within: f64) -> Check {
    if s.is_empty() {
        return Check::no_samples();
    }
    let inside = |v: f64| v >= min && v <= max;
    let last_outside = s.v.iter().rposition(|&v| !inside(v));
    let settled_index = match last_outside {
        None => 0,
        Some(i) if i + 1 < s.len() => i + 1,
        Some(i) => {
            return Check::new(
                false,
                f64::INFINITY,
                within,
                Some(s.t[i]),
                format!(
                    "never settles into [{}, {}]: {} at {} (the window's end)",
                    num(min),
                    num(max),
                    num(s.v[i]),
                    secs(s.t[i])
                ),
            )
        }
    };
    let settled_at = s.t[settled_index];
    let took = settled_at - start;
    let passed = took <= within;
    let message = format!(
        "settles into [{}, {}] after {} (at {}), limit {}",
        num(min),
        num(max),
        secs(took),
        secs(settled_at),
        secs(within)
    );
    Check::new(passed, took, within, Some(settled_at), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First-order approach to 1: 1 − e^(−t/τ), τ = 0.1 s, sampled at 1 kHz. It enters
    /// [0.95, 1.05] at t = −τ·ln(0.05) = 0.29957 s, i.e. at the sample 0.300 s.
    #[test]
    fn a_first_order_response_settles_at_three_time_constants() {
        let t: Vec<f64> = (0..=1000).map(|k| k as f64 * 1e-3).collect();
        let v: Vec<f64> = t.iter().map(|t| 1.0 - (-t / 0.1_f64).exp()).collect();
        let s = Series::new(t, v);
        let c = settle(&s, 0.0, 0.95, 1.05, 0.31);
        assert!(c.passed, "{}", c.message);
        assert!((c.measured - 0.300).abs() < 1e-9, "{}", c.measured);
        assert!(!settle(&s, 0.0, 0.95, 1.05, 0.29).passed);
        let never = settle(&s, 0.0, 1.1, 1.2, 1.0);
        assert!(!never.passed && never.message.contains("never"));
    }
}
