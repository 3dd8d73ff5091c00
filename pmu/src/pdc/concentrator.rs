//! The background threads of a `pdc` node: one client thread per connection and, in real
//! time only, the aligner thread (in virtual time the reader aligns, see `lockstep`).
//!
//! PMU tables with the same connection keys share a client thread (see
//! [`PmuSpec::same_connection`]); the aligner thread aligns their frames
//! ([`AlignedRows`]) on the engine's clock and hands the rows to the reader.

use super::client::{Client, ClientMessage, Member, Shared, Timing};
use super::config::PmuSpec;
use super::counters::PdcCounters;
use super::rows::AlignedRows;
use gridhil_engine::clock::Clock;
use gridhil_engine::node::NodeError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Messages (one per data frame) queued from the client threads to the aligning side.
const ARRIVALS: usize = 4096;
/// Longest sleep of the aligner thread (to see the stop flag).
const POLL: Duration = Duration::from_millis(100);

/// Handle of a node's background threads.
pub struct Concentrator {
    clients: Vec<Client>,
    aligner: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

impl Concentrator {
    /// Starts one client thread per connection; their messages come out of the
    /// receiver returned beside the handle.
    pub fn start_clients(
        specs: Vec<PmuSpec>,
        timing: Timing,
        clock: Arc<dyn Clock>,
        counters: Arc<PdcCounters>,
    ) -> Result<(Concentrator, Receiver<ClientMessage>), NodeError> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = sync_channel(ARRIVALS);
        let mut concentrator = Concentrator {
            clients: Vec::with_capacity(specs.len()),
            aligner: None,
            stop: Arc::clone(&stop),
        };
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
        Ok((concentrator, rx))
    }

    /// Starts the client threads and the aligner thread, which puts the rows into
    /// `rows`' hand-over on `clock`'s time.
    pub fn start(
        specs: Vec<PmuSpec>,
        timing: Timing,
        rows: AlignedRows,
        clock: Arc<dyn Clock>,
        counters: Arc<PdcCounters>,
    ) -> Result<Concentrator, NodeError> {
        let (mut concentrator, arrivals) =
            Concentrator::start_clients(specs, timing, Arc::clone(&clock), counters)?;
        let mut thread = AlignerThread {
            rows,
            arrivals,
            clock,
            stop: Arc::clone(&concentrator.stop),
        };
        concentrator.aligner = Some(
            std::thread::Builder::new()
                .name("pdc-align".into())
                .spawn(move || thread.run())
                .map_err(|e| NodeError::io("cannot start the pdc aligner thread", e))?,
        );
        Ok(concentrator)
    }

    /// A handle with no threads (tests of the reader around it).
    #[cfg(test)]
    pub(super) fn idle() -> Concentrator {
        Concentrator {
            clients: Vec::new(),
            aligner: None,
            stop: Arc::new(AtomicBool::new(false)),
        }
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

/// The aligner thread (real time): a row goes out when complete or when its wait
/// window ends on the engine's clock.
struct AlignerThread {
    rows: AlignedRows,
    arrivals: Receiver<ClientMessage>,
    clock: Arc<dyn Clock>,
    stop: Arc<AtomicBool>,
}

impl AlignerThread {
    fn run(&mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            let now = self.clock.monotonic();
            let timeout = self
                .rows
                .next_deadline()
                .map(|d| Duration::from_nanos(d.saturating_sub(now).max(0).unsigned_abs()))
                .unwrap_or(POLL)
                .min(POLL);
            let received = self.arrivals.recv_timeout(timeout);
            let now = self.clock.monotonic();
            let wall = self.clock.wall();
            match received {
                // The blocks of one data frame go in together, before any expiry.
                Ok(ClientMessage::Frame(batch)) => self.rows.insert(&batch, now, wall),
                Ok(ClientMessage::Streaming { .. }) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.rows.expire(now, wall);
        }
        self.finish();
    }

    /// At stop (the client threads have ended): the frames still queued go in, then
    /// every pending row goes out, incomplete ones marked as usual.
    fn finish(&mut self) {
        let now = self.clock.monotonic();
        let wall = self.clock.wall();
        while let Ok(message) = self.arrivals.try_recv() {
            if let ClientMessage::Frame(batch) = message {
                self.rows.insert(&batch, now, wall);
            }
        }
        self.rows.flush(wall);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdc::config::PmuSpec;

    #[test]
    fn tables_with_the_same_connection_keys_share_a_thread() {
        let spec = |idcode: u16, block: u16| PmuSpec {
            idcode,
            block,
            ..PmuSpec::fixture("a")
        };
        let groups = connections(vec![spec(10, 11), spec(20, 20), spec(10, 12)]);
        let indexes: Vec<Vec<usize>> = groups
            .iter()
            .map(|g| g.iter().map(|m| m.index).collect())
            .collect();
        assert_eq!(indexes, vec![vec![0, 2], vec![1]]);
    }
}
