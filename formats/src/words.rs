//! Fixed-width numeric words: how the binary formats write one value as 1, 2, 4 or 8 bytes.
//!
//! A value is first split into scalars (a complex value into real and imaginary part), then
//! each scalar is written as one word of the configured width, byte order and kind.

use crate::byte_order::ByteOrder;
use crate::sample_io::{push_value, scalar_count};
use crate::FormatError;
use gridhil_sample::{Complex, Sample, Signal, SignalType, Value};
use serde::Deserialize;

/// How the words of a fixed-layout format encode values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WordKind {
    /// By signal type: `f64` and complex signals as IEEE-754 floats (integers, rounded, when
    /// the width is 8 or 16 bits), `i64` and `bool` signals as signed integers.
    #[default]
    Auto,
    /// Every word is a two's-complement signed integer (floats rounded to nearest, saturated).
    Int,
    /// Every word is an unsigned integer (floats rounded to nearest, saturated at 0 and max).
    Uint,
    /// Every word is an IEEE-754 float (32 or 64 bits only).
    Float,
}

/// One number on its way to or from the wire.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar {
    Float(f64),
    Int(i64),
    Uint(u64),
}

impl Scalar {
    fn as_f64(self) -> f64 {
        match self {
            Scalar::Float(v) => v,
            Scalar::Int(v) => v as f64,
            Scalar::Uint(v) => v as f64,
        }
    }

    /// Rounded to nearest and saturated (NaN gives 0).
    fn as_i64(self) -> i64 {
        match self {
            Scalar::Float(v) => v.round() as i64,
            Scalar::Int(v) => v,
            Scalar::Uint(v) => i64::try_from(v).unwrap_or(i64::MAX),
        }
    }

    fn as_u64(self) -> u64 {
        match self {
            Scalar::Float(v) => v.round() as u64,
            Scalar::Int(v) => u64::try_from(v).unwrap_or(0),
            Scalar::Uint(v) => v,
        }
    }

    fn is_nonzero(self) -> bool {
        match self {
            Scalar::Float(v) => v != 0.0,
            Scalar::Int(v) => v != 0,
            Scalar::Uint(v) => v != 0,
        }
    }
}

/// Width, byte order and kind of the value words of a fixed-layout format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordCodec {
    /// Bytes per word: 1, 2, 4 or 8.
    width: usize,
    order: ByteOrder,
    kind: WordKind,
}

/// The concrete encoding of one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Float,
    Int,
    Uint,
}

impl WordCodec {
    /// A codec for `bits`-bit words (8, 16, 32 or 64); `None` for another width or for
    /// `Float` words narrower than 32 bits.
    pub fn new(bits: u32, order: ByteOrder, kind: WordKind) -> Option<Self> {
        let width = match bits {
            8 => 1,
            16 => 2,
            32 => 4,
            64 => 8,
            _ => return None,
        };
        if kind == WordKind::Float && width < 4 {
            return None;
        }
        Some(WordCodec { width, order, kind })
    }

    /// A codec for settings already validated by [`WordCodec::new`]'s rules; an invalid
    /// width falls back to 32 bits and narrow `Float` words to `Auto`.
    pub(crate) fn from_valid(bits: u32, order: ByteOrder, kind: WordKind) -> Self {
        let width = match bits {
            8 => 1,
            16 => 2,
            64 => 8,
            _ => 4,
        };
        let kind = if kind == WordKind::Float && width < 4 {
            WordKind::Auto
        } else {
            kind
        };
        WordCodec { width, order, kind }
    }

    /// Bytes per word.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Byte order of the words.
    pub fn order(&self) -> ByteOrder {
        self.order
    }

    /// Bytes the values of one sample of `signals` take.
    pub fn values_len(&self, signals: &[Signal]) -> usize {
        scalar_count(signals) * self.width
    }

    fn wire_for(&self, ty: SignalType) -> Wire {
        match self.kind {
            WordKind::Int => Wire::Int,
            WordKind::Uint => Wire::Uint,
            WordKind::Float => Wire::Float,
            WordKind::Auto => match ty {
                SignalType::F64 | SignalType::Complex if self.width >= 4 => Wire::Float,
                _ => Wire::Int,
            },
        }
    }

