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
//! See `docs/c37118-codec.md` for an overview and examples.

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
