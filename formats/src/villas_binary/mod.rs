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
use gridhil_engine::node::Batch;
use gridhil_engine::sample::{SamplePool, SampleRef};
use gridhil_engine::signal::Signal;
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
