//! From PMU arrivals to numbered rows in the reader's [`Handoff`], for the aligner thread
//! (real time) and the virtual-time reader alike; no thread, no clock: time is an argument.

use super::align::{Accepted, Aligner, Arrival, Row, Slot};
use super::config::PmuSpec;
use super::counters::PdcCounters;
use super::handoff::{Handoff, Notifier};
use gridhil_engine::signal::{Complex, Value};
use gridhil_engine::units::Nanos;
use std::sync::Arc;

/// Rows the aligner holds at most (older ones go out incomplete).
const MAX_PENDING: usize = 1024;

/// The values a missing PMU leaves in a row: NaN (complex NaN for phasors), -1 for
/// digital words and the status word.
fn missing_values(spec: &PmuSpec) -> Vec<Value> {
    let nan = Value::F64(f64::NAN);
    let mut values = vec![Value::Complex(Complex::new(f64::NAN, f64::NAN)); spec.phasors.len()];
    values.resize(values.len() + 2 + spec.analogs.len(), nan);
    let integers = spec.digitals.len() + usize::from(spec.stat.is_some());
    values.resize(values.len() + integers, Value::I64(-1));
    values
}

/// Aligns the PMUs' arrivals and hands the rows to the reader, numbered in order.
pub struct AlignedRows {
    aligner: Aligner,
    handoff: Arc<Handoff>,
    notifier: Notifier,
    counters: Arc<PdcCounters>,
    seq: u64,
}

impl AlignedRows {
    /// Rows of the PMUs `specs` (in row order), waiting `wait` ns for late PMUs, handed
    /// over through `handoff` (the reader is woken through `notifier`).
    pub fn new(
        specs: &[PmuSpec],
        wait: Nanos,
        handoff: Arc<Handoff>,
        notifier: Notifier,
        counters: Arc<PdcCounters>,
    ) -> Self {
        let mut slots = Vec::with_capacity(specs.len());
        let mut missing = Vec::new();
        for spec in specs {
            let values = missing_values(spec);
            slots.push(Slot {
                offset: missing.len(),
                width: values.len(),
            });
            missing.extend(values);
        }
        AlignedRows {
            aligner: Aligner::new(slots, missing, wait, MAX_PENDING),
            handoff,
            notifier,
            counters,
            seq: 0,
        }
    }

    /// When the oldest pending row's wait window ends (engine time), if any.
    pub fn next_deadline(&self) -> Option<Nanos> {
        self.aligner.next_deadline()
    }

    /// Takes the blocks of one data frame, arrived at engine time `now`; the rows they
    /// complete go out stamped `wall`.
    pub fn insert(&mut self, batch: &[Arrival], now: Nanos, wall: Nanos) {
        let Self {
            aligner,
            handoff,
            notifier,
            counters,
            seq,
        } = self;
        let mut emit = |row: &Row| emit_row(row, wall, handoff, notifier, counters, seq);
        for arrival in batch {
            match aligner.insert(arrival, now, &mut emit) {
                Accepted::Stored => {}
                Accepted::Late => counters.late.inc(),
                Accepted::Duplicate => counters.duplicates.inc(),
                Accepted::Malformed => counters.decode_errors.inc(),
                Accepted::TimeJump => counters.time_jumps.inc(),
            }
        }
    }

    /// Emits, stamped `wall`, the rows whose wait window has ended at engine time `now`.
    pub fn expire(&mut self, now: Nanos, wall: Nanos) {
        let Self {
            aligner,
            handoff,
            notifier,
            counters,
            seq,
        } = self;
        aligner.expire(now, &mut |row: &Row| {
            emit_row(row, wall, handoff, notifier, counters, seq)
        });
    }

    /// Emits every pending row, stamped `wall`, incomplete ones marked as usual.
    pub fn flush(&mut self, wall: Nanos) {
        let Self {
            aligner,
            handoff,
            notifier,
            counters,
            seq,
        } = self;
        aligner.flush(&mut |row: &Row| emit_row(row, wall, handoff, notifier, counters, seq));
    }
}

/// Copies a row into a free record and wakes the reader.
fn emit_row(
    row: &Row,
    wall: Nanos,
    handoff: &Handoff,
    notifier: &mut Notifier,
    counters: &PdcCounters,
    seq: &mut u64,
) {
    counters.count_row(row.missing);
    let Some(mut record) = handoff.take_free() else {
        counters.queue_full.inc();
        return;
    };
    for (slot, value) in record.values.iter_mut().zip(&row.values) {
        *slot = *value;
    }
    record.seq = *seq;
    *seq += 1;
    record.ts_origin = row.ts;
    record.ts_received = wall;
    record.flags = row.flags;
    handoff.submit(record);
    notifier.notify();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdc::config::PmuSpec;
    use gridhil_engine::node::Batch;
    use gridhil_engine::sample::{SampleFlags, SamplePool};

    #[test]
    fn missing_values_follow_the_signal_order() {
        let spec = PmuSpec::fixture("a");
        let values = missing_values(&spec);
        assert_eq!(values.len(), spec.signals().len());
        assert!(matches!(values[0], Value::Complex(c) if c.re.is_nan() && c.im.is_nan()));
        assert!(matches!(values[1], Value::F64(x) if x.is_nan()));
        assert!(matches!(values[3], Value::F64(x) if x.is_nan()));
        assert_eq!(values[4], Value::I64(-1));
        assert_eq!(values[5], Value::I64(-1));
    }

    /// Two PMUs: a complete row goes out at once, numbered and stamped; an incomplete
    /// one when flushed, marked; both reach the reader's samples in order.
    #[test]
    fn rows_reach_the_reader_numbered_stamped_and_marked() {
        let specs = [PmuSpec::fixture("a"), PmuSpec::fixture("a")];
        let width = 2 * specs[0].signals().len();
        let (handoff, notifier) = Handoff::new(8, width).unwrap();
        let counters = Arc::new(PdcCounters::for_pmus(&specs));
        let mut rows = AlignedRows::new(
            &specs,
            50_000_000,
            Arc::clone(&handoff),
            notifier,
            Arc::clone(&counters),
        );
        let arrival = |pmu: usize, ts: i64| Arrival {
            pmu,
            ts,
            flags: 0,
            values: vec![
                Value::Complex(Complex::new(1.0, 2.0)),
                Value::F64(50.0),
                Value::F64(0.0),
                Value::F64(3.0),
                Value::I64(4),
                Value::I64(0),
            ],
        };
        rows.insert(&[arrival(0, 20), arrival(1, 20)], 0, 1_000);
        rows.insert(&[arrival(0, 40)], 1, 2_000);
        assert_eq!(rows.next_deadline(), Some(50_000_001));
        rows.flush(3_000);
        let pool = SamplePool::new(4, width);
        let mut out = Batch::with_capacity(4);
        handoff.drain_into(&pool, &mut out);
        let got: Vec<(u64, i64, i64, bool)> = out
            .as_slice()
            .iter()
            .map(|s| {
                let stale = s.flags.contains(SampleFlags::STALE);
                (s.seq, s.ts_origin, s.ts_received, stale)
            })
            .collect();
        assert_eq!(got, vec![(0, 20, 1_000, false), (1, 40, 3_000, true)]);
        let second = out.as_slice()[1].values();
        assert_eq!(second[3], Value::F64(3.0));
        assert!(matches!(second[9], Value::F64(x) if x.is_nan()));
        assert_eq!(second[11], Value::I64(-1));
    }
}
