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
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal};
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, encode, signals};
    use gridhil_sample::{Complex, SignalType, Value};

    #[test]
    fn at_most_300_words_per_packet() {
        let mut plain = Gtnet::new(&GtnetConfig { fake: false });
        let sigs = signals(&[SignalType::F64; 300]);
        let values = [Value::F64(0.5); 300];
        let bytes = encode(&mut plain, &sigs, &[(0, 0, &values)]).unwrap();
        assert_eq!(bytes.len(), 1200);
        assert_eq!(decode(&mut plain, &bytes, &sigs).unwrap().len(), 1);
        let mut fake = Gtnet::new(&GtnetConfig { fake: true });
        assert_eq!(
            encode(&mut fake, &sigs, &[(0, 0, &values)]),
            Err(FormatError::TooManyValues { max: 300, got: 303 })
        );
        let mut longer = bytes.clone();
        longer.extend([0; 4]);
        assert_eq!(
            decode(&mut plain, &longer, &sigs[..1]),
            Err((FormatError::TooManyValues { max: 300, got: 301 }, 0))
        );
    }

    #[test]
    fn fake_header_and_complex_points() {
        let mut fake = Gtnet::new(&GtnetConfig { fake: true });
        let sigs = signals(&[SignalType::Complex]);
        let values = [Value::Complex(Complex::new(-2.5, 1.0))];
        let bytes = encode(&mut fake, &sigs, &[(3, 2_000_000_007, &values)]).unwrap();
        assert_eq!(
            bytes,
            [0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 7, 0xc0, 0x20, 0, 0, 0x3f, 0x80, 0, 0]
        );
        assert_eq!(
            decode(&mut fake, &bytes, &sigs).unwrap(),
            [(3, 2_000_000_007, values.to_vec())]
        );
        assert_eq!(
            decode(&mut fake, &bytes[..8], &sigs),
            Err((FormatError::Truncated { needed: 12, got: 8 }, 0))
        );
    }

    #[test]
    fn one_sample_per_packet() {
        let mut plain = Gtnet::new(&GtnetConfig::default());
        let sigs = signals(&[SignalType::F64]);
        let v: &[Value] = &[Value::F64(1.0)];
        assert_eq!(
            encode(&mut plain, &sigs, &[(0, 0, v), (1, 0, v)]),
            Err(FormatError::TooManySamples { max: 1, got: 2 })
        );
        assert_eq!(plain.max_samples_per_datagram(), 1);
        assert_eq!(plain.max_encoded_len(&sigs), 4);
    }
}
