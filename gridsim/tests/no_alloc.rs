//! `Simulator::step` never allocates: a counting global allocator watches
//! this thread while the 10-bus feeder runs through its load step, fault,
//! breaker opening (pole by pole), fault clearing and reclosing, plus a
//! scheduled frequency ramp and input changes.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use gridhil_gridsim::{Event, EventAction, NetworkModel, SimOptions, Simulator};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCH: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if WATCH.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

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
    let p = sim.input_index("pv7.p_ref").unwrap();
    let closed = sim.output_index("brk1.closed").unwrap();

    // Self-check: the counter sees allocations on this thread.
    WATCH.with(|w| w.set(true));
    let probe = vec![1u8; 16];
    WATCH.with(|w| w.set(false));
    drop(probe);
    assert_eq!(ALLOCATIONS.swap(0, Ordering::SeqCst), 1);

    let mut saw_open = false;
    WATCH.with(|w| w.set(true));
    for k in 0..16_000 {
        if k == 5000 {
            sim.set_input(p, 300e3).unwrap();
        }
        sim.step().unwrap();
        saw_open |= sim.outputs()[closed] == 0.0;
    }
    WATCH.with(|w| w.set(false));
    let n = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(saw_open, "the breaker should have opened during the run");
    assert_eq!(n, 0, "step() allocated {n} times");
}
