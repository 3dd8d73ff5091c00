//! Hand-over of aligned rows to the node's reader: preallocated records in two lock-free
//! queues and a socket pair to wake the reader. Neither aligns nor reads a clock.

use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{Batch, NodeError};
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::Value;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

/// One aligned row.
#[derive(Debug)]
pub struct Record {
    /// Row counter.
    pub seq: u64,
    /// SOC/FRACSEC of the row, ns since the Unix epoch.
    pub ts_origin: i64,
    /// When the row was completed (or its wait window ended), ns since the Unix epoch.
    pub ts_received: i64,
    /// Sample flags from the PMUs' STAT (`STALE`: a PMU is missing).
    pub flags: u32,
    /// Values in signal order.
    pub values: Vec<Value>,
}

/// Free and filled records plus the reader's wake-up socket.
#[derive(Debug)]
pub struct Handoff {
    free: ArrayQueue<Record>,
    filled: ArrayQueue<Record>,
    wake_rx: UnixStream,
}

/// The aligning side's end of the wake-up socket.
#[derive(Debug)]
pub struct Notifier(UnixStream);

impl Notifier {
    /// Wakes the reader (never blocks; a full socket means it is awake anyway).
    pub fn notify(&mut self) {
        let _ = self.0.write(&[1]);
    }
}

impl Handoff {
    /// `slots` records of `width` values each.
    pub fn new(slots: usize, width: usize) -> Result<(Arc<Self>, Notifier), NodeError> {
        let (rx, tx) =
            UnixStream::pair().map_err(|e| NodeError::io("cannot create a socket pair", e))?;
        tx.set_nonblocking(true)
            .map_err(|e| NodeError::io("set_nonblocking", e))?;
        let slots = slots.max(1);
        let handoff = Handoff {
            free: ArrayQueue::new(slots),
            filled: ArrayQueue::new(slots),
            wake_rx: rx,
        };
        for _ in 0..slots {
            let _ = handoff.free.push(Record {
                seq: 0,
                ts_origin: 0,
                ts_received: 0,
                flags: 0,
                values: vec![Value::default(); width],
            });
        }
        Ok((Arc::new(handoff), Notifier(tx)))
    }

    /// A free record, if any.
    pub fn take_free(&self) -> Option<Record> {
        self.free.pop()
    }

    /// Queues a filled record.
    pub fn submit(&self, record: Record) {
        let _ = self.filled.push(record);
    }

    /// Copies the filled records into pool samples appended to `out`, oldest first, as
    /// long as `out` has room, and frees them. Allocates nothing.
    pub fn drain_into(&self, pool: &Arc<SamplePool>, out: &mut Batch) {
        while !out.is_full() {
            let Some(record) = self.filled.pop() else {
                break;
            };
            if let Some(mut sample) = pool.alloc() {
                sample.seq = record.seq;
                sample.ts_origin = record.ts_origin;
                sample.ts_received = record.ts_received;
                sample.flags.0 = record.flags;
                if sample.set_values(&record.values).is_ok() {
                    let _ = out.push(sample);
                }
            }
            let _ = self.free.push(record);
        }
    }

    /// Filled records not yet read (at the end of a run: rows the reader never took).
    pub fn pending(&self) -> usize {
        self.filled.len()
    }

    /// Waits up to `timeout` for the aligning side's wake-up.
    pub fn wait(&self, timeout: Duration) {
        if self.wake_rx.set_read_timeout(Some(timeout)).is_ok() {
            let mut buf = [0u8; 256];
            let _ = (&self.wake_rx).read(&mut buf);
        }
    }
}
