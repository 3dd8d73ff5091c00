//! `json`: one JSON object per datagram, for debugging.
//!
//! `{"seq":1,"ts_origin":1700000000500000000,"values":[1.5,-2,true,{"real":1,"imag":-1}]}`:
//! the sequence number, the origin timestamp in integer nanoseconds since the epoch, and
//! one array element per value: floats as numbers (`"NaN"`, `"Infinity"`, `"-Infinity"` as
//! strings, since JSON has no such numbers), integers as integers, booleans as `true`/`false`,
//! complex values as `{"real":…,"imag":…}`.
//!
//! Decoding is hand-written and does not allocate: keys may come in any order, unknown keys
//! are skipped, `seq` and `ts_origin` default to 0, numbers convert to the declared signal
//! type, `null` reads as NaN, and a complex value may also be `[re, im]` or a plain number.

use crate::config::JsonConfig;
use crate::sample_io::{declared_values, deliver, push_value, take_sample};
use crate::text::{
    max_value_len, parse_f64, write_json_f64, SliceWriter, MAX_F64_LEN, MAX_INT_LEN,
};
use crate::{Format, FormatError};
use gridhil_sample::{Batch, Complex, Sample, SamplePool, SampleRef, Signal, SignalType, Value};
use std::fmt::Write;
use std::sync::Arc;

/// Encoder and decoder of `json` objects.
#[derive(Debug, Clone, Default)]
pub struct Json {
    surplus_values: u64,
}

impl Json {
    /// A codec (the format has no settings yet).
    pub fn new(_config: &JsonConfig) -> Self {
        Json::default()
    }

    fn write_object(
        w: &mut SliceWriter<'_>,
        sample: &Sample,
        values: &[Value],
        signals: &[Signal],
    ) -> std::fmt::Result {
        write!(
            w,
            "{{\"seq\":{},\"ts_origin\":{},\"values\":[",
            sample.seq, sample.ts_origin
        )?;
        for (i, (value, signal)) in values.iter().zip(signals).enumerate() {
            if i > 0 {
                w.byte(b',')?;
            }
            match value.convert(signal.ty) {
                Value::F64(v) => write_json_f64(w, v)?,
                Value::I64(v) => write!(w, "{v}")?,
                Value::Bool(v) => w.write_str(if v { "true" } else { "false" })?,
                Value::Complex(c) => {
                    w.write_str("{\"real\":")?;
                    write_json_f64(w, c.re)?;
                    w.write_str(",\"imag\":")?;
                    write_json_f64(w, c.im)?;
                    w.byte(b'}')?;
                }
            }
        }
        w.write_str("]}")
    }
}