    /// Writes `values` (one per signal, converted to its type) from `offset`; returns the bytes written.
    pub fn encode_values(
        &self,
        values: &[Value],
        signals: &[Signal],
        buf: &mut [u8],
        offset: usize,
    ) -> Result<usize, FormatError> {
        let needed = offset + self.values_len(signals);
        if buf.len() < needed {
            return Err(FormatError::BufferTooSmall {
                needed,
                got: buf.len(),
            });
        }
        let mut at = offset;
        for (value, signal) in values.iter().zip(signals) {
            let wire = self.wire_for(signal.ty);
            match value.convert(signal.ty) {
                Value::F64(v) => at = self.put(buf, at, wire, Scalar::Float(v))?,
                Value::I64(v) => at = self.put(buf, at, wire, Scalar::Int(v))?,
                Value::Bool(v) => at = self.put(buf, at, wire, Scalar::Int(i64::from(v)))?,
                Value::Complex(c) => {
                    at = self.put(buf, at, wire, Scalar::Float(c.re))?;
                    at = self.put(buf, at, wire, Scalar::Float(c.im))?;
                }
            }
        }
        Ok(at - offset)
    }

    /// Reads one sample's values for `signals` from the start of `bytes` and appends them
    /// to `sample`; `bytes` must hold at least [`WordCodec::values_len`] bytes.
    pub fn decode_values(
        &self,
        bytes: &[u8],
        signals: &[Signal],
        sample: &mut Sample,
    ) -> Result<(), FormatError> {
        let mut at = 0;
        for signal in signals {
            let wire = self.wire_for(signal.ty);
            let first = self.get(bytes, at, wire)?;
            at += self.width;
            let value = match signal.ty {
                SignalType::F64 => Value::F64(first.as_f64()),
                SignalType::I64 => Value::I64(first.as_i64()),
                SignalType::Bool => Value::Bool(first.is_nonzero()),
                SignalType::Complex => {
                    let second = self.get(bytes, at, wire)?;
                    at += self.width;
                    Value::Complex(Complex::new(first.as_f64(), second.as_f64()))
                }
            };
            push_value(sample, value)?;
        }
        Ok(())
    }

    /// Writes one unsigned header word (truncated to the word width) at `offset`.
    pub fn put_header(
        &self,
        buf: &mut [u8],
        offset: usize,
        value: u64,
    ) -> Result<usize, FormatError> {
        self.put(
            buf,
            offset,
            Wire::Uint,
            Scalar::Uint(value & self.max_uint()),
        )
    }

    /// Reads one unsigned header word at `offset`.
    pub fn get_header(&self, bytes: &[u8], offset: usize) -> Result<u64, FormatError> {
        self.get(bytes, offset, Wire::Uint).map(Scalar::as_u64)
    }

    fn max_uint(&self) -> u64 {
        u64::MAX >> (64 - 8 * self.width)
    }

    fn put(
        &self,
        buf: &mut [u8],
        offset: usize,
        wire: Wire,
        scalar: Scalar,
    ) -> Result<usize, FormatError> {
        let bits = match wire {
            Wire::Float => match self.width {
                4 => u64::from((scalar.as_f64() as f32).to_bits()),
                _ => scalar.as_f64().to_bits(),
            },
            Wire::Int => {
                let max = (self.max_uint() >> 1) as i64;
                // Two's complement: the low bytes of the clamped value.
                scalar.as_i64().clamp(-max - 1, max) as u64
            }
            Wire::Uint => scalar.as_u64().min(self.max_uint()),
        };
        let written = match self.width {
            1 => self.order.write_uint::<1>(buf, offset, bits),
            2 => self.order.write_uint::<2>(buf, offset, bits),
            4 => self.order.write_uint::<4>(buf, offset, bits),
            _ => self.order.write_uint::<8>(buf, offset, bits),
        };
        written.ok_or(FormatError::BufferTooSmall {
            needed: offset + self.width,
            got: buf.len(),
        })?;
        Ok(offset + self.width)
    }

