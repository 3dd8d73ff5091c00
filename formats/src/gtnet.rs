//! `gtnet`: RTDS GTNET-SKT packets.
//!
//! A packet is a sequence of big-endian 32-bit words, one per point (two for a complex
//! value), each an IEEE-754 float32 or a two's-complement int32 as the point is declared
//! in RSCAD: here `f64` and complex signals are floats, `i64` and `bool` signals integers.
//! There is no header; with `fake = true` the first three words are the sequence number,
//! seconds and nanoseconds of the origin timestamp (as VILLASnode's `gtnet` format writes
//! them), as unsigned integers. A packet holds at most 300 words, header included.

use crate::byte_order::ByteOrder;
use crate::config::{GtnetConfig, HeaderField, RawConfig};
use crate::raw::Raw;
use crate::words::WordKind;
use crate::{Format, FormatError};
use gridhil_engine::node::Batch;
use gridhil_engine::sample::{SamplePool, SampleRef};
use gridhil_engine::signal::Signal;
use std::sync::Arc;

/// Most 32-bit words in one GTNET-SKT packet (1200 bytes).
pub const MAX_POINTS: usize = 300;

/// Encoder and decoder of GTNET-SKT packets.
#[derive(Debug, Clone)]
pub struct Gtnet {
    raw: Raw,
}

impl Gtnet {
    /// A codec with or without the fake header.
    pub fn new(config: &GtnetConfig) -> Self {
        let header = if config.fake {
            vec![
                HeaderField::Sequence,
                HeaderField::Seconds,
                HeaderField::Nanoseconds,
            ]
        } else {
            Vec::new()
        };
        let layout = RawConfig::new_unchecked(32, ByteOrder::Big, WordKind::Auto, header);
        Gtnet {
            raw: Raw::new(&layout).limited("gtnet", MAX_POINTS),
        }
    }
}

impl Format for Gtnet {
    fn name(&self) -> &'static str {
        self.raw.name()
    }

    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError> {
        self.raw.encode(samples, signals, buf)
    }

    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError> {
        self.raw.decode(datagram, signals, pool, out)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        self.raw.max_encoded_len(signals)
    }

    fn max_samples_per_datagram(&self) -> usize {
        1
    }

    fn surplus_values(&self) -> u64 {
        self.raw.surplus_values()
    }
}
