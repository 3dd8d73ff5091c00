//! The small subset of BER (ITU-T X.690) that sampled values use: single-byte tags,
//! definite lengths in short and long form, unsigned integers and octet strings.

use super::error::{Result, SvError};

/// Largest content length this codec writes (two long-form length bytes).
pub const MAX_LENGTH: usize = 0xffff;

/// One BER element: its tag byte and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The (single) identifier byte.
    pub tag: u8,
    /// The content octets.
    pub value: &'a [u8],
}

/// Reads one element from the start of `data`; returns it and the bytes after it.
pub fn read_tlv<'a>(data: &'a [u8], field: &'static str) -> Result<(Tlv<'a>, &'a [u8])> {
    let (&tag, rest) = data.split_first().ok_or(SvError::Truncated {
        field,
        needed: 2,
        available: data.len(),
    })?;
    if tag & 0x1f == 0x1f {
        return Err(SvError::UnsupportedTag { field, tag });
    }
    let (length, rest) = read_length(rest, field)?;
    if length > rest.len() {
        return Err(SvError::LengthOverrun {
            field,
            length,
            available: rest.len(),
        });
    }
    let (value, rest) = rest.split_at(length);
    Ok((Tlv { tag, value }, rest))
}

/// Reads an element that must carry `tag`.
pub fn read_tagged<'a>(
    data: &'a [u8],
    tag: u8,
    field: &'static str,
) -> Result<(&'a [u8], &'a [u8])> {
    let (tlv, rest) = read_tlv(data, field)?;
    if tlv.tag != tag {
        return Err(SvError::UnexpectedTag {
            field,
            expected: tag,
            found: tlv.tag,
        });
    }
    Ok((tlv.value, rest))
}

/// Reads a definite length (short form, or long form with 1 to 4 bytes).
fn read_length<'a>(data: &'a [u8], field: &'static str) -> Result<(usize, &'a [u8])> {
    let (&first, rest) = data.split_first().ok_or(SvError::Truncated {
        field,
        needed: 1,
        available: 0,
    })?;
    match first {
        0x00..=0x7f => Ok((usize::from(first), rest)),
        0x80 => Err(SvError::IndefiniteLength { field }),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            let bytes = rest.get(..count).ok_or(SvError::Truncated {
                field,
                needed: count,
                available: rest.len(),
            })?;
            let length = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            Ok((length, rest.get(count..).unwrap_or_default()))
        }
        _ => Err(SvError::UnsupportedLengthForm { field, first }),
    }
}

