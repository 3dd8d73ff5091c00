//! Zero-copy view and plain representation of one VILLASnode binary message.
//!
//! Layout (VILLASnode `include/villas/formats/msg_format.hpp`, `struct Message`, packed):
//!
//! | bytes | field |
//! |---|---|
//! | 0 | bits 7–4 version (2), bits 3–2 type (0 data, 1 start, 2 stop), bits 1–0 reserved (0) |
//! | 1 | source index |
//! | 2–3 | length: number of 32-bit values |
//! | 4–7 | sequence |
//! | 8–11 | origin timestamp, seconds since 1970 |
//! | 12–15 | origin timestamp, nanoseconds |
//! | 16… | `length` values, 4 bytes each (float32 or int32) |
//!
//! Multi-byte fields are big-endian for `villas.binary` and little-endian for `villas.web`.

use crate::byte_order::ByteOrder;
use crate::FormatError;

/// Byte offsets of the header fields.
mod field {
    use std::ops::Range;
    /// Version, type and reserved bits.
    pub const VERSION_TYPE: usize = 0;
    /// Source index.
    pub const SOURCE_INDEX: usize = 1;
    /// Number of values.
    pub const LENGTH: Range<usize> = 2..4;
    /// Sequence number.
    pub const SEQUENCE: Range<usize> = 4..8;
    /// Timestamp seconds.
    pub const TS_SEC: Range<usize> = 8..12;
    /// Timestamp nanoseconds.
    pub const TS_NSEC: Range<usize> = 12..16;
    /// First value.
    pub const VALUES: usize = 16;
}

/// Length of the message header in bytes.
pub const HEADER_LEN: usize = field::VALUES;
/// Bytes per value.
pub const VALUE_LEN: usize = 4;
/// The message format version this crate reads and writes.
pub const VERSION: u8 = 2;

/// The type of a message (byte 0, bits 3–2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Values of one sample.
    Data,
    /// Marks the beginning of a simulation case.
    Start,
    /// Marks the end of a simulation case.
    Stop,
}

impl MessageType {
    fn bits(self) -> u8 {
        match self {
            MessageType::Data => 0,
            MessageType::Start => 1,
            MessageType::Stop => 2,
        }
    }
}

/// A read-only or writable view of one message at the start of a buffer.
#[derive(Debug, Clone)]
pub struct Message<T: AsRef<[u8]>> {
    buffer: T,
    order: ByteOrder,
}

impl<T: AsRef<[u8]>> Message<T> {
    /// A view without any length check (accessors read zero beyond the buffer).
    pub fn new_unchecked(buffer: T, order: ByteOrder) -> Self {
        Message { buffer, order }
    }

    /// A view whose buffer holds the whole header and the `length` values it announces.
    pub fn new_checked(buffer: T, order: ByteOrder) -> Result<Self, FormatError> {
        let message = Message::new_unchecked(buffer, order);
        message.check_len()?;
        Ok(message)
    }

    /// Checks that the buffer holds the header and every announced value.
    pub fn check_len(&self) -> Result<(), FormatError> {
        let got = self.buffer.as_ref().len();
        if got < HEADER_LEN {
            return Err(FormatError::Truncated {
                needed: HEADER_LEN,
                got,
            });
        }
        let needed = self.total_len();
        if got < needed {
            return Err(FormatError::Truncated { needed, got });
        }
        Ok(())
    }

    fn byte(&self, at: usize) -> u8 {
        self.buffer.as_ref().get(at).copied().unwrap_or(0)
    }

    /// Version (byte 0, bits 7–4).
    pub fn version(&self) -> u8 {
        self.byte(field::VERSION_TYPE) >> 4
    }

    /// Raw type bits (byte 0, bits 3–2).
    pub fn type_bits(&self) -> u8 {
        (self.byte(field::VERSION_TYPE) >> 2) & 0b11
    }

    /// Reserved bits (byte 0, bits 1–0).
    pub fn reserved(&self) -> u8 {
        self.byte(field::VERSION_TYPE) & 0b11
    }

    /// Source index.
    pub fn source_index(&self) -> u8 {
        self.byte(field::SOURCE_INDEX)
    }

    /// Number of 32-bit values.
    pub fn length(&self) -> u16 {
        self.order
            .read_u16(self.buffer.as_ref(), field::LENGTH.start)
            .unwrap_or(0)
    }

    /// Sequence number.
    pub fn sequence(&self) -> u32 {
        self.order
            .read_u32(self.buffer.as_ref(), field::SEQUENCE.start)
            .unwrap_or(0)
    }

    /// Seconds of the origin timestamp.
    pub fn ts_sec(&self) -> u32 {
        self.order
            .read_u32(self.buffer.as_ref(), field::TS_SEC.start)
            .unwrap_or(0)
    }

    /// Nanoseconds of the origin timestamp.
    pub fn ts_nsec(&self) -> u32 {
        self.order
            .read_u32(self.buffer.as_ref(), field::TS_NSEC.start)
            .unwrap_or(0)
    }

