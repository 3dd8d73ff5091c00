//! `csv`: comma-separated lines for debugging, one sample per datagram.
//!
//! A line is `SEQ,TS_ORIGIN_NS,V1,V2,…` and ends with `\n`: the sequence number, the origin
//! timestamp in integer nanoseconds since the epoch, then one column per value (two for a
//! complex value: real, imaginary). Floats are written as the shortest text that reads back
//! exactly (`nan`, `inf`, `-inf` for the special values), integers in decimal, booleans
//! `0`/`1`. Decoding accepts several lines per datagram, `\r\n` line ends, spaces around
//! fields, and skips blank lines and lines starting with `#`.

use crate::config::CsvConfig;
use crate::sample_io::{declared_values, deliver, push_value, scalar_count, take_sample};
use crate::text::{
    data_lines, parse_f64, parse_u64, parse_value, trim, write_f64, write_value, SliceWriter,
    MAX_F64_LEN, MAX_INT_LEN,
};
use crate::{Format, FormatError};
use gridhil_sample::{Batch, Complex, SamplePool, SampleRef, Signal, SignalType, Value};
use std::fmt::Write;
use std::sync::Arc;

/// Encoder and decoder of `csv` lines.
#[derive(Debug, Clone, Default)]
pub struct Csv {
    surplus_values: u64,
}

impl Csv {
    /// A codec (the format has no settings yet).
    pub fn new(_config: &CsvConfig) -> Self {
        Csv::default()
    }

    fn write_line(
        w: &mut SliceWriter<'_>,
        sample: &SampleRef,
        values: &[Value],
        signals: &[Signal],
    ) -> std::fmt::Result {
        write!(w, "{},{}", sample.seq, sample.ts_origin)?;
        for (value, signal) in values.iter().zip(signals) {
            w.byte(b',')?;
            match value.convert(signal.ty) {
                Value::Complex(c) => {
                    write_f64(w, c.re)?;
                    w.byte(b',')?;
                    write_f64(w, c.im)?;
                }
                other => write_value(w, other, signal.ty)?,
            }
        }
        w.byte(b'\n')
    }
}

impl Format for Csv {
    fn name(&self) -> &'static str {
        "csv"
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
        let values = declared_values(sample, signals)?;
        let got = buf.len();
        let mut w = SliceWriter::new(buf);
        Self::write_line(&mut w, sample, values, signals).map_err(|_| {
            FormatError::BufferTooSmall {
                needed: self.max_encoded_len(signals),
                got,
            }
        })?;
        Ok(w.len())
    }

    fn decode(
        &mut self,
        datagram: &[u8],
        signals: &[Signal],
        pool: &Arc<SamplePool>,
        out: &mut Batch,
    ) -> Result<usize, FormatError> {
        let declared = scalar_count(signals);
        let mut delivered = 0;
        for line in data_lines(datagram) {
            let mut fields = line.split(|&b| b == b',').map(trim);
            let seq = parse_u64(fields.next().unwrap_or(&[]))
                .ok_or(FormatError::BadText("sequence is not a number"))?;
            let ts = fields
                .next()
                .and_then(|f| std::str::from_utf8(f).ok()?.parse::<i64>().ok())
                .ok_or(FormatError::BadText("ts_origin is not an integer"))?;
            let mut sample = take_sample(pool, signals, out)?;
            sample.seq = seq;
            sample.ts_origin = ts;
            let mut columns = 0;
            let mut next_field = || {
                let field = fields.next().ok_or(FormatError::TooFewValues {
                    declared,
                    got: columns,
                })?;
                columns += 1;
                Ok::<&[u8], FormatError>(field)
            };
            for signal in signals {
                let value = if signal.ty == SignalType::Complex {
                    let re = parse_f64(next_field()?);
                    let im = parse_f64(next_field()?);
                    match (re, im) {
                        (Some(re), Some(im)) => Value::Complex(Complex::new(re, im)),
                        _ => return Err(FormatError::BadText("complex part is not a number")),
                    }
                } else {
                    parse_value(next_field()?, signal.ty)?
                };
                push_value(&mut sample, value)?;
            }
            self.surplus_values += fields.count() as u64;
            deliver(out, sample)?;
            delivered += 1;
        }
        Ok(delivered)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        2 * (MAX_INT_LEN + 1) + 1 + scalar_count(signals) * (MAX_F64_LEN.max(MAX_INT_LEN) + 1)
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
    use crate::test_support::{decode, encode, signals};

    fn all_types() -> Vec<Signal> {
        signals(&[
            SignalType::F64,
            SignalType::I64,
            SignalType::Bool,
            SignalType::Complex,
        ])
    }

    #[test]
    fn writes_one_line() {
        let values = [
            Value::F64(-0.125),
            Value::I64(7),
            Value::Bool(false),
            Value::Complex(Complex::new(2.0, f64::INFINITY)),
        ];
        let text = encode(&mut Csv::default(), &all_types(), &[(9, -5, &values)]).unwrap();
        assert_eq!(text, b"9,-5,-0.125,7,0,2,inf\n");
        assert_eq!(
            decode(&mut Csv::default(), &text, &all_types()).unwrap(),
            [(9, -5, values.to_vec())]
        );
    }

    #[test]
    fn reads_lenient_lines_and_counts_columns() {
        let sigs = all_types();
        let mut csv = Csv::default();
        let decoded = decode(
            &mut csv,
            b"#seq,ts,a,b,c,re,im\r\n 1 , 2 , 3.5 , -4 , true , 1 , -1 , 8\r\n",
            &sigs,
        )
        .unwrap();
        assert_eq!(
            decoded,
            [(
                1,
                2,
                vec![
                    Value::F64(3.5),
                    Value::I64(-4),
                    Value::Bool(true),
                    Value::Complex(Complex::new(1.0, -1.0))
                ]
            )]
        );
        assert_eq!(csv.surplus_values(), 1);
        assert_eq!(
            decode(&mut csv, b"1,2,3.5,-4,1,1", &sigs),
            Err((
                FormatError::TooFewValues {
                    declared: 5,
                    got: 4
                },
                0
            ))
        );
        assert!(matches!(
            decode(&mut csv, b"x,2,1,1,1,1,1", &sigs),
            Err((FormatError::BadText(_), 0))
        ));
        assert!(matches!(
            decode(&mut csv, b"1,2.5,1,1,1,1,1", &sigs),
            Err((FormatError::BadText(_), 0))
        ));
        assert!(matches!(
            decode(&mut csv, b"1,2,1,1,1,1,i", &sigs),
            Err((FormatError::BadText(_), 0))
        ));
    }
}
