//! `villas.human`: VILLASnode's human-readable text, one line per sample.
//!
//! A line is `SEC.NSEC[+OFFSET][(SEQUENCE)][F]` followed by the values, each after a tab,
//! and ends with `\n`. `OFFSET` is receive minus origin time in seconds (printf `%+e`),
//! `F` a "new frame" flag. Lines starting with `#` (VILLASnode's header) are comments.
//! A datagram carries one or more lines.
//!
//! Written: seconds, a dot and exactly nine digits of nanoseconds (a negative timestamp
//! gets a leading `-` and means minus the whole value), the offset only when the sample has
//! a receive time, the sequence always; floats as the shortest text that reads back exactly,
//! integers in decimal, booleans `0`/`1`, complex values `re+imi`.
//!
//! Read: the fraction after the dot is a decimal fraction of a second (VILLASnode writes
//! nine digits, for which both readings agree); the offset and `F` are accepted and
//! ignored (the node stamps the receive time); values may be separated by tabs or spaces.

use crate::config::VillasHumanConfig;
use crate::sample_io::{declared_values, deliver, push_value, take_sample};
use crate::text::{
    data_lines, max_value_len, parse_f64, parse_u64, parse_value, write_value, SliceWriter,
    MAX_INT_LEN,
};
use crate::time::{join_ns, NANOS_PER_SEC};
use crate::{Format, FormatError};
use gridhil_sample::{Batch, Sample, SamplePool, SampleRef, Signal, Value};
use std::fmt::Write;
use std::sync::Arc;

/// Encoder and decoder of `villas.human` lines.
#[derive(Debug, Clone, Default)]
pub struct VillasHuman {
    surplus_values: u64,
}

/// The parsed head of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineHead {
    /// Origin timestamp, ns since the epoch.
    pub ts_origin: i64,
    /// Sequence number (0 when absent).
    pub sequence: u64,
}

impl VillasHuman {
    /// A codec (the format has no settings yet).
    pub fn new(_config: &VillasHumanConfig) -> Self {
        VillasHuman::default()
    }

    fn write_line(
        w: &mut SliceWriter<'_>,
        sample: &Sample,
        values: &[Value],
        signals: &[Signal],
    ) -> std::fmt::Result {
        let magnitude = sample.ts_origin.unsigned_abs();
        if sample.ts_origin < 0 {
            w.byte(b'-')?;
        }
        let nanos_per_sec = NANOS_PER_SEC as u64;
        write!(
            w,
            "{}.{:09}",
            magnitude / nanos_per_sec,
            magnitude % nanos_per_sec
        )?;
        if sample.ts_received != 0 {
            let offset =
                sample.ts_received.saturating_sub(sample.ts_origin) as f64 / NANOS_PER_SEC as f64;
            write!(w, "{offset:+e}")?;
        }
        write!(w, "({})", sample.seq)?;
        for (value, signal) in values.iter().zip(signals) {
            w.byte(b'\t')?;
            write_value(w, *value, signal.ty)?;
        }
        w.byte(b'\n')
    }
}

