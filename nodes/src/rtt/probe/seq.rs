//! Where a format carries the probe's sequence number, and how a wire sequence number
//! (narrower than 64 bits, or wrapped) is mapped back to the probe's full sequence number.
//!
//! Formats with a sequence field (`villas.*`, `opal.asyncip`, `gtnet` with `fake`, `raw`
//! with a `sequence` header word, `csv`, `json`) carry it there. `gtnet` without `fake`
//! and `raw` without a `sequence` header word have no such field: the probe then declares
//! value 0 as an integer signal and writes the sequence number into it.

use gridhil_engine::sample::Sample;
use gridhil_engine::signal::Value;
use gridhil_formats::{FormatConfig, HeaderField, WordKind};

/// Where the sequence number travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqCarrier {
    /// In the format's own sequence field.
    Header,
    /// In value 0, declared as an `i64` signal.
    Value0,
}

/// How the sequence number travels and how many of its low bits survive the trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqCodec {
    carrier: SeqCarrier,
    bits: u32,
}

impl SeqCodec {
    /// The carrier of `config`'s format.
    pub fn for_format(config: &FormatConfig) -> Self {
        let header = |bits| SeqCodec {
            carrier: SeqCarrier::Header,
            bits,
        };
        let value0 = |bits| SeqCodec {
            carrier: SeqCarrier::Value0,
            bits,
        };
        match config {
            FormatConfig::VillasBinary(_)
            | FormatConfig::VillasWeb(_)
            | FormatConfig::OpalAsyncip(_) => header(32),
            FormatConfig::VillasHuman(_) | FormatConfig::Csv(_) | FormatConfig::Json(_) => {
                header(64)
            }
            FormatConfig::Gtnet(c) if c.fake => header(32),
            // A signed int32 word: 31 bits stay positive.
            FormatConfig::Gtnet(_) => value0(31),
            FormatConfig::Raw(c) if c.header().contains(&HeaderField::Sequence) => header(c.bits()),
            FormatConfig::Raw(c) => value0(match (c.values(), c.bits()) {
                // An integer is exact in a float's mantissa up to 2^24 (32 bit) or 2^53.
                (WordKind::Float, 32) => 24,
                (WordKind::Float, _) => 53,
                // Signed (or unsigned, read back as i64) words: keep the sign bit clear.
                (_, bits) => bits - 1,
            }),
        }
    }

    /// Where the sequence number travels.
    pub fn carrier(&self) -> SeqCarrier {
        self.carrier
    }

    /// Low bits of the sequence number that survive the round trip.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    fn mask(&self) -> u64 {
        if self.bits >= 64 {
            u64::MAX
        } else {
            (1u64 << self.bits) - 1
        }
    }

    /// Writes `seq` into a sample about to be encoded (value 0 must exist for `Value0`).
    pub fn stamp(&self, sample: &mut Sample, seq: u64) {
        sample.seq = seq;
        if self.carrier == SeqCarrier::Value0 {
            if let Some(first) = sample.values_mut().first_mut() {
                // The mask keeps the value below 2^63, so the cast is exact.
                *first = Value::I64((seq & self.mask()) as i64);
            }
        }
    }

    /// The wire sequence number of a decoded sample (`None` when value 0 is missing or
    /// negative).
    pub fn wire_seq(&self, sample: &Sample) -> Option<u64> {
        match self.carrier {
            SeqCarrier::Header => Some(sample.seq & self.mask()),
            SeqCarrier::Value0 => match sample.values().first() {
                Some(value) => u64::try_from(value.as_i64()).ok().map(|v| v & self.mask()),
                None => None,
            },
        }
    }

    /// The full sequence number of `wire` (low bits) among the probe's sequence numbers
    /// `0..issued`: the newest one with these low bits. `None` when nothing was issued or
    /// no issued number has these low bits.
    pub fn unwrap(&self, wire: u64, issued: u64) -> Option<u64> {
        let newest = issued.checked_sub(1)?;
        let back = newest.wrapping_sub(wire) & self.mask();
        newest.checked_sub(back)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::sample::SamplePool;
    use gridhil_formats::{ByteOrder, GtnetConfig, RawConfig, VillasBinaryConfig};

    #[test]
    fn carriers_follow_the_format() {
        let vb = SeqCodec::for_format(&FormatConfig::VillasBinary(VillasBinaryConfig::default()));
        assert_eq!((vb.carrier(), vb.bits()), (SeqCarrier::Header, 32));
        let gt = SeqCodec::for_format(&FormatConfig::Gtnet(GtnetConfig { fake: false }));
        assert_eq!((gt.carrier(), gt.bits()), (SeqCarrier::Value0, 31));
        let gt = SeqCodec::for_format(&FormatConfig::Gtnet(GtnetConfig { fake: true }));
        assert_eq!(gt.carrier(), SeqCarrier::Header);
        let raw16 = RawConfig::new(16, ByteOrder::Big, WordKind::Auto, vec![]).unwrap();
        let codec = SeqCodec::for_format(&FormatConfig::Raw(raw16));
        assert_eq!((codec.carrier(), codec.bits()), (SeqCarrier::Value0, 15));
        let raw8 = RawConfig::new(
            8,
            ByteOrder::Big,
            WordKind::Auto,
            vec![HeaderField::Sequence],
        )
        .unwrap();
        let codec = SeqCodec::for_format(&FormatConfig::Raw(raw8));
        assert_eq!((codec.carrier(), codec.bits()), (SeqCarrier::Header, 8));
        let json = SeqCodec::for_format(&FormatConfig::from_name("json").unwrap());
        assert_eq!(json.bits(), 64);
    }

    #[test]
    fn unwrap_finds_the_newest_matching_number() {
        let codec = SeqCodec {
            carrier: SeqCarrier::Header,
            bits: 8,
        };
        assert_eq!(codec.unwrap(5, 0), None, "nothing issued");
        assert_eq!(codec.unwrap(5, 6), Some(5));
        assert_eq!(codec.unwrap(5, 5), None, "not issued yet");
        assert_eq!(codec.unwrap(0xff, 300), Some(255));
        assert_eq!(codec.unwrap(0x2b, 300), Some(299));
        assert_eq!(codec.unwrap(0x2c, 300), Some(44));
        let full = SeqCodec {
            carrier: SeqCarrier::Header,
            bits: 64,
        };
        assert_eq!(full.unwrap(7, 100), Some(7));
        assert_eq!(full.unwrap(100, 100), None);
        assert_eq!(full.unwrap(u64::MAX, 100), None);
    }

    #[test]
    fn value0_carries_the_masked_sequence() {
        let pool = SamplePool::new(2, 4);
        let mut sample = pool.alloc().unwrap();
        sample.resize(3).unwrap();
        let codec = SeqCodec {
            carrier: SeqCarrier::Value0,
            bits: 7,
        };
        codec.stamp(&mut sample, 300);
        assert_eq!(sample.values()[0], Value::I64(300 & 127));
        assert_eq!(codec.wire_seq(&sample), Some(300 & 127));
        assert_eq!(codec.unwrap(300 & 127, 301), Some(300));
        sample.values_mut()[0] = Value::I64(-4);
        assert_eq!(codec.wire_seq(&sample), None);
        sample.clear();
        assert_eq!(codec.wire_seq(&sample), None);
    }
}
