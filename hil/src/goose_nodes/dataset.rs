//! The dataset of a GOOSE control block as the nodes see it: a list of typed entries
//! (structures nested), each leaf one signal. Encodes signal values into allData for
//! `goose-publisher` and checks and decodes allData for `goose-subscriber`, without
//! allocating. Not here: sockets, timing.

use crate::goose::{
    quality_from_bits, quality_to_bytes, BitString, Data, DataList, Dbpos, Result, MAX_DEPTH,
    QUALITY_PADDING,
};
use crate::sv::ber::Writer;
use crate::sv::{Quality, UtcTime};
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::collections::HashSet;

/// The type of a dataset entry (an IEC 61850 basic type or a structure).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// BOOLEAN (a trip, a start, a single-point status): a `bool` signal.
    Boolean,
    /// Dbpos, 2-bit string: an `i64` signal, 0 intermediate, 1 off, 2 on, 3 bad.
    Dbpos,
    /// INTEGER: an `i64` signal.
    Integer,
    /// Unsigned: an `i64` signal.
    Unsigned,
    /// FLOAT32: an `f64` signal.
    #[serde(alias = "float")]
    Float32,
    /// FLOAT64: an `f64` signal.
    Float64,
    /// Quality, 13-bit string: an `i64` signal with the sampled-values bit layout
    /// (validity in bits 0–1: 0 good, 1 invalid, 3 questionable; test = bit 11).
    Quality,
    /// BIT STRING of `bits` bits: an `i64` signal, bit i of the string in bit i.
    BitString,
    /// UtcTime: an `i64` signal, nanoseconds since the Unix epoch.
    UtcTime,
    /// A structure of `members`.
    Structure,
}

/// One dataset entry of a node's configuration.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EntryConfig {
    /// Signal name (a structure's members are named `name.member`).
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: EntryKind,
    /// Width of a `bit-string` (1–64).
    pub bits: Option<u8>,
    /// Members of a `structure`.
    #[serde(default)]
    pub members: Vec<EntryConfig>,
    /// The signal's name when it is not `name` (may contain dots, e.g. a simulator input
    /// such as `brk1.closed`).
    pub signal: Option<String>,
    /// A `boolean` carried inverted (a trip that opens: `closed = !trip`).
    #[serde(default)]
    pub invert: bool,
}

/// Checks a dataset; errors name the entry (`dataset[2].members[0].bits`).
pub fn validate(entries: &[EntryConfig], field: &str) -> std::result::Result<(), FieldError> {
    if entries.is_empty() {
        return Err(FieldError::at(
            field,
            format!("`{field}` is empty: list the dataset's entries, e.g. [{{ name = \"trip\", type = \"boolean\" }}]"),
        ));
    }
    validate_level(entries, field, 1)?;
    let mut seen = HashSet::new();
    for signal in signals(entries) {
        if !seen.insert(signal.name.clone()) {
            return Err(FieldError::at(
                field,
                format!("`{field}`: the signal name `{}` occurs twice", signal.name),
            ));
        }
    }
    Ok(())
}