/// Decodes an unsigned integer of at most `width` bytes.
///
/// Fixed-width encoders (libiec61850) write e.g. smpCnt in exactly two bytes even
/// when the top bit is set; strict BER encoders may add a leading zero byte or use
/// fewer bytes. All three are accepted; the value is read as unsigned.
pub fn decode_unsigned(value: &[u8], width: usize, field: &'static str) -> Result<u64> {
    let digits = match value {
        [] => {
            return Err(SvError::IntegerWidth {
                field,
                length: 0,
                max: width,
            })
        }
        [0, rest @ ..] if value.len() == width + 1 => rest,
        _ => value,
    };
    if digits.len() > width {
        return Err(SvError::IntegerWidth {
            field,
            length: value.len(),
            max: width,
        });
    }
    Ok(digits
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Number of bytes the length octets of a `length`-byte content take.
pub const fn length_len(length: usize) -> usize {
    if length < 0x80 {
        1
    } else if length <= 0xff {
        2
    } else {
        3
    }
}

/// Total size of an element with a one-byte tag and `length` bytes of content.
pub const fn tlv_len(length: usize) -> usize {
    1 + length_len(length) + length
}

/// Size of the minimal BER encoding of a non-negative integer (with a leading zero
/// byte when the top bit of the first byte would otherwise be set).
pub const fn unsigned_min_len(value: u64) -> usize {
    let mut len = 1;
    while len < 9 && value >> (8 * len - 1) != 0 {
        len += 1;
    }
    len
}

/// A cursor writing BER into a caller-provided buffer; never allocates.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Takes the next `len` bytes of the buffer for the caller to fill.
    pub fn reserve(&mut self, len: usize, field: &'static str) -> Result<&mut [u8]> {
        let available = self.buf.len().saturating_sub(self.pos);
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.buf.len());
        let end = end.ok_or(SvError::BufferTooSmall {
            field,
            needed: len,
            available,
        })?;
        let start = self.pos;
        self.pos = end;
        self.buf.get_mut(start..end).ok_or(SvError::BufferTooSmall {
            field,
            needed: len,
            available,
        })
    }

    /// Writes raw bytes.
    pub fn put(&mut self, bytes: &[u8], field: &'static str) -> Result<()> {
        self.reserve(bytes.len(), field)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Writes a tag and a definite length in minimal form.
    pub fn put_tag_length(&mut self, tag: u8, length: usize, field: &'static str) -> Result<()> {
        if length > MAX_LENGTH {
            return Err(SvError::OutOfRange {
                field,
                value: length as u64,
            });
        }
        // Truncations are exact: `length` fits 16 bits (checked above).
        let [hi, lo] = (length as u16).to_be_bytes();
        match length_len(length) {
            1 => self.put(&[tag, lo], field),
            2 => self.put(&[tag, 0x81, lo], field),
            _ => self.put(&[tag, 0x82, hi, lo], field),
        }
    }

    /// Writes a whole element.
    pub fn put_tlv(&mut self, tag: u8, value: &[u8], field: &'static str) -> Result<()> {
        self.put_tag_length(tag, value.len(), field)?;
        self.put(value, field)
    }

    /// Writes an unsigned integer in its minimal BER form.
    pub fn put_unsigned_min(&mut self, tag: u8, value: u64, field: &'static str) -> Result<()> {
        let len = unsigned_min_len(value);
        self.put_tag_length(tag, len, field)?;
        let bytes = value.to_be_bytes();
        let mut padded = [0u8; 9];
        if let Some(tail) = padded.get_mut(1..) {
            tail.copy_from_slice(&bytes);
        }
        let start = padded.len() - len;
        self.put(padded.get(start..).unwrap_or_default(), field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths_are_read() {
        let (tlv, rest) = read_tlv(&[0x80, 0x02, 1, 2, 9], "x").unwrap();
        assert_eq!(
            (tlv.tag, tlv.value, rest),
            (0x80, &[1u8, 2][..], &[9u8][..])
        );
        let mut long = vec![0x87, 0x81, 0x80];
        long.extend([7u8; 0x80]);
        assert_eq!(read_tlv(&long, "x").unwrap().0.value.len(), 0x80);
        let mut long2 = vec![0x87, 0x82, 0x01, 0x00];
        long2.extend([7u8; 0x100]);
        assert_eq!(read_tlv(&long2, "x").unwrap().0.value.len(), 0x100);
    }

    #[test]
    fn indefinite_and_overrun_are_rejected() {
        assert_eq!(
            read_tlv(&[0x30, 0x80, 0, 0], "asdu"),
            Err(SvError::IndefiniteLength { field: "asdu" })
        );
        assert!(matches!(
            read_tlv(&[0x30, 0x05, 0], "asdu"),
            Err(SvError::LengthOverrun {
                length: 5,
                available: 1,
                ..
            })
        ));
        assert!(matches!(
            read_tlv(&[0x30, 0x82, 0], "a"),
            Err(SvError::Truncated { .. })
        ));
        assert!(matches!(
            read_tlv(&[0x1f, 1, 0], "a"),
            Err(SvError::UnsupportedTag { .. })
        ));
    }

    #[test]
    fn unsigned_accepts_short_fixed_and_padded() {
        assert_eq!(decode_unsigned(&[0x05], 2, "n"), Ok(5));
        assert_eq!(decode_unsigned(&[0x80, 0x00], 2, "n"), Ok(0x8000));
        assert_eq!(decode_unsigned(&[0x00, 0xff, 0xff], 2, "n"), Ok(0xffff));
        assert!(decode_unsigned(&[0x01, 0xff, 0xff], 2, "n").is_err());
        assert!(decode_unsigned(&[], 2, "n").is_err());
    }

    #[test]
    fn writer_round_trips_lengths_and_integers() {
        for (len, form) in [
            (5usize, 1usize),
            (0x80, 2),
            (0xff, 2),
            (0x100, 3),
            (0xffff, 3),
        ] {
            assert_eq!(length_len(len), form);
            let content = vec![0xaa; len];
            let mut buf = vec![0; tlv_len(len)];
            let mut w = Writer::new(&mut buf);
            w.put_tlv(0x87, &content, "d").unwrap();
            assert_eq!(w.position(), buf.len());
            assert_eq!(read_tlv(&buf, "d").unwrap().0.value.len(), len);
        }
        for value in [
            0u64,
            1,
            0x7f,
            0x80,
            0xff,
            0x7fff,
            0x8000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut buf = [0u8; 16];
            let mut w = Writer::new(&mut buf);
            w.put_unsigned_min(0x80, value, "n").unwrap();
            let end = w.position();
            let (tlv, _) = read_tlv(&buf[..end], "n").unwrap();
            assert_eq!(tlv.value.len(), unsigned_min_len(value));
            assert_eq!(decode_unsigned(tlv.value, 8, "n"), Ok(value));
        }
        let mut small = [0u8; 2];
        assert!(Writer::new(&mut small).put_tlv(0x80, &[1, 2], "x").is_err());
    }
}
