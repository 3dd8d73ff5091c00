//! Station and channel names: fixed 16-byte names of CFG-1/2 and the
//! length-prefixed names (≤ 255 bytes) of CFG-3.

use super::error::{Error, Result};
use super::wire::{Reader, Writer};

/// A 16-byte name field of CFG-1/2, kept byte-exact.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name16 {
    /// The raw bytes, as on the wire (usually ASCII padded with spaces).
    pub bytes: [u8; 16],
}

impl Name16 {
    /// Builds a name from text: truncated to 16 bytes, padded with spaces.
    pub fn new(text: &str) -> Self {
        let mut bytes = [b' '; 16];
        for (dst, src) in bytes.iter_mut().zip(text.bytes()) {
            *dst = src;
        }
        Self { bytes }
    }

    /// The name without trailing spaces and NULs (lossy for non-UTF-8 bytes).
    pub fn trimmed(&self) -> String {
        String::from_utf8_lossy(&self.bytes)
            .trim_end_matches([' ', '\0'])
            .to_string()
    }

    pub(crate) fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self> {
        Ok(Self {
            bytes: r.array(field)?,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        w.bytes(&self.bytes)
    }
}

impl Default for Name16 {
    fn default() -> Self {
        Self::new("")
    }
}

impl core::fmt::Debug for Name16 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.trimmed())
    }
}

impl From<&str> for Name16 {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

/// A length-prefixed CFG-3 name (at most 255 bytes), kept byte-exact.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct VarName {
    /// The raw bytes, without the length prefix.
    pub bytes: Vec<u8>,
}

impl VarName {
    /// Builds a name from text (UTF-8 bytes; must not exceed 255 bytes to encode).
    pub fn new(text: &str) -> Self {
        Self {
            bytes: text.as_bytes().to_vec(),
        }
    }

    /// The name as text (lossy for non-UTF-8 bytes).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Encoded length: one length byte plus the name.
    pub fn wire_len(&self) -> usize {
        1 + self.bytes.len()
    }

    pub(crate) fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self> {
        let len = r.u8(field)?;
        Ok(Self {
            bytes: r.bytes(usize::from(len), field)?.to_vec(),
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<()> {
        let len = u8::try_from(self.bytes.len()).map_err(|_| Error::OutOfRange {
            field: "CFG-3 name",
            reason: "longer than 255 bytes",
        })?;
        w.u8(len)?;
        w.bytes(&self.bytes)
    }
}

impl core::fmt::Debug for VarName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.text())
    }
}

impl From<&str> for VarName {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}
