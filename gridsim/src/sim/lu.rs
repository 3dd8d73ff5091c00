//! Dense LU factorisation with partial pivoting, allocated once.

/// A square matrix and its in-place LU factors (row-major, rows swapped
/// physically during pivoting; the permutation is kept for the solve).
#[derive(Debug, Clone)]
pub(crate) struct DenseLu {
    n: usize,
    a: Vec<f64>,
    perm: Vec<usize>,
}

impl DenseLu {
    /// An `n` × `n` zero matrix.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            a: vec![0.0; n * n],
            perm: (0..n).collect(),
        }
    }

    /// Clears the matrix before stamping.
    pub fn clear(&mut self) {
        self.a.fill(0.0);
    }

    /// Adds `value` at (`row`, `col`).
    #[inline]
    pub fn add(&mut self, row: usize, col: usize, value: f64) {
        self.a[row * self.n + col] += value;
    }

    /// Factorises in place. On a vanishing pivot returns the original index
    /// of the unknown (column) that could not be eliminated.
    pub fn factor(&mut self) -> Result<(), usize> {
        let n = self.n;
        for (i, p) in self.perm.iter_mut().enumerate() {
            *p = i;
        }
        let scale = self.a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let tiny = scale * 1e-13;
        for k in 0..n {
            let (mut best, mut best_row) = (0.0f64, k);
            for r in k..n {
                let v = self.a[r * n + k].abs();
                if v > best {
                    best = v;
                    best_row = r;
                }
            }
            if !(best > tiny) {
                return Err(k);
            }
            if best_row != k {
                for c in 0..n {
                    self.a.swap(k * n + c, best_row * n + c);
                }
                self.perm.swap(k, best_row);
            }
            let pivot = self.a[k * n + k];
            let (upper, lower) = self.a.split_at_mut((k + 1) * n);
            let row_k = &upper[k * n + k + 1..k * n + n];
            for row in lower.chunks_exact_mut(n) {
                let f = row[k] / pivot;
                row[k] = f;
                if f != 0.0 {
                    for (x, &u) in row[k + 1..].iter_mut().zip(row_k) {
                        *x -= f * u;
                    }
                }
            }
        }
        Ok(())
    }

    /// Solves `A x = b` with the factors; `b` is the right-hand side and
    /// `x` receives the solution (both of length `n`).
    pub fn solve(&self, b: &[f64], x: &mut [f64]) {
        let n = self.n;
        for (xi, &p) in x.iter_mut().zip(&self.perm) {
            *xi = b[p];
        }
        for i in 1..n {
            let row = &self.a[i * n..i * n + i];
            let s: f64 = row.iter().zip(&x[..i]).map(|(l, v)| l * v).sum();
            x[i] -= s;
        }
        for i in (0..n).rev() {
            let row = &self.a[i * n + i + 1..i * n + n];
            let s: f64 = row.iter().zip(&x[i + 1..]).map(|(u, v)| u * v).sum();
            x[i] = (x[i] - s) / self.a[i * n + i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_pivoting_system() {
        // [0 1 2; 1 0 3; 4 -3 8] x = b, x = [1, 2, 3]
        let m = [[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [4.0, -3.0, 8.0]];
        let mut lu = DenseLu::new(3);
        for (r, row) in m.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                lu.add(r, c, *v);
            }
        }
        let b = [8.0, 10.0, 22.0];
        lu.factor().unwrap();
        let mut x = [0.0; 3];
        lu.solve(&b, &mut x);
        for (xi, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((xi - want).abs() < 1e-12, "{x:?}");
        }
    }

    #[test]
    fn reports_singular_column() {
        let mut lu = DenseLu::new(2);
        lu.add(0, 0, 1.0);
        lu.add(1, 0, 1.0);
        assert_eq!(lu.factor(), Err(1));
    }
}
