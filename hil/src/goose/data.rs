//! The MMS `Data` values of a GOOSE dataset (allData): booleans, bit strings, integers,
//! unsigned, floats, strings, UTC times, and structures and arrays of them. Not here:
//! what the bits of a quality or a Dbpos mean (`quality.rs`).

use super::error::{GooseError, Result};
use crate::sv::ber::{self, Writer};
use crate::sv::UtcTime;

/// BER tags of the MMS `Data` choices that GOOSE carries.
pub mod tag {
    /// array (constructed).
    pub const ARRAY: u8 = 0xa1;
    /// structure (constructed).
    pub const STRUCTURE: u8 = 0xa2;
    /// boolean.
    pub const BOOLEAN: u8 = 0x83;
    /// bit-string.
    pub const BIT_STRING: u8 = 0x84;
    /// integer.
    pub const INTEGER: u8 = 0x85;
    /// unsigned.
    pub const UNSIGNED: u8 = 0x86;
    /// floating-point.
    pub const FLOATING_POINT: u8 = 0x87;
    /// octet-string.
    pub const OCTET_STRING: u8 = 0x89;
    /// visible-string.
    pub const VISIBLE_STRING: u8 = 0x8a;
    /// generalized-time.
    pub const GENERALIZED_TIME: u8 = 0x8b;
    /// binary-time.
    pub const BINARY_TIME: u8 = 0x8c;
    /// bcd.
    pub const BCD: u8 = 0x8d;
    /// booleanArray.
    pub const BOOLEAN_ARRAY: u8 = 0x8e;
    /// objId.
    pub const OBJ_ID: u8 = 0x8f;
    /// mMSString (UTF-8).
    pub const MMS_STRING: u8 = 0x90;
    /// utc-time.
    pub const UTC_TIME: u8 = 0x91;
}

/// Deepest structure/array nesting the codec follows (IEC 61850 data models stay far
/// below; a hostile frame cannot make the parser recurse further).
pub const MAX_DEPTH: usize = 16;

/// Exponent width byte of an IEEE 754 single-precision floating-point value.
pub const FLOAT32_EXPONENT: u8 = 8;
/// Exponent width byte of an IEEE 754 double-precision floating-point value.
pub const FLOAT64_EXPONENT: u8 = 11;

/// A BER bit string: bit 0 is the most significant bit of the first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitString<'a> {
    /// Unused bits at the end of the last byte (0–7).
    pub padding: u8,
    /// The bytes holding the bits.
    pub bytes: &'a [u8],
}

impl<'a> BitString<'a> {
    /// Number of bits.
    pub fn len(&self) -> usize {
        (self.bytes.len() * 8).saturating_sub(usize::from(self.padding))
    }

    /// Whether it holds no bit.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bit `index` (0 = the first, most significant bit); `false` past the end.
    pub fn bit(&self, index: usize) -> bool {
        index < self.len()
            && self
                .bytes
                .get(index / 8)
                .is_some_and(|b| b & (0x80 >> (index % 8)) != 0)
    }

    /// The first 64 bits as a number with bit `i` of the string in bit `i` of the
    /// result (the IEC 61850 convention for quality words).
    pub fn to_u64(&self) -> u64 {
        (0..self.len().min(64)).fold(0, |acc, i| acc | (u64::from(self.bit(i)) << i))
    }
}

/// The items of a structure, an array or allData: still encoded (as parsed, already
/// validated) or a caller's slice (to emit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DataList<'a> {
    /// Content octets of a parsed element, validated, with the number of items.
    Encoded {
        /// Number of items.
        count: usize,
        /// Content octets.
        bytes: &'a [u8],
    },
    /// Items supplied by the caller.
    Items(&'a [Data<'a>]),
}