    fn get(&self, bytes: &[u8], offset: usize, wire: Wire) -> Result<Scalar, FormatError> {
        let raw = match self.width {
            1 => self.order.read_uint::<1>(bytes, offset),
            2 => self.order.read_uint::<2>(bytes, offset),
            4 => self.order.read_uint::<4>(bytes, offset),
            _ => self.order.read_uint::<8>(bytes, offset),
        }
        .ok_or(FormatError::Truncated {
            needed: offset + self.width,
            got: bytes.len(),
        })?;
        Ok(match wire {
            Wire::Float => match self.width {
                4 => Scalar::Float(f64::from(f32::from_bits(raw as u32))),
                _ => Scalar::Float(f64::from_bits(raw)),
            },
            Wire::Int => {
                // Sign-extend from the word width.
                let shift = 64 - 8 * self.width as u32;
                Scalar::Int(((raw << shift) as i64) >> shift)
            }
            Wire::Uint => Scalar::Uint(raw),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_sample::SamplePool;

    fn signals() -> Vec<Signal> {
        vec![
            Signal::f64("a"),
            Signal::new("b", "", SignalType::I64),
            Signal::new("c", "", SignalType::Bool),
            Signal::new("d", "", SignalType::Complex),
        ]
    }

    #[test]
    fn invalid_widths_are_refused() {
        assert!(WordCodec::new(24, ByteOrder::Big, WordKind::Auto).is_none());
        assert!(WordCodec::new(16, ByteOrder::Big, WordKind::Float).is_none());
        assert!(WordCodec::new(64, ByteOrder::Big, WordKind::Float).is_some());
    }

    #[test]
    fn narrow_int_words_saturate_and_sign_extend() {
        let codec = WordCodec::new(8, ByteOrder::Big, WordKind::Auto).unwrap();
        let sigs = signals();
        let values = [
            Value::F64(-1000.4),
            Value::I64(-3),
            Value::Bool(true),
            Value::Complex(Complex::new(2.6, 127.0)),
        ];
        let mut buf = [0u8; 5];
        assert_eq!(codec.encode_values(&values, &sigs, &mut buf, 0), Ok(5));
        assert_eq!(buf, [0x80, 0xFD, 0x01, 0x03, 0x7F]);
        let pool = SamplePool::new(1, 4);
        let mut sample = pool.alloc().unwrap();
        codec.decode_values(&buf, &sigs, &mut sample).unwrap();
        assert_eq!(
            sample.values(),
            [
                Value::F64(-128.0),
                Value::I64(-3),
                Value::Bool(true),
                Value::Complex(Complex::new(3.0, 127.0))
            ]
        );
    }

    #[test]
    fn uint_words_saturate_at_zero() {
        let codec = WordCodec::new(16, ByteOrder::Little, WordKind::Uint).unwrap();
        let sigs = [Signal::f64("a"), Signal::new("b", "", SignalType::I64)];
        let mut buf = [0u8; 4];
        codec
            .encode_values(&[Value::F64(-5.0), Value::I64(70_000)], &sigs, &mut buf, 0)
            .unwrap();
        assert_eq!(buf, [0, 0, 0xFF, 0xFF]);
    }

    #[test]
    fn header_words_truncate() {
        let codec = WordCodec::new(16, ByteOrder::Big, WordKind::Auto).unwrap();
        let mut buf = [0u8; 2];
        codec.put_header(&mut buf, 0, 0x1_2345).unwrap();
        assert_eq!(buf, [0x23, 0x45]);
        assert_eq!(codec.get_header(&buf, 0), Ok(0x2345));
    }

    #[test]
    fn short_input_is_truncated_error() {
        let codec = WordCodec::new(32, ByteOrder::Big, WordKind::Auto).unwrap();
        let pool = SamplePool::new(1, 4);
        let mut sample = pool.alloc().unwrap();
        assert_eq!(
            codec.decode_values(&[0; 7], &[Signal::f64("a"), Signal::f64("b")], &mut sample),
            Err(FormatError::Truncated { needed: 8, got: 7 })
        );
        let mut small = [0u8; 3];
        assert!(matches!(
            codec.encode_values(&[Value::F64(1.0)], &[Signal::f64("a")], &mut small, 0),
            Err(FormatError::BufferTooSmall { needed: 4, got: 3 })
        ));
    }
}
