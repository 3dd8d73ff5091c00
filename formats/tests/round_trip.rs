//! Every format encodes and decodes back the same samples, at 8 and 64 values, with every
//! signal type, one and several samples per datagram.

use gridhil_formats::fixtures::{self, Precision};
use gridhil_formats::{build, FormatConfig, FormatError, HeaderField};
use gridhil_sample::{Batch, SamplePool, SampleRef, Signal, SignalType};

/// Whether a format carries the sequence number and the origin timestamp.
fn carried(config: &FormatConfig) -> (bool, bool) {
    match config {
        FormatConfig::Gtnet(c) => (c.fake, c.fake),
        FormatConfig::OpalAsyncip(_) => (true, false),
        FormatConfig::Raw(c) => {
            let has = |f| c.header().contains(&f);
            let ts = has(HeaderField::Timestamp) || (has(HeaderField::Seconds) && c.bits() >= 32);
            (has(HeaderField::Sequence), ts)
        }
        _ => (true, true),
    }
}

fn check_round_trip(
    config: &FormatConfig,
    precision: Precision,
    signals: &[Signal],
    samples_per_datagram: usize,
) {
    let pool = SamplePool::new(16, signals.len());
    let mut format = build(config);
    let count = samples_per_datagram.min(format.max_samples_per_datagram());
    let samples: Vec<SampleRef> = (0..count as u64)
        .map(|seq| fixtures::sample(&pool, signals, seq + 40, precision).unwrap())
        .collect();
    let mut buf = vec![0u8; count * format.max_encoded_len(signals)];
    let len = format
        .encode(&samples, signals, &mut buf)
        .unwrap_or_else(|e| panic!("{}: encode: {e}", config.name()));
    let mut out = Batch::with_capacity(8);
    let decoded = format
        .decode(&buf[..len], signals, &pool, &mut out)
        .unwrap_or_else(|e| panic!("{}: decode: {e}", config.name()));
    assert_eq!(decoded, count, "{config:?}");
    let (seq, ts) = carried(config);
    for (sent, got) in samples.iter().zip(out.as_slice()) {
        assert_eq!(
            got.values(),
            sent.values(),
            "{config:?} {} values",
            signals.len()
        );
        if seq {
            assert_eq!(got.seq, sent.seq, "{config:?}");
        }
        if ts {
            assert_eq!(got.ts_origin, sent.ts_origin, "{config:?}");
        }
    }
    assert_eq!(format.surplus_values(), 0);
}

#[test]
fn every_format_round_trips_8_and_64_mixed_values() {
    assert_eq!(
        fixtures::every_format().len(),
        14,
        "every format and six raw layouts"
    );
    for (config, precision) in fixtures::every_format() {
        for n in [8, 64] {
            let signals = fixtures::mixed_signals(n);
            if matches!(config, FormatConfig::OpalAsyncip(_)) && n == 64 {
                // 64 values with 16 complex ones take 80 doubles: beyond AsyncIP's 64.
                let pool = SamplePool::new(1, n);
                let sample = fixtures::sample(&pool, &signals, 1, precision).unwrap();
                let mut buf = vec![0u8; 2048];
                assert_eq!(
                    build(&config).encode(&[sample], &signals, &mut buf),
                    Err(FormatError::TooManyValues { max: 64, got: 80 })
                );
                let no_complex: Vec<Signal> = (0..n)
                    .map(|i| Signal::new(format!("s{i}"), "", fixtures::SIGNAL_TYPES[i % 3]))
                    .collect();
                check_round_trip(&config, precision, &no_complex, 1);
                continue;
            }
            check_round_trip(&config, precision, &signals, 1);
        }
    }
}

#[test]
fn every_format_round_trips_each_signal_type() {
    for (config, precision) in fixtures::every_format() {
        for ty in fixtures::SIGNAL_TYPES {
            for n in [8, 64] {
                let signals = fixtures::uniform_signals(n, ty);
                if matches!(config, FormatConfig::OpalAsyncip(_))
                    && ty == SignalType::Complex
                    && n == 64
                {
                    continue;
                }
                check_round_trip(&config, precision, &signals, 1);
            }
        }
    }
}

#[test]
fn multi_sample_datagrams_round_trip() {
    for (config, precision) in fixtures::every_format() {
        check_round_trip(&config, precision, &fixtures::mixed_signals(8), 3);
    }
}

#[test]
fn special_floats_survive_formats_that_carry_them() {
    use gridhil_sample::{Complex, Value};
    let signals = [
        Signal::f64("nan"),
        Signal::f64("inf"),
        Signal::f64("ninf"),
        Signal::f64("negzero"),
        Signal::new("z", "", SignalType::Complex),
    ];
    let values = [
        Value::F64(f64::NAN),
        Value::F64(f64::INFINITY),
        Value::F64(f64::NEG_INFINITY),
        Value::F64(-0.0),
        Value::Complex(Complex::new(f64::NAN, f64::NEG_INFINITY)),
    ];
    let pool = SamplePool::new(4, signals.len());
    for (config, _) in fixtures::every_format() {
        let mut format = build(&config);
        let mut sample = pool.alloc().unwrap();
        sample.set_values(&values).unwrap();
        let mut buf = vec![0u8; format.max_encoded_len(&signals)];
        let len = format.encode(&[sample], &signals, &mut buf).unwrap();
        let mut out = Batch::with_capacity(1);
        format
            .decode(&buf[..len], &signals, &pool, &mut out)
            .unwrap();
        let got = out.as_slice()[0].values();
        let integer_words = matches!(&config, FormatConfig::Raw(c) if c.bits() < 32 || c.values() == gridhil_formats::WordKind::Int);
        if integer_words {
            // Integer words cannot hold NaN or infinities: they saturate (NaN gives 0).
            assert_eq!(got[0], Value::F64(0.0), "{config:?}");
            continue;
        }
        let as_f64 = |v: Value| v.as_f64();
        assert!(as_f64(got[0]).is_nan(), "{config:?}");
        assert_eq!(got[1], Value::F64(f64::INFINITY), "{config:?}");
        assert_eq!(got[2], Value::F64(f64::NEG_INFINITY), "{config:?}");
        assert!(
            as_f64(got[3]) == 0.0 && as_f64(got[3]).is_sign_negative(),
            "{config:?}: {:?}",
            got[3]
        );
        let Value::Complex(z) = got[4] else {
            panic!("{config:?}")
        };
        assert!(z.re.is_nan() && z.im == f64::NEG_INFINITY, "{config:?}");
    }
}
