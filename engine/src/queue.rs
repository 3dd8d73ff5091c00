//! Bounded lock-free sample queues between threads, with a per-queue overflow policy.
//!
//! A queue never blocks its producer: when it is full the sample is dropped by the
//! policy and the drop is counted. The consumer may register its thread so that a push
//! wakes it from `park`.

use crate::sample::SampleRef;
use crossbeam_queue::ArrayQueue;
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread::Thread;

/// What a full queue does with one more sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowPolicy {
    /// Keep what is queued and drop the new sample.
    #[default]
    DropNewest,
    /// Drop the oldest queued sample to make room for the new one.
    DropOldest,
}

/// A bounded multi-producer multi-consumer queue of samples.
#[derive(Debug)]
pub struct SampleQueue {
    queue: ArrayQueue<SampleRef>,
    policy: OverflowPolicy,
    pushed: AtomicU64,
    dropped: AtomicU64,
    consumer: OnceLock<Thread>,
}

impl SampleQueue {
    /// A queue holding at most `capacity` samples.
    pub fn new(capacity: usize, policy: OverflowPolicy) -> Self {
        SampleQueue {
            queue: ArrayQueue::new(capacity.max(1)),
            policy,
            pushed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            consumer: OnceLock::new(),
        }
    }

    /// Registers the thread to wake after each push (the consumer calls this once).
    pub fn set_consumer(&self, thread: Thread) {
        let _ = self.consumer.set(thread);
    }

    /// Enqueues a sample without blocking; returns `false` when a sample was dropped.
    pub fn push(&self, sample: SampleRef) -> bool {
        let kept = match self.policy {
            OverflowPolicy::DropNewest => self.queue.push(sample).is_ok(),
            OverflowPolicy::DropOldest => self.queue.force_push(sample).is_none(),
        };
        if kept {
            self.pushed.fetch_add(1, Ordering::Relaxed);
        } else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            if self.policy == OverflowPolicy::DropOldest {
                self.pushed.fetch_add(1, Ordering::Relaxed);
            }
        }
        kept
    }

    /// Wakes the registered consumer, if any.
    pub fn notify(&self) {
        if let Some(thread) = self.consumer.get() {
            thread.unpark();
        }
    }

    /// Dequeues the oldest sample.
    pub fn pop(&self) -> Option<SampleRef> {
        self.queue.pop()
    }

    /// Number of queued samples.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Samples accepted so far.
    pub fn pushed(&self) -> u64 {
        self.pushed.load(Ordering::Relaxed)
    }

    /// Samples dropped by the overflow policy so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The overflow policy.
    pub fn policy(&self) -> OverflowPolicy {
        self.policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::SamplePool;

    fn filled(pool: &std::sync::Arc<SamplePool>, seq: u64) -> SampleRef {
        let mut s = pool.alloc().unwrap();
        s.seq = seq;
        s
    }

    #[test]
    fn drop_newest_keeps_the_queue() {
        let pool = SamplePool::new(8, 1);
        let q = SampleQueue::new(2, OverflowPolicy::DropNewest);
        assert!(q.push(filled(&pool, 0)));
        assert!(q.push(filled(&pool, 1)));
        assert!(!q.push(filled(&pool, 2)));
        assert_eq!(q.dropped(), 1);
        assert_eq!(q.pop().unwrap().seq, 0);
        assert_eq!(q.pop().unwrap().seq, 1);
        assert_eq!(pool.available(), 8, "dropped samples return to the pool");
    }

    #[test]
    fn drop_oldest_keeps_the_newest() {
        let pool = SamplePool::new(8, 1);
        let q = SampleQueue::new(2, OverflowPolicy::DropOldest);
        for seq in 0..5 {
            q.push(filled(&pool, seq));
        }
        assert_eq!(q.dropped(), 3);
        assert_eq!(q.pop().unwrap().seq, 3);
        assert_eq!(q.pop().unwrap().seq, 4);
    }
}