/// A JSON token scanner over a byte slice; it never allocates and never recurses.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// A scalar JSON token.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar<'a> {
    /// Number text.
    Number(&'a [u8]),
    /// String contents, escapes left as written.
    Text(&'a [u8]),
    Bool(bool),
    Null,
}

const BAD_JSON: FormatError = FormatError::BadText("malformed JSON");

impl<'a> Scanner<'a> {
    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.pos += 1;
        }
    }

    /// The next non-blank byte, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), FormatError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(BAD_JSON)
        }
    }

    /// Consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        if next {
            self.pos += 1;
        }
        next
    }

    fn string(&mut self) -> Result<&'a [u8], FormatError> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            match self.bytes.get(self.pos) {
                None => return Err(BAD_JSON),
                Some(b'"') => break,
                Some(b'\\') => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
        let text = self.bytes.get(start..self.pos).ok_or(BAD_JSON)?;
        self.pos += 1;
        Ok(text)
    }

    fn scalar(&mut self) -> Result<Scalar<'a>, FormatError> {
        match self.peek() {
            Some(b'"') => self.string().map(Scalar::Text),
            Some(b'-' | b'+' | b'.' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(
                    self.bytes.get(self.pos),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.pos += 1;
                }
                self.bytes
                    .get(start..self.pos)
                    .map(Scalar::Number)
                    .ok_or(BAD_JSON)
            }
            _ => {
                let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
                for (word, scalar) in [
                    (&b"true"[..], Scalar::Bool(true)),
                    (b"false", Scalar::Bool(false)),
                    (b"null", Scalar::Null),
                ] {
                    if rest.starts_with(word) {
                        self.pos += word.len();
                        return Ok(scalar);
                    }
                }
                Err(BAD_JSON)
            }
        }
    }

    /// Skips one value of any shape, nesting tracked by a counter.
    fn skip_value(&mut self) -> Result<(), FormatError> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                Some(b'{' | b'[') => {
                    self.pos += 1;
                    depth += 1;
                    continue;
                }
                Some(b'}' | b']') if depth > 0 => {
                    self.pos += 1;
                    depth -= 1;
                }
                _ => {
                    self.scalar()?;
                }
            }
            if depth == 0 {
                return Ok(());
            }
            // Inside a container: a separator, a key, or the container's end comes next.
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b':') => self.pos += 1,
                Some(b'}' | b']') => {}
                _ => return Err(BAD_JSON),
            }
        }
    }

    /// Parses `{ "key": value, … }`, handing each key to `field`, which must consume the value.
    fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a [u8]) -> Result<(), FormatError>,
    ) -> Result<(), FormatError> {
        self.expect(b'{')?;
        if self.eat(b'}') {
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, key)?;
            if self.eat(b'}') {
                return Ok(());
            }
            self.expect(b',')?;
        }
    }

    fn number(&mut self) -> Result<f64, FormatError> {
        match self.scalar()? {
            Scalar::Number(text) | Scalar::Text(text) => parse_f64(text).ok_or(BAD_JSON),
            Scalar::Bool(v) => Ok(f64::from(u8::from(v))),
            Scalar::Null => Ok(f64::NAN),
        }
    }

    fn integer<T: std::str::FromStr>(&mut self) -> Result<T, FormatError> {
        match self.scalar()? {
            Scalar::Number(text) => std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(FormatError::BadText(
                    "seq or ts_origin is not an integer in range",
                )),
            _ => Err(FormatError::BadText("seq or ts_origin is not an integer")),
        }
    }

    fn complex(&mut self) -> Result<Complex, FormatError> {
        match self.peek() {
            Some(b'{') => {
                let mut c = Complex::default();
                self.object(|s, key| {
                    match key {
                        b"real" | b"re" => c.re = s.number()?,
                        b"imag" | b"im" => c.im = s.number()?,
                        _ => s.skip_value()?,
                    }
                    Ok(())
                })?;
                Ok(c)
            }
            Some(b'[') => {
                self.expect(b'[')?;
                let re = self.number()?;
                self.expect(b',')?;
                let im = self.number()?;
                self.expect(b']')?;
                Ok(Complex::new(re, im))
            }
            _ => Ok(Complex::new(self.number()?, 0.0)),
        }
    }

    fn value(&mut self, ty: SignalType) -> Result<Value, FormatError> {
        Ok(match ty {
            SignalType::F64 => Value::F64(self.number()?),
            SignalType::I64 => match self.scalar()? {
                Scalar::Number(text) => {
                    let text = std::str::from_utf8(text).map_err(|_| BAD_JSON)?;
                    match text.parse::<i64>() {
                        Ok(v) => Value::I64(v),
                        Err(_) => {
                            Value::I64(text.parse::<f64>().map_err(|_| BAD_JSON)?.round() as i64)
                        }
                    }
                }
                Scalar::Bool(v) => Value::I64(i64::from(v)),
                _ => return Err(FormatError::BadText("integer value is not a number")),
            },
            SignalType::Bool => Value::Bool(self.number()? != 0.0),
            SignalType::Complex => Value::Complex(self.complex()?),
        })
    }

    /// Parses the `values` array into `sample`; returns (values read, surplus values).
    fn values(
        &mut self,
        signals: &[Signal],
        sample: &mut Sample,
    ) -> Result<(usize, usize), FormatError> {
        self.expect(b'[')?;
        let (mut read, mut surplus) = (0, 0);
        if self.eat(b']') {
            return Ok((0, 0));
        }
        loop {
            match signals.get(read) {
                Some(signal) => {
                    let value = self.value(signal.ty)?;
                    push_value(sample, value)?;
                    read += 1;
                }
                None => {
                    self.skip_value()?;
                    surplus += 1;
                }
            }
            if self.eat(b']') {
                return Ok((read, surplus));
            }
            self.expect(b',')?;
        }
    }
}

