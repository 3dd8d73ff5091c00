//! IEC 61850-9-2 sampled values: a pure, allocation-free codec.
//!
//! Layers, each a zero-copy view plus a plain `Repr` (smoltcp style):
//!
//! | layer | view | repr |
//! |---|---|---|
//! | Ethernet II + 802.1Q | [`EthernetFrame`] | [`EthernetRepr`] |
//! | APPID, Length, Reserved1/2 | [`SvPacket`] | [`SvHeaderRepr`] |
//! | savPdu (BER) | [`SavPdu`] | [`SavPduRepr`], [`AsduRepr`] |
//! | whole frame | — | [`SvFrameRepr`] |
//!
//! seqData is interpreted by a [`Dataset`] (9-2LE, IEC 61869-9 [`Profile`]s or a
//! custom list of [`Channel`]s) with [`Quality`] words. [`SvStream`] builds whole
//! frames for a publisher; [`SmpCntTracker`] follows smpCnt for a subscriber.
//! See `docs/sv-codec.md`.
//!
//! ```
//! use gridhil_hil::sv::{Measurement, Profile, SvFrameRepr, SvStream, MAX_FRAME_LEN};
//!
//! // Publisher: one 9-2LE frame (IA IB IC IN in A, VA VB VC VN in V).
//! let stream = SvStream::new("MU01", 0x4000, &Profile::LE_80_50HZ)?;
//! let mut buf = [0u8; MAX_FRAME_LEN];
//! let values = [1.0, -0.5, -0.5, 0.0, 230.0, -115.0, -115.0, 0.0];
//! let len = stream.build_frame(&mut buf, 3999, &values, &[], None)?;
//!
//! // Subscriber: parse without allocating, then decode seqData.
//! let frame = SvFrameRepr::parse(&buf[..len])?;
//! let mut out = [Measurement::default(); 8];
//! for asdu in frame.pdu.asdus.iter() {
//!     let asdu = asdu?;
//!     assert_eq!((asdu.sv_id, asdu.smp_cnt), ("MU01", 3999));
//!     stream.dataset.decode(asdu.seq_data, &mut out)?;
//! }
//! assert!((out[4].value - 230.0).abs() < 1e-9);
//! # Ok::<(), gridhil_hil::sv::SvError>(())
//! ```

mod asdu;
pub mod ber;
mod dataset;
mod error;
pub mod ethernet;
mod frame;
pub mod header;
mod pdu;
mod profile;
mod quality;
mod stream;
mod time;
mod tracker;

pub use asdu::{tag as asdu_tag, AsduRepr, SmpMod, SmpSynch, GMID_LEN};
pub use dataset::{
    Channel, Dataset, Measurement, RawValue, ValueType, CURRENT_SCALE, VOLTAGE_SCALE,
};
pub use error::{Result, SvError};
pub use ethernet::{EthernetFrame, EthernetRepr, MacAddress, VlanTag, ETHERTYPE_SV};
pub use frame::{SvFrameRepr, MAX_FRAME_LEN, MIN_FRAME_LEN};
pub use header::{SvHeaderRepr, SvPacket};
pub use pdu::{tag as pdu_tag, AsduIter, AsduList, SavPdu, SavPduRepr};
pub use profile::{Profile, ProfileFamily};
pub use quality::{bits as quality_bits, Quality, Validity};
pub use stream::SvStream;
pub use time::UtcTime;
pub use tracker::{SmpCntEvent, SmpCntStats, SmpCntTracker};
