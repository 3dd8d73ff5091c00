//! Errors of the IEC 60870-5-104 codec; every variant names the field it concerns.

use thiserror::Error;

/// Everything that can go wrong while parsing or emitting an APDU.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Iec104Error {
    /// The input ends before the named field is complete.
    #[error("{field}: truncated, needs {needed} bytes but only {available} remain")]
    Truncated {
        /// Field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// An APDU does not start with 0x68.
    #[error("START: 0x{found:02x} is not 0x68")]
    StartByte {
        /// The byte found.
        found: u8,
    },
    /// The APDU length field is outside 4–253.
    #[error("APDU length: {length} is outside 4–253")]
    ApduLength {
        /// The length found.
        length: u8,
    },
    /// A control field that is none of I, S, U, or a U frame with no or several functions.
    #[error("APCI control field: {bytes:02x?} is not a valid I, S or U format")]
    Control {
        /// The four control bytes.
        bytes: [u8; 4],
    },
    /// An S or U frame that carries an ASDU, or an I frame without one.
    #[error("APDU length: {length} does not fit a {format} frame")]
    FormatLength {
        /// `"I"`, `"S"` or `"U"`.
        format: &'static str,
        /// The APDU length.
        length: u8,
    },
    /// A type identification the codec has no element layout for.
    #[error("type identification {type_id}: not supported")]
    UnsupportedType {
        /// The type identification.
        type_id: u8,
    },
    /// The ASDU's objects do not fill it as the variable structure qualifier says.
    #[error("ASDU of type {type_id}: {objects} objects need {needed} bytes but {available} follow the header")]
    ObjectsLength {
        /// The type identification.
        type_id: u8,
        /// Number of objects declared.
        objects: u8,
        /// Bytes they need.
        needed: usize,
        /// Bytes there.
        available: usize,
    },
    /// A value outside what its field holds.
    #[error("{field}: {value} is out of range")]
    OutOfRange {
        /// Field concerned.
        field: &'static str,
        /// Offending value.
        value: u64,
    },
    /// The output buffer is too small.
    #[error("{field}: output buffer too small, needs {needed} bytes but has {available}")]
    BufferTooSmall {
        /// What was being written.
        field: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// An object's element does not belong to the ASDU's type.
    #[error("information object {ioa}: its element is not of type {type_id}")]
    ElementType {
        /// The object's address.
        ioa: u32,
        /// The ASDU's type identification.
        type_id: u8,
    },
}

/// Result type of the IEC 104 codec.
pub type Result<T> = core::result::Result<T, Iec104Error>;
