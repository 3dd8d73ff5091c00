//! Encoding and decoding do not allocate: a counting global allocator watches this thread
//! while every format encodes and decodes 8- and 64-value samples, and while decoders
//! reject malformed datagrams.

use gridhil_engine::node::Batch;
use gridhil_engine::sample::SamplePool;
use gridhil_formats::build;
use gridhil_formats::fixtures;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn encode_and_decode_do_not_allocate() {
    let probe = allocations();
    drop(std::hint::black_box(vec![0u8; 16]));
    assert!(
        allocations() > probe,
        "the counting allocator sees this thread"
    );
    for (config, precision) in fixtures::every_format() {
        for n in [8, 64] {
            let signals = if matches!(config, gridhil_formats::FormatConfig::OpalAsyncip(_)) {
                fixtures::uniform_signals(n, gridhil_engine::signal::SignalType::F64)
            } else {
                fixtures::mixed_signals(n)
            };
            let pool = SamplePool::new(8, n);
            let mut format = build(&config);
            let count = format.max_samples_per_datagram().min(3);
            let samples: Vec<_> = (0..count as u64)
                .map(|seq| fixtures::sample(&pool, &signals, seq, precision).unwrap())
                .collect();
            let mut buf = vec![0u8; count * format.max_encoded_len(&signals)];
            let mut out = Batch::with_capacity(8);
            let mut garbage = vec![b'#'; 40];
            garbage.extend_from_slice(b"\n1(x\t{[");

            let before = allocations();
            for _ in 0..10 {
                let len = format.encode(&samples, &signals, &mut buf).unwrap();
                assert_eq!(
                    format.decode(&buf[..len], &signals, &pool, &mut out),
                    Ok(count)
                );
                out.clear();
                assert!(format
                    .decode(&buf[..len / 2], &signals, &pool, &mut out)
                    .is_err());
                let _ = format.decode(&garbage, &signals, &pool, &mut out);
                out.clear();
            }
            let after = allocations();
            assert_eq!(
                after - before,
                0,
                "{} allocated with {n} values",
                config.name()
            );
        }
    }
}
