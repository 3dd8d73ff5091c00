//! `envelope`: the signal stays between a lower and an upper curve given as points
//! `[t, value]` in seconds after an origin (e.g. a fault's instant): a ride-through curve
//! (IEEE 1547-2018, VDE-AR-N 4110) written out. Two points at the same `t` make a step.

use super::{num, secs, Check};
use crate::series::Series;

/// A piecewise-linear curve over time since an origin; before its first point it does not
/// apply, after its last point it keeps its last value.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    points: Vec<[f64; 2]>,
}

impl Curve {
    /// A curve through `points` (`t` not falling), or what is wrong with them.
    pub fn new(points: Vec<[f64; 2]>) -> Result<Self, String> {
        if points.is_empty() {
            return Err("needs at least one [t, value] point".into());
        }
        for (i, p) in points.iter().enumerate() {
            if !p[0].is_finite() || !p[1].is_finite() {
                return Err(format!("point {i} is not finite"));
            }
            if i > 0 && p[0] < points[i - 1][0] {
                return Err(format!("point {i}: times must not fall"));
            }
        }
        Ok(Curve { points })
    }

    /// The curve at `t` (time since the origin): `None` before its first point; at a step
    /// (two points at one `t`), the later point.
    pub fn at(&self, t: f64) -> Option<f64> {
        let first = self.points[0];
        if t < first[0] {
            return None;
        }
        // The last point at or before t.
        let i = self.points.partition_point(|p| p[0] <= t) - 1;
        match self.points.get(i + 1) {
            Some(next) if next[0] > self.points[i][0] => {
                let (a, b) = (self.points[i], *next);
                Some(a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0]))
            }
            _ => Some(self.points[i][1]),
        }
    }
}

/// Checks `lower(t − origin) <= v <= upper(t − origin)`; the measured value is the worst
/// sample (the farthest outside, else the closest to a curve).
pub fn envelope(s: &Series, origin: f64, lower: Option<&Curve>, upper: Option<&Curve>) -> Check {
    if s.is_empty() {
        return Check::no_samples();
    }
    // (margin, index, limit, is lower)
    let mut worst: Option<(f64, usize, f64, bool)> = None;
    for (i, (&t, &v)) in s.t.iter().zip(&s.v).enumerate() {
        let since = t - origin;
        let bounds = [
            (lower.and_then(|c| c.at(since)), true),
            (upper.and_then(|c| c.at(since)), false),
        ];
        for (bound, is_lower) in bounds {
            if let Some(limit) = bound {
                let margin = if is_lower { v - limit } else { limit - v };
                let margin = if v.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    margin
                };
                if worst.is_none_or(|w| margin < w.0) {
                    worst = Some((margin, i, limit, is_lower));
                }
            }
        }
    }
    let Some((margin, i, limit, is_lower)) = worst else {
        return Check::new(
            true,
            f64::NAN,
            f64::NAN,
            None,
            "the curves do not apply to any sample of the window".into(),
        );
    };
    let (t, v) = (s.t[i], s.v[i]);
    let curve = if is_lower { "lower" } else { "upper" };
    if margin >= 0.0 {
        Check::new(
            true,
            v,
            limit,
            Some(t),
            format!(
                "inside the envelope; closest: {} at {} ({} after the origin) against the {curve} curve {}",
                num(v),
                secs(t),
                secs(t - origin),
                num(limit)
            ),
        )
    } else {
        let side = if is_lower { "below" } else { "above" };
        Check::new(
            false,
            v,
            limit,
            Some(t),
            format!(
                "{} at {} ({} after the origin) is {side} the {curve} curve {}",
                num(v),
                secs(t),
                secs(t - origin),
                num(limit)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IEEE 1547-2018 category II low-voltage ride-through, as a lower curve of the voltage
    /// (pu) over time since the disturbance: 0.3 pu for 0.16 s, then 0.45 pu up to 0.32 s,
    /// a linear rise to 0.65 pu at 3 s, 0.88 pu from 3 s.
    fn lvrt() -> Curve {
        Curve::new(vec![
            [0.0, 0.3],
            [0.16, 0.3],
            [0.16, 0.45],
            [0.32, 0.45],
            [0.32, 0.65],
            [3.0, 0.65],
            [3.0, 0.88],
        ])
        .unwrap()
    }

    #[test]
    fn curve_steps_and_holds() {
        let c = lvrt();
        assert_eq!(c.at(-0.1), None);
        assert_eq!(c.at(0.1), Some(0.3));
        assert_eq!(c.at(0.16), Some(0.45));
        assert_eq!(c.at(10.0), Some(0.88));
        let ramp = Curve::new(vec![[0.0, 0.0], [1.0, 1.0]]).unwrap();
        assert_eq!(ramp.at(0.25), Some(0.25));
    }

    #[test]
    fn a_dip_inside_passes_and_a_long_dip_fails_at_the_step() {
        // 0.4 pu for 0.15 s, then 1 pu: inside. 0.4 pu for 0.2 s: below 0.45 at 0.16 s.
        let t: Vec<f64> = (0..1000).map(|k| k as f64 * 1e-3).collect();
        let dip = |len: f64| {
            Series::new(
                t.clone(),
                t.iter().map(|&t| if t < len { 0.4 } else { 1.0 }).collect(),
            )
        };
        assert!(envelope(&dip(0.15), 0.0, Some(&lvrt()), None).passed);
        let c = envelope(&dip(0.2), 0.0, Some(&lvrt()), None);
        assert!(!c.passed);
        assert_eq!((c.at, c.limit), (Some(0.16), 0.45));
        assert!(
            c.message.contains("below the lower curve 0.45"),
            "{}",
            c.message
        );
    }
}
