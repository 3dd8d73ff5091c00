//! `tracks`: a signal follows a reference within a tolerance, allowing it to lag by up to
//! a given delay.

use super::{num, secs, Check};
use crate::series::Series;

/// For each sample of `s` at `t`, the deviation is the smallest |v − r| over the reference
/// samples in `[t − delay, t]` and the latest one at or before `t − delay` (its value
/// holds);
/// checks that the largest deviation is at most `tolerance`.
pub fn tracks(s: &Series, reference: &Series, tolerance: f64, delay: f64) -> Check {
    if s.is_empty() || reference.is_empty() {
        return Check::no_samples();
    }
    let mut worst: Option<(f64, usize)> = None;
    for (i, (&t, &v)) in s.t.iter().zip(&s.v).enumerate() {
        let end = reference.t.partition_point(|&x| x <= t);
        if end == 0 {
            continue; // no reference yet
        }
        // The latest sample at or before t − delay (its value holds at that instant).
        let begin = reference
            .t
            .partition_point(|&x| x <= t - delay)
            .saturating_sub(1);
        let deviation = reference.v[begin..end]
            .iter()
            .map(|r| (v - r).abs())
            .fold(f64::INFINITY, f64::min);
        if worst.is_none_or(|w| deviation > w.0) {
            worst = Some((deviation, i));
        }
    }
    let Some((deviation, i)) = worst else {
        return Check::no_samples();
    };
    let passed = deviation <= tolerance;
    Check::new(
        passed,
        deviation,
        tolerance,
        Some(s.t[i]),
        format!(
            "largest deviation {} at {} (lag up to {} allowed) {} the tolerance {}",
            num(deviation),
            secs(s.t[i]),
            secs(delay),
            if passed { "is within" } else { "exceeds" },
            num(tolerance)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delayed_copy_tracks_with_enough_delay_allowed() {
        let t: Vec<f64> = (0..1000).map(|k| k as f64 * 1e-3).collect();
        let r: Vec<f64> = t.iter().map(|&t| (6.0 * t).sin()).collect();
        // The follower is the reference 10 ms late.
        let f: Vec<f64> = t.iter().map(|&t| (6.0 * (t - 0.01)).sin()).collect();
        // Before 10 ms the follower shows what came before the reference's first sample.
        let (r, f) = (
            Series::new(t.clone(), r),
            Series::new(t, f).window(0.01, 1.0),
        );
        assert!(tracks(&f, &r, 1e-9, 0.0105).passed);
        let c = tracks(&f, &r, 0.01, 0.0);
        // Without lag allowed: the largest |sin(6t) − sin(6(t − 0.01))| ≈ 6·0.01 = 0.06.
        assert!(!c.passed);
        assert!(
            (c.measured - 2.0 * (0.03_f64).sin()).abs() < 1e-3,
            "{}",
            c.measured
        );
    }
}
