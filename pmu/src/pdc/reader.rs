//! The reader of a `pdc` node in real time: an event-driven reader that copies the rows
//! the aligner thread hands over into pool samples, waiting on the wake-up socket.

use super::concentrator::Concentrator;
use super::counters::PdcCounters;
use super::handoff::Handoff;
use gridhil_engine::node::{Batch, Due, NodeError, NodeReader, ReadContext};
use std::sync::Arc;
use std::time::Duration;

/// The reader half of a `pdc` node in real time.
pub struct PdcReader {
    handoff: Arc<Handoff>,
    concentrator: Concentrator,
    counters: Arc<PdcCounters>,
}

impl PdcReader {
    /// A reader fed by `concentrator`'s aligner thread through `handoff`; at the stop it
    /// counts the rows it never handed to the engine (`rows_unread`).
    pub fn new(
        handoff: Arc<Handoff>,
        concentrator: Concentrator,
        counters: Arc<PdcCounters>,
    ) -> Self {
        PdcReader {
            handoff,
            concentrator,
            counters,
        }
    }
}

impl NodeReader for PdcReader {
    fn due(&self) -> Due {
        Due::Event
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        self.handoff.drain_into(ctx.pool, out);
        if out.is_empty() && ctx.timeout > 0 {
            self.handoff
                .wait(Duration::from_nanos(ctx.timeout.unsigned_abs()));
            self.handoff.drain_into(ctx.pool, out);
        }
        Ok(())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        self.concentrator.stop();
        // Rows aligned after the engine's last read: made and counted in `rows`, but never
        // a sample; counted so that `rows` = samples read + `rows_unread`.
        self.counters.rows_unread.add(self.handoff.pending() as u64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_left_in_the_handoff_at_the_stop_are_counted() {
        let (handoff, _notifier) = Handoff::new(4, 2).unwrap();
        for seq in 0..3 {
            let mut record = handoff.take_free().unwrap();
            record.seq = seq;
            handoff.submit(record);
        }
        let counters = Arc::new(PdcCounters::default());
        let mut reader = PdcReader::new(
            Arc::clone(&handoff),
            Concentrator::idle(),
            Arc::clone(&counters),
        );
        reader.stop().unwrap();
        assert_eq!(counters.rows_unread.get(), 3);
        assert_eq!(handoff.pending(), 3);
    }
}
