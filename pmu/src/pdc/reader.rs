//! The reader of a `pdc` node in real time: an event-driven reader that copies the rows
//! the aligner thread hands over into pool samples, waiting on the wake-up socket.

use super::concentrator::Concentrator;
use super::handoff::Handoff;
use gridhil_engine::node::{Batch, Due, NodeError, NodeReader, ReadContext};
use std::sync::Arc;
use std::time::Duration;

/// The reader half of a `pdc` node in real time.
pub struct PdcReader {
    handoff: Arc<Handoff>,
    concentrator: Concentrator,
}

impl PdcReader {
    /// A reader fed by `concentrator`'s aligner thread through `handoff`.
    pub fn new(handoff: Arc<Handoff>, concentrator: Concentrator) -> Self {
        PdcReader {
            handoff,
            concentrator,
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
        Ok(())
    }
}
