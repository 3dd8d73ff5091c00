//! Deterministic signals, samples and configurations for tests and benchmarks.
//!
//! ```
//! use gridhil_formats::{build, fixtures, FormatConfig};
//! use gridhil_sample::Batch;
//! use gridhil_sample::SamplePool;
//!
//! let signals = fixtures::mixed_signals(8);
//! let pool = SamplePool::new(4, 64);
//! let sample = fixtures::sample(&pool, &signals, 1, fixtures::Precision::Single).unwrap();
//! let mut format = build(&FormatConfig::default());
//! let mut buf = vec![0u8; format.max_encoded_len(&signals)];
//! let len = format.encode(std::slice::from_ref(&sample), &signals, &mut buf).unwrap();
//! let mut out = Batch::with_capacity(4);
//! assert_eq!(format.decode(&buf[..len], &signals, &pool, &mut out), Ok(1));
//! assert_eq!(out.as_slice()[0].values(), sample.values());
//! ```

use crate::byte_order::ByteOrder;
use crate::config::{
    CsvConfig, FormatConfig, GtnetConfig, HeaderField, JsonConfig, OpalAsyncipConfig, RawConfig,
    VillasBinaryConfig, VillasHumanConfig,
};
use crate::words::WordKind;
use gridhil_sample::{Complex, SamplePool, SampleRef, Signal, SignalType, Value};
use std::sync::Arc;

/// Every signal type, in the order [`mixed_signals`] cycles through them.
pub const SIGNAL_TYPES: [SignalType; 4] = [
    SignalType::F64,
    SignalType::I64,
    SignalType::Bool,
    SignalType::Complex,
];

/// `n` signals cycling through every signal type (`s0: f64`, `s1: i64`, `s2: bool`, `s3: complex`, …).
pub fn mixed_signals(n: usize) -> Vec<Signal> {
    (0..n)
        .map(|i| Signal::new(format!("s{i}"), "", SIGNAL_TYPES[i % SIGNAL_TYPES.len()]))
        .collect()
}

/// `n` signals of one type.
pub fn uniform_signals(n: usize, ty: SignalType) -> Vec<Signal> {
    (0..n)
        .map(|i| Signal::new(format!("s{i}"), "", ty))
        .collect()
}

/// Which values a format carries exactly, to pick test values it can round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Integers in -100..100 only (8- and 16-bit words, integer words).
    Narrow,
    /// Floats exact in float32, integers in the i32 range (32-bit words).
    Single,
    /// Any float, integers within ±2^53 (64-bit words and text).
    Double,
}

/// The deterministic value of signal `index` of type `ty` in sample `seq`.
pub fn value(ty: SignalType, index: usize, seq: u64, precision: Precision) -> Value {
    let k = (index as i64 * 7 + seq as i64 * 13) % 200 - 100;
    let real = |k: i64| match precision {
        Precision::Narrow => k as f64,
        Precision::Single => k as f64 * 0.75 + 0.125,
        Precision::Double => k as f64 * 0.1 + 1e-9,
    };
    match ty {
        SignalType::F64 => Value::F64(real(k)),
        SignalType::I64 => Value::I64(match precision {
            Precision::Narrow => k,
            Precision::Single => k * 20_000_000,
            Precision::Double => k * 90_000_000_000_000,
        }),
        SignalType::Bool => Value::Bool(k % 2 == 0),
        SignalType::Complex => Value::Complex(Complex::new(real(k), real(-k / 2))),
    }
}

/// A sample from `pool` with sequence `seq`, origin time `1.7e18 + seq * 1e6` ns and one
/// deterministic value per signal; `None` when the pool is exhausted or too narrow.
pub fn sample(
    pool: &Arc<SamplePool>,
    signals: &[Signal],
    seq: u64,
    precision: Precision,
) -> Option<SampleRef> {
    let mut sample = pool.alloc()?;
    sample.seq = seq;
    sample.ts_origin = 1_700_000_000_000_000_000 + seq as i64 * 1_000_000;
    for (i, signal) in signals.iter().enumerate() {
        sample.push(value(signal.ty, i, seq, precision)).ok()?;
    }
    Some(sample)
}

/// One configuration of every format, with the precision each carries exactly.
pub fn every_format() -> Vec<(FormatConfig, Precision)> {
    let raw = |bits, endian, values, header: &[HeaderField]| {
        RawConfig::new(bits, endian, values, header.to_vec()).map(FormatConfig::Raw)
    };
    let full = [
        HeaderField::Sequence,
        HeaderField::Seconds,
        HeaderField::Nanoseconds,
    ];
    let mut configs = vec![
        (
            FormatConfig::VillasBinary(VillasBinaryConfig::default()),
            Precision::Single,
        ),
        (
            FormatConfig::VillasWeb(VillasBinaryConfig::default()),
            Precision::Single,
        ),
        (
            FormatConfig::VillasHuman(VillasHumanConfig::default()),
            Precision::Double,
        ),
        (
            FormatConfig::Gtnet(GtnetConfig { fake: false }),
            Precision::Single,
        ),
        (
            FormatConfig::Gtnet(GtnetConfig { fake: true }),
            Precision::Single,
        ),
        (
            FormatConfig::OpalAsyncip(OpalAsyncipConfig { dev_id: 3 }),
            Precision::Double,
        ),
        (FormatConfig::Csv(CsvConfig::default()), Precision::Double),
        (FormatConfig::Json(JsonConfig::default()), Precision::Double),
    ];
    let raws = [
        (
            raw(8, ByteOrder::Big, WordKind::Auto, &[]),
            Precision::Narrow,
        ),
        (
            raw(
                16,
                ByteOrder::Little,
                WordKind::Int,
                &[HeaderField::Sequence],
            ),
            Precision::Narrow,
        ),
        (
            raw(32, ByteOrder::Big, WordKind::Auto, &full),
            Precision::Single,
        ),
        (
            raw(32, ByteOrder::Little, WordKind::Float, &[]),
            Precision::Single,
        ),
        (
            raw(
                64,
                ByteOrder::Little,
                WordKind::Auto,
                &[HeaderField::Timestamp],
            ),
            Precision::Double,
        ),
        (
            raw(64, ByteOrder::Big, WordKind::Int, &full),
            Precision::Narrow,
        ),
    ];
    configs.extend(
        raws.into_iter()
            .filter_map(|(config, p)| Some((config.ok()?, p))),
    );
    configs
}
