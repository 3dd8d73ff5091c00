//! Samples and the preallocated pool they live in.
//!
//! A [`SampleRef`] is an owned handle to a pooled [`Sample`]. Handles move between
//! threads through queues; dropping one returns its slot to the pool. After start-up the
//! pool never allocates: every slot and every slot's value storage is created up front.

use crate::signal::Value;
use crate::units::Nanos;
use crossbeam_queue::ArrayQueue;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Flags carried by a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SampleFlags(pub u32);

impl SampleFlags {
    /// The values are invalid (e.g. a device reported bad quality).
    pub const INVALID: u32 = 1 << 0;
    /// The source's clock was not synchronised when the sample was taken.
    pub const UNSYNCED: u32 = 1 << 1;
    /// The sample is from a test or simulation (e.g. SV simulation bit).
    pub const TEST: u32 = 1 << 2;
    /// At least one input of the path had no fresh value (all-trigger timeout).
    pub const STALE: u32 = 1 << 3;
    /// The sample starts a frame (set by the `frame` hook): a writer that packs several
    /// samples into one message starts a new message here.
    pub const NEW_FRAME: u32 = 1 << 8;

    /// Whether every bit of `mask` is set.
    pub fn contains(self, mask: u32) -> bool {
        self.0 & mask == mask
    }
    /// Sets or clears the bits of `mask`.
    pub fn set(&mut self, mask: u32, on: bool) {
        if on {
            self.0 |= mask;
        } else {
            self.0 &= !mask;
        }
    }
}

/// One timestamped set of values.
#[derive(Debug)]
pub struct Sample {
    /// Sequence number from the source.
    pub seq: u64,
    /// The instant the values describe (simulation or measurement time), ns since the Unix epoch.
    pub ts_origin: Nanos,
    /// When the engine received the sample (kernel timestamp where available), ns since the Unix epoch.
    pub ts_received: Nanos,
    /// When the sample left the engine towards its output nodes (0 until sent).
    pub ts_sent: Nanos,
    /// Flags.
    pub flags: SampleFlags,
    values: Vec<Value>,
}

/// The sample's value storage is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("sample holds at most {capacity} values")]
pub struct CapacityError {
    /// Value capacity of the sample.
    pub capacity: usize,
}

impl Sample {
    fn with_capacity(capacity: usize) -> Self {
        Sample {
            seq: 0,
            ts_origin: 0,
            ts_received: 0,
            ts_sent: 0,
            flags: SampleFlags::default(),
            values: Vec::with_capacity(capacity),
        }
    }

    /// The values.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values, mutable.
    pub fn values_mut(&mut self) -> &mut [Value] {
        &mut self.values
    }

    /// How many values this sample can hold.
    pub fn capacity(&self) -> usize {
        self.values.capacity()
    }

    /// Appends a value; fails (without allocating) when the sample is full.
    pub fn push(&mut self, value: Value) -> Result<(), CapacityError> {
        if self.values.len() == self.values.capacity() {
            return Err(CapacityError {
                capacity: self.values.capacity(),
            });
        }
        self.values.push(value);
        Ok(())
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.values.clear();
    }

    /// Shortens the value list to `len` values.
    pub fn truncate(&mut self, len: usize) {
        self.values.truncate(len);
    }

    /// Sets the number of values to `len` (new values are zero); fails when beyond capacity.
    pub fn resize(&mut self, len: usize) -> Result<(), CapacityError> {
        if len > self.values.capacity() {
            return Err(CapacityError {
                capacity: self.values.capacity(),
            });
        }
        self.values.resize(len, Value::default());
        Ok(())
    }

    /// Replaces the values with `values`; fails (leaving the sample empty) when they do not fit.
    pub fn set_values(&mut self, values: &[Value]) -> Result<(), CapacityError> {
        self.values.clear();
        if values.len() > self.values.capacity() {
            return Err(CapacityError {
                capacity: self.values.capacity(),
            });
        }
        self.values.extend_from_slice(values);
        Ok(())
    }

    /// Copies header fields and values from `other`; values beyond capacity are cut off.
    pub fn copy_from(&mut self, other: &Sample) {
        self.seq = other.seq;
        self.ts_origin = other.ts_origin;
        self.ts_received = other.ts_received;
        self.ts_sent = other.ts_sent;
        self.flags = other.flags;
        let n = other.values.len().min(self.values.capacity());
        self.values.clear();
        self.values.extend_from_slice(&other.values[..n]);
    }

    fn reset(&mut self) {
        self.seq = 0;
        self.ts_origin = 0;
        self.ts_received = 0;
        self.ts_sent = 0;
        self.flags = SampleFlags::default();
        self.values.clear();
    }
}

/// A fixed set of preallocated samples shared by every thread of a run.
#[derive(Debug)]
pub struct SamplePool {
    free: ArrayQueue<Box<Sample>>,
    value_capacity: usize,
    exhausted: AtomicU64,
}

