//! The hand-written reference datagrams in `tests/vectors/` (see its README): the encoder
//! reproduces each byte for byte and the decoder reads each back.

use gridhil_formats::{
    build, FormatConfig, FormatError, GtnetConfig, OpalAsyncipConfig, VillasBinaryConfig,
};
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal, SignalType, Value};
use std::path::PathBuf;

fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}

/// Reads a `.hex` vector: hex byte pairs separated by blanks, `#` comments.
fn read_hex(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(vector_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let digits: Vec<u8> = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(|line| line.bytes().filter(|b| !b.is_ascii_whitespace()))
        .collect();
    assert_eq!(digits.len() % 2, 0, "{name}: odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

struct Expected {
    seq: u64,
    ts_origin: i64,
    values: Vec<Value>,
}

fn sig(name: &str, ty: SignalType) -> Signal {
    Signal::new(name, "", ty)
}

/// Encodes `expected` and compares with the vector, then decodes the vector and compares with `expected`.
fn check(
    name: &str,
    config: FormatConfig,
    signals: &[Signal],
    expected: &[Expected],
    seq_carried: bool,
    ts_carried: bool,
) {
    let datagram = read_hex(name);
    let pool = SamplePool::new(8, signals.len());
    let mut format = build(&config);
    let samples: Vec<SampleRef> = expected
        .iter()
        .map(|e| {
            let mut s = pool.alloc().unwrap();
            s.seq = e.seq;
            s.ts_origin = e.ts_origin;
            s.set_values(&e.values).unwrap();
            s
        })
        .collect();
    let mut buf = vec![0u8; 4096];
    let len = format.encode(&samples, signals, &mut buf).unwrap();
    assert_eq!(
        hex(&buf[..len]),
        hex(&datagram),
        "{name}: encoder output differs from the vector"
    );
    drop(samples);

    let mut out = Batch::with_capacity(8);
    assert_eq!(
        format.decode(&datagram, signals, &pool, &mut out),
        Ok(expected.len()),
        "{name}"
    );
    for (got, want) in out.as_slice().iter().zip(expected) {
        assert_eq!(got.values(), want.values, "{name}");
        assert_eq!(got.seq, if seq_carried { want.seq } else { 0 }, "{name}");
        assert_eq!(
            got.ts_origin,
            if ts_carried { want.ts_origin } else { 0 },
            "{name}"
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn three_values() -> (Vec<Signal>, Vec<Expected>) {
    let signals = vec![
        sig("va", SignalType::F64),
        sig("count", SignalType::I64),
        sig("freq", SignalType::F64),
    ];
    let expected = vec![Expected {
        seq: 42,
        ts_origin: 1_700_000_000_500_000_000,
        values: vec![Value::F64(1.0), Value::I64(-2), Value::F64(50.0)],
    }];
    (signals, expected)
}

#[test]
fn villas_binary_one_message() {
    let (signals, expected) = three_values();
    let config = FormatConfig::VillasBinary(VillasBinaryConfig {
        source_index: 1,
        validate_source_index: true,
    });
    check(
        "villas_binary_3values.hex",
        config,
        &signals,
        &expected,
        true,
        true,
    );
}

#[test]
fn villas_web_one_message() {
    let (signals, expected) = three_values();
    let config = FormatConfig::VillasWeb(VillasBinaryConfig {
        source_index: 1,
        validate_source_index: false,
    });
    check(
        "villas_web_3values.hex",
        config,
        &signals,
        &expected,
        true,
        true,
    );
}

#[test]
fn villas_binary_two_messages() {
    let signals = [sig("p", SignalType::F64), sig("breaker", SignalType::Bool)];
    let expected = [
        Expected {
            seq: 7,
            ts_origin: 1_000_000_000,
            values: vec![Value::F64(0.5), Value::Bool(true)],
        },
        Expected {
            seq: 8,
            ts_origin: 1_250_000_000,
            values: vec![Value::F64(-0.25), Value::Bool(false)],
        },
    ];
    check(
        "villas_binary_2messages.hex",
        FormatConfig::from_name("villas.binary").unwrap(),
        &signals,
        &expected,
        true,
        true,
    );
}

#[test]
fn villas_binary_source_index_filter() {
    let (signals, _) = three_values();
    let datagram = read_hex("villas_binary_3values.hex");
    let pool = SamplePool::new(2, 3);
    let mut out = Batch::with_capacity(2);
    let mut other = build(&FormatConfig::VillasBinary(VillasBinaryConfig {
        source_index: 2,
        validate_source_index: true,
    }));
    assert_eq!(other.decode(&datagram, &signals, &pool, &mut out), Ok(0));
    // The big-endian vector read as little-endian announces 768 values: truncated.
    let mut web = build(&FormatConfig::from_name("villas.web").unwrap());
    assert!(matches!(
        web.decode(&datagram, &signals, &pool, &mut out),
        Err(FormatError::Truncated { .. })
    ));
}

#[test]
fn gtnet_without_header() {
    let signals = [
        sig("v", SignalType::F64),
        sig("tap", SignalType::I64),
        sig("i", SignalType::F64),
        sig("closed", SignalType::Bool),
    ];
    let expected = [Expected {
        seq: 0,
        ts_origin: 0,
        values: vec![
            Value::F64(1.5),
            Value::I64(100),
            Value::F64(-0.5),
            Value::Bool(true),
        ],
    }];
    check(
        "gtnet_4points.hex",
        FormatConfig::Gtnet(GtnetConfig { fake: false }),
        &signals,
        &expected,
        false,
        false,
    );
}

#[test]
fn gtnet_with_fake_header() {
    let signals = [sig("p", SignalType::F64), sig("n", SignalType::I64)];
    let expected = [Expected {
        seq: 1,
        ts_origin: 1_700_000_000_000_000_000,
        values: vec![Value::F64(2.0), Value::I64(-1)],
    }];
    check(
        "gtnet_fake_header.hex",
        FormatConfig::Gtnet(GtnetConfig { fake: true }),
        &signals,
        &expected,
        true,
        true,
    );
}

#[test]
fn opal_asyncip_message() {
    let signals = [sig("a", SignalType::F64), sig("b", SignalType::F64)];
    let expected = [Expected {
        seq: 5,
        ts_origin: 0,
        values: vec![Value::F64(1.0), Value::F64(-2.0)],
    }];
    check(
        "opal_asyncip_2values.hex",
        FormatConfig::OpalAsyncip(OpalAsyncipConfig { dev_id: 1 }),
        &signals,
        &expected,
        true,
        false,
    );
}

#[test]
fn villas_human_as_villasnode_prints_it() {
    let datagram = std::fs::read(vector_path("villas_human_villasnode.txt")).unwrap();
    let (signals, _) = three_values();
    let pool = SamplePool::new(4, 3);
    let mut out = Batch::with_capacity(4);
    let mut format = build(&FormatConfig::from_name("villas.human").unwrap());
    assert_eq!(format.decode(&datagram, &signals, &pool, &mut out), Ok(2));
    let [first, second] = out.as_slice() else {
        panic!()
    };
    assert_eq!(
        (first.seq, first.ts_origin),
        (42, 1_700_000_000_500_000_000)
    );
    assert_eq!(
        first.values(),
        [Value::F64(1.0), Value::I64(-2), Value::F64(50.0)]
    );
    assert_eq!(
        (second.seq, second.ts_origin),
        (43, 1_700_000_000_520_000_000)
    );
    assert_eq!(
        second.values(),
        [Value::F64(-0.5), Value::I64(7), Value::F64(49.99)]
    );
}
