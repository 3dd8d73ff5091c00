//! `raw`: one sample per datagram as equally wide words, with optional header words.
//!
//! Layout: the configured header words (each one word, unsigned), then one word per value
//! (two for a complex value), all `bits` wide in the configured byte order. There is no
//! framing, so a datagram carries exactly one sample. This covers VILLASnode's `raw`
//! format (its `fake` header is `header = ["sequence", "seconds", "nanoseconds"]`) and
//! the fixed layouts of simple devices.

use crate::config::{HeaderField, RawConfig};
use crate::sample_io::{declared_values, deliver, scalar_count, take_sample};
use crate::time::{join_ns, split_ns};
use crate::words::WordCodec;
use crate::{Format, FormatError};
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal};
use std::sync::Arc;

/// Encoder and decoder of a `raw` layout.
#[derive(Debug, Clone)]
pub struct Raw {
    name: &'static str,
    codec: WordCodec,
    header: Vec<HeaderField>,
    max_words: Option<usize>,
    surplus_values: u64,
}

impl Raw {
    /// A codec for the configured layout.
    pub fn new(config: &RawConfig) -> Self {
        // RawConfig is validated when it is made.
        let codec = WordCodec::from_valid(config.bits(), config.endian(), config.values());
        Raw {
            name: "raw",
            codec,
            header: config.header().to_vec(),
            max_words: None,
            surplus_values: 0,
        }
    }

    /// The same layout under another name, with at most `max_words` words (header included) per datagram.
    pub(crate) fn limited(mut self, name: &'static str, max_words: usize) -> Self {
        self.name = name;
        self.max_words = Some(max_words);
        self
    }

    fn header_len(&self) -> usize {
        self.header.len() * self.codec.width()
    }

    fn check_word_limit(&self, words: usize) -> Result<(), FormatError> {
        match self.max_words {
            Some(max) if words > max => Err(FormatError::TooManyValues { max, got: words }),
            _ => Ok(()),
        }
    }
}