impl SamplePool {
    /// Creates `slots` samples of `value_capacity` values each. This is the only allocation.
    pub fn new(slots: usize, value_capacity: usize) -> Arc<Self> {
        let slots = slots.max(1);
        let free = ArrayQueue::new(slots);
        for _ in 0..slots {
            // The queue was sized for exactly `slots` entries, so pushing cannot fail.
            let _ = free.push(Box::new(Sample::with_capacity(value_capacity)));
        }
        Arc::new(SamplePool {
            free,
            value_capacity,
            exhausted: AtomicU64::new(0),
        })
    }

    /// Takes an empty sample from the pool, or `None` (counted) when every slot is in use.
    pub fn alloc(self: &Arc<Self>) -> Option<SampleRef> {
        match self.free.pop() {
            Some(mut sample) => {
                sample.reset();
                Some(SampleRef {
                    sample: Some(sample),
                    pool: Arc::clone(self),
                })
            }
            None => {
                self.exhausted.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Takes a sample and copies `source` into it.
    pub fn alloc_copy(self: &Arc<Self>, source: &Sample) -> Option<SampleRef> {
        let mut copy = self.alloc()?;
        copy.copy_from(source);
        Some(copy)
    }

    /// Value capacity of every sample.
    pub fn value_capacity(&self) -> usize {
        self.value_capacity
    }

    /// Slots currently free.
    pub fn available(&self) -> usize {
        self.free.len()
    }

    /// Total number of slots.
    pub fn slots(&self) -> usize {
        self.free.capacity()
    }

    /// How many times `alloc` found the pool empty.
    pub fn exhausted_count(&self) -> u64 {
        self.exhausted.load(Ordering::Relaxed)
    }
}

/// Owned handle to a pooled sample; returns the slot to the pool when dropped.
#[derive(Debug)]
pub struct SampleRef {
    sample: Option<Box<Sample>>,
    pool: Arc<SamplePool>,
}

impl Deref for SampleRef {
    type Target = Sample;
    fn deref(&self) -> &Sample {
        // `sample` is only `None` inside `drop`.
        match &self.sample {
            Some(sample) => sample,
            None => unreachable!("sample handle used after release"),
        }
    }
}

impl DerefMut for SampleRef {
    fn deref_mut(&mut self) -> &mut Sample {
        match &mut self.sample {
            Some(sample) => sample,
            None => unreachable!("sample handle used after release"),
        }
    }
}

impl Drop for SampleRef {
    fn drop(&mut self) {
        if let Some(sample) = self.sample.take() {
            // The pool has room for every slot it created, so this only fails for a
            // foreign box, which cannot exist; dropping it then is harmless.
            let _ = self.pool.free.push(sample);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pool as a run uses it: readers on their threads take samples, hand them to
    /// another thread (a path), which reads and drops them; every slot comes back. Run by
    /// `scripts/sanitizers.sh` under ThreadSanitizer and Miri.
    #[test]
    fn samples_cross_threads_and_every_slot_comes_back() {
        let rounds: u64 = if cfg!(miri) { 200 } else { 20_000 };
        let pool = SamplePool::new(64, 4);
        let (tx, rx) = std::sync::mpsc::sync_channel::<SampleRef>(16);
        let producers: Vec<_> = (0..2u64)
            .map(|p| {
                let (pool, tx) = (Arc::clone(&pool), tx.clone());
                std::thread::spawn(move || {
                    let mut sent = 0;
                    while sent < rounds {
                        let Some(mut s) = pool.alloc() else {
                            std::thread::yield_now();
                            continue;
                        };
                        let seq = p * rounds + sent;
                        s.seq = seq;
                        s.set_values(&[Value::F64(seq as f64)]).expect("capacity");
                        if tx.send(s).is_err() {
                            return;
                        }
                        sent += 1;
                    }
                })
            })
            .collect();
        drop(tx);
        let consumer = std::thread::spawn(move || {
            let mut received = 0u64;
            for s in rx {
                assert_eq!(s.values(), [Value::F64(s.seq as f64)]);
                received += 1;
            }
            received
        });
        for p in producers {
            p.join().expect("producer");
        }
        assert_eq!(consumer.join().expect("consumer"), 2 * rounds);
        assert_eq!(pool.available(), pool.slots());
    }

    #[test]
    fn slots_return_to_the_pool() {
        let pool = SamplePool::new(2, 4);
        let a = pool.alloc().unwrap();
        let b = pool.alloc().unwrap();
        assert!(pool.alloc().is_none());
        assert_eq!(pool.exhausted_count(), 1);
        drop(a);
        let mut c = pool.alloc().unwrap();
        assert_eq!(c.values().len(), 0, "recycled sample is reset");
        c.set_values(&[Value::F64(1.0); 4]).unwrap();
        assert!(c.push(Value::F64(2.0)).is_err(), "capacity is fixed");
        drop((b, c));
        assert_eq!(pool.available(), 2);
    }

    #[test]
    fn set_values_rejects_overflow_without_growing() {
        let pool = SamplePool::new(1, 2);
        let mut s = pool.alloc().unwrap();
        assert!(s.set_values(&[Value::I64(1); 3]).is_err());
        assert_eq!(s.capacity(), 2);
    }
}
