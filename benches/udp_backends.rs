//! The two kernel interfaces of the `udp` node, `mmsg` (`recvmmsg`/`sendmmsg` + `poll`)
//! and `io-uring` (multishot `RECVMSG` over registered buffers, linked `SENDMSG`), compared
//! through the node itself (villas.binary, 8 values, loopback):
//!
//! - receive: a burst of datagrams waits in the socket; cost of draining it with
//!   non-blocking reads, per datagram;
//! - send: cost of writing samples in writes of 32, per datagram;
//! - wake-up: one datagram at a time to a reader blocked in `read`; time from the start
//!   of the write to the return of the read (median and 99th percentile).
//!
//! Run: `cargo bench --bench udp_backends`. Results: docs/benchmarks.md, "UDP backends".

use gridhil_engine::clock::{Clock, RealClock};
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, NodeConfig, NodeIo, ReadContext, WriteContext,
};
use gridhil_engine::sample::{SamplePool, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::units::Nanos;
use gridhil_nodes::udp::UdpConfig;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const VALUES: usize = 8;
const BURST: usize = 1000;
const ROUNDS: usize = 40;
const WAKEUPS: usize = 2000;

fn context(clock: &Arc<dyn Clock>, pool: &Arc<SamplePool>) -> BuildContext {
    BuildContext {
        name: "udp".into(),
        clock: Arc::clone(clock),
        pool: Arc::clone(pool),
        start: 0,
        end: None,
        wall_offset: 0,
        batch_size: 64,
        controls: Default::default(),
    }
}

fn node(text: &str, inputs: bool, ctx: &BuildContext) -> Result<NodeIo, String> {
    let mut config: UdpConfig = toml::from_str(text).map_err(|e| e.to_string())?;
    config
        .prepare(&ConfigContext {
            name: "udp".into(),
            config_dir: ".".into(),
        })
        .map_err(|e| e.to_string())?;
    if inputs {
        let signals: Vec<Signal> = (0..VALUES).map(|i| Signal::f64(format!("v{i}"))).collect();
        config.connect_input(&signals).map_err(|e| e.to_string())?;
    }
    config.build(ctx).map_err(|e| e.to_string())
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap_or(47_000)
}

fn samples(pool: &Arc<SamplePool>, count: usize) -> Vec<SampleRef> {
    (0..count)
        .filter_map(|seq| {
            let mut sample = pool.alloc()?;
            sample.seq = seq as u64;
            let values: Vec<Value> = (0..VALUES).map(|i| Value::F64(i as f64)).collect();
            sample.set_values(&values).ok()?;
            Some(sample)
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn rx_config(port: u16, backend: &str, mode: &str) -> String {
    format!(
        "local = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\nvalues = {VALUES}\nbackend = \"{backend}\"\nreceive = \"{mode}\"\nreceive_buffer = 4194304\n"
    )
}

fn tx_config(port: u16, backend: &str) -> String {
    format!("remote = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\nbackend = \"{backend}\"\n")
}

/// Nanoseconds per datagram to drain a burst waiting in the socket.
fn receive_burst(backend: &str, clock: &Arc<dyn Clock>) -> Result<Vec<f64>, String> {
    let pool = SamplePool::new(BURST + 256, VALUES);
    let ctx = context(clock, &pool);
    let port = free_port();
    let mut rx = node(&rx_config(port, backend, "busy-poll"), false, &ctx)?;
    let mut tx = node(&tx_config(port, "mmsg"), true, &ctx)?;
    let (Some(reader), Some(writer)) = (rx.reader.as_mut(), tx.writer.as_mut()) else {
        return Err("node halves missing".into());
    };
    let outgoing = samples(&pool, BURST);
    let mut batch = Batch::with_capacity(64);
    let mut per_datagram = Vec::new();
    for _ in 0..ROUNDS {
        for chunk in outgoing.chunks(32) {
            writer
                .write(chunk, &WriteContext::now(clock.as_ref()))
                .map_err(|e| e.to_string())?;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        let mut received = 0;
        let started = clock.monotonic();
        let give_up = started + 1_000_000_000;
        while received < BURST && clock.monotonic() < give_up {
            let mut read = ReadContext::new(clock.as_ref(), &pool, 0, None);
            reader
                .read(&mut read, &mut batch)
                .map_err(|e| e.to_string())?;
            received += batch.len();
            batch.clear();
        }
        let elapsed = clock.monotonic() - started;
        if received > 0 {
            per_datagram.push(elapsed as f64 / received as f64);
        }
    }
    Ok(per_datagram)
}

/// Nanoseconds per datagram to send samples in writes of 32.
fn send(backend: &str, clock: &Arc<dyn Clock>) -> Result<Vec<f64>, String> {
    let pool = SamplePool::new(BURST + 16, VALUES);
    let ctx = context(clock, &pool);
    // A bound socket nobody reads: the kernel drops what overflows its buffer.
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = sink.local_addr().map_err(|e| e.to_string())?.port();
    let mut tx = node(&tx_config(port, backend), true, &ctx)?;
    let Some(writer) = tx.writer.as_mut() else {
        return Err("writer missing".into());
    };
    let outgoing = samples(&pool, BURST);
    let mut per_datagram = Vec::new();
    for _ in 0..ROUNDS {
        let started = clock.monotonic();
        for chunk in outgoing.chunks(32) {
            writer
                .write(chunk, &WriteContext::now(clock.as_ref()))
                .map_err(|e| e.to_string())?;
        }
        per_datagram.push((clock.monotonic() - started) as f64 / BURST as f64);
    }
    Ok(per_datagram)
}

/// Nanoseconds from the start of a one-datagram write to the return of a blocked read.
fn wakeup(backend: &str, clock: &Arc<dyn Clock>) -> Result<Vec<f64>, String> {
    let pool = SamplePool::new(256, VALUES);
    let ctx = context(clock, &pool);
    let port = free_port();
    let mut rx = node(&rx_config(port, backend, "blocking"), false, &ctx)?;
    let mut tx = node(&tx_config(port, backend), true, &ctx)?;
    let mut reader = rx.reader.take().ok_or("reader missing")?;
    let writer = tx.writer.as_mut().ok_or("writer missing")?;
    let sent_at = Arc::new(AtomicI64::new(0));
    let reader_thread = {
        let clock = Arc::clone(clock);
        let pool = Arc::clone(&pool);
        let sent_at = Arc::clone(&sent_at);
        std::thread::spawn(move || -> Vec<f64> {
            let mut batch = Batch::with_capacity(8);
            let mut latencies = Vec::with_capacity(WAKEUPS);
            let mut idle_reads = 0;
            while latencies.len() < WAKEUPS && idle_reads < 50 {
                let mut read = ReadContext::new(clock.as_ref(), &pool, 100_000_000, None);
                if reader.read(&mut read, &mut batch).is_err() {
                    break;
                }
                let now = clock.monotonic();
                if batch.is_empty() {
                    idle_reads += 1;
                    continue;
                }
                latencies.push((now - sent_at.load(Ordering::Acquire)) as f64);
                batch.clear();
            }
            latencies
        })
    };
    let outgoing = samples(&pool, 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    for _ in 0..WAKEUPS {
        sent_at.store(clock.monotonic() as Nanos, Ordering::Release);
        writer
            .write(&outgoing, &WriteContext::now(clock.as_ref()))
            .map_err(|e| e.to_string())?;
        std::thread::sleep(std::time::Duration::from_micros(300));
    }
    reader_thread
        .join()
        .map_err(|_| "reader thread panicked".to_string())
}

/// One measurement: backend name and clock in, one figure per round (or why not) out.
type Bench = fn(&str, &Arc<dyn Clock>) -> Result<Vec<f64>, String>;

fn report(what: &str, backend: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    println!(
        "{what:<10} {backend:<9} n={:<5} median {:>9.0} ns  min {:>9.0} ns  p99 {:>9.0} ns",
        values.len(),
        percentile(&values, 0.5),
        percentile(&values, 0.0),
        percentile(&values, 0.99)
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let clock: Arc<dyn Clock> = Arc::new(RealClock::default());
    let benches: [(&str, Bench); 3] = [
        ("receive", receive_burst),
        ("send", send),
        ("wake-up", wakeup),
    ];
    println!("udp backends: villas.binary, {VALUES} values, loopback; per datagram except wake-up");
    for (what, bench) in benches {
        for backend in ["mmsg", "io-uring"] {
            match bench(backend, &clock) {
                Ok(values) => report(what, backend, values),
                Err(error) => println!("{what:<10} {backend:<9} unavailable: {error}"),
            }
        }
    }
}
