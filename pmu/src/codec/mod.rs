//! IEEE C37.118.2-2011 frame codec (reads IEEE C37.118-2005 frames too).
//!
//! * [`Frame`]: zero-copy view over one frame (header accessors, CRC check/fill).
//! * [`FrameRepr`] / [`Payload`]: a whole frame as plain data; `parse` and `emit`.
//! * [`DataFrame`], [`Config`] (CFG-1/2), [`Config3`], [`Command`], [`HeaderText`]:
//!   the payloads, each with `parse`, `buffer_len` and a non-allocating `encode`.
//! * [`DataLayout`]: what a data frame looks like, taken from a configuration.
//! * [`StreamDecoder`]: decodes a stream, remembering its configuration.
//! * [`FrameSplitter`]: cuts TCP byte streams into frames.
//!
//! See `docs/c37118-codec.md` for an overview.
//!
//! ```
//! use gridhil_pmu::codec::*;
//!
//! // Describe a PMU once (CFG-2) …
//! let pmu = PmuConfig::new("Bus 2", 7, DataFormat::new(true, false, false, false), NominalFrequency::HZ50)
//!     .with_phasor("VA", PhasorUnit::voltage(0))
//!     .with_phasor("IA", PhasorUnit::current(0));
//! let cfg = Config::new(1_000_000, 50, vec![pmu]);
//! let layout = cfg.layout();
//! let header = FrameHeader::at_unix_nanos(7, 1_700_000_000_020_000_000, cfg.time_base);
//!
//! // … then fill and encode data frames into a reused buffer without allocating.
//! let mut data = DataFrame::zeroed(&layout);
//! data.pmus[0].set_phasor(0, Complex::from_polar(230.0, 0.1), &layout.pmus[0])?;
//! data.pmus[0].set_frequency_hz(50.01, &layout.pmus[0]);
//! let mut buf = [0u8; 1024];
//! let len = data.encode(&header, &mut buf)?;
//!
//! // A PDC decodes the stream, configuration first.
//! let mut cfg_buf = vec![0u8; cfg.buffer_len()];
//! cfg.encode(false, &header, &mut cfg_buf)?;
//! let mut decoder = StreamDecoder::new();
//! decoder.decode(&cfg_buf)?;
//! let FrameRepr { payload: Payload::Data(got), .. } = decoder.decode(&buf[..len])? else {
//!     unreachable!()
//! };
//! let v = got.pmus[0].values(&decoder.layout().unwrap().pmus[0]);
//! assert!((v.frequency_hz - 50.01).abs() < 1e-4);
//! assert!((v.phasors[0].magnitude() - 230.0).abs() < 1e-3);
//! # Ok::<(), gridhil_pmu::codec::Error>(())
//! ```

mod command;
mod config;
mod config3;
mod crc;
mod data;
mod decoder;
mod error;
pub mod frame;
mod layout;
mod name;
mod repr;
mod splitter;
mod stat;
mod units;
mod wire;

pub use command::{Command, CommandCode, HeaderText};
pub use config::{AnalogChannel, Config, DigitalWord, PhasorChannel, PmuConfig};
pub use config3::{AnalogChannel3, Config3, DigitalWord3, PhasorChannel3, PmuConfig3};
pub use crc::crc_ccitt;
pub use data::{Complex, DataFrame, PmuData, PmuValues, RawPhasor, RawValue};
pub use decoder::StreamDecoder;
pub use error::{Error, Result};
pub use frame::{
    Fracsec, Frame, FrameHeader, FrameType, TimeQuality, MAX_FRAME_LEN, MIN_FRAME_LEN, SYNC_BYTE,
    VERSION_2005, VERSION_2011,
};
pub use layout::{AnalogConversion, DataLayout, PhasorConversion, PmuLayout};
pub use name::{Name16, VarName};
pub use repr::{FrameRepr, Payload};
pub use splitter::FrameSplitter;
pub use stat::{DataError, Stat};
pub use units::{
    AnalogScale, AnalogUnit, DataFormat, DigitalUnit, NominalFrequency, PhasorScale, PhasorUnit,
};