fn validate_level(
    entries: &[EntryConfig],
    field: &str,
    depth: usize,
) -> std::result::Result<(), FieldError> {
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if entry.name.is_empty() || entry.name.contains('.') {
            return Err(FieldError::at(
                &format!("{at}.name"),
                format!("`{at}.name` must be a non-empty name without dots"),
            ));
        }
        match (entry.kind, entry.bits) {
            (EntryKind::BitString, Some(1..=64)) => {}
            (EntryKind::BitString, _) => {
                return Err(FieldError::at(
                    &format!("{at}.bits"),
                    format!("`{at}.bits`: a bit-string needs its width, 1–64"),
                ))
            }
            (_, Some(_)) => {
                return Err(FieldError::at(
                    &format!("{at}.bits"),
                    format!("`{at}.bits` goes with `type = \"bit-string\"` only"),
                ))
            }
            (_, None) => {}
        }
        if entry.invert && entry.kind != EntryKind::Boolean {
            return Err(FieldError::at(
                &format!("{at}.invert"),
                format!("`{at}.invert` goes with `type = \"boolean\"` only"),
            ));
        }
        if entry.kind == EntryKind::Structure && entry.signal.is_some() {
            return Err(FieldError::at(
                &format!("{at}.signal"),
                format!(
                    "`{at}.signal` names a leaf; a structure's members are named `name.member`"
                ),
            ));
        }
        if entry.signal.as_deref().is_some_and(str::is_empty) {
            return Err(FieldError::at(
                &format!("{at}.signal"),
                format!("`{at}.signal` is empty"),
            ));
        }
        match (entry.kind, entry.members.is_empty()) {
            (EntryKind::Structure, true) => {
                return Err(FieldError::at(
                    &format!("{at}.members"),
                    format!("`{at}.members`: a structure needs at least one member"),
                ))
            }
            (EntryKind::Structure, false) if depth + 1 >= MAX_DEPTH => {
                return Err(FieldError::at(
                    &format!("{at}.members"),
                    format!("`{at}.members`: structures nest deeper than {MAX_DEPTH} levels"),
                ))
            }
            (EntryKind::Structure, false) => {
                validate_level(&entry.members, &format!("{at}.members"), depth + 1)?
            }
            (_, false) => {
                return Err(FieldError::at(
                    &format!("{at}.members"),
                    format!("`{at}.members` goes with `type = \"structure\"` only"),
                ))
            }
            (_, true) => {}
        }
    }
    Ok(())
}

/// The signals of a dataset's leaves, in order.
pub fn signals(entries: &[EntryConfig]) -> Vec<Signal> {
    let mut out = Vec::new();
    collect_signals(entries, "", &mut out);
    out
}

fn collect_signals(entries: &[EntryConfig], prefix: &str, out: &mut Vec<Signal>) {
    for entry in entries {
        let name = match &entry.signal {
            Some(signal) => signal.clone(),
            None => format!("{prefix}{}", entry.name),
        };
        let ty = match entry.kind {
            EntryKind::Structure => {
                collect_signals(&entry.members, &format!("{name}."), out);
                continue;
            }
            EntryKind::Boolean => SignalType::Bool,
            EntryKind::Float32 | EntryKind::Float64 => SignalType::F64,
            _ => SignalType::I64,
        };
        let unit = if entry.kind == EntryKind::UtcTime {
            "ns"
        } else {
            ""
        };
        out.push(Signal::new(name, unit, ty));
    }
}

/// Number of leaves (signals).
pub fn leaf_count(entries: &[EntryConfig]) -> usize {
    entries
        .iter()
        .map(|e| match e.kind {
            EntryKind::Structure => leaf_count(&e.members),
            _ => 1,
        })
        .sum()
}

fn integer(value: Value) -> i64 {
    match value {
        Value::F64(v) => v.round() as i64,
        other => other.as_i64(),
    }
}

/// Time quality of published UtcTime values: 24 significant fraction bits.
const TIME_QUALITY: u8 = 24;

/// Writes one leaf from a value.
fn emit_leaf(entry: &EntryConfig, value: Value, w: &mut Writer<'_>) -> Result<()> {
    match entry.kind {
        EntryKind::Boolean => Data::Boolean((value.as_f64() != 0.0) != entry.invert).emit(w),
        EntryKind::Dbpos => {
            let byte = Dbpos::from_code(integer(value).clamp(0, 3) as u8).to_byte();
            Data::BitString(BitString {
                padding: Dbpos::PADDING,
                bytes: &byte,
            })
            .emit(w)
        }
        EntryKind::Integer => Data::Integer(integer(value)).emit(w),
        EntryKind::Unsigned => Data::Unsigned(integer(value).max(0) as u64).emit(w),
        EntryKind::Float32 => Data::Float32(value.as_f64() as f32).emit(w),
        EntryKind::Float64 => Data::Float64(value.as_f64()).emit(w),
        EntryKind::Quality => {
            let bytes = quality_to_bytes(Quality::from_u32(integer(value) as u32));
            Data::BitString(BitString {
                padding: QUALITY_PADDING,
                bytes: &bytes,
            })
            .emit(w)
        }
        EntryKind::BitString => {
            let bits = usize::from(entry.bits.unwrap_or(8).clamp(1, 64));
            let word = integer(value) as u64;
            let mut bytes = [0u8; 8];
            for i in (0..bits).filter(|&i| word & (1 << i) != 0) {
                if let Some(b) = bytes.get_mut(i / 8) {
                    *b |= 0x80 >> (i % 8);
                }
            }
            let used = bits.div_ceil(8);
            Data::BitString(BitString {
                padding: (used * 8 - bits) as u8,
                bytes: bytes.get(..used).unwrap_or_default(),
            })
            .emit(w)
        }
        EntryKind::UtcTime => {
            Data::UtcTime(UtcTime::from_unix_nanos(integer(value), TIME_QUALITY)).emit(w)
        }
        EntryKind::Structure => Ok(()),
    }
}

