//! `villas.binary` and `villas.web`: VILLASnode's binary message format.
//!
//! Each sample is one [`message`] (16-byte header, then one 32-bit word per value);
//! a datagram carries one or more messages back to back. `villas.binary` writes
//! multi-byte fields big-endian, `villas.web` little-endian; byte 0 is the same in both.
//!
//! Values: `f64` signals as float32, `i64` as int32 (saturated), `bool` as int32 0/1.
//! gridhil extension: a complex signal takes two float32 words (real, imaginary), and the
//! header's `length` counts words; VILLASnode itself refuses complex signals in this format.

pub mod message;

use crate::byte_order::ByteOrder;
use crate::config::VillasBinaryConfig;
use crate::sample_io::{declared_values, deliver, scalar_count, take_sample};
use crate::time::{join_ns, split_ns_u32};
use crate::words::{WordCodec, WordKind};
use crate::{Format, FormatError};
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal};
use message::{Message, MessageRepr, MessageType, HEADER_LEN, VALUE_LEN};
use std::sync::Arc;

/// Encoder and decoder of `villas.binary` (big-endian) or `villas.web` (little-endian).
#[derive(Debug, Clone)]
pub struct VillasBinary {
    order: ByteOrder,
    codec: WordCodec,
    source_index: u8,
    validate_source_index: bool,
    surplus_values: u64,
}

/// What the decoder does with one well-formed message.
enum Disposition {
    /// A data message for this node.
    Deliver(MessageRepr),
    /// A start or stop message, or one from another source.
    Skip,
}

impl VillasBinary {
    /// A codec with the given byte order (`Big` for `villas.binary`, `Little` for `villas.web`).
    pub fn new(order: ByteOrder, config: &VillasBinaryConfig) -> Self {
        let codec = WordCodec::from_valid(32, order, WordKind::Auto);
        VillasBinary {
            order,
            codec,
            source_index: config.source_index,
            validate_source_index: config.validate_source_index,
            surplus_values: 0,
        }
    }

    /// Validates one message at `offset` and decides what to do with it; returns its length too.
    fn inspect(
        &self,
        datagram: &[u8],
        offset: usize,
        words: usize,
    ) -> Result<(Disposition, usize), FormatError> {
        let rest = datagram.get(offset..).unwrap_or(&[]);
        let message =
            Message::new_checked(rest, self.order).map_err(|e| shift_truncation(e, offset))?;
        let repr = MessageRepr::parse(&message).map_err(|e| shift_truncation(e, offset))?;
        let len = repr.buffer_len();
        let skip = repr.message_type != MessageType::Data
            || (self.validate_source_index && repr.source_index != self.source_index);
        if skip {
            return Ok((Disposition::Skip, len));
        }
        if usize::from(repr.length) < words {
            return Err(FormatError::TooFewValues {
                declared: words,
                got: usize::from(repr.length),
            });
        }
        Ok((Disposition::Deliver(repr), len))
    }
}

/// Makes a truncation found in a message at `offset` relative to the whole datagram.
fn shift_truncation(error: FormatError, offset: usize) -> FormatError {
    match error {
        FormatError::Truncated { needed, got } => FormatError::Truncated {
            needed: needed + offset,
            got: got + offset,
        },
        other => other,
    }
}

