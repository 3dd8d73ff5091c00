//! Dataset layouts: how the bytes of seqData map to named, typed, scaled values
//! with optional 32-bit quality words.

use core::fmt;
use core::str::FromStr;

use super::error::{Result, SvError};
use super::quality::{Quality, Validity};

/// Basic types a dataset member can have in seqData (fixed-size, big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// BOOLEAN, one byte.
    Boolean,
    /// INT8.
    Int8,
    /// INT16.
    Int16,
    /// INT32 (9-2LE and 61869-9 measurements).
    Int32,
    /// INT64.
    Int64,
    /// INT8U.
    Int8U,
    /// INT16U.
    Int16U,
    /// INT32U.
    Int32U,
    /// FLOAT32 (IEEE 754 single).
    Float32,
    /// FLOAT64 (IEEE 754 double).
    Float64,
}

impl ValueType {
    /// Encoded size in bytes.
    pub const fn size(self) -> usize {
        match self {
            ValueType::Boolean | ValueType::Int8 | ValueType::Int8U => 1,
            ValueType::Int16 | ValueType::Int16U => 2,
            ValueType::Int32 | ValueType::Int32U | ValueType::Float32 => 4,
            ValueType::Int64 | ValueType::Float64 => 8,
        }
    }

    /// The IEC 61850 name (`INT32`, `FLOAT32`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            ValueType::Boolean => "BOOLEAN",
            ValueType::Int8 => "INT8",
            ValueType::Int16 => "INT16",
            ValueType::Int32 => "INT32",
            ValueType::Int64 => "INT64",
            ValueType::Int8U => "INT8U",
            ValueType::Int16U => "INT16U",
            ValueType::Int32U => "INT32U",
            ValueType::Float32 => "FLOAT32",
            ValueType::Float64 => "FLOAT64",
        }
    }

    const ALL: [ValueType; 10] = [
        ValueType::Boolean,
        ValueType::Int8,
        ValueType::Int16,
        ValueType::Int32,
        ValueType::Int64,
        ValueType::Int8U,
        ValueType::Int16U,
        ValueType::Int32U,
        ValueType::Float32,
        ValueType::Float64,
    ];

    /// Reads a value of this type from exactly `self.size()` bytes.
    fn read(self, bytes: &[u8]) -> RawValue {
        let mut wide = [0u8; 8];
        let n = bytes.len().min(8);
        if let (Some(dst), Some(src)) = (wide.get_mut(8 - n..), bytes.get(..n)) {
            dst.copy_from_slice(src);
        }
        let unsigned = u64::from_be_bytes(wide);
        let bits = (self.size() * 8) as u32;
        // Sign-extend from `bits`.
        let signed = ((unsigned << (64 - bits)) as i64) >> (64 - bits);
        match self {
            ValueType::Boolean => RawValue::Bool(unsigned != 0),
            ValueType::Int8 | ValueType::Int16 | ValueType::Int32 | ValueType::Int64 => {
                RawValue::Int(signed)
            }
            ValueType::Int8U | ValueType::Int16U | ValueType::Int32U => RawValue::UInt(unsigned),
            ValueType::Float32 => RawValue::Float(f64::from(f32::from_bits(unsigned as u32))),
            ValueType::Float64 => RawValue::Float(f64::from_bits(unsigned)),
        }
    }

    /// Writes `value` into exactly `self.size()` bytes; returns whether it had to
    /// be clamped to the type's range.
    fn write(self, value: RawValue, out: &mut [u8]) -> bool {
        let (bits, clamped): (u64, bool) = match self {
            ValueType::Boolean => (u64::from(value.as_f64() != 0.0), false),
            ValueType::Float32 => (u64::from((value.as_f64() as f32).to_bits()), false),
            ValueType::Float64 => (value.as_f64().to_bits(), false),
            ValueType::Int8 | ValueType::Int16 | ValueType::Int32 | ValueType::Int64 => {
                let bits = (self.size() * 8) as u32;
                let max = i64::MAX >> (64 - bits);
                let min = i64::MIN >> (64 - bits);
                let v = value.as_i128();
                let c = v.clamp(i128::from(min), i128::from(max)) as i64;
                (c as u64, i128::from(c) != v)
            }
            ValueType::Int8U | ValueType::Int16U | ValueType::Int32U => {
                let bits = (self.size() * 8) as u32;
                let max = u64::MAX >> (64 - bits);
                let v = value.as_i128();
                let c = v.clamp(0, i128::from(max)) as u64;
                (c, i128::from(c) != v)
            }
        };
        let bytes = bits.to_be_bytes();
        if let Some(src) = bytes.get(8 - out.len().min(8)..) {
            if src.len() == out.len() {
                out.copy_from_slice(src);
            }
        }
        clamped
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ValueType {
    type Err = SvError;

    /// Parses an IEC 61850 type name, case-insensitively (`INT32`, `float32`, ...).
    fn from_str(name: &str) -> Result<Self> {
        ValueType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| SvError::UnknownName {
                field: "value type",
                name: name.to_owned(),
            })
    }
}

