//! Hand-over of aligned rows from the aligner thread to the node's reader:
//! preallocated records in two lock-free queues, and a socket pair to wake the reader.

use super::concentrator::Concentrator;
use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{Batch, Due, NodeError, NodeReader, ReadContext};
use gridhil_engine::signal::Value;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

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

/// The aligner thread's end of the wake-up socket.
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

    /// Returns a record to the free list.
    pub fn release(&self, record: Record) {
        let _ = self.free.push(record);
    }
}

/// The reader half of a `pdc` node.
pub struct PdcReader {
    handoff: Arc<Handoff>,
    concentrator: Concentrator,
}

impl PdcReader {
    /// A reader fed by `concentrator` through `handoff`.
    pub fn new(handoff: Arc<Handoff>, concentrator: Concentrator) -> Self {
        PdcReader {
            handoff,
            concentrator,
        }
    }

    fn drain(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) {
        while !out.is_full() {
            let Some(record) = self.handoff.filled.pop() else {
                break;
            };
            if let Some(mut sample) = ctx.pool.alloc() {
                sample.seq = record.seq;
                sample.ts_origin = record.ts_origin;
                sample.ts_received = record.ts_received;
                sample.flags.0 = record.flags;
                if sample.set_values(&record.values).is_ok() {
                    let _ = out.push(sample);
                }
            }
            self.handoff.release(record);
        }
    }
}

impl NodeReader for PdcReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        self.drain(ctx, out);
        if out.is_empty() && ctx.timeout > 0 {
            let timeout = std::time::Duration::from_nanos(ctx.timeout.unsigned_abs());
            if self.handoff.wake_rx.set_read_timeout(Some(timeout)).is_ok() {
                let mut buf = [0u8; 256];
                let _ = (&self.handoff.wake_rx).read(&mut buf);
            }
            self.drain(ctx, out);
        }
        Ok(())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.concentrator.stop();
        Ok(())
    }
}
