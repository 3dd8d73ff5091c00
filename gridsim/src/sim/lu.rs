//! Dense LU factorisation with partial pivoting, allocated once, with
//! sparse triangular solves.
//!
//! The factorisation (rare: start-up and switching events) runs on a dense
//! row-major matrix. Afterwards the non-zeros of L and U are copied into
//! compressed-row arrays, so that each step's forward and backward
//! substitution costs O(nnz) instead of O(n²): nodal matrices of feeders are
//! very sparse and partial pivoting on them creates little fill-in. The
//! compressed arrays are sized in [`DenseLu::prepare_sparse`]; should a later
//! factorisation need more room, the solve falls back to the dense factors
//! rather than allocate.

/// Compressed rows of a triangular factor (diagonal excluded).
#[derive(Debug, Clone, Default)]
struct Rows {
    ptr: Vec<usize>,
    idx: Vec<usize>,
    val: Vec<f64>,
}

impl Rows {
    fn clear(&mut self) {
        self.ptr.clear();
        self.idx.clear();
        self.val.clear();
        self.ptr.push(0);
    }

    /// Appends one entry; false when the reserved room is exhausted.
    fn push(&mut self, col: usize, v: f64) -> bool {
        if self.idx.len() == self.idx.capacity() {
            return false;
        }
        self.idx.push(col);
        self.val.push(v);
        true
    }

    fn end_row(&mut self) -> bool {
        if self.ptr.len() == self.ptr.capacity() {
            return false;
        }
        self.ptr.push(self.idx.len());
        true
    }

    /// Copies `other`; allocates nothing when `self` has at least `other`'s capacities.
    fn copy_from(&mut self, other: &Rows) {
        self.ptr.clone_from(&other.ptr);
        self.idx.clone_from(&other.idx);
        self.val.clone_from(&other.val);
    }

    fn reserve(&mut self, rows: usize, entries: usize) {
        self.ptr.reserve(rows + 1);
        self.idx.reserve(entries);
        self.val.reserve(entries);
    }

    #[inline]
    fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        let (a, b) = (self.ptr[i], self.ptr[i + 1]);
        self.idx[a..b]
            .iter()
            .zip(&self.val[a..b])
            .map(|(&j, &v)| v * x[j])
            .sum()
    }
}

/// A square matrix and its in-place LU factors (row-major, rows swapped
/// physically during pivoting; the permutation is kept for the solve).
#[derive(Debug, Clone)]
pub(crate) struct DenseLu {
    n: usize,
    a: Vec<f64>,
    perm: Vec<usize>,
    lower: Rows,
    upper: Rows,
    inv_diag: Vec<f64>,
    sparse: bool,
    /// Scratch: non-zero (column, value) pairs of the pivot row.
    cols: Vec<(usize, f64)>,
    /// Scratch: rows with a non-zero in the pivot column.
    rows: Vec<usize>,
}