/// Parses the head of a line: `SEC[.FRAC][(+|-)OFFSET][(SEQ)][F]`.
pub fn parse_head(head: &[u8]) -> Result<LineHead, FormatError> {
    let bad = FormatError::BadText;
    let (negative, rest) = match head {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, head),
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (sec, mut rest) = rest.split_at(digits);
    let sec = parse_u64(sec).ok_or(bad("timestamp seconds missing or too large"))?;
    let mut nsec = 0u64;
    if let [b'.', tail @ ..] = rest {
        let digits = tail.iter().take_while(|b| b.is_ascii_digit()).count();
        let (fraction, tail) = tail.split_at(digits);
        if fraction.is_empty() {
            return Err(bad("timestamp fraction has no digits"));
        }
        // A decimal fraction of a second: the first nine digits, right-padded with zeros.
        let mut scale = NANOS_PER_SEC as u64;
        for &digit in fraction.iter().take(9) {
            scale /= 10;
            nsec += u64::from(digit - b'0') * scale;
        }
        rest = tail;
    }
    if let [b'+' | b'-', ..] = rest {
        let len = rest.iter().take_while(|&&b| b != b'(' && b != b'F').count();
        let (offset, tail) = rest.split_at(len);
        parse_f64(offset).ok_or(bad("offset is not a number"))?;
        rest = tail;
    }
    let mut sequence = 0;
    if let [b'(', tail @ ..] = rest {
        let len = tail.iter().take_while(|&&b| b != b')').count();
        let (digits, tail) = tail.split_at(len);
        sequence = parse_u64(digits).ok_or(bad("sequence is not a number"))?;
        rest = tail
            .strip_prefix(b")")
            .ok_or(bad("sequence lacks its closing parenthesis"))?;
    }
    if let [b'F', tail @ ..] = rest {
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(bad("unexpected characters after the timestamp"));
    }
    let sec = i64::try_from(sec).unwrap_or(i64::MAX);
    let magnitude = join_ns(sec, nsec);
    Ok(LineHead {
        ts_origin: if negative { -magnitude } else { magnitude },
        sequence,
    })
}

