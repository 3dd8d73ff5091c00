//! A lock-free hand-over of preallocated frame buffers from the path thread to the
//! network thread: a queue of free buffers and a queue of filled ones.

use crossbeam_queue::ArrayQueue;
use std::sync::Arc;

/// One encoded frame.
#[derive(Debug)]
pub struct FrameBuffer {
    bytes: Box<[u8]>,
    len: usize,
}

impl FrameBuffer {
    /// The encoded bytes.
    pub fn frame(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
    /// The whole buffer, to encode into.
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
    /// Sets the length of the encoded frame.
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.bytes.len());
    }
}

/// Free and filled frame buffers.
#[derive(Debug)]
pub struct FrameRing {
    free: ArrayQueue<FrameBuffer>,
    filled: ArrayQueue<FrameBuffer>,
}

impl FrameRing {
    /// `slots` buffers of `frame_len` bytes, all free.
    pub fn new(slots: usize, frame_len: usize) -> Arc<Self> {
        let slots = slots.max(1);
        let ring = FrameRing {
            free: ArrayQueue::new(slots),
            filled: ArrayQueue::new(slots),
        };
        for _ in 0..slots {
            // Sized for exactly `slots` entries: cannot fail.
            let _ = ring.free.push(FrameBuffer {
                bytes: vec![0; frame_len].into_boxed_slice(),
                len: 0,
            });
        }
        Arc::new(ring)
    }
    /// A free buffer, if any.
    pub fn take_free(&self) -> Option<FrameBuffer> {
        self.free.pop()
    }
    /// Queues a filled buffer for the network thread.
    pub fn submit(&self, buffer: FrameBuffer) {
        // Both queues together hold exactly `slots` buffers: cannot fail.
        let _ = self.filled.push(buffer);
    }
    /// The oldest filled buffer, if any.
    pub fn take_filled(&self) -> Option<FrameBuffer> {
        self.filled.pop()
    }
    /// Gives a buffer back to the free list.
    pub fn release(&self, buffer: FrameBuffer) {
        let _ = self.free.push(buffer);
    }
}
