//! `opal.asyncip`: the message layout of OPAL-RT's AsyncIP example model.
//!
//! Layout (VILLASnode `include/villas/formats/opal_asyncip.hpp`, `struct Payload`, packed,
//! little-endian):
//!
//! | bytes | field |
//! |---|---|
//! | 0–1 | `dev_id`, int16: sender device id |
//! | 2–5 | `msg_id`, int32: message id (the sample's sequence number) |
//! | 6–7 | `msg_len`, int16: bytes of data that follow (8 per value) |
//! | 8… | values, float64 each (at most 64) |
//!
//! Messages may follow each other in one datagram. The layout has no timestamp: decoded
//! samples have `ts_origin = 0`.

use crate::byte_order::ByteOrder;
use crate::config::OpalAsyncipConfig;
use crate::sample_io::{declared_values, deliver, scalar_count, take_sample};
use crate::words::{WordCodec, WordKind};
use crate::{Format, FormatError};
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal};
use std::sync::Arc;

/// Byte offsets of the header fields.
mod field {
    use std::ops::Range;
    /// Device id.
    pub const DEV_ID: Range<usize> = 0..2;
    /// Message id.
    pub const MSG_ID: Range<usize> = 2..6;
    /// Data length in bytes.
    pub const MSG_LEN: Range<usize> = 6..8;
    /// First value.
    pub const DATA: usize = 8;
}

/// Length of the message header in bytes.
pub const HEADER_LEN: usize = field::DATA;
/// Bytes per value.
pub const VALUE_LEN: usize = 8;
/// Most values the AsyncIP model accepts in one message.
pub const MAX_VALUES: usize = 64;

const ORDER: ByteOrder = ByteOrder::Little;

/// A read-only or writable view of one message at the start of a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A view without any length check (accessors read zero beyond the buffer).
    pub fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// A view whose buffer holds the header and the data `msg_len` announces.
    pub fn new_checked(buffer: T) -> Result<Self, FormatError> {
        let packet = Packet::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the header and the announced data.
    pub fn check_len(&self) -> Result<(), FormatError> {
        let got = self.buffer.as_ref().len();
        if got < HEADER_LEN {
            return Err(FormatError::Truncated {
                needed: HEADER_LEN,
                got,
            });
        }
        let needed = HEADER_LEN + usize::try_from(self.msg_len()).unwrap_or(0);
        if got < needed {
            return Err(FormatError::Truncated { needed, got });
        }
        Ok(())
    }

    /// Sender device id.
    pub fn dev_id(&self) -> i16 {
        ORDER
            .read_u16(self.buffer.as_ref(), field::DEV_ID.start)
            .unwrap_or(0) as i16
    }

    /// Message id.
    pub fn msg_id(&self) -> i32 {
        ORDER
            .read_u32(self.buffer.as_ref(), field::MSG_ID.start)
            .unwrap_or(0) as i32
    }

    /// Announced data length in bytes.
    pub fn msg_len(&self) -> i16 {
        ORDER
            .read_u16(self.buffer.as_ref(), field::MSG_LEN.start)
            .unwrap_or(0) as i16
    }

    /// The announced data (shorter when the buffer is).
    pub fn data(&self) -> &[u8] {
        let bytes = self.buffer.as_ref();
        let end = (HEADER_LEN + usize::try_from(self.msg_len()).unwrap_or(0)).min(bytes.len());
        bytes.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the device id.
    pub fn set_dev_id(&mut self, value: i16) {
        let _ = ORDER.write_u16(self.buffer.as_mut(), field::DEV_ID.start, value as u16);
    }

    /// Sets the message id.
    pub fn set_msg_id(&mut self, value: i32) {
        let _ = ORDER.write_u32(self.buffer.as_mut(), field::MSG_ID.start, value as u32);
    }

    /// Sets the data length in bytes.
    pub fn set_msg_len(&mut self, value: i16) {
        let _ = ORDER.write_u16(self.buffer.as_mut(), field::MSG_LEN.start, value as u16);
    }
}

/// The header of a message as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Sender device id.
    pub dev_id: i16,
    /// Message id.
    pub msg_id: i32,
    /// Number of float64 values.
    pub values: usize,
}

impl Repr {
    /// Reads and validates a message header.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, FormatError> {
        packet.check_len()?;
        let len = usize::try_from(packet.msg_len())
            .map_err(|_| FormatError::BadHeader("opal.asyncip msg_len is negative"))?;
        if len % VALUE_LEN != 0 {
            return Err(FormatError::BadHeader(
                "opal.asyncip msg_len is not a multiple of 8",
            ));
        }
        Ok(Repr {
            dev_id: packet.dev_id(),
            msg_id: packet.msg_id(),
            values: len / VALUE_LEN,
        })
    }

    /// Writes the header into a packet whose buffer holds at least [`Repr::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) {
        packet.set_dev_id(self.dev_id);
        packet.set_msg_id(self.msg_id);
        // At most MAX_VALUES values are emitted, so the length fits i16.
        packet.set_msg_len((self.values * VALUE_LEN) as i16);
    }

    /// Bytes of the whole message.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + VALUE_LEN * self.values
    }
}

