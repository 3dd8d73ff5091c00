//! A fixed-capacity batch of samples: what a node reader fills and a format decodes into.
//!
//! The capacity is set once; pushing never allocates, a full batch gives the sample back.

use crate::pool::SampleRef;

/// A fixed-capacity batch of samples; pushing never allocates.
#[derive(Debug)]
pub struct Batch {
    samples: Vec<SampleRef>,
}

impl Batch {
    /// An empty batch for up to `capacity` samples.
    pub fn with_capacity(capacity: usize) -> Self {
        Batch {
            samples: Vec::with_capacity(capacity.max(1)),
        }
    }
    /// Adds a sample; gives it back when the batch is full.
    pub fn push(&mut self, sample: SampleRef) -> Result<(), SampleRef> {
        if self.samples.len() == self.samples.capacity() {
            return Err(sample);
        }
        self.samples.push(sample);
        Ok(())
    }
    /// Free places left.
    pub fn remaining(&self) -> usize {
        self.samples.capacity() - self.samples.len()
    }
    /// Whether no more samples fit.
    pub fn is_full(&self) -> bool {
        self.remaining() == 0
    }
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }
    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
    /// The samples.
    pub fn as_slice(&self) -> &[SampleRef] {
        &self.samples
    }
    /// The samples, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [SampleRef] {
        &mut self.samples
    }
    /// Removes and yields every sample, keeping the capacity.
    pub fn drain(&mut self) -> std::vec::Drain<'_, SampleRef> {
        self.samples.drain(..)
    }
    /// Drops every sample (returning them to the pool).
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::SamplePool;

    #[test]
    fn a_full_batch_gives_the_sample_back() {
        let pool = SamplePool::new(3, 1);
        let mut batch = Batch::with_capacity(2);
        assert!(batch.is_empty());
        for _ in 0..2 {
            batch.push(pool.alloc().unwrap()).unwrap();
        }
        assert!(batch.is_full());
        let third = pool.alloc().unwrap();
        assert!(
            batch.push(third).is_err(),
            "a third sample fits in no batch of 2"
        );
        assert_eq!(batch.drain().count(), 2);
        assert_eq!((batch.len(), batch.remaining()), (0, 2), "capacity kept");
        assert_eq!(pool.available(), 3, "every sample went back to the pool");
    }
}
