//! Helpers of the text formats: writing numbers into a byte buffer without allocating,
//! splitting datagrams into lines and fields, and parsing numbers leniently.

use crate::FormatError;
use gridhil_sample::{Complex, SignalType, Value};
use std::fmt::{self, Write};

/// A `fmt::Write` sink over a byte slice; writing past its end fails.
pub struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceWriter<'a> {
    /// A writer that fills `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Writes one byte.
    pub fn byte(&mut self, byte: u8) -> fmt::Result {
        let slot = self.buf.get_mut(self.len).ok_or(fmt::Error)?;
        *slot = byte;
        self.len += 1;
        Ok(())
    }
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let room = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Longest text [`write_f64`] produces (e.g. `-1.2345678901234567e-308`, `-0.000012345678901234567`).
pub const MAX_F64_LEN: usize = 26;
/// Longest text of an `i64` or `u64`.
pub const MAX_INT_LEN: usize = 20;

/// Writes a float as the shortest text that reads back to the same value: plain decimal
/// between 1e-5 and 1e16, exponent notation outside, `nan`, `inf` and `-inf` as C's printf.
pub fn write_f64(w: &mut SliceWriter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        w.write_str("nan")
    } else if v.is_infinite() {
        w.write_str(if v > 0.0 { "inf" } else { "-inf" })
    } else if v == 0.0 || (1e-5..1e16).contains(&v.abs()) {
        write!(w, "{v}")
    } else {
        write!(w, "{v:e}")
    }
}

/// Writes a float for JSON, where NaN and infinities are the strings `"NaN"`, `"Infinity"`
/// and `"-Infinity"`.
pub fn write_json_f64(w: &mut SliceWriter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        w.write_str("\"NaN\"")
    } else if v.is_infinite() {
        w.write_str(if v > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        })
    } else {
        write_f64(w, v)
    }
}

/// Writes a complex value as `re+imi` / `re-imi` (VILLASnode's text form).
pub fn write_complex(w: &mut SliceWriter<'_>, c: Complex) -> fmt::Result {
    write_f64(w, c.re)?;
    if !c.im.is_sign_negative() {
        w.byte(b'+')?;
    }
    write_f64(w, c.im)?;
    w.byte(b'i')
}

/// Writes a value, converted to `ty`, as text: floats by [`write_f64`], integers in decimal,
/// booleans as `0`/`1`, complex values by [`write_complex`].
pub fn write_value(w: &mut SliceWriter<'_>, value: Value, ty: SignalType) -> fmt::Result {
    match value.convert(ty) {
        Value::F64(v) => write_f64(w, v),
        Value::I64(v) => write!(w, "{v}"),
        Value::Bool(v) => w.byte(if v { b'1' } else { b'0' }),
        Value::Complex(c) => write_complex(w, c),
    }
}

/// Longest text [`write_value`] produces for a signal type.
pub fn max_value_len(ty: SignalType) -> usize {
    match ty {
        SignalType::Complex => 2 * MAX_F64_LEN + 2,
        SignalType::Bool => 1,
        SignalType::I64 | SignalType::F64 => MAX_F64_LEN.max(MAX_INT_LEN),
    }
}

/// The lines of a datagram that carry data: `\r\n` or `\n` separated, blank lines and lines
/// starting with `#` left out.
pub fn data_lines(datagram: &[u8]) -> impl Iterator<Item = &[u8]> {
    datagram
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| {
            let trimmed = trim(line);
            !trimmed.is_empty() && !trimmed.starts_with(b"#")
        })
}

/// The slice without leading and trailing spaces and tabs.
pub fn trim(mut field: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r', rest @ ..] = field {
        field = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r'] = field {
        field = rest;
    }
    field
}

/// Parses a float: decimal or exponent notation, `nan`, `inf`, `infinity` (any case, signed).
pub fn parse_f64(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Parses an integer; a float is rounded to nearest and saturated.
pub fn parse_i64(field: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(field).ok()?;
    match text.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => text.parse::<f64>().ok().map(|v| v.round() as i64),
    }
}

/// Parses a boolean: `true`/`false` or a number (non-zero is true).
pub fn parse_bool(field: &[u8]) -> Option<bool> {
    match field {
        b"true" | b"TRUE" | b"True" => Some(true),
        b"false" | b"FALSE" | b"False" => Some(false),
        _ => parse_f64(field).map(|v| v != 0.0),
    }
}

