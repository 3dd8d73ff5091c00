//! `Simulator::step` never allocates: a counting global allocator watches
//! this thread while the 10-bus feeder runs through its load step, fault,
//! breaker opening (pole by pole, each at its interpolated current zero), fault
//! clearing and reclosing, plus a scheduled frequency ramp, a load step between
//! two step boundaries (interpolated switching) and input changes.

mod common;

use gridhil_gridsim::{Event, EventAction, NetworkModel, SimOptions, Simulator};
use gridhil_test_support::alloc::{count_on_this_thread, watching, CountingAllocator};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(watching);

#[test]
fn step_does_not_allocate() {
    let model = NetworkModel::from_file(&common::example_grid("feeder10.toml")).unwrap();
    let mut sim = Simulator::new(&model, SimOptions::default()).unwrap();
    let f = sim.input_index("grid.frequency").unwrap();
    sim.schedule(Event {
        time_ns: 650_000_000,
        input: f,
        action: EventAction::Ramp {
            to: 49.8,
            duration_ns: 100_000_000,
        },
    })
    .unwrap();
    let load = sim.input_index("ld4.p").unwrap();
    sim.schedule(Event {
        time_ns: 720_017_300,
        input: load,
        action: EventAction::Set(0.0),
    })
    .unwrap();
    let p = sim.input_index("pv7.p_ref").unwrap();
    let closed = sim.output_index("brk1.closed").unwrap();

    // Self-check: the counter sees allocations on this thread.
    let (probe, n) = count_on_this_thread(|| vec![1u8; 16]);
    drop(probe);
    assert_eq!(n, 1);

    let (saw_open, n) = count_on_this_thread(|| {
        let mut saw_open = false;
        for k in 0..16_000 {
            if k == 5000 {
                sim.set_input(p, 300e3).unwrap();
            }
            sim.step().unwrap();
            saw_open |= sim.outputs()[closed] == 0.0;
        }
        saw_open
    });
    assert!(saw_open, "the breaker should have opened during the run");
    assert!(
        sim.switchings()
            .iter()
            .any(|s| s.input == load && s.instant_ns == 720_017_300),
        "the load step should have been switched inside its step: {:?}",
        sim.switchings()
    );
    assert_eq!(n, 0, "step() allocated {n} times");
}
