//! Send times shared between the sender and the receiver thread, one slot per sequence
//! number, preallocated before the run.

use gridhil_engine::units::Nanos;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

/// Marks a slot with no time (not sent, not received).
pub const NO_TIME: Nanos = -1;

/// What the sender publishes to the receiver.
pub struct Timeline {
    send_wall: Box<[AtomicI64]>,
    issued: AtomicU64,
    sender_done: AtomicBool,
    sent_ok: AtomicU64,
}

impl Timeline {
    /// A timeline for `samples` sequence numbers, every slot empty.
    pub fn new(samples: usize) -> Self {
        Timeline {
            send_wall: (0..samples).map(|_| AtomicI64::new(NO_TIME)).collect(),
            issued: AtomicU64::new(0),
            sender_done: AtomicBool::new(false),
            sent_ok: AtomicU64::new(0),
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.send_wall.len()
    }

    /// Publishes the send time of `seq` and that every number up to it was issued; called
    /// just before the datagram leaves.
    pub fn publish_send(&self, seq: u64, wall: Nanos) {
        if let Some(slot) = usize::try_from(seq)
            .ok()
            .and_then(|i| self.send_wall.get(i))
        {
            slot.store(wall, Ordering::Release);
        }
        self.issued.store(seq + 1, Ordering::Release);
    }

    /// Clears the send time of `seq` (the send failed).
    pub fn retract_send(&self, seq: u64) {
        if let Some(slot) = usize::try_from(seq)
            .ok()
            .and_then(|i| self.send_wall.get(i))
        {
            slot.store(NO_TIME, Ordering::Release);
        }
    }

    /// The send time of `seq`, or [`NO_TIME`].
    pub fn send_time(&self, seq: u64) -> Nanos {
        usize::try_from(seq)
            .ok()
            .and_then(|i| self.send_wall.get(i))
            .map_or(NO_TIME, |slot| slot.load(Ordering::Acquire))
    }

    /// How many sequence numbers (from 0) were issued so far.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Acquire)
    }

    /// The sender has finished; `sent_ok` measured samples left without error.
    pub fn finish_sending(&self, sent_ok: u64) {
        self.sent_ok.store(sent_ok, Ordering::Release);
        self.sender_done.store(true, Ordering::Release);
    }

    /// Whether the sender has finished, and how many measured samples it sent.
    pub fn sending_finished(&self) -> Option<u64> {
        self.sender_done
            .load(Ordering::Acquire)
            .then(|| self.sent_ok.load(Ordering::Acquire))
    }

    /// Every send time, in sequence order.
    pub fn send_times(&self) -> Vec<Nanos> {
        self.send_wall
            .iter()
            .map(|slot| slot.load(Ordering::Acquire))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_retract_and_bounds() {
        let t = Timeline::new(3);
        assert_eq!(t.issued(), 0);
        t.publish_send(1, 42);
        assert_eq!(
            (t.issued(), t.send_time(1), t.send_time(0)),
            (2, 42, NO_TIME)
        );
        t.retract_send(1);
        assert_eq!(t.send_time(1), NO_TIME);
        t.publish_send(99, 5);
        assert_eq!(t.send_time(99), NO_TIME, "out of range is ignored");
        assert_eq!(t.sending_finished(), None);
        t.finish_sending(2);
        assert_eq!(t.sending_finished(), Some(2));
        assert_eq!(t.send_times(), vec![NO_TIME, NO_TIME, NO_TIME]);
    }
}
