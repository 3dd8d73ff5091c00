//! Error type of the C37.118.2 codec.

use thiserror::Error;

/// Everything that can go wrong while decoding or encoding a C37.118 frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// The first byte is not the SYNC byte 0xAA.
    #[error("bad SYNC byte 0x{0:02x} (expected 0xaa)")]
    BadSync(u8),
    /// The frame-type bits of the SYNC word name no known frame type (or bit 7 is set).
    #[error("bad frame type bits 0x{0:02x} in SYNC word")]
    BadFrameType(u8),
    /// The version bits of the SYNC word are zero.
    #[error("bad protocol version {0}")]
    BadVersion(u8),
    /// FRAMESIZE disagrees with the bytes at hand.
    #[error("frame length mismatch: FRAMESIZE says {declared} bytes, buffer holds {actual}")]
    LengthMismatch {
        /// FRAMESIZE as read from the frame.
        declared: usize,
        /// Bytes available (or consumed by the content).
        actual: usize,
    },
    /// The CHK field does not match the CRC-CCITT of the frame.
    #[error("CRC mismatch: frame carries 0x{received:04x}, computed 0x{computed:04x}")]
    CrcMismatch {
        /// CHK as read from the frame.
        received: u16,
        /// CRC computed over the frame.
        computed: u16,
    },
    /// The frame ended while the named field was being read.
    #[error("frame truncated while reading {field}")]
    Truncated {
        /// Name of the field that did not fit.
        field: &'static str,
    },
    /// Bytes are left after the last field of a frame whose layout is fully known.
    #[error("{count} unexpected trailing bytes after {field}")]
    TrailingBytes {
        /// Last field read.
        field: &'static str,
        /// Number of bytes left over.
        count: usize,
    },
    /// A data frame does not have the size its configuration describes.
    #[error("data frame does not match its configuration: expected {expected} payload bytes, got {actual}")]
    ConfigMismatch {
        /// Payload bytes the configuration describes.
        expected: usize,
        /// Payload bytes present.
        actual: usize,
    },
    /// A data frame was decoded before any configuration frame was seen.
    #[error("data frame received without a configuration frame")]
    MissingConfig,
    /// Values to encode do not agree with the layout (count or format of a channel).
    #[error("value does not fit the layout: {0}")]
    LayoutMismatch(&'static str),
    /// A field value cannot be represented on the wire.
    #[error("field {field} out of range: {reason}")]
    OutOfRange {
        /// Field name.
        field: &'static str,
        /// Why it does not fit.
        reason: &'static str,
    },
    /// The output buffer is too small for the frame being encoded.
    #[error("output buffer too small: need {needed} bytes, have {available}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
}

/// Result alias of the codec.
pub type Result<T> = core::result::Result<T, Error>;
