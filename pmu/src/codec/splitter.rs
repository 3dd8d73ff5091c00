//! [`FrameSplitter`]: cuts a TCP byte stream into frames using FRAMESIZE,
//! resynchronising on garbage by scanning for the SYNC byte.

use super::crc::crc_ccitt;
use super::frame::{MAX_FRAME_LEN, MIN_FRAME_LEN, SYNC_BYTE};

/// Splits an arbitrary chunked byte stream into complete C37.118 frames.
///
/// The buffer is bounded (at least one maximum-size frame plus slack); bytes
/// that cannot start a frame are dropped and counted.
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    start: usize,
    capacity: usize,
    discarded: u64,
    frames: u64,
    verify_crc: bool,
}

impl Default for FrameSplitter {
    fn default() -> Self {
        Self::new(2 * MAX_FRAME_LEN)
    }
}

impl FrameSplitter {
    /// A splitter buffering at most `capacity` bytes (raised to one maximum
    /// frame, 65535 bytes, if smaller). The buffer is allocated up front.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(MAX_FRAME_LEN);
        Self {
            buf: Vec::with_capacity(capacity),
            start: 0,
            capacity,
            discarded: 0,
            frames: 0,
            verify_crc: false,
        }
    }

    /// Also require a valid CRC before yielding a frame: a candidate with a bad
    /// CRC is treated as garbage (its first byte dropped, scanning resumes).
    /// Off by default, so that CRC errors reach the decoder and get reported.
    pub fn verify_crc(mut self, on: bool) -> Self {
        self.verify_crc = on;
        self
    }

    /// Bytes dropped while resynchronising.
    pub fn discarded_bytes(&self) -> u64 {
        self.discarded
    }

    /// Frames yielded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Bytes buffered but not yet yielded.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends as much of `data` as fits; returns the number of bytes taken.
    /// Call [`Self::next_frame`] until it returns `None`, then push the rest.
    pub fn push(&mut self, data: &[u8]) -> usize {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let room = self.capacity.saturating_sub(self.buf.len());
        let take = room.min(data.len());
        self.buf.extend_from_slice(data.get(..take).unwrap_or(&[]));
        take
    }

    /// Feeds a whole chunk, calling `on_frame` for every complete frame.
    pub fn feed(&mut self, mut data: &[u8], mut on_frame: impl FnMut(&[u8])) {
        loop {
            let taken = self.push(data);
            data = data.get(taken..).unwrap_or(&[]);
            while let Some(frame) = self.next_frame() {
                on_frame(frame);
            }
            if data.is_empty() {
                break;
            }
        }
    }

    /// Next complete frame, if one is buffered. The slice is valid until the
    /// next call on the splitter.
    pub fn next_frame(&mut self) -> Option<&[u8]> {
        loop {
            let pending = self.buf.get(self.start..).unwrap_or(&[]);
            // Skip to the next SYNC byte.
            match pending.iter().position(|&b| b == SYNC_BYTE) {
                Some(0) => {}
                Some(skip) => {
                    self.drop_bytes(skip);
                    continue;
                }
                None => {
                    let n = pending.len();
                    self.drop_bytes(n);
                    return None;
                }
            }
            let second = *pending.get(1)?;
            if !plausible_type(second) {
                self.drop_bytes(1);
                continue;
            }
            let size = usize::from(u16::from_be_bytes([*pending.get(2)?, *pending.get(3)?]));
            if size < MIN_FRAME_LEN {
                self.drop_bytes(1);
                continue;
            }
            let candidate = pending.get(..size)?;
            if self.verify_crc {
                let (body, chk) = candidate.split_at(size - 2);
                if chk != &crc_ccitt(body).to_be_bytes()[..] {
                    self.drop_bytes(1);
                    continue;
                }
            }
            let range = self.start..self.start + size;
            self.start += size;
            self.frames += 1;
            return self.buf.get(range);
        }
    }

    fn drop_bytes(&mut self, n: usize) {
        self.start += n;
        self.discarded += n as u64;
    }
}

/// Second SYNC byte: bit 7 clear, frame type 0–5, version non-zero.
fn plausible_type(second: u8) -> bool {
    second & 0x80 == 0 && (second >> 4) <= 5 && second & 0x0F != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload_len: usize, fill: u8) -> Vec<u8> {
        let size = MIN_FRAME_LEN + payload_len;
        let mut f = vec![fill; size];
        f[0] = 0xAA;
        f[1] = 0x41;
        f[2..4].copy_from_slice(&(size as u16).to_be_bytes());
        let crc = crc_ccitt(&f[..size - 2]);
        f[size - 2..].copy_from_slice(&crc.to_be_bytes());
        f
    }

    #[test]
    fn byte_by_byte_with_garbage() {
        let mut stream = vec![1, 2, 3, 0xAA, 0xFF];
        let a = frame(2, 0);
        let b = frame(40, 7);
        stream.extend(&a);
        stream.extend([9, 9]);
        stream.extend(&b);
        let mut s = FrameSplitter::default();
        let mut out = Vec::new();
        for byte in &stream {
            s.feed(std::slice::from_ref(byte), |f| out.push(f.to_vec()));
        }
        assert_eq!(out, vec![a, b]);
        assert_eq!(s.discarded_bytes(), 7);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn crc_mode_skips_fake_sync() {
        // A fake header claiming 100 bytes would swallow the real frame without CRC checks.
        let mut stream = vec![0xAA, 0x01, 0x00, 100];
        let a = frame(4, 3);
        stream.extend(&a);
        stream.extend(vec![0u8; 100]);
        let mut s = FrameSplitter::default().verify_crc(true);
        let mut out = Vec::new();
        s.feed(&stream, |f| out.push(f.to_vec()));
        assert_eq!(out, vec![a]);
    }

    #[test]
    fn bounded_buffer_makes_progress() {
        let big = frame(MAX_FRAME_LEN - MIN_FRAME_LEN, 0x55);
        let mut stream = big.clone();
        stream.extend(&big);
        let mut s = FrameSplitter::new(10);
        let mut n = 0;
        s.feed(&stream, |f| {
            assert_eq!(f.len(), MAX_FRAME_LEN);
            n += 1;
        });
        assert_eq!(n, 2);
    }
}