/// Parses a complex value: `re`, `re+imi`, `re-imi`, `imi` (`j` works as `i`).
pub fn parse_complex(field: &[u8]) -> Option<Complex> {
    let Some(body) = field
        .strip_suffix(b"i")
        .or_else(|| field.strip_suffix(b"j"))
    else {
        return parse_f64(field).map(|re| Complex::new(re, 0.0));
    };
    // The sign that starts the imaginary part: the last + or - that neither opens the text
    // nor belongs to an exponent.
    let split = (1..body.len()).rev().find(|&k| {
        matches!(body.get(k), Some(b'+' | b'-')) && !matches!(body.get(k - 1), Some(b'e' | b'E'))
    });
    match split {
        Some(k) => Some(Complex::new(
            parse_f64(body.get(..k)?)?,
            parse_f64(body.get(k..)?)?,
        )),
        None => parse_f64(body).map(|im| Complex::new(0.0, im)),
    }
}

/// Parses a field as a value of type `ty`.
pub fn parse_value(field: &[u8], ty: SignalType) -> Result<Value, FormatError> {
    let value = match ty {
        SignalType::F64 => parse_f64(field).map(Value::F64),
        SignalType::I64 => parse_i64(field).map(Value::I64),
        SignalType::Bool => parse_bool(field).map(Value::Bool),
        SignalType::Complex => parse_complex(field).map(Value::Complex),
    };
    value.ok_or(FormatError::BadText(
        "value is not a number of the signal's type",
    ))
}

/// Parses unsigned decimal digits (at least one); `None` on anything else or on overflow.
pub fn parse_u64(field: &[u8]) -> Option<u64> {
    if field.is_empty() {
        return None;
    }
    field.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut buf = [0u8; 64];
        let mut w = SliceWriter::new(&mut buf);
        write_f64(&mut w, v).unwrap();
        let len = w.len();
        String::from_utf8(buf[..len].to_vec()).unwrap()
    }

    #[test]
    fn floats_are_short_and_exact() {
        assert_eq!(text(1.5), "1.5");
        assert_eq!(text(-0.0), "-0");
        assert_eq!(text(1e16), "1e16");
        assert_eq!(text(1.25e-6), "1.25e-6");
        assert_eq!(text(f64::NAN), "nan");
        assert_eq!(text(f64::NEG_INFINITY), "-inf");
        for v in [
            f64::MIN_POSITIVE,
            -f64::MAX,
            0.1 + 0.2,
            -1.2345678901234567e-5,
            9.999999999999998e15,
        ] {
            let t = text(v);
            assert!(t.len() <= MAX_F64_LEN, "{t}");
            assert_eq!(parse_f64(t.as_bytes()), Some(v));
        }
    }

    #[test]
    fn writer_refuses_overflow() {
        let mut buf = [0u8; 3];
        let mut w = SliceWriter::new(&mut buf);
        assert!(write_f64(&mut w, 1234.0).is_err());
    }

    #[test]
    fn complex_text_forms() {
        assert_eq!(parse_complex(b"1.5-2i"), Some(Complex::new(1.5, -2.0)));
        assert_eq!(
            parse_complex(b"-1e-3+4e+2j"),
            Some(Complex::new(-1e-3, 400.0))
        );
        assert_eq!(parse_complex(b"3i"), Some(Complex::new(0.0, 3.0)));
        assert_eq!(parse_complex(b"-3"), Some(Complex::new(-3.0, 0.0)));
        assert_eq!(
            parse_complex(b"-inf+nani").map(|c| c.re),
            Some(f64::NEG_INFINITY)
        );
        assert_eq!(parse_complex(b"1+i"), None);
        assert_eq!(parse_complex(b"i"), None);
    }

    #[test]
    fn lenient_numbers() {
        assert_eq!(parse_i64(b"2.5"), Some(3));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_bool(b"0.0"), Some(false));
        assert_eq!(parse_f64(b"Infinity"), Some(f64::INFINITY));
        assert!(parse_f64(b"NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b""), None);
    }

    #[test]
    fn lines_skip_comments_and_blanks() {
        let lines: Vec<&[u8]> = data_lines(b"# head\r\n\r\n 1\t2\r\n  \n3").collect();
        assert_eq!(lines, [&b" 1\t2"[..], &b"3"[..]]);
    }
}