impl Format for Json {
    fn name(&self) -> &'static str {
        "json"
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
        Self::write_object(&mut w, sample, values, signals).map_err(|_| {
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
        let mut scanner = Scanner {
            bytes: datagram,
            pos: 0,
        };
        if scanner.peek() != Some(b'{') {
            return Err(FormatError::BadText("datagram is not a JSON object"));
        }
        let mut sample = take_sample(pool, signals, out)?;
        let (mut read, mut surplus, mut seen_values) = (0, 0, false);
        scanner.object(|s, key| {
            match key {
                b"seq" => sample.seq = s.integer()?,
                b"ts_origin" => sample.ts_origin = s.integer()?,
                b"values" if !seen_values => {
                    seen_values = true;
                    (read, surplus) = s.values(signals, &mut sample)?;
                }
                b"values" => return Err(FormatError::BadText("values given twice")),
                _ => s.skip_value()?,
            }
            Ok(())
        })?;
        if scanner.peek().is_some() {
            return Err(FormatError::BadText("text after the JSON object"));
        }
        if read < signals.len() {
            return Err(FormatError::TooFewValues {
                declared: signals.len(),
                got: read,
            });
        }
        self.surplus_values += surplus as u64;
        deliver(out, sample)?;
        Ok(1)
    }

    fn max_encoded_len(&self, signals: &[Signal]) -> usize {
        let head = r#"{"seq":,"ts_origin":,"values":[]}"#.len() + 2 * MAX_INT_LEN;
        let per_value = |ty: SignalType| match ty {
            SignalType::Complex => r#"{"real":,"imag":}"#.len() + 2 * (MAX_F64_LEN + 2),
            SignalType::Bool => 5,
            other => max_value_len(other) + 2,
        };
        head + signals.iter().map(|s| per_value(s.ty) + 1).sum::<usize>()
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
    fn writes_one_object() {
        let values = [
            Value::F64(f64::NAN),
            Value::I64(i64::MIN),
            Value::Bool(true),
            Value::Complex(Complex::new(0.5, f64::NEG_INFINITY)),
        ];
        let text = encode(
            &mut Json::default(),
            &all_types(),
            &[(1, 1_700_000_000_500_000_000, &values)],
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&text).unwrap(),
            r#"{"seq":1,"ts_origin":1700000000500000000,"values":["NaN",-9223372036854775808,true,{"real":0.5,"imag":"-Infinity"}]}"#
        );
    }

    #[test]
    fn reads_any_key_order_and_skips_unknown_keys() {
        let text = br#" { "values" : [ 1e3 , 2.6 , 0 , [1, 2] , {"deep": [{}, [[]]]} ],
            "meta": {"a": [1, "x\"y", null, {"b": false}]}, "ts_origin": -7, "seq": 3 } "#;
        let mut json = Json::default();
        let decoded = decode(&mut json, text, &all_types()).unwrap();
        assert_eq!(
            decoded,
            [(
                3,
                -7,
                vec![
                    Value::F64(1000.0),
                    Value::I64(3),
                    Value::Bool(false),
                    Value::Complex(Complex::new(1.0, 2.0))
                ]
            )]
        );
        assert_eq!(json.surplus_values(), 1);
    }

    #[test]
    fn complex_forms_and_special_numbers() {
        let sigs = signals(&[
            SignalType::Complex,
            SignalType::Complex,
            SignalType::F64,
            SignalType::F64,
        ]);
        let decoded = decode(
            &mut Json::default(),
            br#"{"values":[{"imag":-1,"re":2},4,"Infinity",null]}"#,
            &sigs,
        )
        .unwrap();
        let values = &decoded[0].2;
        assert_eq!(
            values[..3],
            [
                Value::Complex(Complex::new(2.0, -1.0)),
                Value::Complex(Complex::new(4.0, 0.0)),
                Value::F64(f64::INFINITY)
            ]
        );
        assert!(values[3].as_f64().is_nan());
    }

    #[test]
    fn malformed_objects_are_errors() {
        let sigs = signals(&[SignalType::F64]);
        for (text, error) in [
            (
                &br#"{"values":[1]} x"#[..],
                FormatError::BadText("text after the JSON object"),
            ),
            (
                br#"{"values":[1],"values":[2]}"#,
                FormatError::BadText("values given twice"),
            ),
            (
                br#"{"seq":1}"#,
                FormatError::TooFewValues {
                    declared: 1,
                    got: 0,
                },
            ),
            (
                br#"{"values":[]}"#,
                FormatError::TooFewValues {
                    declared: 1,
                    got: 0,
                },
            ),
            (
                br#"{"seq":-1,"values":[1]}"#,
                FormatError::BadText("seq or ts_origin is not an integer in range"),
            ),
            (br#"{"values":[1,]}"#, BAD_JSON),
            (br#"{"values":[1]"#, BAD_JSON),
            (
                br#"[1]"#,
                FormatError::BadText("datagram is not a JSON object"),
            ),
        ] {
            assert_eq!(
                decode(&mut Json::default(), text, &sigs),
                Err((error, 0)),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
