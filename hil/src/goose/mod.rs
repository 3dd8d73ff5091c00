//! IEC 61850-8-1 GOOSE: a pure, allocation-free codec.
//!
//! The envelope is the sampled-values one ([`crate::sv::EthernetFrame`] and
//! [`crate::sv::SvPacket`]: Ethernet, optional 802.1Q tag, APPID, Length, Reserved1 with
//! the simulation bit, Reserved2) with EtherType 0x88B8; then the BER goosePdu
//! ([`GoosePdu`] view, [`GoosePduRepr`]) whose allData is a list of MMS [`Data`] values,
//! structures and arrays nested up to [`MAX_DEPTH`]. [`Dbpos`] and the 13-bit quality
//! give meaning to two kinds of bit strings; [`RetransmissionCurve`] is the publisher's
//! timing and [`SequenceTracker`] the subscriber's stNum/sqNum check, both sans-IO.
//! See `docs/goose.md`.
//!
//! ```
//! use gridhil_hil::goose::{Data, DataList, GooseFrameRepr, GoosePduRepr, ETHERTYPE_GOOSE};
//! use gridhil_hil::sv::{EthernetRepr, MacAddress, SvHeaderRepr, UtcTime};
//!
//! let values = [Data::Boolean(true), Data::Float32(49.95)];
//! let frame = GooseFrameRepr {
//!     ethernet: EthernetRepr {
//!         dst: MacAddress([0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01]),
//!         src: MacAddress([0x02, 0, 0, 0, 0, 1]),
//!         vlan: None,
//!         ethertype: ETHERTYPE_GOOSE,
//!     },
//!     header: SvHeaderRepr { app_id: 0x0001, ..SvHeaderRepr::default() },
//!     pdu: GoosePduRepr {
//!         gocb_ref: "RELAY1LD0/LLN0$GO$trip",
//!         time_allowed_to_live: 20,
//!         dat_set: "RELAY1LD0/LLN0$Trip",
//!         go_id: None,
//!         t: UtcTime::from_unix_nanos(1_700_000_000_000_000_000, 10),
//!         st_num: 2,
//!         sq_num: 0,
//!         simulation: false,
//!         conf_rev: 1,
//!         nds_com: false,
//!         num_dat_set_entries: 2,
//!         all_data: DataList::Items(&values),
//!     },
//! };
//! let mut buf = [0u8; 256];
//! let len = frame.emit(&mut buf)?;
//! let parsed = GooseFrameRepr::parse(&buf[..len])?;
//! assert_eq!(parsed.pdu.all_data.iter().next(), Some(Data::Boolean(true)));
//! # Ok::<(), gridhil_hil::goose::GooseError>(())
//! ```

pub mod data;
mod error;
mod frame;
pub mod pdu;
mod quality;
mod retransmit;
mod sequence;

pub use data::{BitString, Data, DataIter, DataList, MAX_DEPTH};
pub use error::{GooseError, Result};
pub use frame::{is_goose, GooseFrameRepr, ETHERTYPE_GOOSE};
pub use pdu::{GoosePdu, GoosePduRepr};
pub use quality::{quality_from_bits, quality_to_bytes, Dbpos, QUALITY_BITS, QUALITY_PADDING};
pub use retransmit::{RetransmissionCurve, Transmission};
pub use sequence::{SequenceEvent, SequenceTracker};
