//! The run log's sustained write rate: rows of 8 and 64 values through `RunLogWriter` (the
//! log thread's work: buffering, chunk writes, a flush every 100 000 rows as the 1 s
//! flush interval does at 100 k rows/s), in the four file modes — crash-safe (SWMR) or not,
//! deflate-compressed or not. Reports rows/s; the file size per row is printed once per
//! mode (bytes/s = rows/s × bytes/row). Sine-wave values, like a lab's waveforms.
//!
//! `cargo bench --bench runlog`; results in docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gridhil_engine::config::LogCompression;
use gridhil_engine::runlog::{LogFileOptions, RunInfo, RunLogWriter};
use gridhil_engine::sample::SamplePool;
use gridhil_engine::signal::{Signal, SignalType, Value};

const ROWS: u64 = 200_000;
const FLUSH_EVERY: u64 = 100_000;

fn write_rows(dir: &std::path::Path, values: usize, options: &LogFileOptions) -> u64 {
    let file = dir.join("bench.h5");
    let signals: Vec<Signal> = (0..values)
        .map(|i| Signal::new(format!("s{i}"), "V", SignalType::F64))
        .collect();
    let mut writer = RunLogWriter::create(
        &file,
        &RunInfo::default(),
        &[Some(("p".to_string(), signals))],
        options,
    )
    .expect("create run log");
    let pool = SamplePool::new(1, values);
    let mut sample = pool.alloc().expect("a sample");
    for row in 0..ROWS {
        sample.seq = row;
        sample.ts_origin = row as i64 * 100_000;
        sample.ts_received = sample.ts_origin + 20_000;
        sample.ts_sent = sample.ts_origin + 21_000;
        sample.clear();
        for v in 0..values {
            let phase = v as f64 * 2.094;
            let t = row as f64 * 1e-4;
            let _ = sample.push(Value::F64(
                325.27 * (std::f64::consts::TAU * 50.0 * t + phase).sin(),
            ));
        }
        writer.append(0, &sample).expect("append");
        if (row + 1) % FLUSH_EVERY == 0 {
            writer.flush().expect("flush");
        }
    }
    writer.close().expect("close");
    std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
}

fn run_log_rows(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut group = c.benchmark_group("run_log_rows");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    for values in [8usize, 64] {
        for (crash_safe, compression, name) in [
            (false, LogCompression::None, "plain"),
            (true, LogCompression::None, "crash_safe"),
            (false, LogCompression::Deflate, "deflate"),
            (true, LogCompression::Deflate, "crash_safe+deflate"),
        ] {
            let options = LogFileOptions {
                chunk: 4096,
                crash_safe,
                compression,
            };
            let bytes = write_rows(dir.path(), values, &options);
            println!(
                "{name}, {values} values: {:.1} bytes/row on disk",
                bytes as f64 / ROWS as f64
            );
            group.bench_with_input(BenchmarkId::new(name, values), &values, |b, &values| {
                b.iter(|| write_rows(dir.path(), values, &options))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, run_log_rows);
criterion_main!(benches);
