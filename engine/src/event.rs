//! Lock-free channel of events from real-time threads to the supervising thread.
//!
//! Real-time threads never format or log: they push an [`EngineEvent`] here and the
//! supervisor prints it. A full channel drops the event and counts it.

use crate::node::NodeError;
use crate::sample::SampleRef;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicU64, Ordering};

/// Something a real-time thread wants reported.
#[derive(Debug)]
pub enum EngineEvent {
    /// The `print` hook of a path passed on a sample.
    Print {
        /// Index of the path.
        path: usize,
        /// Copy of the sample.
        sample: SampleRef,
    },
    /// A node's reader failed and stopped.
    ReadFailed {
        /// Index of the node.
        node: usize,
        /// The error.
        error: NodeError,
    },
    /// A node's writer returned an error (the path goes on).
    WriteFailed {
        /// Index of the node.
        node: usize,
        /// The error.
        error: NodeError,
    },
}

/// The channel.
#[derive(Debug)]
pub struct EventSink {
    queue: ArrayQueue<EngineEvent>,
    dropped: AtomicU64,
}

impl EventSink {
    /// A channel holding at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        EventSink {
            queue: ArrayQueue::new(capacity.max(1)),
            dropped: AtomicU64::new(0),
        }
    }

    /// Sends an event without blocking (dropped and counted when full).
    pub fn send(&self, event: EngineEvent) {
        if self.queue.push(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Takes the oldest event.
    pub fn recv(&self) -> Option<EngineEvent> {
        self.queue.pop()
    }

    /// Events dropped because the channel was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
