//! Grid simulator: one time step of the 10-bus and 40-bus example feeders (three-phase,
//! 50 µs step), without events, and the steps around a switching: a fault switched on at
//! a step boundary (refactorisation and two damped half steps), one switched on inside a
//! step (ordinary solve, interpolation back to the instant, refactorisation, three
//! damped half steps, resynchronisation) and the damped step that follows it.
//!
//! Run: `cargo bench --bench gridsim`. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gridhil_gridsim::{Event, EventAction, NetworkModel, SimOptions, Simulator};
use std::path::Path;
use std::time::Duration;

/// The example feeders after 100 steps (their first events come later), with the index
/// of their fault input.
fn feeders() -> Vec<(&'static str, Simulator, usize)> {
    let mut out = Vec::new();
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
        for _ in 0..100 {
            let _ = sim.step();
        }
        let Some(fault) = sim.input_names().iter().position(|n| n.ends_with(".on")) else {
            eprintln!("skipped {name}: no fault input");
            continue;
        };
        out.push((name, sim, fault));
    }
    out
}

fn step(c: &mut Criterion) {
    let mut group = c.benchmark_group("gridsim_step");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for (name, sim, _) in feeders() {
        // Time single steps, each on a fresh copy of that state.
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

fn switching(c: &mut Criterion) {
    let mut group = c.benchmark_group("gridsim_switching");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    for (name, sim, fault) in feeders() {
        let fault_at = |offset_ns: i64| {
            let mut s = sim.clone();
            let event = Event {
                time_ns: s.time_ns() + offset_ns,
                input: fault,
                action: EventAction::Set(1.0),
            };
            let _ = s.schedule(event);
            s
        };
        group.bench_function(BenchmarkId::new("fault_at_step_start", name), |b| {
            b.iter_batched_ref(
                || fault_at(0),
                |s| s.step(),
                criterion::BatchSize::SmallInput,
            )
        });
        group.bench_function(BenchmarkId::new("fault_inside_step", name), |b| {
            b.iter_batched_ref(
                || fault_at(17_300),
                |s| s.step(),
                criterion::BatchSize::SmallInput,
            )
        });
        group.bench_function(BenchmarkId::new("step_after_fault_inside", name), |b| {
            b.iter_batched_ref(
                || {
                    let mut s = fault_at(17_300);
                    let _ = s.step();
                    s
                },
                |s| s.step(),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, step, switching);
criterion_main!(benches);
