//! Codec micro-benchmarks: every wire format (encode and decode, 8 and 64 values), the
//! IEC 61850-9-2 sampled-values frame (build and parse, ASDU/s), and the C37.118.1 phasor
//! estimator (cost of one report).
//!
//! Run: `cargo bench --bench codecs`. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridhil_formats::fixtures::{every_format, sample, uniform_signals};
use gridhil_hil::sv::{Profile, SvFrameRepr, SvStream};
use gridhil_pmu::estimator::{Estimator, EstimatorConfig, PmuClass};
use gridhil_sample::{Batch, SamplePool, SignalType};
use std::time::Duration;

fn formats(c: &mut Criterion) {
    let mut group = c.benchmark_group("format");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group.throughput(Throughput::Elements(1));
    let mut seen: std::collections::HashMap<&'static str, usize> = Default::default();
    for (config, precision) in every_format() {
        // Several layouts of one format (e.g. raw widths) get a variant number.
        let variant = seen.entry(config.name()).or_insert(0);
        *variant += 1;
        let label = if *variant == 1 {
            config.name().to_string()
        } else {
            format!("{}#{}", config.name(), variant)
        };
        for values in [8usize, 64] {
            let mut format = gridhil_formats::build(&config);
            let signals = uniform_signals(values, SignalType::F64);
            let pool = SamplePool::new(8, values);
            let Some(input) = sample(&pool, &signals, 42, precision) else {
                continue;
            };
            let samples = [input];
            let mut buf = vec![0u8; format.max_encoded_len(&signals) + 64];
            let Ok(len) = format.encode(&samples, &signals, &mut buf) else {
                continue;
            };
            let id = format!("{label}/{values}");
            group.bench_function(BenchmarkId::new("encode", &id), |b| {
                b.iter(|| format.encode(&samples, &signals, &mut buf))
            });
            let datagram = buf[..len].to_vec();
            let mut decoder = gridhil_formats::build(&config);
            let mut out = Batch::with_capacity(4);
            group.bench_function(BenchmarkId::new("decode", &id), |b| {
                b.iter(|| {
                    let n = decoder.decode(&datagram, &signals, &pool, &mut out);
                    out.clear();
                    n
                })
            });
        }
    }
    group.finish();
}

fn sampled_values(c: &mut Criterion) {
    let mut group = c.benchmark_group("sv_9-2LE");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (name, profile) in [
        ("80spc_1asdu", Profile::LE_80_50HZ),
        ("256spc_8asdu", Profile::LE_256_50HZ),
    ] {
        let Ok(stream) = SvStream::new("GRIDHIL_MU01", 0x4000, &profile) else {
            continue;
        };
        let asdus = profile.asdus_per_frame as usize;
        let values: Vec<f64> = (0..8 * asdus).map(|i| 100.0 * (i as f64).sin()).collect();
        let mut buf = vec![0u8; 1518];
        let Ok(len) = stream.build_frame(&mut buf, 0, &values, &[], None) else {
            continue;
        };
        group.throughput(Throughput::Elements(asdus as u64));
        group.bench_function(BenchmarkId::new("build", name), |b| {
            b.iter(|| stream.build_frame(&mut buf, 7, &values, &[], None))
        });
        let frame = buf[..len].to_vec();
        group.bench_function(BenchmarkId::new("parse", name), |b| {
            b.iter(|| SvFrameRepr::parse(&frame).map(|f| f.header.app_id))
        });
    }
    group.finish();
}

fn estimator(c: &mut Criterion) {
    let mut group = c.benchmark_group("pmu_estimator_report");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for (class, name) in [(PmuClass::P, "P"), (PmuClass::M, "M")] {
        let config = EstimatorConfig {
            class,
            nominal_hz: 50.0,
            sample_rate_hz: 10_000.0,
            reporting_rate: 50,
            channels: 6,
            three_phase_groups: vec![[0, 1, 2], [3, 4, 5]],
        };
        let Ok(mut est) = Estimator::new(config) else {
            continue;
        };
        let mut k: i64 = 0;
        let mut reported = false;
        while !reported && k < 10_000_000 {
            let t = k as f64 / 10_000.0;
            let v: Vec<f64> = (0..6)
                .map(|c| (2.0 * std::f64::consts::PI * 50.0 * t - c as f64 * 2.094).cos())
                .collect();
            reported = est
                .push(1_700_000_000_000_000_000 + k * 100_000, &v)
                .is_some()
                && k > 20_000;
            k += 1;
        }
        // One report covers 6 channels.
        group.throughput(Throughput::Elements(6));
        group.bench_function(BenchmarkId::new("6_channels_50fps_10kHz", name), |b| {
            b.iter(|| est.recompute_last_report().map(|r| r.freq_hz))
        });
    }
    group.finish();
}

criterion_group!(benches, formats, sampled_values, estimator);
criterion_main!(benches);
