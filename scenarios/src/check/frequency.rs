//! `nadir` and `rocof`: the lowest frequency of a window, and the fastest rate of change of
//! frequency measured over a given interval.

use super::{num, secs, Check};
use crate::series::Series;

/// Checks that the lowest value is at least `min`.
pub fn nadir(s: &Series, min: f64) -> Check {
    let Some((i, &low)) = s.v.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)) else {
        return Check::no_samples();
    };
    let at = s.t[i];
    let passed = low >= min;
    Check::new(
        passed,
        low,
        min,
        Some(at),
        format!(
            "nadir {} at {} {} the minimum {}",
            num(low),
            secs(at),
            if passed { "is at or above" } else { "is below" },
            num(min)
        ),
    )
}

/// Checks that |df/dt| stays at most `max`, with df/dt at each sample taken over `over`
/// seconds: `(v(t) − v(t₀)) / (t − t₀)`, t₀ the latest sample at or before `t − over`
/// (over = 0: from one sample to the next).
pub fn rocof(s: &Series, over: f64, max: f64) -> Check {
    let mut worst: Option<(f64, usize)> = None;
    let mut j = 0usize;
    for i in 1..s.len() {
        let t = s.t[i];
        // Advance j to the latest sample at or before t − over (and before i).
        while j + 1 < i && s.t[j + 1] <= t - over {
            j += 1;
        }
        if s.t[j] > t - over || s.t[j] >= t {
            continue;
        }
        let rate = (s.v[i] - s.v[j]) / (t - s.t[j]);
        if worst.is_none_or(|w| rate.abs() > w.0.abs()) {
            worst = Some((rate, i));
        }
    }
    let Some((rate, i)) = worst else {
        return Check::no_samples();
    };
    let passed = rate.abs() <= max;
    Check::new(
        passed,
        rate.abs(),
        max,
        Some(s.t[i]),
        format!(
            "largest |rate of change| {}/s at {} {} the limit {}/s",
            num(rate.abs()),
            secs(s.t[i]),
            if passed { "is within" } else { "exceeds" },
            num(max)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A first-order frequency dip f = 50 − 0.5·(1 − e^(−t/τ)), τ = 2 s: nadir at the end,
    /// largest ROCOF at the start, 0.5/τ = 0.25 Hz/s.
    #[test]
    fn first_order_dip_nadir_and_rocof() {
        let t: Vec<f64> = (0..=10_000).map(|k| k as f64 * 1e-3).collect();
        let v: Vec<f64> = t
            .iter()
            .map(|&t| 50.0 - 0.5 * (1.0 - (-t / 2.0).exp()))
            .collect();
        let s = Series::new(t, v);
        let n = nadir(&s, 49.5);
        assert!(n.passed);
        assert!((n.measured - (50.0 - 0.5 * (1.0 - (-5.0_f64).exp()))).abs() < 1e-12);
        assert!(!nadir(&s, 49.51).passed);
        let r = rocof(&s, 0.0, 0.3);
        assert!(r.passed);
        // The first 1 ms difference: 0.5·(1 − e^(−0.0005)) / 0.001.
        assert!((r.measured - 0.5 * (1.0 - (-0.0005_f64).exp()) / 0.001).abs() < 1e-9);
        assert!(!rocof(&s, 0.0, 0.2).passed);
        // Over 100 ms: 0.5·(1 − e^(−0.05)) / 0.1.
        let r = rocof(&s, 0.1, 1.0);
        assert!(
            (r.measured - 0.5 * (1.0 - (-0.05_f64).exp()) / 0.1).abs() < 1e-9,
            "{r:?}"
        );
    }
}