/// Writes the dataset's entries (allData's content) from `values` (one per leaf, missing
/// ones as 0); returns how many values it used. Allocates nothing.
pub fn encode(entries: &[EntryConfig], values: &[Value], w: &mut Writer<'_>) -> Result<usize> {
    let mut used = 0;
    for entry in entries {
        if entry.kind == EntryKind::Structure {
            // The content length first (a dry run), then the content.
            let len = content_len(&entry.members, values.get(used..).unwrap_or_default());
            w.put_tag_length(crate::goose::data::tag::STRUCTURE, len, "structure")?;
            used += encode(&entry.members, values.get(used..).unwrap_or_default(), w)?;
        } else {
            let value = values.get(used).copied().unwrap_or_default();
            emit_leaf(entry, value, w)?;
            used += 1;
        }
    }
    Ok(used)
}

/// Size of the encoded entries.
fn content_len(entries: &[EntryConfig], values: &[Value]) -> usize {
    let mut len = 0;
    let mut used = 0;
    for entry in entries {
        let rest = values.get(used..).unwrap_or_default();
        if entry.kind == EntryKind::Structure {
            len += crate::sv::ber::tlv_len(content_len(&entry.members, rest));
            used += leaf_count(&entry.members);
        } else {
            let mut scratch = [0u8; 32];
            let mut w = Writer::new(&mut scratch);
            let _ = emit_leaf(entry, rest.first().copied().unwrap_or_default(), &mut w);
            len += w.position();
            used += 1;
        }
    }
    len
}

/// One leaf's value from a received Data element, or `None` when the type differs.
fn decode_leaf(entry: &EntryConfig, data: &Data<'_>) -> Option<Value> {
    Some(match (entry.kind, data) {
        (EntryKind::Boolean, Data::Boolean(v)) => Value::Bool(*v != entry.invert),
        (EntryKind::Dbpos, Data::BitString(bits)) => {
            Value::I64(i64::from(Dbpos::from_bits(bits)?.code()))
        }
        (EntryKind::Integer | EntryKind::Unsigned, Data::Integer(v)) => Value::I64(*v),
        (EntryKind::Integer | EntryKind::Unsigned, Data::Unsigned(v)) => {
            Value::I64(i64::try_from(*v).unwrap_or(i64::MAX))
        }
        (EntryKind::Float32 | EntryKind::Float64, Data::Float32(v)) => Value::F64(f64::from(*v)),
        (EntryKind::Float32 | EntryKind::Float64, Data::Float64(v)) => Value::F64(*v),
        (EntryKind::Quality, Data::BitString(bits)) => {
            Value::I64(i64::from(quality_from_bits(bits).to_u32()))
        }
        (EntryKind::BitString, Data::BitString(bits)) => Value::I64(bits.to_u64() as i64),
        (EntryKind::UtcTime, Data::UtcTime(t)) => Value::I64(t.to_unix_nanos()),
        _ => return None,
    })
}

