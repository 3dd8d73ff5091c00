//! Engine micro-benchmarks:
//! - the queue hop between two pinned threads (round trip through two queues), for the
//!   engine's `SampleQueue` (crossbeam `ArrayQueue`) and for `rtrb`'s SPSC ring;
//! - a path with three hooks at 8 and 64 values, run in virtual time (samples/s).
//!
//! Run: `cargo bench --bench engine`. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridhil_engine::queue::{OverflowPolicy, SampleQueue};
use gridhil_engine::sample::SamplePool;
use gridhil_engine::{Registry, RunOptions};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Pins the calling thread as the engine pins its real-time threads (`gridhil-rt`).
fn pin(core: usize) {
    let cpus = gridhil_rt::online_cpu_list().unwrap_or_default();
    let cpu = cpus.get(core % cpus.len().max(1)).copied();
    let _ = gridhil_rt::apply_to_current_thread(&gridhil_rt::ThreadRt {
        cpu,
        fifo_priority: None,
        timer_slack_ns: None,
    });
}

/// Round trips of one sample handle through two `SampleQueue`s between pinned threads.
fn sample_queue_round_trips(iters: u64) -> Duration {
    let pool = SamplePool::new(4, 8);
    let ping = Arc::new(SampleQueue::new(64, OverflowPolicy::DropNewest));
    let pong = Arc::new(SampleQueue::new(64, OverflowPolicy::DropNewest));
    let done = Arc::new(AtomicBool::new(false));
    let echo = {
        let (ping, pong, done) = (Arc::clone(&ping), Arc::clone(&pong), Arc::clone(&done));
        std::thread::spawn(move || {
            pin(1);
            while !done.load(Ordering::Relaxed) {
                if let Some(s) = ping.pop() {
                    pong.push(s);
                } else {
                    std::hint::spin_loop();
                }
            }
        })
    };
    pin(0);
    let mut sample = pool.alloc();
    let start = Instant::now();
    for _ in 0..iters {
        if let Some(s) = sample.take() {
            ping.push(s);
        }
        loop {
            if let Some(s) = pong.pop() {
                sample = Some(s);
                break;
            }
            std::hint::spin_loop();
        }
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = echo.join();
    elapsed
}

/// The same round trip through two `rtrb` SPSC rings.
fn rtrb_round_trips(iters: u64) -> Duration {
    let pool = SamplePool::new(4, 8);
    let (mut ping_tx, mut ping_rx) = rtrb::RingBuffer::new(64);
    let (mut pong_tx, mut pong_rx) = rtrb::RingBuffer::new(64);
    let done = Arc::new(AtomicBool::new(false));
    let echo = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            pin(1);
            while !done.load(Ordering::Relaxed) {
                if let Ok(s) = ping_rx.pop() {
                    let _ = pong_tx.push(s);
                } else {
                    std::hint::spin_loop();
                }
            }
        })
    };
    pin(0);
    let mut sample = pool.alloc();
    let start = Instant::now();
    for _ in 0..iters {
        if let Some(s) = sample.take() {
            let _ = ping_tx.push(s);
        }
        loop {
            if let Ok(s) = pong_rx.pop() {
                sample = Some(s);
                break;
            }
            std::hint::spin_loop();
        }
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let _ = echo.join();
    elapsed
}

fn queue_hop(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue_round_trip_pinned");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("sample_queue_arrayqueue", |b| {
        b.iter_custom(sample_queue_round_trips)
    });
    group.bench_function("rtrb_spsc", |b| b.iter_custom(rtrb_round_trips));
    group.finish();
}

const SAMPLES_PER_RUN: u64 = 50_000;

fn path_config(values: usize) -> String {
    format!(
        r#"
[engine]
pool = 4096

[nodes.gen]
type = "signal"
rate = "100kHz"
values = {values}
waveform = "constant"
limit = {SAMPLES_PER_RUN}

[[paths]]
name = "p"
in = ["gen"]
queue = 1024
hooks = [
  {{ type = "scale", gain = 2.0, offset = 1.0 }},
  {{ type = "limit_rate", rate = "1MHz" }},
  {{ type = "stats" }},
]
"#
    )
}

fn path_with_three_hooks(c: &mut Criterion) {
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    let dir = std::env::temp_dir();
    let mut group = c.benchmark_group("path_3_hooks_virtual_time");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(SAMPLES_PER_RUN));
    for values in [8usize, 64] {
        let text = path_config(values);
        group.bench_with_input(BenchmarkId::from_parameter(values), &values, |b, _| {
            b.iter(|| {
                let spec = gridhil_engine::load_str(&text, "bench.toml", &dir, &[], &registry)
                    .expect("config");
                let options = RunOptions {
                    virtual_time: true,
                    ..RunOptions::default()
                };
                let report = gridhil_engine::run(spec, options, Arc::new(AtomicBool::new(false)))
                    .expect("run");
                assert_eq!(report.paths[0].sent, SAMPLES_PER_RUN);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, queue_hop, path_with_three_hooks);
criterion_main!(benches);
