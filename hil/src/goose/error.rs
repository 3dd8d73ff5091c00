//! Errors of the GOOSE codec; every variant names the field it concerns. Envelope and
//! BER errors (shared with sampled values) keep their own wording.

use crate::sv::SvError;
use thiserror::Error;

/// Everything that can go wrong while parsing or emitting a GOOSE frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GooseError {
    /// The Ethernet header, the APPID/Length header or a BER element is malformed
    /// (the same codec as sampled values).
    #[error(transparent)]
    Envelope(#[from] SvError),
    /// The Ethernet frame does not carry GOOSE.
    #[error("EtherType: 0x{found:04x} is not GOOSE (0x88b8)")]
    WrongEtherType {
        /// EtherType found after the (optional) 802.1Q tag.
        found: u16,
    },
    /// The GOOSE Length field disagrees with the end of the goosePdu.
    #[error("GOOSE Length field: says {declared} bytes (APPID to end of APDU) but the goosePdu ends at {actual}")]
    LengthField {
        /// Value of the Length field.
        declared: usize,
        /// Bytes from APPID to the end of the goosePdu.
        actual: usize,
    },
    /// A mandatory goosePdu field is absent.
    #[error("{field}: mandatory field missing")]
    Missing {
        /// Field that is missing.
        field: &'static str,
    },
    /// goosePdu fields out of order or repeated.
    #[error("{field}: out of order or repeated in the goosePdu")]
    Order {
        /// Field concerned.
        field: &'static str,
    },
    /// A value outside what its field allows.
    #[error("{field}: {length} content bytes is not a valid encoding")]
    Encoding {
        /// Field concerned.
        field: &'static str,
        /// Content length found.
        length: usize,
    },
    /// A string that is not a VisibleString.
    #[error("{field}: not a VisibleString (byte 0x{byte:02x})")]
    InvalidString {
        /// Field concerned.
        field: &'static str,
        /// First offending byte.
        byte: u8,
    },
    /// Structures nested deeper than the codec follows.
    #[error("allData: structures nested deeper than {max} levels")]
    TooDeep {
        /// Deepest nesting followed.
        max: usize,
    },
    /// numDatSetEntries disagrees with allData.
    #[error("numDatSetEntries: declares {declared} entries but allData holds {found}")]
    EntryCount {
        /// Value of numDatSetEntries.
        declared: u32,
        /// Entries found.
        found: usize,
    },
    /// A Data element with a tag that is not an MMS Data choice.
    #[error("allData: tag 0x{tag:02x} is not an MMS Data choice")]
    UnknownData {
        /// The tag found.
        tag: u8,
    },
}

/// Result type of the GOOSE codec.
pub type Result<T> = core::result::Result<T, GooseError>;