impl DenseLu {
    /// An `n` × `n` zero matrix.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            a: vec![0.0; n * n],
            perm: (0..n).collect(),
            lower: Rows::default(),
            upper: Rows::default(),
            inv_diag: vec![0.0; n],
            sparse: false,
            cols: Vec::with_capacity(n),
            rows: Vec::with_capacity(n),
        }
    }

    /// Sizes the compressed factors for the present factorisation with
    /// `slack` times its non-zeros (allocates; call once after the first
    /// [`DenseLu::factor`]) and fills them.
    pub fn prepare_sparse(&mut self, slack: usize) {
        let nnz = self.a.iter().filter(|v| **v != 0.0).count();
        let room = (nnz * slack).min(self.n * self.n) + self.n;
        self.lower.reserve(self.n, room);
        self.upper.reserve(self.n, room);
        self.extract();
    }

    /// The matrix as stamped (before [`DenseLu::factor`]) or its factors (after).
    pub fn matrix(&self) -> &[f64] {
        &self.a
    }

    /// Reserves in `self` (same size) the capacities of `other`, so that later
    /// [`DenseLu::copy_from`] calls allocate nothing (allocates; call at set-up).
    pub fn reserve_like(&mut self, other: &DenseLu) {
        for (mine, theirs) in [
            (&mut self.lower, &other.lower),
            (&mut self.upper, &other.upper),
        ] {
            mine.ptr.reserve(theirs.ptr.capacity());
            mine.idx.reserve(theirs.idx.capacity());
            mine.val.reserve(theirs.val.capacity());
        }
    }

    /// Makes `self` an exact copy of `other` (same size): matrix, permutation and
    /// factors. Allocates nothing after [`DenseLu::reserve_like`].
    pub fn copy_from(&mut self, other: &DenseLu) {
        self.a.clone_from(&other.a);
        self.perm.clone_from(&other.perm);
        self.lower.copy_from(&other.lower);
        self.upper.copy_from(&other.upper);
        self.inv_diag.clone_from(&other.inv_diag);
        self.sparse = other.sparse;
    }

    /// Whether the last factorisation is solved with the sparse factors.
    pub fn is_sparse(&self) -> bool {
        self.sparse
    }

    /// Non-zeros of L and U (strict triangles) used by the sparse solve.
    pub fn factor_nonzeros(&self) -> usize {
        self.lower.idx.len() + self.upper.idx.len()
    }

    /// Copies the dense factors into the compressed rows, if they fit.
    fn extract(&mut self) {
        let n = self.n;
        self.lower.clear();
        self.upper.clear();
        let mut ok = true;
        for i in 0..n {
            let row = &self.a[i * n..(i + 1) * n];
            for (j, &v) in row.iter().enumerate() {
                if v == 0.0 || j == i {
                    continue;
                }
                ok &= if j < i {
                    self.lower.push(j, v)
                } else {
                    self.upper.push(j, v)
                };
            }
            ok &= self.lower.end_row() && self.upper.end_row();
            self.inv_diag[i] = 1.0 / row[i];
        }
        self.sparse = ok;
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
            // One pass down column k: pivot search and the rows that need
            // an update (the column scan is the strided, costly part).
            self.rows.clear();
            let (mut best, mut best_row) = (0.0f64, k);
            for r in k..n {
                let v = self.a[r * n + k];
                if v != 0.0 {
                    self.rows.push(r);
                    if v.abs() > best {
                        best = v.abs();
                        best_row = r;
                    }
                }
            }
            // NaN entries also fail here (`best` stays below `tiny`).
            if best <= tiny || best.is_nan() {
                return Err(k);
            }
            if best_row != k {
                for c in 0..n {
                    self.a.swap(k * n + c, best_row * n + c);
                }
                self.perm.swap(k, best_row);
                // The rows swapped places. If old row k had a zero in
                // column k, row `best_row` now has one and row k does not.
                if self.rows.first() != Some(&k) {
                    for r in self.rows.iter_mut() {
                        if *r == best_row {
                            *r = k;
                        }
                    }
                }
            }
            let pivot = self.a[k * n + k];
            let (upper, lower) = self.a.split_at_mut((k + 1) * n);
            let row_k = &upper[k * n..k * n + n];
            // Only the non-zero columns of the pivot row take part in the
            // update: nodal matrices are sparse, so the elimination costs
            // little more than the O(n²) scans.
            self.cols.clear();
            for (c, &u) in row_k.iter().enumerate().skip(k + 1) {
                if u != 0.0 {
                    self.cols.push((c, u));
                }
            }
            for &r in self.rows.iter().filter(|&&r| r > k) {
                let row = &mut lower[(r - k - 1) * n..(r - k) * n];
                let f = row[k] / pivot;
                row[k] = f;
                for &(c, u) in &self.cols {
                    row[c] -= f * u;
                }
            }
        }
        if self.lower.ptr.capacity() > 0 {
            self.extract();
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
        if self.sparse {
            for i in 0..n {
                x[i] -= self.lower.row_dot(i, x);
            }
            for i in (0..n).rev() {
                x[i] = (x[i] - self.upper.row_dot(i, x)) * self.inv_diag[i];
            }
            return;
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
        let dense = lu.clone();
        lu.prepare_sparse(1);
        assert!(lu.is_sparse());
        let mut y = [0.0; 3];
        lu.solve(&b, &mut y);
        assert_eq!(x, y);
        assert!(!dense.is_sparse());
    }

    #[test]
    fn reports_singular_column() {
        let mut lu = DenseLu::new(2);
        lu.add(0, 0, 1.0);
        lu.add(1, 0, 1.0);
        assert_eq!(lu.factor(), Err(1));
    }
}