/// A value as carried on the wire, before scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue {
    /// BOOLEAN.
    Bool(bool),
    /// Signed integer types.
    Int(i64),
    /// Unsigned integer types.
    UInt(u64),
    /// Floating-point types.
    Float(f64),
}

impl RawValue {
    /// The value as `f64`.
    pub fn as_f64(self) -> f64 {
        match self {
            RawValue::Bool(b) => f64::from(u8::from(b)),
            RawValue::Int(v) => v as f64,
            RawValue::UInt(v) => v as f64,
            RawValue::Float(v) => v,
        }
    }

    /// The value as a wide integer (floats rounded to nearest, NaN as 0).
    fn as_i128(self) -> i128 {
        match self {
            RawValue::Bool(b) => i128::from(b),
            RawValue::Int(v) => i128::from(v),
            RawValue::UInt(v) => i128::from(v),
            RawValue::Float(v) if v.is_nan() => 0,
            RawValue::Float(v) => v.round() as i128,
        }
    }
}

/// One member of a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Name (e.g. `IA`).
    pub name: String,
    /// Wire type.
    pub value_type: ValueType,
    /// Engineering units per LSB: value = raw × scale (0.001 for 9-2LE currents
    /// in A, 0.01 for voltages in V, 1.0 for floats).
    pub scale: f64,
    /// Whether a 32-bit quality word follows the value.
    pub with_quality: bool,
}

impl Channel {
    /// A channel; `scale` is engineering units per LSB.
    pub fn new(name: &str, value_type: ValueType, scale: f64, with_quality: bool) -> Channel {
        Channel {
            name: name.to_owned(),
            value_type,
            scale,
            with_quality,
        }
    }

    /// Bytes the channel takes in seqData.
    pub const fn size(&self) -> usize {
        self.value_type.size() + if self.with_quality { 4 } else { 0 }
    }
}

/// One decoded dataset member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// The value as on the wire.
    pub raw: RawValue,
    /// The value in engineering units (raw × scale).
    pub value: f64,
    /// The quality word, for channels that carry one.
    pub quality: Option<Quality>,
}

impl Default for Measurement {
    fn default() -> Self {
        Measurement {
            raw: RawValue::Int(0),
            value: 0.0,
            quality: None,
        }
    }
}

/// An ordered list of channels describing seqData. Built once at configuration
/// time; decoding and encoding never allocate.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    channels: Vec<Channel>,
    seq_data_len: usize,
}

/// Scale of 9-2LE / 61869-9 currents: 1 mA per LSB, in amperes.
pub const CURRENT_SCALE: f64 = 0.001;
/// Scale of 9-2LE / 61869-9 voltages: 10 mV per LSB, in volts.
pub const VOLTAGE_SCALE: f64 = 0.01;

impl Dataset {
    /// A dataset from its channels.
    pub fn new(channels: Vec<Channel>) -> Dataset {
        let seq_data_len = channels.iter().map(Channel::size).sum();
        Dataset {
            channels,
            seq_data_len,
        }
    }

    /// `currents` INT32 currents then `voltages` INT32 voltages, each with quality,
    /// at 1 mA and 10 mV per LSB. Four and four give the 9-2LE names IA IB IC IN
    /// VA VB VC VN; other counts are named I1.. and U1...
    pub fn currents_voltages(currents: u8, voltages: u8) -> Dataset {
        const LE_I: [&str; 4] = ["IA", "IB", "IC", "IN"];
        const LE_U: [&str; 4] = ["VA", "VB", "VC", "VN"];
        let le = currents == 4 && voltages == 4;
        let mut channels = Vec::with_capacity(usize::from(currents) + usize::from(voltages));
        for i in 0..usize::from(currents) {
            let name = match LE_I.get(i) {
                Some(n) if le => (*n).to_owned(),
                _ => format!("I{}", i + 1),
            };
            channels.push(Channel::new(&name, ValueType::Int32, CURRENT_SCALE, true));
        }
        for i in 0..usize::from(voltages) {
            let name = match LE_U.get(i) {
                Some(n) if le => (*n).to_owned(),
                _ => format!("U{}", i + 1),
            };
            channels.push(Channel::new(&name, ValueType::Int32, VOLTAGE_SCALE, true));
        }
        Dataset::new(channels)
    }

