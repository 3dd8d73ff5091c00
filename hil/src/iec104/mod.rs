//! IEC 60870-5-104: a pure, allocation-free codec and the protocol's state machine.
//!
//! | layer | view | repr |
//! |---|---|---|
//! | APCI: START, length, control (I/S/U) | [`ApduPacket`] | [`ApduRepr`], [`Apci`] |
//! | ASDU: type, VSQ, COT, originator, common address | [`AsduPacket`] | [`AsduRepr`] |
//! | information objects | — | [`InformationObject`], [`Element`], [`Cp56Time2a`] |
//!
//! [`apdu_len`] frames a TCP byte stream. [`Session`] is the link layer of one connection
//! (sequence numbers, k and w windows, timers t1–t3, STARTDT/STOPDT/TESTFR), sans-IO: time
//! and frames come in as arguments. See `docs/iec104.md`.
//!
//! ```
//! use gridhil_hil::iec104::{
//!     cause, Apci, ApduRepr, AsduRepr, Element, InformationObject, ObjectList, TypeId,
//! };
//!
//! let objects = [InformationObject {
//!     address: 1001,
//!     element: Element::ShortFloat { value: 49.98, quality: 0 },
//!     time: None,
//! }];
//! let apdu = ApduRepr {
//!     apci: Apci::I { send: 0, receive: 0 },
//!     asdu: Some(AsduRepr {
//!         type_id: TypeId::M_ME_NC_1,
//!         sequence: false,
//!         count: 1,
//!         cause: cause::SPONTANEOUS,
//!         negative: false,
//!         test: false,
//!         originator: 0,
//!         common_address: 1,
//!         objects: ObjectList::Items(&objects),
//!     }),
//! };
//! let mut buf = [0u8; 255];
//! let len = apdu.emit(&mut buf)?;
//! let parsed = ApduRepr::parse(&buf[..len])?;
//! let object = parsed.asdu.and_then(|a| a.iter().next());
//! assert_eq!(object.map(|o| o.address), Some(1001));
//! # Ok::<(), gridhil_hil::iec104::Iec104Error>(())
//! ```

mod apdu;
pub mod asdu;
mod element;
mod error;
mod session;
mod time;
mod type_id;

pub use apdu::{
    apdu_len, field as apci_field, Apci, ApduPacket, ApduRepr, UFunction, MAX_APDU_LEN,
    MAX_ASDU_LEN, SEQUENCE_MODULUS, START,
};
pub use asdu::{cause, AsduPacket, AsduRepr, InformationObject, ObjectIter, ObjectList, MAX_IOA};
pub use element::{qualifier, quality, Element};
pub use error::{Iec104Error, Result};
pub use session::{Session, SessionConfig, SessionError};
pub use time::Cp56Time2a;
pub use type_id::TypeId;
