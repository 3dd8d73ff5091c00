//! Hook micro-benchmarks: the cost of one `Hook::process` call, per hook type, on samples
//! of 8 and 64 `f64` values (`s0…`), each built from the registry as a configuration
//! would build it. Each iteration also restores the sample's values (a hook may reshape
//! or drop it): the `copy only` row is that cost alone, to subtract.
//!
//! Run: `cargo bench --bench hooks`. Results: docs/benchmarks.md. The path with five
//! typical hooks at 10 kHz × 64 values is `benches/hooks_path.sh` (CPU % of one core).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridhil_engine::event::EventSink;
use gridhil_engine::hook::{Hook, HookAction, HookBuildContext, HookContext};
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::{Signal, Value};
use std::hint::black_box;
use std::time::Duration;

/// Each benchmarked hook: its type and configuration for `n` signals.
fn configs(n: usize) -> Vec<(&'static str, String)> {
    let pairs: Vec<String> = (0..n / 2)
        .map(|k| {
            format!(
                "{{ voltage = \"s{}\", current = \"s{}\" }}",
                2 * k,
                2 * k + 1
            )
        })
        .collect();
    let phases: Vec<String> = (0..n / 2)
        .map(|k| format!("[{}, {}]", 2 * k, 2 * k + 1))
        .collect();
    let dump = std::env::temp_dir().join("gridhil-bench-dump.tsv");
    vec![
        ("scale", "gain = 2.0\noffset = 1.0".into()),
        ("decimate", "ratio = 2".into()),
        ("limit_rate", "rate = \"5kHz\"".into()),
        ("stats", String::new()),
        ("ts", String::new()),
        ("print", "every = 1000".into()),
        (
            "pmu",
            "class = \"P\"\nnominal = \"50Hz\"\nrate = 50\nsample_rate = \"10kHz\"\nvoltages = [\"s0\", \"s1\", \"s2\"]\ncurrents = [\"s3\", \"s4\", \"s5\"]".into(),
        ),
        ("rms", "window_size = 200".into()),
        ("ma", "window_size = 200".into()),
        ("average", String::new()),
        ("power", format!("window_size = 200\npairings = [{}]", pairs.join(", "))),
        ("dp", "signal = \"s0\"\nf0 = 50\nrate = \"10kHz\"\nharmonics = [0, 1, 3, 5]".into()),
        ("jitter_calc", String::new()),
        ("ebm", format!("phases = [{}]", phases.join(", "))),
        ("cast", "signal = \"s1\"\nnew_type = \"i64\"".into()),
        ("round", "precision = 3".into()),
        ("limit_value", "min = -0.5\nmax = 0.5".into()),
        ("gate", "signal = \"s0\"\nmode = \"above\"\nthreshold = -10.0".into()),
        ("drop", String::new()),
        ("skip_first", "samples = 1".into()),
        ("shift_ts", "offset = \"-1ms\"".into()),
        ("shift_seq", "offset = 7".into()),
        ("reorder_ts", "window_size = 16".into()),
        ("fix", String::new()),
        ("restart", String::new()),
        ("frame", "trigger = \"sequence\"\ninterval = 10".into()),
        ("pps_ts", "signal = \"s0\"\nthreshold = 0.9\nexpected_rate = \"10kHz\"".into()),
        ("dump", format!("file = {:?}\nqueue = 65536", dump.display().to_string())),
        ("digest", String::new()),
        (
            "expr",
            "signals = [{ name = \"p\", expr = \"s0 * s1 + s2 * s3\" }, { name = \"m\", expr = \"hypot(s0, s1) / sqrt(2)\" }, { name = \"c\", expr = \"clamp(s2 ^ 2, 0, max(s3, 0.5))\" }, { name = \"g\", expr = \"(s0 > s1) * atan2(s2, s3)\" }]".into(),
        ),
    ]
}

fn hooks(c: &mut Criterion) {
    let registry = gridhil::registry::build();
    let ctx_build = HookBuildContext {
        path_name: "bench".into(),
        path_index: 0,
    };
    let pool = SamplePool::new(256, 128);
    let events = EventSink::new(1024);
    let mut group = c.benchmark_group("hook_ns_per_sample");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(1));
    for n in [8usize, 64] {
        let signals: Vec<Signal> = (0..n).map(|i| Signal::f64(format!("s{i}"))).collect();
        let template: Vec<Value> = (0..n)
            .map(|i| Value::F64((i as f64 * 0.37).sin()))
            .collect();
        let mut sample = pool.alloc().expect("a pool slot");
        group.bench_function(BenchmarkId::new("copy only", n), |b| {
            let mut seq = 0u64;
            b.iter(|| {
                seq += 1;
                sample.seq = seq;
                let _ = sample.set_values(black_box(&template));
            })
        });
        for (kind, text) in configs(n) {
            let table: toml::Table = text.parse().expect("benchmark config is TOML");
            let config = registry
                .hook(kind, table)
                .expect("registered")
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let (mut hook, _): (Box<dyn Hook>, _) = config
                .build(&signals, &ctx_build)
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            group.bench_function(BenchmarkId::new(kind, n), |b| {
                let mut seq = 0u64;
                b.iter(|| {
                    seq += 1;
                    sample.seq = seq;
                    sample.ts_origin = seq as i64 * 100_000;
                    sample.ts_received = sample.ts_origin + 50_000 + (seq % 7) as i64 * 1000;
                    let _ = sample.set_values(&template);
                    let ctx = HookContext {
                        now: sample.ts_origin,
                        wall: sample.ts_origin,
                        pool: &pool,
                        events: &events,
                        path_index: 0,
                    };
                    black_box(hook.process(&mut sample, &ctx) == HookAction::Pass)
                })
            });
            // `print` parks pool copies in the event channel: give them back, so that the
            // next hooks (`reorder_ts`, `dump`) find free slots.
            while events.recv().is_some() {}
        }
    }
    group.finish();
}

criterion_group!(benches, hooks);
criterion_main!(benches);
