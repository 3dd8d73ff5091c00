//! Proof that `sv-publisher` and `sv-subscriber` allocate nothing on the real-time
//! path: a counting global allocator counts every allocation made on a thread the
//! engine marked as real-time, during a 1 s in-process run of a 4 kHz source →
//! `sv-publisher` on one end of a veth pair and `sv-subscriber` on the other.
//!
//! Needs root and `ip` (prints `skipped: ...` otherwise).

use gridhil_engine::node::{
    Batch, BuildContext, Due, NodeConfig, NodeError, NodeIo, NodeReader, ReadContext,
};
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::Nanos;
use gridhil_engine::{is_rt_thread, Registry, RunOptions};
use gridhil_test_support::alloc::{allocations, CountingAllocator};
use serde::Deserialize;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(is_rt_thread);

/// A minimal timed source (this crate does not depend on `gridhil-nodes`): eight
/// values per sample at `rate` Hz on absolute deadlines.
#[derive(Debug, Deserialize)]
struct TestSource {
    rate: f64,
}

impl NodeConfig for TestSource {
    fn output_signals(&self) -> Vec<Signal> {
        ["ia", "ib", "ic", "in", "va", "vb", "vc", "vn"]
            .iter()
            .map(|n| Signal::new(*n, "", SignalType::F64))
            .collect()
    }
    fn accepts_input(&self) -> bool {
        false
    }
    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        Ok(NodeIo {
            reader: Some(Box::new(TestReader {
                period: (1e9 / self.rate) as Nanos,
                start: ctx.start,
                wall_offset: ctx.wall_offset,
                next: 0,
            })),
            writer: None,
            counters: None,
        })
    }
}

struct TestReader {
    period: Nanos,
    start: Nanos,
    wall_offset: Nanos,
    next: i64,
}

impl NodeReader for TestReader {
    fn due(&self) -> Due {
        Due::At(self.start + self.next * self.period)
    }
    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        let now = ctx.now;
        while !out.is_full() && self.start + self.next * self.period <= now {
            let Some(mut sample) = ctx.pool.alloc() else {
                break;
            };
            sample.seq = self.next as u64;
            sample.ts_origin = self.start + self.next * self.period + self.wall_offset;
            for i in 0..8 {
                let _ = sample.push(Value::F64((self.next % 100) as f64 + i as f64));
            }
            self.next += 1;
            if out.push(sample).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// A veth pair deleted on drop.
struct VethPair(String);

impl Drop for VethPair {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["link", "del", &self.0]).output();
    }
}

fn veth_pair() -> Option<(VethPair, String, String)> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        gridhil_test_support::skip("veth interfaces and raw sockets need root");
        return None;
    }
    let id = std::process::id() % 100_000;
    let (a, b) = (format!("gs{id}na"), format!("gs{id}nb"));
    let ok = Command::new("ip")
        .args(["link", "add", &a, "type", "veth", "peer", "name", &b])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        gridhil_test_support::skip("cannot create a veth pair with `ip`");
        return None;
    }
    let guard = VethPair(a.clone());
    for name in [&a, &b] {
        let up = Command::new("ip")
            .args(["link", "set", name, "up"])
            .output();
        assert!(
            up.is_ok_and(|o| o.status.success()),
            "ip link set {name} up"
        );
    }
    Some((guard, a, b))
}

/// One test, so that nothing else runs in this process while allocations are counted.
#[test]
fn sv_nodes_do_not_allocate_on_the_realtime_path() {
    let Some((_guard, a, b)) = veth_pair() else {
        return;
    };
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_hil::register(&mut registry);
    registry.add_node::<TestSource>("test-source", "test source");
    let config = format!(
        r#"
[nodes.gen]
type = "test-source"
rate = 4000.0

[nodes.mu1]
type = "sv-publisher"
interface = "{a}"
sv_id = "NOALLOC"
app_id = 0x4000
vlan = {{ priority = 4, id = 0 }}
smp_synch = "global"

[nodes.sub]
type = "sv-subscriber"
interface = "{b}"
app_id = 0x4000
sv_id = "NOALLOC"

[[paths]]
name = "tx"
in = ["gen"]
out = ["mu1"]

[[paths]]
name = "rx"
in = ["sub"]
"#
    );
    let dir = std::env::temp_dir();
    let spec = gridhil_engine::load_str(&config, "sv_no_alloc.toml", &dir, &[], &registry)
        .expect("config loads");
    let options = RunOptions {
        duration: Some(gridhil_engine::units::parse_duration("1s").unwrap()),
        ..RunOptions::default()
    };
    let before = allocations();
    let report = gridhil_engine::run(spec, options, Arc::new(AtomicBool::new(false))).unwrap();
    let counted = allocations() - before;
    let tx = report.paths.iter().find(|p| p.name == "tx").unwrap();
    let rx = report.paths.iter().find(|p| p.name == "rx").unwrap();
    assert!(tx.sent > 3_000, "the publisher path ran: {report:?}");
    assert!(rx.received > 3_000, "the subscriber received: {report:?}");
    assert_eq!(counted, 0, "real-time threads allocated {counted} times");

    // The counter works: an allocation on a thread marked real-time is seen.
    let before = allocations();
    std::thread::spawn(|| {
        gridhil_engine::run::mark_rt_thread(true);
        let v: Vec<u64> = Vec::with_capacity(16);
        std::hint::black_box(&v);
        gridhil_engine::run::mark_rt_thread(false);
    })
    .join()
    .unwrap();
    assert!(allocations() > before);
}