impl<'a> DataList<'a> {
    /// Validates the content of a constructed element (`depth`: its nesting level).
    pub fn parse(bytes: &'a [u8], depth: usize) -> Result<DataList<'a>> {
        if depth > MAX_DEPTH {
            return Err(GooseError::TooDeep { max: MAX_DEPTH });
        }
        let mut rest = bytes;
        let mut count = 0;
        while !rest.is_empty() {
            let (tlv, after) = ber::read_tlv(rest, "allData")?;
            Data::from_tlv(tlv.tag, tlv.value, depth)?;
            count += 1;
            rest = after;
        }
        Ok(DataList::Encoded { count, bytes })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        match self {
            DataList::Encoded { count, .. } => *count,
            DataList::Items(items) => items.len(),
        }
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items in order (decoding each as it goes; no allocation).
    pub fn iter(&self) -> DataIter<'a> {
        match *self {
            DataList::Encoded { bytes, .. } => DataIter::Encoded(bytes),
            DataList::Items(items) => DataIter::Items(items.iter()),
        }
    }

    /// Size of the content octets.
    pub fn content_len(&self) -> usize {
        match self {
            DataList::Encoded { bytes, .. } => bytes.len(),
            DataList::Items(items) => items.iter().map(Data::buffer_len).sum(),
        }
    }

    /// Whether both lists hold the same values, encoded or not.
    pub fn equivalent(&self, other: &DataList<'_>) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a.equivalent(&b))
    }

    /// Writes the items (not an enclosing tag).
    pub fn emit_content(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            DataList::Encoded { bytes, .. } => w.put(bytes, "allData")?,
            DataList::Items(items) => {
                for item in items.iter() {
                    item.emit(w)?;
                }
            }
        }
        Ok(())
    }
}

/// Iterator over the items of a [`DataList`].
#[derive(Debug, Clone)]
pub enum DataIter<'a> {
    /// Over content octets.
    Encoded(&'a [u8]),
    /// Over a caller's items.
    Items(core::slice::Iter<'a, Data<'a>>),
}

impl<'a> Iterator for DataIter<'a> {
    type Item = Data<'a>;

    fn next(&mut self) -> Option<Data<'a>> {
        match self {
            DataIter::Encoded(rest) => {
                if rest.is_empty() {
                    return None;
                }
                // The list was validated when parsed: nested lists are only counted, not
                // validated again; a failure here ends the iteration.
                let parsed = ber::read_tlv(rest, "allData")
                    .ok()
                    .and_then(|(tlv, after)| {
                        Data::from_validated_tlv(tlv.tag, tlv.value)
                            .ok()
                            .map(|data| (data, after))
                    });
                match parsed {
                    Some((data, after)) => {
                        *rest = after;
                        Some(data)
                    }
                    None => {
                        *rest = &[];
                        None
                    }
                }
            }
            DataIter::Items(items) => items.next().copied(),
        }
    }
}

