//! The `io_uring` backend of the `udp` node over loopback: every datagram arrives, in
//! order, with its values and a kernel receive timestamp; sending through `io_uring`
//! delivers every sample; the `backend_io_uring` counter tells which backend is in use.
//! Where the kernel or a sandbox forbids `io_uring`, the tests print a skip note and pass.

use gridhil_engine::clock::{Clock, RealClock};
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, NodeConfig, NodeIo, NodeReader, ReadContext, WriteContext,
};
use gridhil_engine::sample::{SamplePool, SampleRef};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::units::Nanos;
use gridhil_nodes::udp::UdpConfig;
use std::sync::Arc;

const VALUES: usize = 4;
const SAMPLES: u64 = 500;

/// A clock whose wall time is fixed at 1 ns: a `ts_received` that comes from it (the
/// fallback when the kernel gives no timestamp) is told apart from a kernel timestamp.
struct FrozenWallClock(RealClock);

impl Clock for FrozenWallClock {
    fn monotonic(&self) -> Nanos {
        self.0.monotonic()
    }
    fn wall(&self) -> Nanos {
        1
    }
    fn sleep_until(&self, deadline: Nanos) {
        self.0.sleep_until(deadline)
    }
    fn is_virtual(&self) -> bool {
        false
    }
}

fn realtime_now() -> Nanos {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    now.as_nanos() as Nanos
}

fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral port");
    socket.local_addr().expect("local address").port()
}

fn context(clock: Arc<dyn Clock>, pool: &Arc<SamplePool>) -> BuildContext {
    BuildContext {
        name: "udp".into(),
        clock,
        pool: Arc::clone(pool),
        start: 0,
        end: None,
        wall_offset: 0,
        batch_size: 64,
        controls: Default::default(),
    }
}

fn config(text: &str, inputs: Option<usize>) -> UdpConfig {
    let mut config: UdpConfig = toml::from_str(text).expect("valid udp config");
    config
        .prepare(&ConfigContext {
            name: "udp".into(),
            config_dir: ".".into(),
        })
        .expect("config prepares");
    if let Some(count) = inputs {
        let signals: Vec<Signal> = (0..count).map(|i| Signal::f64(format!("v{i}"))).collect();
        config.connect_input(&signals).expect("inputs connect");
    }
    config
}

/// Builds the node, or `None` (after the skip note) where `io_uring` is not available.
fn build(config: &UdpConfig, ctx: &BuildContext) -> Option<NodeIo> {
    match config.build(ctx) {
        Ok(io) => Some(io),
        Err(error) if error.to_string().contains("io_uring unavailable") => {
            println!("skipped: io_uring unavailable ({error})");
            None
        }
        Err(error) => panic!("building the node failed: {error}"),
    }
}

fn counter(io: &NodeIo, name: &str) -> u64 {
    let counters = io.counters.as_ref().expect("udp node has counters");
    counters
        .snapshot()
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.value)
        .expect("counter exists")
}

fn samples(pool: &Arc<SamplePool>) -> Vec<SampleRef> {
    (0..SAMPLES)
        .map(|seq| {
            let mut sample = pool.alloc().expect("pool has room");
            sample.seq = seq;
            sample.ts_origin = 1_700_000_000_000_000_000 + seq as Nanos * 1_000_000;
            let values: Vec<Value> = (0..VALUES)
                .map(|i| Value::F64(seq as f64 * 10.0 + i as f64))
                .collect();
            sample.set_values(&values).expect("values fit");
            sample
        })
        .collect()
}

/// Reads until `SAMPLES` samples arrived (or a generous deadline passed).
fn receive_all(
    reader: &mut dyn NodeReader,
    clock: &dyn Clock,
    pool: &Arc<SamplePool>,
) -> Vec<(u64, Nanos, Vec<f64>)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut received = Vec::new();
    let mut batch = Batch::with_capacity(64);
    while (received.len() as u64) < SAMPLES && std::time::Instant::now() < deadline {
        let mut ctx = ReadContext::new(clock, pool, 100_000_000, None);
        reader.read(&mut ctx, &mut batch).expect("read succeeds");
        for sample in batch.drain() {
            let values = sample
                .values()
                .iter()
                .map(|v| match v {
                    Value::F64(x) => *x,
                    other => panic!("unexpected value {other:?}"),
                })
                .collect();
            received.push((sample.seq, sample.ts_received, values));
        }
    }
    received
}

fn check(
    received: &[(u64, Nanos, Vec<f64>)],
    sent_after: Nanos,
    received_before: Nanos,
    kernel_ts: bool,
) {
    assert_eq!(received.len() as u64, SAMPLES, "every sample arrives");
    for (expected_seq, (seq, ts, values)) in received.iter().enumerate() {
        assert_eq!(*seq, expected_seq as u64, "in order");
        let expected: Vec<f64> = (0..VALUES).map(|i| *seq as f64 * 10.0 + i as f64).collect();
        assert_eq!(values, &expected);
        if kernel_ts {
            assert!(
                *ts >= sent_after && *ts <= received_before,
                "sample {seq}: ts_received {ts} is not a kernel timestamp in [{sent_after}, {received_before}]"
            );
        }
    }
}

