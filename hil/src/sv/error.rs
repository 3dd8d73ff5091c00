//! Errors of the sampled-values codec; every variant names the field it concerns.

use thiserror::Error;

/// Everything that can go wrong while parsing or emitting a sampled-values frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SvError {
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
    /// The Ethernet frame does not carry sampled values.
    #[error("EtherType: 0x{found:04x} is not sampled values (0x88ba)")]
    WrongEtherType {
        /// EtherType found after the (optional) 802.1Q tag.
        found: u16,
    },
    /// A BER element carries a tag other than the one expected at that place.
    #[error("{field}: unexpected BER tag 0x{found:02x}, expected 0x{expected:02x}")]
    UnexpectedTag {
        /// Field being read.
        field: &'static str,
        /// Tag expected.
        expected: u8,
        /// Tag found.
        found: u8,
    },
    /// Multi-byte (high-tag-number) BER tags do not occur in sampled values.
    #[error("{field}: multi-byte BER tag 0x{tag:02x} is not supported")]
    UnsupportedTag {
        /// Field being read.
        field: &'static str,
        /// First tag byte.
        tag: u8,
    },
    /// The indefinite BER length form (0x80) is forbidden in sampled values.
    #[error("{field}: indefinite BER length is not allowed")]
    IndefiniteLength {
        /// Field being read.
        field: &'static str,
    },
    /// A BER long-form length with more than four length bytes.
    #[error("{field}: BER length form 0x{first:02x} is not supported")]
    UnsupportedLengthForm {
        /// Field being read.
        field: &'static str,
        /// First length byte.
        first: u8,
    },
    /// A BER length points past the end of its enclosing element.
    #[error("{field}: BER length {length} exceeds the {available} bytes left in its container")]
    LengthOverrun {
        /// Field being read.
        field: &'static str,
        /// Declared length.
        length: usize,
        /// Bytes available in the enclosing element.
        available: usize,
    },
    /// The SV header Length field (APPID to end of APDU) disagrees with the frame.
    #[error(
        "SV Length field: says {declared} bytes (APPID to end of APDU) but the frame holds {actual}"
    )]
    LengthField {
        /// Value of the Length field.
        declared: usize,
        /// Bytes from APPID to the end of the savPdu (or of the frame when shorter).
        actual: usize,
    },
    /// An integer encoded with more bytes than its type allows, or with none.
    #[error("{field}: integer of {length} bytes does not fit the type's {max} bytes")]
    IntegerWidth {
        /// Field being read.
        field: &'static str,
        /// Encoded length.
        length: usize,
        /// Largest allowed length.
        max: usize,
    },
    /// A value outside the range the field allows.
    #[error("{field}: value {value} is out of range")]
    OutOfRange {
        /// Field concerned.
        field: &'static str,
        /// Offending value.
        value: u64,
    },
    /// A mandatory field is absent.
    #[error("{field}: mandatory field missing")]
    Missing {
        /// Field that is missing.
        field: &'static str,
    },
    /// A field occurs twice in one ASDU.
    #[error("{field}: occurs more than once")]
    Duplicate {
        /// Field repeated.
        field: &'static str,
    },
    /// A VisibleString holds a byte outside 0x20..=0x7e.
    #[error("{field}: not a VisibleString (byte 0x{byte:02x})")]
    InvalidString {
        /// Field concerned.
        field: &'static str,
        /// First offending byte.
        byte: u8,
    },
    /// noASDU disagrees with the number of ASDUs in seqASDU.
    #[error("noASDU: declares {declared} ASDUs but seqASDU holds {found}")]
    AsduCount {
        /// Value of noASDU.
        declared: u64,
        /// ASDUs found.
        found: usize,
    },
    /// The output buffer is too small for what is emitted.
    #[error("{field}: output buffer too small, needs {needed} bytes but has {available}")]
    BufferTooSmall {
        /// What was being written.
        field: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// seqData does not have the size the dataset describes.
    #[error("seqData: {length} bytes do not match the dataset's {expected} bytes")]
    SeqDataLength {
        /// Size of seqData.
        length: usize,
        /// Size the dataset needs.
        expected: usize,
    },
    /// The caller passed a wrong number of values or qualities.
    #[error("{field}: {given} given but {expected} expected")]
    Count {
        /// What was counted.
        field: &'static str,
        /// Number given.
        given: usize,
        /// Number expected.
        expected: usize,
    },
    /// A profile or value-type name that is not known.
    #[error("{field}: unknown name {name:?}")]
    UnknownName {
        /// What was being named.
        field: &'static str,
        /// The name given.
        name: String,
    },
}

/// Result type of the sampled-values codec.
pub type Result<T> = core::result::Result<T, SvError>;