    /// Header plus announced values, in bytes.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + VALUE_LEN * usize::from(self.length())
    }

    /// The bytes of the announced values (shorter when the buffer is).
    pub fn payload(&self) -> &[u8] {
        let bytes = self.buffer.as_ref();
        let end = self.total_len().min(bytes.len());
        bytes.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Message<T> {
    fn set_byte(&mut self, at: usize, value: u8) {
        if let Some(byte) = self.buffer.as_mut().get_mut(at) {
            *byte = value;
        }
    }

    /// Sets version, type and reserved bits.
    pub fn set_version_type(&mut self, version: u8, message_type: MessageType) {
        self.set_byte(
            field::VERSION_TYPE,
            (version << 4) | (message_type.bits() << 2),
        );
    }

    /// Sets the source index.
    pub fn set_source_index(&mut self, value: u8) {
        self.set_byte(field::SOURCE_INDEX, value);
    }

    /// Sets the number of values.
    pub fn set_length(&mut self, value: u16) {
        let order = self.order;
        let _ = order.write_u16(self.buffer.as_mut(), field::LENGTH.start, value);
    }

    /// Sets the sequence number.
    pub fn set_sequence(&mut self, value: u32) {
        let order = self.order;
        let _ = order.write_u32(self.buffer.as_mut(), field::SEQUENCE.start, value);
    }

    /// Sets the origin timestamp.
    pub fn set_ts(&mut self, sec: u32, nsec: u32) {
        let order = self.order;
        let _ = order.write_u32(self.buffer.as_mut(), field::TS_SEC.start, sec);
        let _ = order.write_u32(self.buffer.as_mut(), field::TS_NSEC.start, nsec);
    }
}

/// The header of a message as plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRepr {
    /// Message type.
    pub message_type: MessageType,
    /// Source index.
    pub source_index: u8,
    /// Number of 32-bit values that follow the header.
    pub length: u16,
    /// Sequence number.
    pub sequence: u32,
    /// Seconds of the origin timestamp.
    pub ts_sec: u32,
    /// Nanoseconds of the origin timestamp.
    pub ts_nsec: u32,
}

impl MessageRepr {
    /// Reads and validates the header of a checked message.
    pub fn parse<T: AsRef<[u8]>>(message: &Message<T>) -> Result<Self, FormatError> {
        message.check_len()?;
        if message.version() != VERSION {
            return Err(FormatError::BadHeader("villas.binary version is not 2"));
        }
        if message.reserved() != 0 {
            return Err(FormatError::BadHeader(
                "villas.binary reserved bits are set",
            ));
        }
        let message_type = match message.type_bits() {
            0 => MessageType::Data,
            1 => MessageType::Start,
            2 => MessageType::Stop,
            _ => {
                return Err(FormatError::BadHeader(
                    "villas.binary message type 3 is undefined",
                ))
            }
        };
        Ok(MessageRepr {
            message_type,
            source_index: message.source_index(),
            length: message.length(),
            sequence: message.sequence(),
            ts_sec: message.ts_sec(),
            ts_nsec: message.ts_nsec(),
        })
    }

    /// Writes the header into a message view whose buffer holds at least [`MessageRepr::buffer_len`] bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, message: &mut Message<T>) {
        message.set_version_type(VERSION, self.message_type);
        message.set_source_index(self.source_index);
        message.set_length(self.length);
        message.set_sequence(self.sequence);
        message.set_ts(self.ts_sec, self.ts_nsec);
    }

    /// Bytes of the whole message: header and values.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + VALUE_LEN * usize::from(self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_big_endian() {
        let repr = MessageRepr {
            message_type: MessageType::Data,
            source_index: 7,
            length: 1,
            sequence: 0x0102_0304,
            ts_sec: 5,
            ts_nsec: 6,
        };
        let mut buf = [0u8; 20];
        repr.emit(&mut Message::new_unchecked(&mut buf[..], ByteOrder::Big));
        assert_eq!(buf[..8], [0x20, 7, 0, 1, 1, 2, 3, 4]);
        let view = Message::new_checked(&buf[..], ByteOrder::Big).unwrap();
        assert_eq!(MessageRepr::parse(&view), Ok(repr));
        assert_eq!(repr.buffer_len(), 20);
    }

    #[test]
    fn type_bits_sit_below_the_version() {
        let mut buf = [0u8; 16];
        let mut view = Message::new_unchecked(&mut buf[..], ByteOrder::Little);
        view.set_version_type(VERSION, MessageType::Stop);
        assert_eq!(buf[0], 0x28);
        buf[0] = 0x24;
        let view = Message::new_checked(&buf[..], ByteOrder::Little).unwrap();
        assert_eq!(
            MessageRepr::parse(&view).map(|r| r.message_type),
            Ok(MessageType::Start)
        );
    }

    #[test]
    fn bad_headers_are_rejected() {
        let mut buf = [0u8; 16];
        buf[0] = 0x10;
        let view = Message::new_checked(&buf[..], ByteOrder::Big).unwrap();
        assert!(matches!(
            MessageRepr::parse(&view),
            Err(FormatError::BadHeader(_))
        ));
        buf[0] = 0x21;
        let view = Message::new_checked(&buf[..], ByteOrder::Big).unwrap();
        assert!(matches!(
            MessageRepr::parse(&view),
            Err(FormatError::BadHeader(_))
        ));
        buf[0] = 0x2C;
        let view = Message::new_checked(&buf[..], ByteOrder::Big).unwrap();
        assert!(matches!(
            MessageRepr::parse(&view),
            Err(FormatError::BadHeader(_))
        ));
    }

    #[test]
    fn announced_values_must_be_present() {
        let mut buf = [0u8; 19];
        buf[0] = 0x20;
        buf[3] = 1;
        assert_eq!(
            Message::new_checked(&buf[..], ByteOrder::Big).err(),
            Some(FormatError::Truncated {
                needed: 20,
                got: 19
            })
        );
        assert_eq!(
            Message::new_checked(&buf[..15], ByteOrder::Big).err(),
            Some(FormatError::Truncated {
                needed: 16,
                got: 15
            })
        );
    }
}