/// Encoder and decoder of AsyncIP messages.
#[derive(Debug, Clone)]
pub struct OpalAsyncip {
    dev_id: i16,
    codec: WordCodec,
    surplus_values: u64,
}

impl OpalAsyncip {
    /// A codec writing the configured device id.
    pub fn new(config: &OpalAsyncipConfig) -> Self {
        OpalAsyncip {
            dev_id: config.dev_id,
            codec: WordCodec::from_valid(64, ORDER, WordKind::Float),
            surplus_values: 0,
        }
    }

    /// Validates the message at `offset`; returns its header.
    fn inspect(datagram: &[u8], offset: usize, declared: usize) -> Result<Repr, FormatError> {
        let rest = datagram.get(offset..).unwrap_or(&[]);
        let repr = Repr::parse(&Packet::new_unchecked(rest)).map_err(|e| match e {
            FormatError::Truncated { needed, got } => FormatError::Truncated {
                needed: needed + offset,
                got: got + offset,
            },
            other => other,
        })?;
        if repr.values < declared {
            return Err(FormatError::TooFewValues {
                declared,
                got: repr.values,
            });
        }
        Ok(repr)
    }
}

impl Format for OpalAsyncip {
    fn name(&self) -> &'static str {
        "opal.asyncip"
    }

    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError> {
        let count = scalar_count(signals);
        if count > MAX_VALUES {
            return Err(FormatError::TooManyValues {
                max: MAX_VALUES,
                got: count,
            });
        }
        let mut offset = 0;
        for sample in samples {
            let values = declared_values(sample, signals)?;
            let repr = Repr {
                dev_id: self.dev_id,
                // The wire id is 32 bits wide: it wraps.
                msg_id: sample.seq as i32,
                values: count,
            };
            let end = offset + repr.buffer_len();
            let got = buf.len();
            let room = buf
                .get_mut(offset..end)
                .ok_or(FormatError::BufferTooSmall { needed: end, got })?;
            repr.emit(&mut Packet::new_unchecked(&mut *room));
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
        let declared = scalar_count(signals);
        let mut offset = 0;
        while offset < datagram.len() {
            offset += Self::inspect(datagram, offset, declared)?.buffer_len();
        }
        let mut delivered = 0;
        let mut offset = 0;
        while offset < datagram.len() {
            let repr = Self::inspect(datagram, offset, declared)?;
            let mut sample = take_sample(pool, signals, out)?;
            // msg_id is the sequence number, read back as the u32 it was written from.
            sample.seq = u64::from(repr.msg_id as u32);
            let data = datagram
                .get(offset + HEADER_LEN..offset + repr.buffer_len())
                .unwrap_or(&[]);
            self.codec.decode_values(data, signals, &mut sample)?;
            self.surplus_values += (repr.values - declared) as u64;
            deliver(out, sample)?;
            delivered += 1;
            offset += repr.buffer_len();
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
    use gridhil_sample::{SignalType, Value};

    fn asyncip() -> OpalAsyncip {
        OpalAsyncip::new(&OpalAsyncipConfig { dev_id: -1 })
    }

    #[test]
    fn several_messages_with_integers_and_booleans_as_doubles() {
        let sigs = signals(&[SignalType::I64, SignalType::Bool]);
        let a: &[Value] = &[Value::I64(-3), Value::Bool(true)];
        let b: &[Value] = &[Value::I64(4), Value::Bool(false)];
        let bytes = encode(&mut asyncip(), &sigs, &[(1, 0, a), (2, 0, b)]).unwrap();
        assert_eq!(bytes.len(), 48);
        assert_eq!(bytes[..8], [0xff, 0xff, 1, 0, 0, 0, 16, 0]);
        assert_eq!(bytes[8..16], (-3.0f64).to_le_bytes());
        let decoded = decode(&mut asyncip(), &bytes, &sigs).unwrap();
        assert_eq!(decoded, [(1, 0, a.to_vec()), (2, 0, b.to_vec())]);
    }

    #[test]
    fn bad_lengths_are_rejected() {
        let sigs = signals(&[SignalType::F64]);
        let negative = [0, 0, 0, 0, 0, 0, 0xf8, 0xff];
        assert!(matches!(
            decode(&mut asyncip(), &negative, &sigs),
            Err((FormatError::BadHeader(_), 0))
        ));
        let odd = [0, 0, 0, 0, 0, 0, 4, 0, 1, 2, 3, 4];
        assert!(matches!(
            decode(&mut asyncip(), &odd, &sigs),
            Err((FormatError::BadHeader(_), 0))
        ));
        let empty = [0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode(&mut asyncip(), &empty, &sigs),
            Err((
                FormatError::TooFewValues {
                    declared: 1,
                    got: 0
                },
                0
            ))
        );
        let long = [0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode(&mut asyncip(), &long, &sigs),
            Err((
                FormatError::Truncated {
                    needed: 24,
                    got: 16
                },
                0
            ))
        );
    }

    #[test]
    fn more_than_64_values_cannot_be_sent() {
        let sigs = signals(&[SignalType::F64; 65]);
        assert_eq!(
            encode(&mut asyncip(), &sigs, &[(0, 0, &[Value::F64(0.0); 65])]),
            Err(FormatError::TooManyValues { max: 64, got: 65 })
        );
    }
}
