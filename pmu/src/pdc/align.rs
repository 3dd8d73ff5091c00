//! Alignment of several PMUs' data on their SOC/FRACSEC time stamps.
//!
//! Pure logic with injected time (no sockets, no clock): the aligner thread feeds it
//! [`Arrival`]s and the engine clock's time, and it hands out [`Row`]s in increasing
//! time-stamp order. A row for time stamp T is emitted when every PMU has delivered T,
//! or when the wait window (measured from the first arrival of T) expires; then the
//! missing PMUs keep the "missing" values (NaN, -1) and their bit in
//! [`Row::missing`]. A complete row first flushes the older, incomplete rows: every
//! PMU has already passed their time stamp (streams arrive in order). Frames whose row
//! was already emitted are late and dropped, so rows never go backwards — except
//! after a time jump: an arrival older than the last emitted row by more than the
//! [`Aligner::horizon`] (a PMU's clock stepped back, or a bogus far-future row went
//! out) flushes the pending rows and restarts the alignment from that arrival, so one
//! wrong time stamp cannot block the stream forever.

use gridhil_engine::sample::SampleFlags;
use gridhil_engine::signal::Value;
use std::collections::VecDeque;

/// Most PMUs one aligner handles (one bit each in a `u64`).
pub const MAX_PMUS: usize = 64;

/// Where one PMU's values go in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Index of the PMU's first value in the row.
    pub offset: usize,
    /// Number of values of the PMU (its status signal included).
    pub width: usize,
}

/// One PMU's data for one time stamp.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// Index of the PMU (its `[[pmus]]` table).
    pub pmu: usize,
    /// SOC/FRACSEC, ns since the Unix epoch.
    pub ts: i64,
    /// Sample flags from the PMU's STAT.
    pub flags: u32,
    /// The PMU's values, in its signal order (`Slot::width` of them).
    pub values: Vec<Value>,
}

/// What became of an arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored in its row (which may have been emitted at once).
    Stored,
    /// Its row was already emitted: dropped.
    Late,
    /// The PMU already delivered this time stamp: dropped.
    Duplicate,
    /// Unknown PMU index or wrong number of values: dropped.
    Malformed,
    /// Older than the last emitted row by more than the horizon: a time jump. The
    /// pending rows were emitted, the alignment restarted, and the arrival stored.
    TimeJump,
}

/// Shortest time-jump horizon, ns (2 s).
pub const MIN_HORIZON: i64 = 2_000_000_000;

/// An aligned row, handed out in increasing `ts` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The time stamp, ns since the Unix epoch.
    pub ts: i64,
    /// Engine time of the first arrival for `ts`.
    pub first_arrival: i64,
    /// Bit `i` set: PMU `i` delivered nothing for `ts`.
    pub missing: u64,
    /// OR of the present PMUs' flags, plus `STALE` when a PMU is missing.
    pub flags: u32,
    /// All values; those of missing PMUs are the "missing" values.
    pub values: Vec<Value>,
}

/// Aligns the data of several PMUs.
#[derive(Debug)]
pub struct Aligner {
    slots: Vec<Slot>,
    all: u64,
    wait: i64,
    horizon: i64,
    max_pending: usize,
    missing_values: Vec<Value>,
    pending: VecDeque<Row>,
    spare: Vec<Row>,
    last_emitted: Option<i64>,
}

impl Aligner {
    /// An aligner for PMUs at `slots`, whose absent values are `missing_values` (the
    /// whole row), waiting `wait` ns for late PMUs and holding at most `max_pending`
    /// rows (older ones are emitted incomplete when more arrive).
    pub fn new(
        slots: Vec<Slot>,
        missing_values: Vec<Value>,
        wait: i64,
        max_pending: usize,
    ) -> Self {
        let count = slots.len().min(MAX_PMUS);
        let all = if count == MAX_PMUS {
            u64::MAX
        } else {
            (1u64 << count) - 1
        };
        Aligner {
            slots,
            all,
            wait,
            horizon: wait.saturating_mul(10).max(MIN_HORIZON),
            max_pending: max_pending.max(1),
            missing_values,
            pending: VecDeque::new(),
            spare: Vec::new(),
            last_emitted: None,
        }
    }

