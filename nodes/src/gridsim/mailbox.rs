//! Lock-free single-slot mailboxes carrying set-points from the writer to the reader.
//!
//! Each slot holds the latest value (as `f64` bits) and a sequence counter. The writer
//! stores the value, then bumps the counter with release ordering; the reader sees a new
//! counter with acquire ordering and then reads a value at least that recent. Older
//! values that were overwritten before the reader looked are simply superseded.

use std::sync::atomic::{AtomicU64, Ordering};

/// One slot: the latest value and how many values were posted.
#[derive(Debug, Default)]
struct Slot {
    bits: AtomicU64,
    posted: AtomicU64,
}

/// A fixed set of single-value mailboxes; posting and taking never allocate or block.
#[derive(Debug)]
pub(crate) struct Mailbox {
    slots: Box<[Slot]>,
}

impl Mailbox {
    /// A mailbox with `count` empty slots.
    pub(crate) fn new(count: usize) -> Self {
        Mailbox {
            slots: (0..count).map(|_| Slot::default()).collect(),
        }
    }

    /// Posts `value` into `slot`, replacing an unread value; out-of-range slots are ignored.
    pub(crate) fn post(&self, slot: usize, value: f64) {
        if let Some(s) = self.slots.get(slot) {
            s.bits.store(value.to_bits(), Ordering::Relaxed);
            s.posted.fetch_add(1, Ordering::Release);
        }
    }

    /// The value of `slot` if something was posted since the counter `seen`, which is updated.
    pub(crate) fn take(&self, slot: usize, seen: &mut u64) -> Option<f64> {
        let s = self.slots.get(slot)?;
        let posted = s.posted.load(Ordering::Acquire);
        if posted == *seen {
            return None;
        }
        *seen = posted;
        Some(f64::from_bits(s.bits.load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn latest_value_wins_and_is_taken_once() {
        let mailbox = Mailbox::new(2);
        let mut seen = [0u64; 2];
        assert_eq!(mailbox.take(0, &mut seen[0]), None);
        mailbox.post(0, 1.5);
        mailbox.post(0, 2.5);
        mailbox.post(7, 9.0);
        assert_eq!(mailbox.take(0, &mut seen[0]), Some(2.5));
        assert_eq!(mailbox.take(0, &mut seen[0]), None);
        assert_eq!(mailbox.take(1, &mut seen[1]), None);
        assert_eq!(mailbox.take(7, &mut seen[0]), None);
    }

    #[test]
    fn a_reader_on_another_thread_sees_the_last_value() {
        let mailbox = Arc::new(Mailbox::new(1));
        let writer = Arc::clone(&mailbox);
        let thread = std::thread::spawn(move || {
            for k in 0..10_000u32 {
                writer.post(0, f64::from(k));
            }
        });
        let mut seen = 0;
        let mut last = -1.0;
        while last < 9_999.0 {
            if let Some(v) = mailbox.take(0, &mut seen) {
                assert!(v >= last, "values go forward");
                last = v;
            }
            std::thread::yield_now();
        }
        thread.join().unwrap();
        assert_eq!(last, 9_999.0);
    }
}
