//! Assertion evaluators of `gridhil-scenarios` on one signal of 100 000 samples (100 s at
//! 1 kHz): what an assertion costs after a run, beside the run itself.
//!
//! Run: `cargo bench --bench assertions`. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, Criterion};
use gridhil_scenarios::check::{self, Curve, Edge, StepLimits};
use gridhil_scenarios::Series;
use std::hint::black_box;
use std::time::Duration;

fn signal() -> Series {
    let t: Vec<f64> = (0..100_000).map(|k| k as f64 * 1e-3).collect();
    let v = t
        .iter()
        .map(|&t| 1.0 - (-t / 0.2_f64).exp() * (30.0 * t).cos() + 0.001 * (377.0 * t).sin())
        .collect();
    Series::new(t, v)
}

fn evaluators(c: &mut Criterion) {
    let s = signal();
    let reference = Series::new(s.t.clone(), s.v.iter().map(|v| v + 1e-4).collect());
    let lower = Curve::new(vec![[0.0, 0.0], [0.16, 0.0], [0.16, 0.45], [3.0, 0.88]]).unwrap();
    let limits = StepLimits {
        rise_time: Some(0.1),
        overshoot_percent: Some(50.0),
        settling_time: Some(2.0),
        steady_state_error: Some(0.01),
    };
    let mut g = c.benchmark_group("assertion_100k_samples");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    g.bench_function("band", |b| b.iter(|| check::band(black_box(&s), -1.0, 2.0)));
    g.bench_function("settle", |b| {
        b.iter(|| check::settle(black_box(&s), 0.0, 0.98, 1.02, 5.0))
    });
    g.bench_function("step", |b| {
        b.iter(|| check::step(black_box(&s), 0.0, Some(0.0), 1.0, 0.02, &limits))
    });
    g.bench_function("envelope", |b| {
        b.iter(|| check::envelope(black_box(&s), 0.0, Some(&lower), None))
    });
    g.bench_function("nadir", |b| b.iter(|| check::nadir(black_box(&s), -1.0)));
    g.bench_function("rocof_over_20ms", |b| {
        b.iter(|| check::rocof(black_box(&s), 0.02, 100.0))
    });
    g.bench_function("tracks_lag_20ms", |b| {
        b.iter(|| check::tracks(black_box(&s), &reference, 1e-3, 0.02))
    });
    g.bench_function("event", |b| {
        b.iter(|| check::event_before(black_box(&s), Edge::Above(1.5), 10.0))
    });
    g.finish();
}

criterion_group!(benches, evaluators);
criterion_main!(benches);
