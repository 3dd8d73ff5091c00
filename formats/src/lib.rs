//! Wire formats that turn samples into datagrams and back.
//!
//! A node's `format` setting ([`FormatConfig`]) is turned into a [`Format`] by [`build`].
//! Every format encodes into and decodes from caller-owned buffers, takes decoded samples
//! from the run's [`SamplePool`], and never allocates on either path, so the UDP node can
//! call it on a real-time thread. Decoders never panic, whatever the bytes.
//!
//! | name | layout | samples per datagram |
//! |---|---|---|
//! | `villas.binary` | VILLASnode messages, big-endian | any |
//! | `villas.web` | VILLASnode messages, little-endian | any |
//! | `villas.human` | VILLASnode text lines | any |
//! | `gtnet` | RTDS GTNET-SKT 32-bit big-endian words | 1 |
//! | `raw` | equally wide words, configurable | 1 |
//! | `opal.asyncip` | OPAL-RT AsyncIP example messages | any |
//! | `csv` | `seq,ts_origin_ns,values…` lines | any (encodes 1) |
//! | `json` | `{"seq":…,"ts_origin":…,"values":[…]}` | 1 |
//!
//! See `docs/formats.md` for every layout, its configuration and where it is documented.

#![warn(missing_docs)]

pub mod byte_order;
pub mod config;
pub mod csv;
mod error;
pub mod fixtures;
pub mod gtnet;
pub mod json;
pub mod opal_asyncip;
pub mod raw;
mod sample_io;
#[cfg(test)]
mod test_support;
mod text;
pub mod time;
pub mod villas_binary;
pub mod villas_human;
pub mod words;

pub use byte_order::ByteOrder;
pub use config::{
    CsvConfig, FormatConfig, GtnetConfig, HeaderField, JsonConfig, OpalAsyncipConfig, RawConfig,
    VillasBinaryConfig, VillasHumanConfig,
};
pub use error::FormatError;
pub use words::WordKind;

use gridhil_sample::{Batch, SamplePool, SampleRef, Signal};
use std::sync::Arc;

/// An encoder and decoder of one wire format, built once per node from its [`FormatConfig`].
///
/// Values are laid out in the order of the declared `signals`: encoding writes exactly one
/// value per signal (a sample's extra values are ignored; too few is
/// [`FormatError::TooFewValues`]); decoding converts every value to its signal's type,
/// rejects a sample with fewer values than signals ([`FormatError::TooFewValues`]) and
/// ignores extra values, counting them in [`Format::surplus_values`].
pub trait Format: Send {
    /// The format's name as written in the configuration.
    fn name(&self) -> &'static str;

    /// Encodes `samples` (at most [`Format::max_samples_per_datagram`]) into one datagram
    /// in `buf`; returns its length (0 for no samples). Does not allocate.
    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError>;

    /// Decodes one datagram into samples taken from `pool` and appended to `out`; returns
    /// how many. Does not allocate and never panics.
    ///
    /// On error, samples appended before it stay in `out` and are valid. The binary
    /// formats check the framing of the whole datagram before taking any sample, so a
    /// malformed binary datagram appends nothing; text formats keep the lines before the
    /// bad one.
    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError>;

    /// Upper bound of one encoded sample's size for `signals` (to size buffers); a datagram of
    /// `n` samples takes at most `n` times this.
    fn max_encoded_len(&self, signals: &[Signal]) -> usize;

    /// Most samples one datagram can carry (`usize::MAX`: as many as the buffer holds).
    fn max_samples_per_datagram(&self) -> usize;

    /// Values received beyond the declared signals and ignored, since the format was built.
    fn surplus_values(&self) -> u64 {
        0
    }
}

/// Builds the encoder and decoder a configuration describes.
pub fn build(config: &FormatConfig) -> Box<dyn Format> {
    match config {
        FormatConfig::VillasBinary(c) => {
            Box::new(villas_binary::VillasBinary::new(ByteOrder::Big, c))
        }
        FormatConfig::VillasWeb(c) => {
            Box::new(villas_binary::VillasBinary::new(ByteOrder::Little, c))
        }
        FormatConfig::VillasHuman(c) => Box::new(villas_human::VillasHuman::new(c)),
        FormatConfig::Gtnet(c) => Box::new(gtnet::Gtnet::new(c)),
        FormatConfig::Raw(c) => Box::new(raw::Raw::new(c)),
        FormatConfig::OpalAsyncip(c) => Box::new(opal_asyncip::OpalAsyncip::new(c)),
        FormatConfig::Csv(c) => Box::new(csv::Csv::new(c)),
        FormatConfig::Json(c) => Box::new(json::Json::new(c)),
    }
}
