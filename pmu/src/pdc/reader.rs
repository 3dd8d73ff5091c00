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
