//! Timed control values sent into a running engine: a node input set by name (a gridsim
//! set-point, a breaker), a hook parameter (a gain). Not the samples of a path.
//!
//! The engine resolves names to indices before the run (or when an action is injected), and
//! hands each value to its node or path through a bounded lock-free queue, in time order,
//! shortly before it is due. The receiving side ([`ControlReceiver`]) lives on the real-time
//! thread: it takes the values whose instant has come without allocating or locking.

use crate::units::Nanos;
use crossbeam_queue::ArrayQueue;
use std::sync::Arc;

/// Values queued per node or path before the sender has to wait (real time: the value is
/// refused and counted).
pub const CONTROL_QUEUE: usize = 256;

/// One control value for a node input or a hook parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlValue {
    /// Index into the node's [`crate::node::NodeConfig::controls`] list, or into the
    /// parameter list of the hook it is for.
    pub index: usize,
    /// For a hook parameter: the hook's position in the path's chain (0 for node inputs).
    pub hook: usize,
    /// The new value.
    pub value: f64,
    /// The engine's monotonic instant from which it applies.
    pub at: Nanos,
}

/// The sending side, held by the engine.
#[derive(Debug, Clone)]
pub struct ControlSender {
    queue: Arc<ArrayQueue<ControlValue>>,
}

/// The receiving side, owned by one node reader, writer or path.
#[derive(Debug)]
pub struct ControlReceiver {
    queue: Arc<ArrayQueue<ControlValue>>,
    pending: Option<ControlValue>,
}

/// A connected sender and receiver.
pub fn control_channel() -> (ControlSender, ControlReceiver) {
    let queue = Arc::new(ArrayQueue::new(CONTROL_QUEUE));
    (
        ControlSender {
            queue: Arc::clone(&queue),
        },
        ControlReceiver {
            queue,
            pending: None,
        },
    )
}

impl ControlSender {
    /// Queues a value; gives it back when the queue is full.
    pub fn send(&self, value: ControlValue) -> Result<(), ControlValue> {
        self.queue.push(value)
    }
}

impl ControlReceiver {
    /// Takes the next value whose instant is at or before `now` (values arrive in time
    /// order). Never allocates or blocks.
    pub fn take_due(&mut self, now: Nanos) -> Option<ControlValue> {
        if self.pending.is_none() {
            self.pending = self.queue.pop();
        }
        match self.pending {
            Some(value) if value.at <= now => self.pending.take(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(at: Nanos, v: f64) -> ControlValue {
        ControlValue {
            index: 0,
            hook: 0,
            value: v,
            at,
        }
    }

    #[test]
    fn values_come_out_when_due_and_in_order() {
        let (tx, mut rx) = control_channel();
        tx.send(value(10, 1.0)).unwrap();
        tx.send(value(20, 2.0)).unwrap();
        assert_eq!(rx.take_due(5), None);
        assert_eq!(rx.take_due(10).map(|c| c.value), Some(1.0));
        assert_eq!(rx.take_due(15), None);
        assert_eq!(rx.take_due(25).map(|c| c.value), Some(2.0));
        assert_eq!(rx.take_due(100), None);
    }

    #[test]
    fn a_full_queue_gives_the_value_back() {
        let (tx, _rx) = control_channel();
        for i in 0..CONTROL_QUEUE {
            tx.send(value(i as Nanos, 0.0)).unwrap();
        }
        assert!(tx.send(value(0, 9.0)).is_err());
    }
}
