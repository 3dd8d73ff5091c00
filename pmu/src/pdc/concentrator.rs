//! The background threads of a `pdc` node: one client thread per connection (PMU
//! tables with the same connection keys share one, see [`PmuSpec::same_connection`]) and the aligner
//! thread, which aligns their frames ([`Aligner`]) and hands the rows to the reader
//! through preallocated records.

use super::align::{Accepted, Aligner, Arrival, Row, Slot};
use super::client::{Client, Member, Shared, Timing};
use super::reader::{Handoff, Notifier};
use super::{PdcCounters, PmuSpec};
use gridhil_engine::clock::Clock;
use gridhil_engine::node::NodeError;
use gridhil_engine::signal::{Complex, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Data frames (batches of arrivals) queued from the client threads to the aligner
/// thread.
const ARRIVALS: usize = 4096;
/// Rows the aligner holds at most (older ones go out incomplete).
const MAX_PENDING: usize = 1024;
/// Longest sleep of the aligner thread (to see the stop flag).
const POLL: Duration = Duration::from_millis(100);

/// Handle of a node's background threads.
pub struct Concentrator {
    clients: Vec<Client>,
    aligner: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

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

impl Concentrator {
    /// Starts one client thread per connection and the aligner thread.
    pub fn start(
        specs: Vec<PmuSpec>,
        timing: Timing,
        wait: i64,
        handoff: Arc<Handoff>,
        notifier: Notifier,
        clock: Arc<dyn Clock>,
        counters: Arc<PdcCounters>,
    ) -> Result<Concentrator, NodeError> {
        let mut slots = Vec::with_capacity(specs.len());
        let mut missing = Vec::new();
        for spec in &specs {
            let values = missing_values(spec);
            slots.push(Slot {
                offset: missing.len(),
                width: values.len(),
            });
            missing.extend(values);
        }
        let aligner = Aligner::new(slots, missing, wait, MAX_PENDING);
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel(ARRIVALS);
        let mut concentrator = Concentrator {
            clients: Vec::with_capacity(specs.len()),
            aligner: None,
            stop: Arc::clone(&stop),
        };
        let mut thread = AlignerThread {
            aligner,
            arrivals: rx,
            handoff,
            notifier,
            clock: Arc::clone(&clock),
            counters: Arc::clone(&counters),
            stop: Arc::clone(&stop),
            seq: 0,
        };
        concentrator.aligner = Some(
            std::thread::Builder::new()
                .name("pdc-align".into())
                .spawn(move || thread.run())
                .map_err(|e| NodeError::io("cannot start the pdc aligner thread", e))?,
        );
        for members in connections(specs) {
            let shared = Shared {
                arrivals: tx.clone(),
                clock: Arc::clone(&clock),
                counters: Arc::clone(&counters),
                stop: Arc::clone(&stop),
            };
            // On error, `concentrator` is dropped and stops the threads already started.
            concentrator
                .clients
                .push(Client::start(members, timing, shared)?);
        }
        Ok(concentrator)
    }

    /// Stops every thread (the clients turn data off first).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for client in &mut self.clients {
            client.join();
        }
        if let Some(thread) = self.aligner.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Concentrator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The PMU tables grouped by connection, in table order.
fn connections(specs: Vec<PmuSpec>) -> Vec<Vec<Member>> {
    let mut groups: Vec<Vec<Member>> = Vec::new();
    for (index, spec) in specs.into_iter().enumerate() {
        let member = Member { index, spec };
        match groups.iter_mut().find(|g| {
            g.first()
                .is_some_and(|m| m.spec.same_connection(&member.spec))
        }) {
            Some(group) => group.push(member),
            None => groups.push(vec![member]),
        }
    }
    groups
}

struct AlignerThread {
    aligner: Aligner,
    arrivals: Receiver<Vec<Arrival>>,
    handoff: Arc<Handoff>,
    notifier: Notifier,
    clock: Arc<dyn Clock>,
    counters: Arc<PdcCounters>,
    stop: Arc<AtomicBool>,
    seq: u64,
}

impl AlignerThread {
    fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            let now = self.clock.monotonic();
            let timeout = self
                .aligner
                .next_deadline()
                .map(|d| Duration::from_nanos(d.saturating_sub(now).max(0).unsigned_abs()))
                .unwrap_or(POLL)
                .min(POLL);
            let received = self.arrivals.recv_timeout(timeout);
            let now = self.clock.monotonic();
            let wall = self.clock.wall();
            let Self {
                aligner,
                handoff,
                notifier,
                counters,
                seq,
                ..
            } = self;
            let mut emit = |row: &Row| emit_row(row, wall, handoff, notifier, counters, seq);
            match received {
                // The blocks of one data frame go in together, before any expiry.
                Ok(batch) => {
                    for arrival in &batch {
                        match aligner.insert(arrival, now, &mut emit) {
                            Accepted::Stored => {}
                            Accepted::Late => counters.late.inc(),
                            Accepted::Duplicate => counters.duplicates.inc(),
                            Accepted::Malformed => counters.decode_errors.inc(),
                            Accepted::TimeJump => counters.time_jumps.inc(),
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            aligner.expire(now, &mut emit);
        }
        self.finish();
    }

    /// At stop (the client threads have ended): the frames still queued go in, then
    /// every pending row goes out, incomplete ones marked as usual.
    fn finish(&mut self) {
        let now = self.clock.monotonic();
        let wall = self.clock.wall();
        let Self {
            aligner,
            arrivals,
            handoff,
            notifier,
            counters,
            seq,
            ..
        } = self;
        let mut emit = |row: &Row| emit_row(row, wall, handoff, notifier, counters, seq);
        while let Ok(batch) = arrivals.try_recv() {
            for arrival in &batch {
                if aligner.insert(arrival, now, &mut emit) == Accepted::TimeJump {
                    counters.time_jumps.inc();
                }
            }
        }
        aligner.flush(&mut emit);
    }
}

/// Copies a row into a free record and wakes the reader.
fn emit_row(
    row: &Row,
    wall: i64,
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
    use crate::pdc::{ConfigFrame, Transport};

    #[test]
    fn tables_with_the_same_connection_keys_share_a_thread() {
        let spec = |idcode: u16, block: u16| PmuSpec {
            idcode,
            block,
            ..sample_spec()
        };
        let groups = connections(vec![spec(10, 11), spec(20, 20), spec(10, 12)]);
        let indexes: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| g.iter().map(|m| m.index).collect())
            .collect();
        assert_eq!(indexes, vec![vec![0, 2], vec![1]]);
    }

    fn sample_spec() -> PmuSpec {
        PmuSpec {
            name: "a".into(),
            connect: None,
            idcode: 1,
            block: 1,
            explicit_block: false,
            transport: Transport::Tcp,
            udp_bind: None,
            config: ConfigFrame::Cfg2,
            phasors: vec!["v".into()],
            analogs: vec!["x".into()],
            digitals: vec!["d".into()],
            freq: "f".into(),
            rocof: "r".into(),
            stat: Some("s".into()),
        }
    }

    #[test]
    fn missing_values_follow_the_signal_order() {
        let spec = sample_spec();
        let values = missing_values(&spec);
        assert_eq!(values.len(), spec.signals().len());
        assert!(matches!(values[0], Value::Complex(c) if c.re.is_nan() && c.im.is_nan()));
        assert!(matches!(values[1], Value::F64(x) if x.is_nan()));
        assert!(matches!(values[3], Value::F64(x) if x.is_nan()));
        assert_eq!(values[4], Value::I64(-1));
        assert_eq!(values[5], Value::I64(-1));
    }
}
