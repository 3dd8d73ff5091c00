//! Rows of published measurements computed ahead of the wall clock (`lookahead`), kept
//! in a preallocated ring until their instant comes; pushing and popping never allocate.

use gridhil_engine::units::Nanos;

/// A fixed-capacity FIFO of output rows, each with its sequence number and simulated time.
#[derive(Debug)]
pub(crate) struct AheadRing {
    /// `capacity × width` values, row-major.
    values: Box<[f64]>,
    /// Sequence number of each row.
    seqs: Box<[u64]>,
    /// Simulated time of each row (ns since the start of the run).
    times: Box<[Nanos]>,
    width: usize,
    head: usize,
    len: usize,
}

/// The oldest row: sequence number, simulated time and values.
pub(crate) struct Row<'a> {
    pub(crate) seq: u64,
    pub(crate) sim_ns: Nanos,
    pub(crate) values: &'a [f64],
}

impl AheadRing {
    /// A ring for `capacity` rows (at least one) of `width` values.
    pub(crate) fn new(capacity: usize, width: usize) -> Self {
        let capacity = capacity.max(1);
        AheadRing {
            values: vec![0.0; capacity * width].into_boxed_slice(),
            seqs: vec![0; capacity].into_boxed_slice(),
            times: vec![0; capacity].into_boxed_slice(),
            width,
            head: 0,
            len: 0,
        }
    }

    /// Whether every row is in use.
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.seqs.len()
    }

    /// Appends a row; returns `false` (and stores nothing) when the ring is full. Missing
    /// values are stored as NaN, extra ones ignored.
    pub(crate) fn push(
        &mut self,
        seq: u64,
        sim_ns: Nanos,
        values: impl Iterator<Item = f64>,
    ) -> bool {
        if self.is_full() {
            return false;
        }
        let slot = (self.head + self.len) % self.seqs.len();
        let start = slot * self.width;
        if let Some(row) = self.values.get_mut(start..start + self.width) {
            let mut values = values;
            for cell in row {
                *cell = values.next().unwrap_or(f64::NAN);
            }
        }
        if let (Some(s), Some(t)) = (self.seqs.get_mut(slot), self.times.get_mut(slot)) {
            *s = seq;
            *t = sim_ns;
        }
        self.len += 1;
        true
    }

    /// The oldest row, if any.
    pub(crate) fn front(&self) -> Option<Row<'_>> {
        if self.len == 0 {
            return None;
        }
        let start = self.head * self.width;
        Some(Row {
            seq: *self.seqs.get(self.head)?,
            sim_ns: *self.times.get(self.head)?,
            values: self.values.get(start..start + self.width)?,
        })
    }

    /// Removes the oldest row.
    pub(crate) fn pop(&mut self) {
        if self.len > 0 {
            self.head = (self.head + 1) % self.seqs.len();
            self.len -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_out_in_order_and_wrap_around() {
        let mut ring = AheadRing::new(2, 2);
        assert!(ring.front().is_none());
        assert!(ring.push(0, 0, [1.0, 2.0].into_iter()));
        assert!(ring.push(1, 100, [3.0].into_iter()));
        assert!(ring.is_full());
        assert!(!ring.push(2, 200, [5.0, 6.0].into_iter()));
        let row = ring.front().unwrap();
        assert_eq!((row.seq, row.sim_ns, row.values), (0, 0, &[1.0, 2.0][..]));
        ring.pop();
        assert!(ring.push(2, 200, [5.0, 6.0, 7.0].into_iter()));
        let row = ring.front().unwrap();
        assert_eq!((row.seq, row.sim_ns), (1, 100));
        assert!(row.values[0] == 3.0 && row.values[1].is_nan());
        ring.pop();
        let row = ring.front().unwrap();
        assert_eq!((row.seq, row.values), (2, &[5.0, 6.0][..]));
        ring.pop();
        ring.pop();
        assert!(ring.front().is_none());
    }
}