    /// The UCA 9-2LE dataset (and 61869-9 I4U4): IA IB IC IN VA VB VC VN, 64 bytes.
    pub fn le_9_2() -> Dataset {
        Dataset::currents_voltages(4, 4)
    }

    /// The channels.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// Whether there is no channel.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Size of seqData in bytes.
    pub fn seq_data_len(&self) -> usize {
        self.seq_data_len
    }

    /// Index of the channel named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.channels.iter().position(|c| c.name == name)
    }

    fn check_len(&self, seq_data: usize) -> Result<()> {
        if seq_data != self.seq_data_len {
            return Err(SvError::SeqDataLength {
                length: seq_data,
                expected: self.seq_data_len,
            });
        }
        Ok(())
    }

    /// Decodes seqData into `out`, which must hold at least [`len`](Self::len)
    /// entries; returns the number written.
    pub fn decode(&self, seq_data: &[u8], out: &mut [Measurement]) -> Result<usize> {
        self.check_len(seq_data.len())?;
        if out.len() < self.channels.len() {
            return Err(SvError::Count {
                field: "decoded values",
                given: out.len(),
                expected: self.channels.len(),
            });
        }
        let mut rest = seq_data;
        for (channel, slot) in self.channels.iter().zip(out.iter_mut()) {
            let size = channel.value_type.size();
            let (value_bytes, after) = rest.split_at_checked(size).ok_or(SvError::Truncated {
                field: "seqData",
                needed: size,
                available: rest.len(),
            })?;
            rest = after;
            let raw = channel.value_type.read(value_bytes);
            let quality = if channel.with_quality {
                let (q, after) = rest.split_first_chunk::<4>().ok_or(SvError::Truncated {
                    field: "seqData quality",
                    needed: 4,
                    available: rest.len(),
                })?;
                rest = after;
                Some(Quality::from_u32(u32::from_be_bytes(*q)))
            } else {
                None
            };
            *slot = Measurement {
                raw,
                value: raw.as_f64() * channel.scale,
                quality,
            };
        }
        Ok(self.channels.len())
    }

    /// Encodes raw values. `qualities` is empty (all good) or has one entry per
    /// channel (ignored for channels without quality). Out-of-range values are
    /// clamped and their quality marked overflow + invalid. `out` must be exactly
    /// [`seq_data_len`](Self::seq_data_len) bytes.
    pub fn encode_raw(
        &self,
        values: &[RawValue],
        qualities: &[Quality],
        out: &mut [u8],
    ) -> Result<()> {
        self.encode_with(values.len(), qualities, out, |i, _| {
            values.get(i).copied().unwrap_or(RawValue::Int(0))
        })
    }

    /// Encodes values in engineering units (raw = round(value / scale)); see
    /// [`encode_raw`](Self::encode_raw) for `qualities` and clamping.
    pub fn encode(&self, values: &[f64], qualities: &[Quality], out: &mut [u8]) -> Result<()> {
        self.encode_with(values.len(), qualities, out, |i, channel| {
            let v = values.get(i).copied().unwrap_or(0.0);
            match channel.value_type {
                ValueType::Float32 | ValueType::Float64 => RawValue::Float(v / channel.scale),
                _ => RawValue::Float((v / channel.scale).round()),
            }
        })
    }

    fn encode_with(
        &self,
        value_count: usize,
        qualities: &[Quality],
        out: &mut [u8],
        value_of: impl Fn(usize, &Channel) -> RawValue,
    ) -> Result<()> {
        self.check_len(out.len())?;
        if value_count != self.channels.len() {
            return Err(SvError::Count {
                field: "values",
                given: value_count,
                expected: self.channels.len(),
            });
        }
        if !qualities.is_empty() && qualities.len() != self.channels.len() {
            return Err(SvError::Count {
                field: "qualities",
                given: qualities.len(),
                expected: self.channels.len(),
            });
        }
        let mut rest = out;
        for (i, channel) in self.channels.iter().enumerate() {
            let size = channel.value_type.size();
            let (value_out, after) =
                rest.split_at_mut_checked(size)
                    .ok_or(SvError::BufferTooSmall {
                        field: "seqData",
                        needed: size,
                        available: 0,
                    })?;
            rest = after;
            let clamped = channel.value_type.write(value_of(i, channel), value_out);
            if channel.with_quality {
                let mut quality = qualities.get(i).copied().unwrap_or_default();
                if clamped {
                    quality.overflow = true;
                    quality.validity = Validity::Invalid;
                }
                let (q_out, after) =
                    rest.split_first_chunk_mut::<4>()
                        .ok_or(SvError::BufferTooSmall {
                            field: "seqData quality",
                            needed: 4,
                            available: 0,
                        })?;
                rest = after;
                *q_out = quality.to_u32().to_be_bytes();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_layout_and_scaling() {
        let ds = Dataset::le_9_2();
        assert_eq!(ds.seq_data_len(), 64);
        assert_eq!(ds.position("VN"), Some(7));
        let mut buf = [0u8; 64];
        let values = [1.234, -2.0, 0.0, 0.001, 230.01, -230.0, 1.0, 0.0];
        ds.encode(&values, &[], &mut buf).unwrap();
        assert_eq!(&buf[..8], &[0, 0, 0x04, 0xd2, 0, 0, 0, 0]);
        let mut out = [Measurement::default(); 8];
        assert_eq!(ds.decode(&buf, &mut out).unwrap(), 8);
        for (m, v) in out.iter().zip(values) {
            assert!((m.value - v).abs() < 1e-9, "{m:?} {v}");
            assert_eq!(m.quality, Some(Quality::GOOD));
        }
        assert_eq!(out[4].raw, RawValue::Int(23001));
    }

    #[test]
    fn every_type_round_trips_and_clamps() {
        let channels: Vec<Channel> = ValueType::ALL
            .iter()
            .map(|&t| Channel::new(t.name(), t, 1.0, true))
            .collect();
        let ds = Dataset::new(channels);
        let raws = [
            RawValue::Bool(true),
            RawValue::Int(-128),
            RawValue::Int(-300),
            RawValue::Int(i64::from(i32::MIN)),
            RawValue::Int(i64::MIN),
            RawValue::UInt(255),
            RawValue::UInt(65535),
            RawValue::UInt(u64::from(u32::MAX)),
            RawValue::Float(1.5),
            RawValue::Float(-1e300),
        ];
        let mut buf = vec![0u8; ds.seq_data_len()];
        ds.encode_raw(&raws, &[], &mut buf).unwrap();
        let mut out = vec![Measurement::default(); ds.len()];
        ds.decode(&buf, &mut out).unwrap();
        for (m, r) in out.iter().zip(raws) {
            assert_eq!(m.raw, r);
            assert_eq!(m.quality, Some(Quality::GOOD));
        }
        let too_big = [RawValue::Int(200); 10];
        ds.encode_raw(&too_big, &[], &mut buf).unwrap();
        ds.decode(&buf, &mut out).unwrap();
        assert_eq!(out[1].raw, RawValue::Int(127));
        assert!(out[1].quality.unwrap().overflow);
        assert_eq!(out[1].quality.unwrap().validity, Validity::Invalid);
        assert!(!out[2].quality.unwrap().overflow);
    }

    #[test]
    fn wrong_sizes_and_counts_are_errors() {
        let ds = Dataset::le_9_2();
        let mut out = [Measurement::default(); 8];
        assert_eq!(
            ds.decode(&[0; 63], &mut out),
            Err(SvError::SeqDataLength {
                length: 63,
                expected: 64
            })
        );
        assert!(ds.decode(&[0; 64], &mut out[..7]).is_err());
        assert!(ds.encode(&[0.0; 7], &[], &mut [0; 64]).is_err());
        assert!(ds
            .encode(&[0.0; 8], &[Quality::GOOD; 3], &mut [0; 64])
            .is_err());
        assert!("int33".parse::<ValueType>().is_err());
        assert_eq!("float32".parse::<ValueType>(), Ok(ValueType::Float32));
    }
}
