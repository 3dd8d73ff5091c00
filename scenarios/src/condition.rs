//! Conditions of conditional timeline actions: when a recorded signal meets one. Pure: the
//! recorder's live watcher (real time) and the pass-by-pass resolution (virtual time) both
//! ask these functions.

use crate::check::Edge;

/// Whether `value` (already divided by the base) meets `edge`.
pub fn met(edge: Edge, value: f64) -> bool {
    match edge {
        Edge::Above(x) => value >= x,
        Edge::Below(x) => value <= x,
    }
}

/// Run time (ns since `origin`) of the first sample at or after `after` (ns) whose value
/// divided by `base` meets `edge`.
pub fn first_crossing(
    ts: &[i64],
    values: &[f64],
    origin: i64,
    base: f64,
    edge: Edge,
    after: i64,
) -> Option<i64> {
    ts.iter()
        .zip(values)
        .map(|(&t, &v)| (t - origin, v / base))
        .find(|&(t, v)| t >= after && met(edge, v))
        .map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_crossing_after_the_start_counts() {
        let ts = [100, 200, 300, 400];
        let v = [2.0, 0.5, 2.0, 0.5];
        assert_eq!(
            first_crossing(&ts, &v, 100, 1.0, Edge::Below(1.0), 0),
            Some(100)
        );
        assert_eq!(
            first_crossing(&ts, &v, 100, 1.0, Edge::Below(1.0), 150),
            Some(300)
        );
        assert_eq!(
            first_crossing(&ts, &v, 100, 2.0, Edge::Above(1.0), 1),
            Some(200)
        );
        assert_eq!(first_crossing(&ts, &v, 100, 1.0, Edge::Above(5.0), 0), None);
    }
}