/// One MMS `Data` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Data<'a> {
    /// array: items of one type.
    Array(DataList<'a>),
    /// structure: items of any types (a data object with its attributes).
    Structure(DataList<'a>),
    /// boolean.
    Boolean(bool),
    /// bit-string (Dbpos, quality, …).
    BitString(BitString<'a>),
    /// integer (two's complement, at most 8 bytes).
    Integer(i64),
    /// unsigned (at most 8 bytes).
    Unsigned(u64),
    /// floating-point, single precision.
    Float32(f32),
    /// floating-point, double precision.
    Float64(f64),
    /// octet-string.
    OctetString(&'a [u8]),
    /// visible-string.
    VisibleString(&'a str),
    /// mMSString (UTF-8).
    MmsString(&'a str),
    /// utc-time.
    UtcTime(UtcTime),
    /// Any other choice (generalized-time, binary-time, bcd, booleanArray, objId), kept
    /// as its tag and content octets.
    Other {
        /// BER tag.
        tag: u8,
        /// Content octets.
        value: &'a [u8],
    },
}

/// Decodes a two's-complement integer of 1 to 8 bytes.
pub fn decode_signed(value: &[u8], field: &'static str) -> Result<i64> {
    match value {
        [] => Err(GooseError::Encoding { field, length: 0 }),
        [first, ..] if value.len() <= 8 => {
            let init: i64 = if first & 0x80 != 0 { -1 } else { 0 };
            Ok(value.iter().fold(init, |acc, &b| (acc << 8) | i64::from(b)))
        }
        _ => Err(GooseError::Encoding {
            field,
            length: value.len(),
        }),
    }
}

/// Size of the minimal two's-complement encoding of `value`.
pub const fn signed_min_len(value: i64) -> usize {
    let mut len = 1;
    while len < 8 {
        let shift = 8 * len - 1;
        let top = value >> shift;
        if top == 0 || top == -1 {
            break;
        }
        len += 1;
    }
    len
}

fn visible<'a>(value: &'a [u8], field: &'static str) -> Result<&'a str> {
    if let Some(&byte) = value.iter().find(|&&b| !(0x20..=0x7e).contains(&b)) {
        return Err(GooseError::InvalidString { field, byte });
    }
    core::str::from_utf8(value).map_err(|_| GooseError::InvalidString { field, byte: 0 })
}

/// Reads a VisibleString field.
pub fn decode_visible<'a>(value: &'a [u8], field: &'static str) -> Result<&'a str> {
    visible(value, field)
}

impl<'a> Data<'a> {
    /// Decodes one element (`depth`: nesting level of the list it is in, 1 for allData).
    pub fn from_tlv(tag: u8, value: &'a [u8], depth: usize) -> Result<Data<'a>> {
        let bad = |field| GooseError::Encoding {
            field,
            length: value.len(),
        };
        Ok(match tag {
            tag::ARRAY => Data::Array(DataList::parse(value, depth + 1)?),
            tag::STRUCTURE => Data::Structure(DataList::parse(value, depth + 1)?),
            tag::BOOLEAN => match value {
                [b] => Data::Boolean(*b != 0),
                _ => return Err(bad("boolean")),
            },
            tag::BIT_STRING => match value {
                [padding, bytes @ ..] if *padding <= 7 && (!bytes.is_empty() || *padding == 0) => {
                    Data::BitString(BitString {
                        padding: *padding,
                        bytes,
                    })
                }
                _ => return Err(bad("bit-string")),
            },
            tag::INTEGER => Data::Integer(decode_signed(value, "integer")?),
            tag::UNSIGNED => Data::Unsigned(ber::decode_unsigned(value, 8, "unsigned")?),
            tag::FLOATING_POINT => match value {
                [FLOAT32_EXPONENT, a, b, c, d] => {
                    Data::Float32(f32::from_be_bytes([*a, *b, *c, *d]))
                }
                [FLOAT64_EXPONENT, rest @ ..] if rest.len() == 8 => {
                    let mut bytes = [0u8; 8];
                    bytes.copy_from_slice(rest);
                    Data::Float64(f64::from_be_bytes(bytes))
                }
                _ => return Err(bad("floating-point")),
            },
            tag::OCTET_STRING => Data::OctetString(value),
            tag::VISIBLE_STRING => Data::VisibleString(visible(value, "visible-string")?),
            tag::MMS_STRING => {
                Data::MmsString(core::str::from_utf8(value).map_err(|_| bad("mMSString"))?)
            }
            tag::UTC_TIME => match <[u8; 8]>::try_from(value) {
                Ok(bytes) => Data::UtcTime(UtcTime::from_bytes(bytes)),
                Err(_) => return Err(bad("utc-time")),
            },
            tag::GENERALIZED_TIME
            | tag::BINARY_TIME
            | tag::BCD
            | tag::BOOLEAN_ARRAY
            | tag::OBJ_ID => Data::Other { tag, value },
            _ => return Err(GooseError::UnknownData { tag }),
        })
    }

    /// Whether both are the same value; structures and arrays compare item by item,
    /// whether encoded or not (floats by their bits).
    pub fn equivalent(&self, other: &Data<'_>) -> bool {
        match (self, other) {
            (Data::Structure(a), Data::Structure(b)) | (Data::Array(a), Data::Array(b)) => {
                a.equivalent(b)
            }
            (Data::Float32(a), Data::Float32(b)) => a.to_bits() == b.to_bits(),
            (Data::Float64(a), Data::Float64(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }

    /// Decodes an element of a list that [`DataList::parse`] already validated: a nested
    /// structure or array only has its items counted.
    fn from_validated_tlv(tag: u8, value: &'a [u8]) -> Result<Data<'a>> {
        let count = || {
            let mut rest = value;
            let mut n = 0;
            while let Ok((_, after)) = ber::read_tlv(rest, "allData") {
                n += 1;
                rest = after;
                if rest.is_empty() {
                    break;
                }
            }
            n
        };
        match tag {
            tag::ARRAY => Ok(Data::Array(DataList::Encoded {
                count: count(),
                bytes: value,
            })),
            tag::STRUCTURE => Ok(Data::Structure(DataList::Encoded {
                count: count(),
                bytes: value,
            })),
            _ => Data::from_tlv(tag, value, 1),
        }
    }

    /// The BER tag of this value.
    pub fn tag(&self) -> u8 {
        match self {
            Data::Array(_) => tag::ARRAY,
            Data::Structure(_) => tag::STRUCTURE,
            Data::Boolean(_) => tag::BOOLEAN,
            Data::BitString(_) => tag::BIT_STRING,
            Data::Integer(_) => tag::INTEGER,
            Data::Unsigned(_) => tag::UNSIGNED,
            Data::Float32(_) | Data::Float64(_) => tag::FLOATING_POINT,
            Data::OctetString(_) => tag::OCTET_STRING,
            Data::VisibleString(_) => tag::VISIBLE_STRING,
            Data::MmsString(_) => tag::MMS_STRING,
            Data::UtcTime(_) => tag::UTC_TIME,
            Data::Other { tag, .. } => *tag,
        }
    }

    /// Size of the content octets this value emits.
    pub fn content_len(&self) -> usize {
        match self {
            Data::Array(list) | Data::Structure(list) => list.content_len(),
            Data::Boolean(_) => 1,
            Data::BitString(bits) => 1 + bits.bytes.len(),
            Data::Integer(v) => signed_min_len(*v),
            Data::Unsigned(v) => ber::unsigned_min_len(*v),
            Data::Float32(_) => 5,
            Data::Float64(_) => 9,
            Data::OctetString(bytes) | Data::Other { value: bytes, .. } => bytes.len(),
            Data::VisibleString(text) | Data::MmsString(text) => text.len(),
            Data::UtcTime(_) => UtcTime::LEN,
        }
    }

    /// Size of the whole element.
    pub fn buffer_len(&self) -> usize {
        ber::tlv_len(self.content_len())
    }

    /// Writes the element (minimal integers, booleans as 0x00/0x01, as libiec61850 does).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        let tag = self.tag();
        match self {
            Data::Array(list) | Data::Structure(list) => {
                w.put_tag_length(tag, list.content_len(), "allData")?;
                list.emit_content(w)?;
            }
            Data::Boolean(v) => w.put_tlv(tag, &[u8::from(*v)], "boolean")?,
            Data::BitString(bits) => {
                w.put_tag_length(tag, 1 + bits.bytes.len(), "bit-string")?;
                w.put(&[bits.padding], "bit-string")?;
                w.put(bits.bytes, "bit-string")?;
            }
            Data::Integer(v) => {
                let len = signed_min_len(*v);
                let bytes = v.to_be_bytes();
                w.put_tlv(tag, bytes.get(8 - len..).unwrap_or_default(), "integer")?;
            }
            Data::Unsigned(v) => w.put_unsigned_min(tag, *v, "unsigned")?,
            Data::Float32(v) => {
                let [a, b, c, d] = v.to_be_bytes();
                w.put_tlv(tag, &[FLOAT32_EXPONENT, a, b, c, d], "floating-point")?;
            }
            Data::Float64(v) => {
                w.put_tag_length(tag, 9, "floating-point")?;
                w.put(&[FLOAT64_EXPONENT], "floating-point")?;
                w.put(&v.to_be_bytes(), "floating-point")?;
            }
            Data::OctetString(bytes) | Data::Other { value: bytes, .. } => {
                w.put_tlv(tag, bytes, "octet-string")?;
            }
            Data::VisibleString(text) | Data::MmsString(text) => {
                w.put_tlv(tag, text.as_bytes(), "visible-string")?;
            }
            Data::UtcTime(t) => w.put_tlv(tag, &t.to_bytes(), "utc-time")?,
        }
        Ok(())
    }

    /// The value as a number, where it is one: booleans 0/1, bit strings as
    /// [`BitString::to_u64`], UTC times as Unix nanoseconds.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Data::Boolean(v) => Some(f64::from(u8::from(v))),
            Data::BitString(bits) => Some(bits.to_u64() as f64),
            Data::Integer(v) => Some(v as f64),
            Data::Unsigned(v) => Some(v as f64),
            Data::Float32(v) => Some(f64::from(v)),
            Data::Float64(v) => Some(v),
            Data::UtcTime(t) => Some(t.to_unix_nanos() as f64),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: Data<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; data.buffer_len()];
        let mut w = Writer::new(&mut buf);
        data.emit(&mut w).unwrap();
        assert_eq!(w.position(), buf.len());
        let (tlv, rest) = ber::read_tlv(&buf, "t").unwrap();
        assert!(rest.is_empty());
        let back = Data::from_tlv(tlv.tag, tlv.value, 1).unwrap();
        assert!(back.equivalent(&data), "{back:?} vs {data:?}");
        buf
    }

    #[test]
    fn every_kind_round_trips() {
        for v in [0i64, 1, -1, 127, 128, -128, -129, 32767, i64::MAX, i64::MIN] {
            round_trip(Data::Integer(v));
        }
        for v in [0u64, 1, 0x80, 0xffff_ffff, u64::MAX] {
            round_trip(Data::Unsigned(v));
        }
        assert_eq!(round_trip(Data::Boolean(true)), [0x83, 1, 1]);
        assert_eq!(
            round_trip(Data::Float32(1.5)),
            [0x87, 5, 8, 0x3f, 0xc0, 0, 0]
        );
        round_trip(Data::Float64(-2.25e10));
        round_trip(Data::VisibleString("LD0/LLN0$GO$gcb01"));
        round_trip(Data::MmsString("Grüße"));
        round_trip(Data::OctetString(&[1, 2, 3]));
        round_trip(Data::UtcTime(UtcTime::from_unix_nanos(
            1_700_000_000_123_000_000,
            10,
        )));
        assert_eq!(
            round_trip(Data::BitString(BitString {
                padding: 6,
                bytes: &[0x80]
            })),
            [0x84, 2, 6, 0x80]
        );
        let inner = [Data::Boolean(false), Data::Integer(-5)];
        let items = [Data::Structure(DataList::Items(&inner)), Data::Float32(0.0)];
        round_trip(Data::Structure(DataList::Items(&items)));
        round_trip(Data::Array(DataList::Items(&inner)));
    }

    #[test]
    fn bit_strings_read_msb_first() {
        // Quality "invalid" (bit 1) and "test" (bit 11) in 13 bits.
        let q = BitString {
            padding: 3,
            bytes: &[0x40, 0x10],
        };
        assert_eq!(q.len(), 13);
        assert!(q.bit(1) && q.bit(11) && !q.bit(0) && !q.bit(13));
        assert_eq!(q.to_u64(), (1 << 1) | (1 << 11));
    }

    #[test]
    fn malformed_values_are_errors() {
        assert!(Data::from_tlv(tag::BOOLEAN, &[], 1).is_err());
        assert!(Data::from_tlv(tag::BIT_STRING, &[8, 0], 1).is_err());
        assert!(Data::from_tlv(tag::BIT_STRING, &[3], 1).is_err());
        assert!(Data::from_tlv(tag::INTEGER, &[0; 9], 1).is_err());
        assert!(Data::from_tlv(tag::FLOATING_POINT, &[8, 0, 0], 1).is_err());
        assert!(Data::from_tlv(tag::UTC_TIME, &[0; 7], 1).is_err());
        assert!(Data::from_tlv(tag::VISIBLE_STRING, &[0x07], 1).is_err());
        assert!(Data::from_tlv(0x99, &[], 1).is_err());
        // A structure inside a structure … deeper than MAX_DEPTH.
        let mut deep = vec![0x83, 1, 0];
        for _ in 0..=MAX_DEPTH + 1 {
            let mut outer = vec![tag::STRUCTURE, deep.len() as u8];
            outer.extend(&deep);
            deep = outer;
        }
        assert_eq!(
            DataList::parse(&deep, 1),
            Err(GooseError::TooDeep { max: MAX_DEPTH })
        );
    }
}
