//! Proof that the real-time path allocates nothing after start-up: a counting global
//! allocator counts every allocation made on a thread the engine marked as real-time
//! (node readers and path workers), during a real-time run through hooks, a loopback,
//! a CSV writer and the HDF5 run log.

use gridhil_engine::{is_rt_thread, Registry, RunOptions};
use gridhil_test_support::alloc::{allocations, CountingAllocator};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(is_rt_thread);

const CONFIG: &str = r#"
[engine]
log = { queue = 65536 }

[nodes.gen]
type = "signal"
rate = "10kHz"
values = 8
frequency = 50

[nodes.lb]
type = "loopback"
values = 8

[nodes.csv]
type = "file"
out = "out.csv"

[[paths]]
name = "hooks"
in = ["gen"]
out = ["lb"]
hooks = [
  { type = "stats" },
  { type = "scale", gain = 2.0, offset = 1.0 },
  { type = "limit_rate", rate = "20kHz" },
  { type = "ts" },
  { type = "print", every = 5000 },
]

[[paths]]
name = "chain"
in = ["lb.v0", "lb.v3", "gen.s1"]
out = ["csv"]
trigger = "any"

[[paths]]
name = "ticks"
in = ["gen"]
trigger = "rate"
rate = "1kHz"
hooks = [{ type = "decimate", ratio = 2 }]
"#;

fn counting_allocator_sees_rt_allocations() {
    let before = allocations();
    std::thread::spawn(|| {
        gridhil_engine::run::mark_rt_thread(true);
        let v: Vec<u64> = Vec::with_capacity(16);
        std::hint::black_box(&v);
        gridhil_engine::run::mark_rt_thread(false);
    })
    .join()
    .unwrap();
    assert!(allocations() > before, "the counter must see allocations");
}

/// One test, so that nothing else runs in this process while allocations are counted.
#[test]
fn realtime_path_does_not_allocate() {
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    let dir = tempfile::tempdir().unwrap();
    let spec =
        gridhil_engine::load_str(CONFIG, "no_alloc.toml", dir.path(), &[], &registry).unwrap();
    let options = RunOptions {
        duration: Some(gridhil_engine::units::parse_duration("1s").unwrap()),
        log: Some(dir.path().join("run.h5")),
        ..RunOptions::default()
    };
    let before = allocations();
    let report = gridhil_engine::run(spec, options, Arc::new(AtomicBool::new(false))).unwrap();
    let counted = allocations() - before;
    let hooks = &report.paths[0];
    assert_eq!(hooks.received, 10_000, "{report:?}");
    assert!(
        report.paths[1].sent > 9_000,
        "the chain through the loopback ran: {report:?}"
    );
    assert!(report.paths[2].sent > 100, "the rate path ran: {report:?}");
    assert_eq!(counted, 0, "real-time threads allocated {counted} times");
    counting_allocator_sees_rt_allocations();
}