impl Format for VillasBinary {
    fn name(&self) -> &'static str {
        match self.order {
            ByteOrder::Big => "villas.binary",
            ByteOrder::Little => "villas.web",
        }
    }

    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError> {
        let words = scalar_count(signals);
        let length = u16::try_from(words).map_err(|_| FormatError::TooManyValues {
            max: usize::from(u16::MAX),
            got: words,
        })?;
        let mut offset = 0;
        for sample in samples {
            let values = declared_values(sample, signals)?;
            let (ts_sec, ts_nsec) = split_ns_u32(sample.ts_origin)?;
            let repr = MessageRepr {
                message_type: MessageType::Data,
                source_index: self.source_index,
                length,
                // The wire sequence is 32 bits wide: it wraps.
                sequence: sample.seq as u32,
                ts_sec,
                ts_nsec,
            };
            let end = offset + repr.buffer_len();
            let got = buf.len();
            let room = buf
                .get_mut(offset..end)
                .ok_or(FormatError::BufferTooSmall { needed: end, got })?;
            repr.emit(&mut Message::new_unchecked(&mut *room, self.order));
            self.codec
                .encode_values(values, signals, room, HEADER_LEN)?;
            offset = end;
        }
        Ok(offset)
    }

    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError> {
        if datagram.is_empty() {
            return Err(FormatError::Truncated {
                needed: HEADER_LEN,
                got: 0,
            });
        }
        let words = scalar_count(signals);
        // First pass: the whole datagram must be well formed before any sample is taken.
        let mut offset = 0;
        while offset < datagram.len() {
            let (_, len) = self.inspect(datagram, offset, words)?;
            offset += len;
        }
        let mut delivered = 0;
        let mut offset = 0;
        while offset < datagram.len() {
            let (disposition, len) = self.inspect(datagram, offset, words)?;
            if let Disposition::Deliver(repr) = disposition {
                let mut sample = take_sample(pool, signals, out)?;
                sample.seq = u64::from(repr.sequence);
                sample.ts_origin = join_ns(i64::from(repr.ts_sec), u64::from(repr.ts_nsec));
                let values = datagram
                    .get(offset + HEADER_LEN..offset + len)
                    .unwrap_or(&[]);
                self.codec.decode_values(values, signals, &mut sample)?;
                self.surplus_values += (usize::from(repr.length) - words) as u64;
                deliver(out, sample)?;
                delivered += 1;
            }
            offset += len;
        }
        Ok(delivered)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        HEADER_LEN + VALUE_LEN * scalar_count(signals)
    }

    fn max_samples_per_datagram(&self) -> usize {
        usize::MAX
    }

    fn surplus_values(&self) -> u64 {
        self.surplus_values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, encode, signals};
    use gridhil_sample::{Batch, Complex, SignalType, Value};

    fn binary() -> VillasBinary {
        VillasBinary::new(ByteOrder::Big, &VillasBinaryConfig::default())
    }

    fn header(type_bits: u8, length: u16, seq: u8) -> Vec<u8> {
        let mut h = vec![
            0x20 | (type_bits << 2),
            0,
            0,
            0,
            0,
            0,
            0,
            seq,
            0,
            0,
            0,
            9,
            0,
            0,
            0,
            0,
        ];
        h[2..4].copy_from_slice(&length.to_be_bytes());
        h
    }

    #[test]
    fn complex_takes_two_float_words() {
        let sigs = signals(&[SignalType::Complex, SignalType::Bool]);
        let values = [Value::Complex(Complex::new(1.0, -2.0)), Value::Bool(true)];
        let bytes = encode(&mut binary(), &sigs, &[(1, 0, &values)]).unwrap();
        assert_eq!(bytes[2..4], [0, 3], "length counts words");
        assert_eq!(bytes[16..], [0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(decode(&mut binary(), &bytes, &sigs).unwrap()[0].2, values);
    }

    #[test]
    fn int32_saturates_and_sequence_wraps() {
        let sigs = signals(&[SignalType::I64]);
        let bytes = encode(
            &mut binary(),
            &sigs,
            &[(0x1_0000_0005, 0, &[Value::I64(-1 << 40)])],
        )
        .unwrap();
        assert_eq!(bytes[4..8], [0, 0, 0, 5]);
        assert_eq!(bytes[16..], [0x80, 0, 0, 0]);
    }

    #[test]
    fn timestamps_outside_u32_seconds_are_refused() {
        let sigs = signals(&[SignalType::F64]);
        let err = encode(&mut binary(), &sigs, &[(0, -1, &[Value::F64(0.0)])]);
        assert!(matches!(err, Err(FormatError::Unrepresentable(_))));
    }

    #[test]
    fn control_messages_are_skipped() {
        let sigs = signals(&[SignalType::I64]);
        let mut datagram = header(1, 0, 1);
        datagram.extend(header(0, 1, 2));
        datagram.extend([0, 0, 0, 7]);
        datagram.extend(header(2, 0, 3));
        let decoded = decode(&mut binary(), &datagram, &sigs).unwrap();
        assert_eq!(decoded, [(2, 9_000_000_000, vec![Value::I64(7)])]);
    }

    #[test]
    fn surplus_values_are_skipped_and_counted() {
        let sigs = signals(&[SignalType::I64]);
        let mut datagram = header(0, 3, 1);
        datagram.extend([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
        datagram.extend(header(0, 1, 2));
        datagram.extend([0, 0, 0, 4]);
        let mut format = binary();
        let decoded = decode(&mut format, &datagram, &sigs).unwrap();
        let values: Vec<_> = decoded.iter().map(|d| d.2.clone()).collect();
        assert_eq!(values, [vec![Value::I64(1)], vec![Value::I64(4)]]);
        assert_eq!(format.surplus_values(), 2);
    }

    #[test]
    fn short_messages_reject_the_whole_datagram() {
        let sigs = signals(&[SignalType::F64, SignalType::F64]);
        let mut datagram = header(0, 2, 1);
        datagram.extend([0; 8]);
        datagram.extend(header(0, 1, 2));
        datagram.extend([0; 4]);
        assert_eq!(
            decode(&mut binary(), &datagram, &sigs),
            Err((
                FormatError::TooFewValues {
                    declared: 2,
                    got: 1
                },
                0
            ))
        );
        datagram.truncate(24 + 10);
        assert_eq!(
            decode(&mut binary(), &datagram, &sigs),
            Err((
                FormatError::Truncated {
                    needed: 40,
                    got: 34
                },
                0
            ))
        );
        assert_eq!(
            decode(&mut binary(), &[], &sigs),
            Err((FormatError::Truncated { needed: 16, got: 0 }, 0))
        );
    }

    #[test]
    fn pool_batch_and_capacity_limits_are_errors() {
        let sigs = signals(&[SignalType::F64]);
        let one = encode(
            &mut binary(),
            &sigs,
            &[(1, 0, &[Value::F64(1.0)]), (2, 0, &[Value::F64(2.0)])],
        )
        .unwrap();
        let pool = SamplePool::new(1, 1);
        let mut out = Batch::with_capacity(4);
        assert_eq!(
            binary().decode(&one, &sigs, &pool, &mut out),
            Err(FormatError::PoolExhausted)
        );
        assert_eq!(out.len(), 1, "the first sample stays");
        let pool = SamplePool::new(4, 1);
        let mut out = Batch::with_capacity(1);
        assert_eq!(
            binary().decode(&one, &sigs, &pool, &mut out),
            Err(FormatError::BatchFull)
        );
        let narrow = SamplePool::new(4, 0);
        assert_eq!(
            binary().decode(&one, &sigs, &narrow, &mut Batch::with_capacity(4)),
            Err(FormatError::SampleCapacity {
                capacity: 0,
                needed: 1
            })
        );
    }

    #[test]
    fn web_differs_only_in_byte_order() {
        let sigs = signals(&[SignalType::F64]);
        let mut web = VillasBinary::new(ByteOrder::Little, &VillasBinaryConfig::default());
        let bytes = encode(&mut web, &sigs, &[(1, 1_000_000_002, &[Value::F64(1.0)])]).unwrap();
        assert_eq!(
            bytes,
            [0x20, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x80, 0x3f]
        );
        assert_eq!(web.name(), "villas.web");
    }
}