impl Format for Raw {
    fn name(&self) -> &'static str {
        self.name
    }

    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError> {
        let Some(sample) = crate::sample_io::single_sample(samples)? else {
            return Ok(0);
        };
        self.check_word_limit(self.header.len() + scalar_count(signals))?;
        let values = declared_values(sample, signals)?;
        let needed = self.max_encoded_len(signals);
        if buf.len() < needed {
            return Err(FormatError::BufferTooSmall {
                needed,
                got: buf.len(),
            });
        }
        let (sec, nsec) = split_ns(sample.ts_origin);
        let mut offset = 0;
        for field in &self.header {
            // Header words are unsigned and truncated to the word width; negative times wrap.
            let word = match field {
                HeaderField::Sequence => sample.seq,
                HeaderField::Seconds => sec as u64,
                HeaderField::Nanoseconds => u64::from(nsec),
                HeaderField::Timestamp => sample.ts_origin as u64,
            };
            offset = self.codec.put_header(buf, offset, word)?;
        }
        Ok(offset + self.codec.encode_values(values, signals, buf, offset)?)
    }

    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError> {
        let width = self.codec.width();
        if datagram.len() % width != 0 {
            return Err(FormatError::Truncated {
                needed: datagram.len().next_multiple_of(width),
                got: datagram.len(),
            });
        }
        self.check_word_limit(datagram.len() / width)?;
        let header_len = self.header_len();
        let payload = datagram.get(header_len..).ok_or(FormatError::Truncated {
            needed: header_len,
            got: datagram.len(),
        })?;
        let declared = scalar_count(signals);
        let present = payload.len() / width;
        if present < declared {
            return Err(FormatError::TooFewValues {
                declared,
                got: present,
            });
        }
        let mut sample = take_sample(pool, signals, out)?;
        let (mut sec, mut nsec, mut timestamp) = (0i64, 0u64, None);
        for (i, field) in self.header.iter().enumerate() {
            let word = self.codec.get_header(datagram, i * width)?;
            match field {
                HeaderField::Sequence => sample.seq = word,
                // A 64-bit word carries a signed value; narrower words are positive anyway.
                HeaderField::Seconds => sec = word as i64,
                HeaderField::Nanoseconds => nsec = word,
                HeaderField::Timestamp => timestamp = Some(word as i64),
            }
        }
        sample.ts_origin = timestamp.unwrap_or_else(|| join_ns(sec, nsec));
        self.codec.decode_values(payload, signals, &mut sample)?;
        self.surplus_values += (present - declared) as u64;
        deliver(out, sample)?;
        Ok(1)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        self.header_len() + self.codec.values_len(signals)
    }

    fn max_samples_per_datagram(&self) -> usize {
        1
    }

    fn surplus_values(&self) -> u64 {
        self.surplus_values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::byte_order::ByteOrder;
    use crate::test_support::{decode, encode, signals};
    use crate::words::WordKind;
    use gridhil_sample::{SignalType, Value};

    fn raw(bits: u32, endian: ByteOrder, values: WordKind, header: &[HeaderField]) -> Raw {
        Raw::new(&RawConfig::new(bits, endian, values, header.to_vec()).unwrap())
    }

    #[test]
    fn header_words_come_first_in_order() {
        let mut format = raw(
            16,
            ByteOrder::Little,
            WordKind::Auto,
            &[HeaderField::Nanoseconds, HeaderField::Sequence],
        );
        let sigs = signals(&[SignalType::I64]);
        let bytes = encode(
            &mut format,
            &sigs,
            &[(0x1234, 5_000_000_300, &[Value::I64(-2)])],
        )
        .unwrap();
        assert_eq!(bytes, [0x2c, 0x01, 0x34, 0x12, 0xfe, 0xff]);
        // Without seconds, the origin time is the nanoseconds word alone.
        assert_eq!(
            decode(&mut format, &bytes, &sigs).unwrap(),
            [(0x1234, 300, vec![Value::I64(-2)])]
        );
    }

    #[test]
    fn timestamp_word_carries_negative_times() {
        let mut format = raw(
            64,
            ByteOrder::Big,
            WordKind::Float,
            &[HeaderField::Timestamp],
        );
        let sigs = signals(&[SignalType::I64]);
        let bytes = encode(&mut format, &sigs, &[(0, -5, &[Value::I64(3)])]).unwrap();
        assert_eq!(
            bytes[..8],
            [0xff; 7].iter().copied().chain([0xfb]).collect::<Vec<_>>()[..]
        );
        assert_eq!(bytes[8..], 3.0f64.to_be_bytes());
        assert_eq!(
            decode(&mut format, &bytes, &sigs).unwrap(),
            [(0, -5, vec![Value::I64(3)])]
        );
    }

    #[test]
    fn partial_words_fewer_and_extra_values() {
        let mut format = raw(32, ByteOrder::Big, WordKind::Auto, &[]);
        let sigs = signals(&[SignalType::I64, SignalType::I64]);
        assert_eq!(
            decode(&mut format, &[0; 6], &sigs),
            Err((FormatError::Truncated { needed: 8, got: 6 }, 0))
        );
        assert_eq!(
            decode(&mut format, &[0; 4], &sigs),
            Err((
                FormatError::TooFewValues {
                    declared: 2,
                    got: 1
                },
                0
            ))
        );
        assert_eq!(
            decode(&mut format, &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3], &sigs)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(format.surplus_values(), 1);
    }

    #[test]
    fn uint_words_read_large_values() {
        let mut format = raw(64, ByteOrder::Little, WordKind::Uint, &[]);
        let sigs = signals(&[SignalType::F64, SignalType::I64]);
        let decoded = decode(&mut format, &[0xff; 16], &sigs).unwrap();
        assert_eq!(
            decoded[0].2,
            [Value::F64(u64::MAX as f64), Value::I64(i64::MAX)]
        );
    }
}
