//! `band`: every sample of the window lies within `[min, max]`.

use super::{num, secs, Check};
use crate::series::Series;

/// Checks that every value lies in `[min, max]`; the measured value is the one farthest
/// outside (or, when all are inside, the one closest to a limit).
pub fn band(s: &Series, min: f64, max: f64) -> Check {
    if s.is_empty() {
        return Check::no_samples();
    }
    // Margin of each sample: distance to the nearer limit, negative outside.
    let mut worst = (f64::INFINITY, 0usize, true);
    for (i, &v) in s.v.iter().enumerate() {
        let (margin, low) = if v - min < max - v {
            (v - min, true)
        } else {
            (max - v, false)
        };
        let margin = if v.is_nan() {
            f64::NEG_INFINITY
        } else {
            margin
        };
        if margin < worst.0 {
            worst = (margin, i, low);
        }
    }
    let (margin, i, low) = worst;
    let (value, at) = (s.v[i], s.t[i]);
    let limit = if low { min } else { max };
    if margin >= 0.0 {
        Check::new(
            true,
            value,
            limit,
            Some(at),
            format!(
                "within [{}, {}]; closest {} at {}",
                num(min),
                num(max),
                num(value),
                secs(at)
            ),
        )
    } else {
        let side = if low {
            "below the minimum"
        } else {
            "above the maximum"
        };
        Check::new(
            false,
            value,
            limit,
            Some(at),
            format!("{} at {} is {side} {}", num(value), secs(at), num(limit)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_passes_a_band_wider_than_its_amplitude_and_fails_a_narrower_one() {
        let t: Vec<f64> = (0..1000).map(|k| k as f64 * 1e-3).collect();
        let v: Vec<f64> = t
            .iter()
            .map(|t| (2.0 * std::f64::consts::PI * 5.0 * t).sin())
            .collect();
        let s = Series::new(t, v);
        assert!(band(&s, -1.0, 1.0).passed);
        let c = band(&s, -0.9, 0.9);
        assert!(!c.passed);
        // The first peak of sin(2π·5t) is at t = 50 ms, value 1.
        assert_eq!(c.at, Some(0.05));
        assert!((c.measured - 1.0).abs() < 1e-12);
        assert!(c.message.contains("above the maximum 0.9"), "{}", c.message);
    }
}
