//! Byte order of multi-byte wire fields, with checked readers and writers.

use serde::Deserialize;

/// Byte order of multi-byte fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// Most significant byte first ("network byte order").
    Big,
    /// Least significant byte first (x86, OPAL-RT).
    #[default]
    Little,
}

impl ByteOrder {
    /// Reads an unsigned integer of `N` bytes (1, 2, 4 or 8) at `offset`; `None` when out of range.
    pub fn read_uint<const N: usize>(self, bytes: &[u8], offset: usize) -> Option<u64> {
        let field: [u8; N] = bytes.get(offset..offset.checked_add(N)?)?.try_into().ok()?;
        let mut value = 0u64;
        match self {
            ByteOrder::Big => {
                for byte in field {
                    value = (value << 8) | u64::from(byte);
                }
            }
            ByteOrder::Little => {
                for byte in field.into_iter().rev() {
                    value = (value << 8) | u64::from(byte);
                }
            }
        }
        Some(value)
    }

    /// Writes the low `N` bytes (1, 2, 4 or 8) of `value` at `offset`; `None` when out of range.
    pub fn write_uint<const N: usize>(
        self,
        bytes: &mut [u8],
        offset: usize,
        value: u64,
    ) -> Option<()> {
        let field = bytes.get_mut(offset..offset.checked_add(N)?)?;
        for (i, byte) in field.iter_mut().enumerate() {
            let shift = match self {
                ByteOrder::Big => 8 * (N - 1 - i),
                ByteOrder::Little => 8 * i,
            };
            // Truncation to the byte is the point.
            *byte = (value >> shift) as u8;
        }
        Some(())
    }

    /// Reads a `u16` at `offset`.
    pub fn read_u16(self, bytes: &[u8], offset: usize) -> Option<u16> {
        self.read_uint::<2>(bytes, offset).map(|v| v as u16)
    }

    /// Reads a `u32` at `offset`.
    pub fn read_u32(self, bytes: &[u8], offset: usize) -> Option<u32> {
        self.read_uint::<4>(bytes, offset).map(|v| v as u32)
    }

    /// Reads a `u64` at `offset`.
    pub fn read_u64(self, bytes: &[u8], offset: usize) -> Option<u64> {
        self.read_uint::<8>(bytes, offset)
    }

    /// Writes a `u16` at `offset`.
    pub fn write_u16(self, bytes: &mut [u8], offset: usize, value: u16) -> Option<()> {
        self.write_uint::<2>(bytes, offset, u64::from(value))
    }

    /// Writes a `u32` at `offset`.
    pub fn write_u32(self, bytes: &mut [u8], offset: usize, value: u32) -> Option<()> {
        self.write_uint::<4>(bytes, offset, u64::from(value))
    }

    /// Writes a `u64` at `offset`.
    pub fn write_u64(self, bytes: &mut [u8], offset: usize, value: u64) -> Option<()> {
        self.write_uint::<8>(bytes, offset, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_both_orders() {
        let mut buf = [0u8; 8];
        ByteOrder::Big.write_u32(&mut buf, 1, 0x0102_0304).unwrap();
        assert_eq!(buf[..6], [0, 1, 2, 3, 4, 0]);
        assert_eq!(ByteOrder::Big.read_u32(&buf, 1), Some(0x0102_0304));
        assert_eq!(ByteOrder::Little.read_u32(&buf, 1), Some(0x0403_0201));
        ByteOrder::Little.write_u16(&mut buf, 6, 0xABCD).unwrap();
        assert_eq!(buf[6..], [0xCD, 0xAB]);
        assert_eq!(ByteOrder::Big.read_u16(&buf, 6), Some(0xCDAB));
    }

    #[test]
    fn out_of_range_is_none() {
        let mut buf = [0u8; 3];
        assert_eq!(ByteOrder::Big.read_u32(&buf, 0), None);
        assert_eq!(ByteOrder::Big.read_u16(&buf, usize::MAX), None);
        assert_eq!(ByteOrder::Little.write_u64(&mut buf, 0, 1), None);
    }
}
