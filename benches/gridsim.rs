//! Grid simulator: one time step of the 10-bus and 40-bus example feeders (three-phase,
//! 50 µs step), without events (a switching step refactorises and costs more: see
//! docs/gridsim.md).
//!
//! Run: `cargo bench --bench gridsim`. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};
use std::path::Path;
use std::time::Duration;

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("gridsim_step");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for name in ["feeder10", "feeder40"] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/grids/{name}.toml"));
        let model = match NetworkModel::from_file(&path) {
            Ok(model) => model,
            Err(e) => {
                eprintln!("skipped {name}: {e}");
                continue;
            }
        };
        let Ok(mut sim) = Simulator::new(&model, SimOptions::default()) else {
            continue;
        };
        // Step past start-up (the examples' first events come later), then time single
        // steps, each on a fresh copy of that state.
        for _ in 0..100 {
            let _ = sim.step();
        }
        group.bench_function(BenchmarkId::new("step_50us", name), |b| {
            b.iter_batched_ref(
                || sim.clone(),
                |s| s.step(),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