/// Sends every sample from a node with `tx_backend` to one with `rx_backend`.
fn exchange(tx_backend: &str, rx_backend: &str, receive_mode: &str) {
    let port = free_port();
    let pool = SamplePool::new(4 * SAMPLES as usize, VALUES);
    let clock: Arc<dyn Clock> = Arc::new(FrozenWallClock(RealClock::default()));
    let ctx = context(Arc::clone(&clock), &pool);
    let rx_config = config(
        &format!(
            r#"
local = "127.0.0.1:{port}"
format = "villas.binary"
values = {VALUES}
backend = "{rx_backend}"
receive = "{receive_mode}"
receive_buffer = 4194304
"#
        ),
        None,
    );
    let tx_config = config(
        &format!(
            r#"
remote = "127.0.0.1:{port}"
format = "villas.binary"
backend = "{tx_backend}"
batch = 16
"#
        ),
        Some(VALUES),
    );
    let Some(mut rx) = build(&rx_config, &ctx) else {
        return;
    };
    let Some(mut tx) = build(&tx_config, &ctx) else {
        return;
    };
    assert_eq!(
        counter(&rx, "backend_io_uring"),
        u64::from(rx_backend == "io-uring")
    );
    assert_eq!(
        counter(&tx, "backend_io_uring"),
        u64::from(tx_backend == "io-uring")
    );

    let outgoing = samples(&pool);
    let sent_after = realtime_now();
    let writer = tx.writer.as_mut().expect("tx writes");
    // In chunks no larger than the socket buffer holds, so nothing is dropped.
    for chunk in outgoing.chunks(50) {
        let accepted = writer
            .write(chunk, &WriteContext::now(clock.as_ref()))
            .expect("write succeeds");
        assert_eq!(accepted, chunk.len());
    }
    drop(outgoing);
    let reader = rx.reader.as_mut().expect("rx reads");
    let received = receive_all(reader.as_mut(), clock.as_ref(), &pool);
    let received_before = realtime_now();
    check(&received, sent_after, received_before, true);
    reader.stop().expect("reader stops");
    assert_eq!(counter(&tx, "datagrams_sent"), SAMPLES);
    assert_eq!(counter(&rx, "datagrams_received"), SAMPLES);
    tx.writer
        .as_mut()
        .expect("tx writes")
        .stop()
        .expect("writer stops");
}

#[test]
fn io_uring_receives_every_datagram_with_kernel_timestamps() {
    exchange("mmsg", "io-uring", "blocking");
}

#[test]
fn io_uring_busy_poll_receives_every_datagram() {
    exchange("mmsg", "io-uring", "busy-poll");
}

#[test]
fn io_uring_sends_every_datagram() {
    exchange("io-uring", "mmsg", "blocking");
}

#[test]
fn io_uring_to_io_uring() {
    exchange("io-uring", "io-uring", "blocking");
}

#[test]
fn io_uring_reader_times_out_without_data() {
    let port = free_port();
    let pool = SamplePool::new(16, VALUES);
    let clock: Arc<dyn Clock> = Arc::new(RealClock::default());
    let ctx = context(Arc::clone(&clock), &pool);
    let rx_config = config(
        &format!("local = \"127.0.0.1:{port}\"\nformat = \"villas.binary\"\nvalues = {VALUES}\nbackend = \"io-uring\"\n"),
        None,
    );
    let Some(mut rx) = build(&rx_config, &ctx) else {
        return;
    };
    let reader = rx.reader.as_mut().expect("rx reads");
    let mut batch = Batch::with_capacity(8);
    for timeout in [0, 1_000_000] {
        let mut read = ReadContext::new(clock.as_ref(), &pool, timeout, None);
        reader.read(&mut read, &mut batch).expect("read succeeds");
        assert!(batch.is_empty());
    }
}

#[test]
fn auto_reports_its_backend_and_mmsg_reports_zero() {
    let pool = SamplePool::new(16, VALUES);
    let clock: Arc<dyn Clock> = Arc::new(RealClock::default());
    let ctx = context(Arc::clone(&clock), &pool);
    let mmsg = config(
        "local = \"127.0.0.1:0\"\nformat = \"villas.binary\"\nvalues = 2\nbackend = \"mmsg\"\n",
        None,
    );
    let io = mmsg.build(&ctx).expect("mmsg builds everywhere");
    assert_eq!(counter(&io, "backend_io_uring"), 0);
    let auto = config(
        "local = \"127.0.0.1:0\"\nformat = \"villas.binary\"\nvalues = 2\n",
        None,
    );
    let io = auto.build(&ctx).expect("auto builds everywhere");
    let uses = counter(&io, "backend_io_uring");
    assert!(uses <= 1);
    println!("auto uses {}", if uses == 1 { "io_uring" } else { "mmsg" });
}

#[test]
fn unknown_backend_is_a_config_error() {
    let result: Result<UdpConfig, _> =
        toml::from_str("local = \"127.0.0.1:0\"\nvalues = 2\nbackend = \"epoll\"\n");
    assert!(result.is_err());
}
