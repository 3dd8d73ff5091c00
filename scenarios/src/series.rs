//! A signal over time as assertions see it: sample instants in seconds of run time and
//! values, in time order. Not a store: the recorder fills it, evaluators only read it.

/// Samples `(t, v)` of one signal, `t` in seconds since the start of the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Instants (s), not falling.
    pub t: Vec<f64>,
    /// Values.
    pub v: Vec<f64>,
}

impl Series {
    /// A series from instants and values of the same length.
    pub fn new(t: Vec<f64>, v: Vec<f64>) -> Self {
        debug_assert_eq!(t.len(), v.len());
        Series { t, v }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.t.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.t.is_empty()
    }

    /// The samples with `from <= t <= to`.
    pub fn window(&self, from: f64, to: f64) -> Series {
        let start = self.t.partition_point(|&t| t < from);
        let end = self.t.partition_point(|&t| t <= to);
        let end = end.max(start);
        Series {
            t: self.t[start..end].to_vec(),
            v: self.v[start..end].to_vec(),
        }
    }

    /// Every value divided by `base` (per-unit values).
    pub fn scaled(mut self, base: f64) -> Series {
        if base != 1.0 {
            for v in &mut self.v {
                *v /= base;
            }
        }
        self
    }

    /// The value at `t`, linear between samples; `None` outside the samples.
    pub fn at(&self, t: f64) -> Option<f64> {
        let i = self.t.partition_point(|&x| x < t);
        if i < self.t.len() && self.t[i] == t {
            return Some(self.v[i]);
        }
        if i == 0 || i >= self.t.len() {
            return None;
        }
        let (t0, t1, v0, v1) = (self.t[i - 1], self.t[i], self.v[i - 1], self.v[i]);
        Some(v0 + (v1 - v0) * (t - t0) / (t1 - t0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_include_both_ends_and_values_interpolate() {
        let s = Series::new(vec![0.0, 1.0, 2.0, 3.0], vec![0.0, 10.0, 20.0, 30.0]);
        assert_eq!(s.window(1.0, 2.0).t, vec![1.0, 2.0]);
        assert!(s.window(5.0, 6.0).is_empty());
        assert_eq!(s.at(1.5), Some(15.0));
        assert_eq!(s.at(3.0), Some(30.0));
        assert_eq!(s.at(3.5), None);
        assert_eq!(s.clone().scaled(10.0).v, vec![0.0, 1.0, 2.0, 3.0]);
    }
}