    /// Number of rows waiting for PMUs.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// How far (ns) an arrival may be older than the last emitted row and still be
    /// merely late: max(10 · wait, 2 s). Older is a time jump.
    #[cfg(test)]
    pub fn horizon(&self) -> i64 {
        self.horizon
    }

    /// Emits every pending row (incomplete ones marked as usual), oldest first: at
    /// stop, or before a time jump.
    pub fn flush(&mut self, emit: &mut impl FnMut(&Row)) {
        while !self.pending.is_empty() {
            self.emit_front(emit);
        }
    }

    /// When the oldest pending row's wait window ends (engine time), if any.
    pub fn next_deadline(&self) -> Option<i64> {
        self.pending
            .front()
            .map(|r| r.first_arrival.saturating_add(self.wait))
    }

    /// Takes one PMU's data for one time stamp, arrived at engine time `now`; emits
    /// the rows it completes (and the older rows before them).
    pub fn insert(&mut self, arrival: &Arrival, now: i64, emit: &mut impl FnMut(&Row)) -> Accepted {
        let Some(slot) = self.slots.get(arrival.pmu).copied() else {
            return Accepted::Malformed;
        };
        if arrival.pmu >= MAX_PMUS || arrival.values.len() != slot.width {
            return Accepted::Malformed;
        }
        let mut outcome = Accepted::Stored;
        if let Some(last) = self.last_emitted {
            if arrival.ts < last.saturating_sub(self.horizon) {
                // A time jump: whatever is pending goes out, then start afresh.
                self.flush(emit);
                self.last_emitted = None;
                outcome = Accepted::TimeJump;
            } else if arrival.ts <= last {
                return Accepted::Late;
            }
        }
        let bit = 1u64 << arrival.pmu;
        let index = match self.pending.binary_search_by_key(&arrival.ts, |r| r.ts) {
            Ok(index) => index,
            Err(index) => {
                let mut row = self.spare.pop().unwrap_or_else(|| Row {
                    ts: 0,
                    first_arrival: 0,
                    missing: 0,
                    flags: 0,
                    values: Vec::new(),
                });
                row.ts = arrival.ts;
                row.first_arrival = now;
                row.missing = self.all;
                row.flags = 0;
                row.values.clear();
                row.values.extend_from_slice(&self.missing_values);
                self.pending.insert(index, row);
                index
            }
        };
        let Some(row) = self.pending.get_mut(index) else {
            return Accepted::Malformed;
        };
        if row.missing & bit == 0 {
            return Accepted::Duplicate;
        }
        row.missing &= !bit;
        row.flags |= arrival.flags;
        if let Some(dest) = row.values.get_mut(slot.offset..slot.offset + slot.width) {
            dest.copy_from_slice(&arrival.values);
        }
        if row.missing == 0 {
            // Complete: it and every older row go out.
            for _ in 0..=index {
                self.emit_front(emit);
            }
        }
        while self.pending.len() > self.max_pending {
            self.emit_front(emit);
        }
        outcome
    }

    /// Emits the rows whose wait window has ended at engine time `now`, oldest first;
    /// a row waits for the older rows before it.
    pub fn expire(&mut self, now: i64, emit: &mut impl FnMut(&Row)) {
        while self.next_deadline().is_some_and(|deadline| deadline <= now) {
            self.emit_front(emit);
        }
    }

