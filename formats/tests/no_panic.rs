//! Decoders never panic: random bytes, random text, mutations and every truncation of valid
//! datagrams go through every format. Deterministic (xorshift), so failures reproduce.

use gridhil_formats::fixtures;
use gridhil_formats::{build, Format, FormatConfig, FormatError};
use gridhil_sample::{Batch, SamplePool, Signal, SignalType, Value};
use std::sync::Arc;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TEXTY: &[u8] = b"0123456789.+-()eEFij\t \n\r#,{}[]\":nNaAfIltrusel\\";

/// Decodes `datagram` and checks the decoder's promises.
fn decode_checked(
    format: &mut dyn Format,
    datagram: &[u8],
    signals: &[Signal],
    pool: &Arc<SamplePool>,
) {
    let mut out = Batch::with_capacity(4);
    let result = format.decode(datagram, signals, pool, &mut out);
    if let Ok(n) = result {
        assert_eq!(n, out.len(), "{}: count matches the batch", format.name());
    }
    for sample in out.as_slice() {
        assert_eq!(sample.values().len(), signals.len(), "{}", format.name());
        for (value, signal) in sample.values().iter().zip(signals) {
            let ty = match value {
                Value::F64(_) => SignalType::F64,
                Value::I64(_) => SignalType::I64,
                Value::Bool(_) => SignalType::Bool,
                Value::Complex(_) => SignalType::Complex,
            };
            assert_eq!(
                ty,
                signal.ty,
                "{}: value has its signal's type",
                format.name()
            );
        }
    }
}

fn mutate(rng: &mut XorShift, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(bytes.len() + 1);
                bytes.insert(i, TEXTY[rng.below(TEXTY.len())]);
            }
            3 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes.remove(i);
            }
            _ => {
                let len = bytes.len();
                bytes.extend_from_within(..rng.below(len + 1));
            }
        }
    }
}

fn signal_sets() -> Vec<Vec<Signal>> {
    vec![
        fixtures::mixed_signals(8),
        fixtures::uniform_signals(3, SignalType::Complex),
        vec![Signal::new("b", "", SignalType::Bool)],
        Vec::new(),
    ]
}

#[test]
fn decoders_survive_random_and_mutated_datagrams() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let pool = SamplePool::new(3, 8);
    for (config, precision) in fixtures::every_format() {
        for signals in signal_sets() {
            let mut format = build(&config);
            // Valid datagrams of one and two samples to mutate and truncate.
            let samples: Vec<_> = (0..2)
                .map(|seq| fixtures::sample(&pool, &signals, seq, precision).unwrap())
                .collect();
            let count = format.max_samples_per_datagram().min(2);
            let mut valid = vec![0u8; 2 * format.max_encoded_len(&signals)];
            let len = format
                .encode(&samples[..count], &signals, &mut valid)
                .unwrap();
            valid.truncate(len);
            drop(samples);

            for cut in 0..=valid.len() {
                decode_checked(format.as_mut(), &valid[..cut], &signals, &pool);
            }
            for _ in 0..2000 {
                let mut bytes = valid.clone();
                mutate(&mut rng, &mut bytes);
                decode_checked(format.as_mut(), &bytes, &signals, &pool);
            }
            for _ in 0..300 {
                let len = rng.below(160);
                let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                decode_checked(format.as_mut(), &random, &signals, &pool);
                let text: Vec<u8> = (0..len).map(|_| TEXTY[rng.below(TEXTY.len())]).collect();
                decode_checked(format.as_mut(), &text, &signals, &pool);
            }
        }
    }
    assert_eq!(
        pool.available(),
        3,
        "every decoded or dropped sample went back to the pool"
    );
}

#[test]
fn hostile_headers_do_not_panic() {
    let signals = fixtures::mixed_signals(4);
    let pool = SamplePool::new(2, 4);
    let cases: &[(&str, &[u8])] = &[
        ("villas.binary", &[0x20, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ("villas.binary", &[0x20, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("opal.asyncip", &[0, 0, 0, 0, 0, 0, 0xFF, 0x7F]),
        ("opal.asyncip", &[0, 0, 0, 0, 0, 0, 0x00, 0x80]),
        ("villas.human", b"18446744073709551615.999999999(18446744073709551615)"),
        ("villas.human", b"-9223372036854775808.999999999999\t1\t2\t3\t4"),
        ("csv", b"1,-9223372036854775808,1,2,1,3,4"),
        ("json", b"{\"values\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
        ("json", b"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"),
        ("json", b"{\"seq\":\"\\"),
        ("json", b"{\"seq\":99999999999999999999999}"),
    ];
    for (name, datagram) in cases {
        let mut format = build(&FormatConfig::from_name(name).unwrap());
        decode_checked(format.as_mut(), datagram, &signals, &pool);
    }
    let deep: Vec<u8> = std::iter::once(b'{')
        .chain(b"\"x\":".iter().copied())
        .chain(std::iter::repeat_n(b'[', 100_000))
        .collect();
    let mut json = build(&FormatConfig::from_name("json").unwrap());
    assert!(json
        .decode(&deep, &signals, &pool, &mut Batch::with_capacity(1))
        .is_err());
}

#[test]
fn encoders_report_small_buffers_instead_of_panicking() {
    let pool = SamplePool::new(4, 8);
    for (config, precision) in fixtures::every_format() {
        let signals = fixtures::mixed_signals(8);
        let mut format = build(&config);
        let sample = fixtures::sample(&pool, &signals, 3, precision).unwrap();
        let full = format.max_encoded_len(&signals);
        let mut buf = vec![0u8; full];
        let len = format
            .encode(std::slice::from_ref(&sample), &signals, &mut buf)
            .unwrap();
        assert!(len <= full, "{config:?}: max_encoded_len is an upper bound");
        for size in 0..len {
            let mut small = vec![0u8; size];
            assert!(
                matches!(
                    format.encode(std::slice::from_ref(&sample), &signals, &mut small),
                    Err(FormatError::BufferTooSmall { .. })
                ),
                "{config:?} at {size} bytes"
            );
        }
        // A sample with fewer values than signals is refused.
        let mut short = pool.alloc().unwrap();
        short.set_values(&[Value::F64(1.0)]).unwrap();
        assert_eq!(
            format.encode(&[short], &signals, &mut buf),
            Err(FormatError::TooFewValues {
                declared: 8,
                got: 1
            }),
            "{config:?}"
        );
    }
}
