//! Checked big-endian cursors over byte slices: reading never panics, it
//! reports the field that did not fit; writing reports a too-small buffer.

use super::error::{Error, Result};

/// Big-endian reader that names the field on truncation.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `buf`.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Takes the next `len` bytes.
    pub(crate) fn bytes(&mut self, len: usize, field: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or(Error::Truncated { field })?;
        let slice = self
            .buf
            .get(self.pos..end)
            .ok_or(Error::Truncated { field })?;
        self.pos = end;
        Ok(slice)
    }

    /// Takes the next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N, field)?);
        Ok(out)
    }

    /// Reads a u8.
    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a big-endian u16.
    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian i16.
    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian u32.
    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian i32.
    pub(crate) fn i32(&mut self, field: &'static str) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }

    /// Reads a big-endian IEEE-754 f32.
    pub(crate) fn f32(&mut self, field: &'static str) -> Result<f32> {
        Ok(f32::from_be_bytes(self.array(field)?))
    }

    /// Fails if bytes are left over.
    pub(crate) fn finish(&self, last_field: &'static str) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(Error::TrailingBytes {
                field: last_field,
                count,
            }),
        }
    }
}

/// Big-endian writer over a caller-provided buffer; never allocates.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Starts writing at the beginning of `buf`.
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Writes raw bytes.
    pub(crate) fn bytes(&mut self, data: &[u8]) -> Result<()> {
        let available = self.buf.len();
        let end = self
            .pos
            .checked_add(data.len())
            .ok_or(Error::BufferTooSmall {
                needed: usize::MAX,
                available,
            })?;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall {
                needed: end,
                available,
            })?;
        dst.copy_from_slice(data);
        self.pos = end;
        Ok(())
    }

    /// Writes a u8.
    pub(crate) fn u8(&mut self, v: u8) -> Result<()> {
        self.bytes(&[v])
    }

    /// Writes a big-endian u16.
    pub(crate) fn u16(&mut self, v: u16) -> Result<()> {
        self.bytes(&v.to_be_bytes())
    }

    /// Writes a big-endian i16.
    pub(crate) fn i16(&mut self, v: i16) -> Result<()> {
        self.bytes(&v.to_be_bytes())
    }

    /// Writes a big-endian u32.
    pub(crate) fn u32(&mut self, v: u32) -> Result<()> {
        self.bytes(&v.to_be_bytes())
    }

    /// Writes a big-endian i32.
    pub(crate) fn i32(&mut self, v: i32) -> Result<()> {
        self.bytes(&v.to_be_bytes())
    }

    /// Writes a big-endian IEEE-754 f32.
    pub(crate) fn f32(&mut self, v: f32) -> Result<()> {
        self.bytes(&v.to_be_bytes())
    }
}

/// Converts a count to the u16 the wire needs.
pub(crate) fn count_u16(n: usize, field: &'static str) -> Result<u16> {
    u16::try_from(n).map_err(|_| Error::OutOfRange {
        field,
        reason: "more than 65535 entries",
    })
}