    fn emit_front(&mut self, emit: &mut impl FnMut(&Row)) {
        let Some(mut row) = self.pending.pop_front() else {
            return;
        };
        if row.missing != 0 {
            row.flags |= SampleFlags::STALE;
        }
        self.last_emitted = Some(row.ts);
        emit(&row);
        self.spare.push(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    /// Two PMUs of two values each; missing = NaN.
    fn aligner(wait: i64) -> Aligner {
        Aligner::new(
            vec![
                Slot {
                    offset: 0,
                    width: 2,
                },
                Slot {
                    offset: 2,
                    width: 2,
                },
            ],
            vec![Value::F64(f64::NAN); 4],
            wait,
            8,
        )
    }

    fn arrival(pmu: usize, ts: i64, v: f64) -> Arrival {
        Arrival {
            pmu,
            ts,
            flags: 0,
            values: vec![Value::F64(v), Value::I64(pmu as i64)],
        }
    }

    fn collect(rows: &mut Vec<Row>) -> impl FnMut(&Row) + '_ {
        move |r| rows.push(r.clone())
    }

    #[test]
    fn complete_rows_go_out_at_once() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        assert_eq!(
            a.insert(&arrival(0, 20 * MS, 1.0), 0, &mut collect(&mut rows)),
            Accepted::Stored
        );
        assert!(rows.is_empty());
        assert_eq!(a.next_deadline(), Some(50 * MS));
        a.insert(&arrival(1, 20 * MS, 2.0), 10 * MS, &mut collect(&mut rows));
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!((row.ts, row.missing, row.flags), (20 * MS, 0, 0));
        assert_eq!(
            row.values,
            vec![
                Value::F64(1.0),
                Value::I64(0),
                Value::F64(2.0),
                Value::I64(1)
            ]
        );
        assert_eq!(a.pending(), 0);
        assert_eq!(a.next_deadline(), None);
    }

