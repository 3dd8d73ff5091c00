//! The bounded queue of logged rows from path threads to the log thread, with its overflow
//! rule: drop and count (real time) or wait for room (virtual time).

use crate::sample::SampleRef;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What a full log queue does with one more row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogOverflow {
    /// Drop it and count it (`log_dropped`): real time, where no thread may wait for a disk.
    Drop,
    /// Wait until the log thread made room: virtual time, where no row may be lost.
    Wait,
}

/// Bounded queue of rows `(path index, sample)` from path threads to the log thread.
#[derive(Debug)]
pub struct LogQueue {
    queue: ArrayQueue<(usize, SampleRef)>,
    overflow: LogOverflow,
    accepted: AtomicU64,
    dropped: AtomicU64,
    written: AtomicU64,
    consumer_gone: AtomicBool,
}

impl LogQueue {
    /// A queue of `capacity` rows.
    pub fn new(capacity: usize, overflow: LogOverflow) -> Self {
        LogQueue {
            queue: ArrayQueue::new(capacity.max(1)),
            overflow,
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            written: AtomicU64::new(0),
            consumer_gone: AtomicBool::new(false),
        }
    }

    /// Queues a row of path `path`; returns `false` (and counts) when it was dropped. With
    /// [`LogOverflow::Wait`] it drops only if the log thread has ended.
    pub fn push(&self, path: usize, sample: SampleRef) -> bool {
        let mut row = (path, sample);
        let mut waited = 0u32;
        loop {
            match self.queue.push(row) {
                Ok(()) => {
                    self.accepted.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
                Err(back) => {
                    if self.overflow == LogOverflow::Drop
                        || self.consumer_gone.load(Ordering::Acquire)
                    {
                        self.dropped.fetch_add(1, Ordering::Relaxed);
                        return false;
                    }
                    row = back;
                    wait_a_little(&mut waited);
                }
            }
        }
    }

    /// Takes the oldest row (the log thread).
    pub fn pop(&self) -> Option<(usize, SampleRef)> {
        self.queue.pop()
    }

    /// Rows queued now.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no row is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Rows accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Rows dropped because the queue was full (or the log thread had ended).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Rows the log thread has handed to the file and taps.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    pub(super) fn count_written(&self) {
        self.written.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks that nothing will take rows any more (the log thread ended): waiting pushes
    /// give up and count their row as dropped.
    pub(super) fn close_consumer(&self) {
        self.consumer_gone.store(true, Ordering::Release);
    }
}

/// Spins briefly, then yields, then sleeps 20 µs at a time.
fn wait_a_little(waited: &mut u32) {
    *waited = waited.saturating_add(1);
    match *waited {
        0..=64 => std::hint::spin_loop(),
        65..=1024 => std::thread::yield_now(),
        _ => std::thread::sleep(std::time::Duration::from_micros(20)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::SamplePool;
    use std::sync::Arc;

    #[test]
    fn drop_mode_counts_what_does_not_fit() {
        let pool = SamplePool::new(8, 1);
        let q = LogQueue::new(2, LogOverflow::Drop);
        for _ in 0..3 {
            q.push(0, pool.alloc().unwrap());
        }
        assert_eq!((q.accepted(), q.dropped(), q.len()), (2, 1, 2));
    }

    #[test]
    fn wait_mode_waits_for_a_slow_consumer_and_loses_nothing() {
        let pool = SamplePool::new(64, 1);
        let q = Arc::new(LogQueue::new(2, LogOverflow::Wait));
        let consumer = {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                let mut seqs = Vec::new();
                while seqs.len() < 20 {
                    match q.pop() {
                        Some((_, s)) => seqs.push(s.seq),
                        None => std::thread::sleep(std::time::Duration::from_millis(1)),
                    }
                }
                seqs
            })
        };
        for seq in 0..20 {
            let mut s = pool.alloc().unwrap();
            s.seq = seq;
            assert!(q.push(0, s));
        }
        assert_eq!(consumer.join().unwrap(), (0..20).collect::<Vec<_>>());
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn wait_mode_gives_up_when_the_consumer_is_gone() {
        let pool = SamplePool::new(8, 1);
        let q = LogQueue::new(1, LogOverflow::Wait);
        assert!(q.push(0, pool.alloc().unwrap()));
        q.close_consumer();
        assert!(!q.push(0, pool.alloc().unwrap()));
        assert_eq!(q.dropped(), 1);
    }
}
