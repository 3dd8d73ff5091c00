//! `event`: something happens (a breaker opens, a trip arrives) before a deadline: the
//! signal crosses a threshold in the given direction.

use super::{num, secs, Check};
use crate::series::Series;

/// Which crossing counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edge {
    /// The value rises to or above the threshold.
    Above(f64),
    /// The value falls to or below the threshold.
    Below(f64),
}

/// The first sample meeting `edge`; checks that it comes at or before `deadline`.
pub fn event_before(s: &Series, edge: Edge, deadline: f64) -> Check {
    let (met, what, threshold) = match edge {
        Edge::Above(x) => (s.v.iter().position(|&v| v >= x), "rises to", x),
        Edge::Below(x) => (s.v.iter().position(|&v| v <= x), "falls to", x),
    };
    match met {
        Some(i) => {
            let at = s.t[i];
            let passed = at <= deadline;
            Check::new(
                passed,
                at,
                deadline,
                Some(at),
                format!(
                    "{what} {} at {} ({}), deadline {}",
                    num(threshold),
                    secs(at),
                    num(s.v[i]),
                    secs(deadline)
                ),
            )
        }
        None => Check::new(
            false,
            f64::INFINITY,
            deadline,
            None,
            format!(
                "never {what} {} in the window (deadline {})",
                num(threshold),
                secs(deadline)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breaker_opening_is_found_at_its_instant() {
        let t: Vec<f64> = (0..100).map(|k| k as f64 * 0.01).collect();
        let v: Vec<f64> = t
            .iter()
            .map(|&t| if t < 0.37 { 1.0 } else { 0.0 })
            .collect();
        let s = Series::new(t, v);
        let c = event_before(&s, Edge::Below(0.5), 0.4);
        assert!(c.passed);
        assert!((c.measured - 0.37).abs() < 1e-12);
        assert!(!event_before(&s, Edge::Below(0.5), 0.3).passed);
        assert!(!event_before(&s, Edge::Above(2.0), 1.0).passed);
    }
}