    #[test]
    fn missing_pmu_is_marked_when_the_window_ends() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        a.insert(&arrival(0, 20 * MS, 1.0), 100 * MS, &mut collect(&mut rows));
        a.expire(149 * MS, &mut collect(&mut rows));
        assert!(rows.is_empty(), "the window is still open");
        a.expire(150 * MS, &mut collect(&mut rows));
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.missing, 0b10);
        assert_eq!(row.flags, SampleFlags::STALE);
        assert_eq!(row.values[0], Value::F64(1.0));
        assert!(matches!(row.values[2], Value::F64(x) if x.is_nan()));
        // PMU 1's frame for 20 ms comes after the row went out: late, dropped.
        assert_eq!(
            a.insert(&arrival(1, 20 * MS, 2.0), 160 * MS, &mut collect(&mut rows)),
            Accepted::Late
        );
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn a_complete_row_flushes_older_incomplete_rows_in_order() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        a.insert(&arrival(0, 20 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(0, 40 * MS, 1.0), 1, &mut collect(&mut rows));
        a.insert(&arrival(1, 40 * MS, 2.0), 2, &mut collect(&mut rows));
        let ts: Vec<i64> = rows.iter().map(|r| r.ts).collect();
        assert_eq!(ts, vec![20 * MS, 40 * MS]);
        assert_eq!(rows[0].missing, 0b10);
        assert_eq!(rows[1].missing, 0);
    }

    #[test]
    fn out_of_order_arrivals_are_sorted_and_duplicates_dropped() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        a.insert(&arrival(0, 40 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(0, 20 * MS, 1.0), 1, &mut collect(&mut rows));
        assert_eq!(
            a.insert(&arrival(0, 20 * MS, 9.0), 2, &mut collect(&mut rows)),
            Accepted::Duplicate
        );
        a.insert(&arrival(1, 20 * MS, 2.0), 3, &mut collect(&mut rows));
        a.insert(&arrival(1, 40 * MS, 2.0), 4, &mut collect(&mut rows));
        let ts: Vec<i64> = rows.iter().map(|r| r.ts).collect();
        assert_eq!(ts, vec![20 * MS, 40 * MS]);
        assert!(rows.iter().all(|r| r.missing == 0));
        assert_eq!(rows[0].values[0], Value::F64(1.0));
    }

    #[test]
    fn a_later_expired_row_waits_for_the_older_one() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        // 40 ms arrives first (at t = 0), 20 ms later (at t = 30 ms).
        a.insert(&arrival(0, 40 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(0, 20 * MS, 1.0), 30 * MS, &mut collect(&mut rows));
        assert_eq!(a.next_deadline(), Some(80 * MS));
        a.expire(60 * MS, &mut collect(&mut rows));
        assert!(rows.is_empty());
        a.expire(80 * MS, &mut collect(&mut rows));
        let ts: Vec<i64> = rows.iter().map(|r| r.ts).collect();
        assert_eq!(ts, vec![20 * MS, 40 * MS]);
    }

    #[test]
    fn too_many_pending_rows_push_the_oldest_out() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        for k in 0..10 {
            a.insert(&arrival(0, k * 20 * MS, 1.0), 0, &mut collect(&mut rows));
        }
        assert_eq!(a.pending(), 8);
        assert_eq!(rows.len(), 2);
        a.expire(i64::MAX, &mut collect(&mut rows));
        assert_eq!(rows.len(), 10);
        assert!(rows.windows(2).all(|w| w[0].ts < w[1].ts));
    }

    #[test]
    fn malformed_arrivals_are_rejected() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        assert_eq!(
            a.insert(&arrival(2, 0, 1.0), 0, &mut collect(&mut rows)),
            Accepted::Malformed
        );
        let short = Arrival {
            pmu: 0,
            ts: 0,
            flags: 0,
            values: vec![Value::F64(1.0)],
        };
        assert_eq!(
            a.insert(&short, 0, &mut collect(&mut rows)),
            Accepted::Malformed
        );
        assert_eq!(a.pending(), 0);
    }

    /// Random arrivals (3 PMUs, jittered time stamps, duplicates, late frames, random
    /// expiries): rows strictly increasing, each PMU's values in a row are the ones it
    /// sent for that time stamp (or the missing values), no row emitted twice.
    #[test]
    fn random_arrivals_keep_the_invariants() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let slot = |i: usize| Slot {
            offset: 2 * i,
            width: 2,
        };
        let mut a = Aligner::new(
            vec![slot(0), slot(1), slot(2)],
            [Value::F64(f64::NAN), Value::I64(-1)].repeat(3),
            50 * MS,
            16,
        );
        let mut rows: Vec<Row> = Vec::new();
        let mut now = 0;
        for step in 0..20_000i64 {
            now += i64::try_from(next(10)).unwrap() * MS;
            let pmu = usize::try_from(next(3)).unwrap();
            // Time stamps around the current step, some of them old.
            let ts = (step / 3 - i64::try_from(next(8)).unwrap()) * 20 * MS;
            let value = (ts / MS) as f64 + pmu as f64 / 10.0;
            let arrival = Arrival {
                pmu,
                ts,
                flags: 0,
                values: vec![Value::F64(value), Value::I64(pmu as i64)],
            };
            a.insert(&arrival, now, &mut collect(&mut rows));
            if next(4) == 0 {
                a.expire(now, &mut collect(&mut rows));
            }
        }
        a.expire(i64::MAX, &mut collect(&mut rows));
        assert!(rows.len() > 1000, "{} rows", rows.len());
        assert!(rows.windows(2).all(|w| w[0].ts < w[1].ts));
        for row in &rows {
            for pmu in 0..3 {
                let values = &row.values[2 * pmu..2 * pmu + 2];
                if row.missing & (1 << pmu) == 0 {
                    let expected = (row.ts / MS) as f64 + pmu as f64 / 10.0;
                    assert_eq!(values, [Value::F64(expected), Value::I64(pmu as i64)]);
                } else {
                    assert!(matches!(values[0], Value::F64(x) if x.is_nan()));
                    assert_eq!(values[1], Value::I64(-1));
                }
            }
            assert_eq!(row.flags & SampleFlags::STALE != 0, row.missing != 0);
        }
    }

    #[test]
    fn one_pmu_passes_every_frame_through() {
        let mut a = Aligner::new(
            vec![Slot {
                offset: 0,
                width: 2,
            }],
            vec![Value::F64(f64::NAN); 2],
            50 * MS,
            8,
        );
        let mut rows = Vec::new();
        for k in 0..5 {
            a.insert(&arrival(0, k * 20 * MS, 1.0), k, &mut collect(&mut rows));
        }
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|r| r.missing == 0 && r.flags == 0));
    }

    #[test]
    fn a_far_future_row_does_not_block_the_stream() {
        let mut a = aligner(50 * MS);
        assert_eq!(a.horizon(), MIN_HORIZON);
        let mut rows = Vec::new();
        // SOC = 0xFFFFFFFF (year 2106) from both PMUs: one row goes out.
        let future = 0xFFFF_FFFF_i64 * 1_000 * MS;
        a.insert(&arrival(0, future, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(1, future, 1.0), 1, &mut collect(&mut rows));
        assert_eq!(rows.len(), 1);
        // Normal time stamps again: a time jump, not late frames.
        let now = 1_700_000_000_000 * MS;
        assert_eq!(
            a.insert(&arrival(0, now, 2.0), 2, &mut collect(&mut rows)),
            Accepted::TimeJump
        );
        assert_eq!(
            a.insert(&arrival(1, now, 2.0), 3, &mut collect(&mut rows)),
            Accepted::Stored
        );
        let ts: Vec<i64> = rows.iter().map(|r| r.ts).collect();
        assert_eq!(ts, vec![future, now]);
        assert_eq!(rows[1].missing, 0);
        // Within the horizon, an old frame is still just late.
        assert_eq!(
            a.insert(&arrival(0, now - 100 * MS, 2.0), 4, &mut collect(&mut rows)),
            Accepted::Late
        );
    }

    #[test]
    fn a_clock_stepping_back_flushes_the_pending_rows_first() {
        let mut a = aligner(500 * MS);
        assert_eq!(a.horizon(), 5_000 * MS);
        let mut rows = Vec::new();
        a.insert(&arrival(0, 10_000 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(1, 10_000 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(0, 10_020 * MS, 1.0), 0, &mut collect(&mut rows));
        assert_eq!((rows.len(), a.pending()), (1, 1));
        // 4 s back: late. 6 s back: a jump, which first emits the pending 10.02 s row.
        assert_eq!(
            a.insert(&arrival(1, 6_000 * MS, 1.0), 1, &mut collect(&mut rows)),
            Accepted::Late
        );
        assert_eq!(
            a.insert(&arrival(1, 4_000 * MS, 1.0), 1, &mut collect(&mut rows)),
            Accepted::TimeJump
        );
        let ts: Vec<i64> = rows.iter().map(|r| r.ts).collect();
        assert_eq!(ts, vec![10_000 * MS, 10_020 * MS]);
        assert_eq!(rows[1].missing, 0b10);
        assert_eq!(a.pending(), 1);
        a.insert(&arrival(0, 4_000 * MS, 1.0), 2, &mut collect(&mut rows));
        assert_eq!(
            rows.last().map(|r| (r.ts, r.missing)),
            Some((4_000 * MS, 0))
        );
    }

    #[test]
    fn flush_emits_every_pending_row_marked() {
        let mut a = aligner(50 * MS);
        let mut rows = Vec::new();
        a.insert(&arrival(0, 20 * MS, 1.0), 0, &mut collect(&mut rows));
        a.insert(&arrival(1, 40 * MS, 1.0), 0, &mut collect(&mut rows));
        assert!(rows.is_empty());
        a.flush(&mut collect(&mut rows));
        assert_eq!(a.pending(), 0);
        let got: Vec<(i64, u64, bool)> = rows
            .iter()
            .map(|r| (r.ts, r.missing, r.flags & SampleFlags::STALE != 0))
            .collect();
        assert_eq!(got, vec![(20 * MS, 0b10, true), (40 * MS, 0b01, true)]);
    }
}