/// Decodes `list` as the dataset, handing each leaf's value to `out` in order; `false`
/// (with some values possibly handed out) when the received data has another shape.
pub fn decode(entries: &[EntryConfig], list: &DataList<'_>, out: &mut impl FnMut(Value)) -> bool {
    if list.len() != entries.len() {
        return false;
    }
    for (entry, data) in entries.iter().zip(list.iter()) {
        let ok = match (entry.kind, &data) {
            (EntryKind::Structure, Data::Structure(members)) => {
                decode(&entry.members, members, out)
            }
            (EntryKind::Structure, _) => false,
            _ => match decode_leaf(entry, &data) {
                Some(value) => {
                    out(value);
                    true
                }
                None => false,
            },
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Vec<EntryConfig> {
        toml::from_str::<toml::Table>(
            r#"
            dataset = [
              { name = "trip", type = "boolean" },
              { name = "q", type = "quality" },
              { name = "pos", type = "structure", members = [
                  { name = "stval", type = "dbpos" },
                  { name = "t", type = "utc-time" },
                  { name = "inner", type = "structure", members = [ { name = "f", type = "float" } ] },
              ] },
              { name = "count", type = "integer" },
              { name = "n", type = "unsigned" },
              { name = "mag", type = "float64" },
              { name = "flags", type = "bit-string", bits = 12 },
            ]"#,
        )
        .unwrap()
        .get("dataset")
        .unwrap()
        .clone()
        .try_into()
        .unwrap()
    }

    #[test]
    fn values_round_trip_through_all_data() {
        let entries = dataset();
        validate(&entries, "dataset").unwrap();
        let names: Vec<String> = signals(&entries).into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "trip",
                "q",
                "pos.stval",
                "pos.t",
                "pos.inner.f",
                "count",
                "n",
                "mag",
                "flags"
            ]
        );
        let values = [
            Value::Bool(true),
            Value::I64(1 | (1 << 11)),
            Value::I64(2),
            Value::I64(1_700_000_000_500_000_000),
            Value::F64(49.5),
            Value::I64(-7),
            Value::I64(300),
            Value::F64(1e-9),
            Value::I64(0b1000_0000_0101),
        ];
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        assert_eq!(encode(&entries, &values, &mut w).unwrap(), values.len());
        let len = w.position();
        assert_eq!(len, content_len(&entries, &values));
        let list = DataList::parse(&buf[..len], 1).unwrap();
        let mut got = Vec::new();
        assert!(decode(&entries, &list, &mut |v| got.push(v)));
        assert_eq!(got.len(), values.len());
        for (i, (a, b)) in got.iter().zip(values).enumerate() {
            if i == 3 {
                // UtcTime keeps 2^-24 s.
                assert!((a.as_i64() - b.as_i64()).abs() < 60);
            } else {
                assert_eq!(*a, b, "leaf {i}");
            }
        }
        // Another shape is a mismatch.
        let mut fewer = entries.clone();
        fewer.pop();
        assert!(!decode(&fewer, &list, &mut |_| {}));
        let mut retyped = entries.clone();
        retyped[0].kind = EntryKind::Integer;
        assert!(!decode(&retyped, &list, &mut |_| {}));
    }

    #[test]
    fn renamed_and_inverted_booleans() {
        let entry = EntryConfig {
            name: "trip".into(),
            kind: EntryKind::Boolean,
            bits: None,
            members: Vec::new(),
            signal: Some("brk1.closed".into()),
            invert: true,
        };
        let entries = vec![entry];
        validate(&entries, "dataset").unwrap();
        assert_eq!(signals(&entries)[0].name, "brk1.closed");
        // A trip (true on the wire) is closed = false.
        let list = DataList::parse(&[0x83, 1, 1], 1).unwrap();
        let mut got = Vec::new();
        assert!(decode(&entries, &list, &mut |v| got.push(v)));
        assert_eq!(got, [Value::Bool(false)]);
        let mut bad = entries.clone();
        bad[0].kind = EntryKind::Integer;
        assert!(validate(&bad, "dataset").is_err());
    }

    #[test]
    fn bad_datasets_are_named() {
        let field = |name: &str| Some(gridhil_engine::FieldPath::parse(name));
        let mut entries = dataset();
        entries[6].bits = None;
        assert_eq!(
            validate(&entries, "dataset").unwrap_err().field,
            field("dataset[6].bits")
        );
        let mut entries = dataset();
        entries[2].members.clear();
        assert_eq!(
            validate(&entries, "dataset").unwrap_err().field,
            field("dataset[2].members")
        );
        let mut entries = dataset();
        entries[1].name = "trip".into();
        assert!(validate(&entries, "dataset")
            .unwrap_err()
            .message
            .contains("twice"));
        assert!(validate(&[], "dataset").is_err());
    }
}