impl Format for VillasHuman {
    fn name(&self) -> &'static str {
        "villas.human"
    }

    fn encode(
        &mut self,
        samples: &[SampleRef],
        signals: &[Signal],
        buf: &mut [u8],
    ) -> Result<usize, FormatError> {
        let got = buf.len();
        let mut w = SliceWriter::new(buf);
        for sample in samples {
            let values = declared_values(sample, signals)?;
            Self::write_line(&mut w, sample, values, signals).map_err(|_| {
                FormatError::BufferTooSmall {
                    needed: samples.len() * self.max_encoded_len(signals),
                    got,
                }
            })?;
        }
        Ok(w.len())
    }

    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError> {
        let mut delivered = 0;
        for line in data_lines(datagram) {
            let mut fields = line
                .split(|&b| b == b'\t' || b == b' ')
                .filter(|f| !f.is_empty());
            let head = parse_head(fields.next().unwrap_or(&[]))?;
            let mut sample = take_sample(pool, signals, out)?;
            sample.seq = head.sequence;
            sample.ts_origin = head.ts_origin;
            for (i, signal) in signals.iter().enumerate() {
                let field = fields.next().ok_or(FormatError::TooFewValues {
                    declared: signals.len(),
                    got: i,
                })?;
                push_value(&mut sample, parse_value(field, signal.ty)?)?;
            }
            self.surplus_values += fields.count() as u64;
            deliver(out, sample)?;
            delivered += 1;
        }
        Ok(delivered)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        // "-SEC.NNNNNNNNN" + "+1.2345678901234567e-308" + "(SEQ)" + "\n"
        let head = 1 + MAX_INT_LEN + 10 + 26 + MAX_INT_LEN + 2 + 1;
        head + signals
            .iter()
            .map(|s| 1 + max_value_len(s.ty))
            .sum::<usize>()
    }

    fn max_samples_per_datagram(&self) -> usize {
        usize::MAX
    }

    fn surplus_values(&self) -> u64 {
        self.surplus_values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{decode, encode, signals};
    use gridhil_sample::{Complex, SignalType};

    fn all_types() -> Vec<Signal> {
        signals(&[
            SignalType::F64,
            SignalType::I64,
            SignalType::Bool,
            SignalType::Complex,
        ])
    }

    #[test]
    fn writes_villasnode_lines() {
        let values = [
            Value::F64(1.5),
            Value::I64(-2),
            Value::Bool(true),
            Value::Complex(Complex::new(1.0, -2.25)),
        ];
        let text = encode(
            &mut VillasHuman::default(),
            &all_types(),
            &[(42, 1_700_000_000_050_000_000, &values)],
        )
        .unwrap();
        assert_eq!(text, b"1700000000.050000000(42)\t1.5\t-2\t1\t1-2.25i\n");
        let text = encode(
            &mut VillasHuman::default(),
            &all_types()[..1],
            &[(0, -1_500_000_000, &values[..1])],
        )
        .unwrap();
        assert_eq!(text, b"-1.500000000(0)\t1.5\n");
    }

    #[test]
    fn writes_the_offset_when_the_receive_time_is_known() {
        let pool = gridhil_sample::SamplePool::new(1, 1);
        let mut sample = pool.alloc().unwrap();
        sample.ts_origin = 1_000_000_000;
        sample.ts_received = 1_000_250_000;
        sample.push(Value::F64(0.0)).unwrap();
        let mut buf = [0u8; 128];
        let sigs = signals(&[SignalType::F64]);
        let len = VillasHuman::default()
            .encode(&[sample], &sigs, &mut buf)
            .unwrap();
        assert_eq!(&buf[..len], b"1.000000000+2.5e-4(0)\t0\n");
        assert_eq!(
            decode(&mut VillasHuman::default(), &buf[..len], &sigs).unwrap()[0].1,
            1_000_000_000
        );
    }

    #[test]
    fn reads_comments_crlf_spaces_and_several_lines() {
        let sigs = all_types();
        let text = b"# seconds.nanoseconds(sequence)\ta\tb\tc\td\r\n1.5(1) 2.5 3 0 1+1i\r\n\n2(2)\tnan\t-4\ttrue\t-inf-2j\t99\n";
        let mut format = VillasHuman::default();
        let decoded = decode(&mut format, text, &sigs).unwrap();
        assert_eq!(decoded.len(), 2);
        assert_eq!(
            decoded[0],
            (
                1,
                1_500_000_000,
                vec![
                    Value::F64(2.5),
                    Value::I64(3),
                    Value::Bool(false),
                    Value::Complex(Complex::new(1.0, 1.0))
                ]
            )
        );
        assert!(decoded[1].2[0].as_f64().is_nan());
        assert_eq!(
            decoded[1].2[3],
            Value::Complex(Complex::new(f64::NEG_INFINITY, -2.0))
        );
        assert_eq!(format.surplus_values(), 1);
    }

    #[test]
    fn short_or_bad_lines_are_errors_after_the_good_ones() {
        let sigs = signals(&[SignalType::F64, SignalType::F64]);
        assert_eq!(
            decode(&mut VillasHuman::default(), b"1(1)\t1\t2\n2(2)\t1\n", &sigs),
            Err((
                FormatError::TooFewValues {
                    declared: 2,
                    got: 1
                },
                1
            ))
        );
        assert!(matches!(
            decode(&mut VillasHuman::default(), b"1(1)\t1\tx\n", &sigs),
            Err((FormatError::BadText(_), 0))
        ));
        assert_eq!(
            decode(&mut VillasHuman::default(), b"# only a header\n", &sigs),
            Ok(vec![])
        );
    }

    #[test]
    fn heads() {
        let h = parse_head(b"1700000000.123456789+1.0e-03(42)F").unwrap();
        assert_eq!(h.ts_origin, 1_700_000_000_123_456_789);
        assert_eq!(h.sequence, 42);
        assert_eq!(parse_head(b"5").unwrap().ts_origin, 5_000_000_000);
        assert_eq!(parse_head(b"5.5(1)").unwrap().ts_origin, 5_500_000_000);
        assert_eq!(
            parse_head(b"-1.500000000(0)").unwrap().ts_origin,
            -1_500_000_000
        );
        assert_eq!(
            parse_head(b"1.0123456789999").unwrap().ts_origin,
            1_012_345_678
        );
        for bad in [
            &b""[..],
            b".5",
            b"1.",
            b"1(2",
            b"1(x)",
            b"1+(2)",
            b"1x",
            b"1(2)G",
        ] {
            assert!(
                matches!(parse_head(bad), Err(FormatError::BadText(_))),
                "{bad:?}"
            );
        }
    }
}
