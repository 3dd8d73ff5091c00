//! A counting global allocator for tests that prove a code path allocates nothing.
//!
//! A global allocator must be declared in the test binary itself, so every such test keeps
//! one line choosing *which* allocations count:
//!
//! ```text
//! use gridhil_test_support::alloc::CountingAllocator;
//!
//! // Per-thread flavour: count what the current thread allocates inside
//! // `count_on_this_thread`.
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator =
//!     CountingAllocator::new(gridhil_test_support::alloc::watching);
//!
//! // Real-time flavour: count everything allocated on threads the engine marked real-time.
//! #[global_allocator]
//! static ALLOCATOR: CountingAllocator = CountingAllocator::new(gridhil_engine::is_rt_thread);
//! ```
//!
//! `alloc`, `alloc_zeroed` and `realloc` are counted when the predicate says so; every call
//! is forwarded unchanged to [`System`]. Counts go to a process-wide counter
//! ([`allocations`]) and to a per-thread one, which [`count_on_this_thread`] reads so that
//! tests running in parallel on other threads do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Allocations counted in this process, on every thread.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Whether [`count_on_this_thread`] is running on this thread.
    static WATCHING: Cell<bool> = const { Cell::new(false) };
    /// Allocations counted on this thread.
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// A global allocator that forwards to [`System`] and counts the allocations (`alloc`,
/// `alloc_zeroed`, `realloc`) made while its predicate returns `true`.
///
/// The predicate runs inside the allocator: it must neither allocate nor panic (read a
/// `const`-initialised thread-local with `try_with`, as [`watching`] does).
#[derive(Debug)]
pub struct CountingAllocator {
    /// Decides, on the allocating thread, whether an allocation counts.
    counts: fn() -> bool,
}

impl CountingAllocator {
    /// An allocator that counts the allocations made while `counts()` returns `true`:
    /// [`watching`] for the per-thread flavour, `gridhil_engine::is_rt_thread` for
    /// "threads the engine marked real-time".
    pub const fn new(counts: fn() -> bool) -> Self {
        Self { counts }
    }

    /// Counts one allocation if the predicate says so.
    fn record(&self) {
        if (self.counts)() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            let _ = THREAD_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; counting touches only an atomic and const-initialised
// thread-locals (no allocation, no re-entry into the allocator).
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.record();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.record();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract, forwarded
        // unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.record();
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; `ptr` came from
        // `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract; `ptr` came from
        // `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations counted so far in this process, on every thread (take the difference of
/// two readings around the code under test).
pub fn allocations() -> u64 {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// The per-thread predicate: `true` while [`count_on_this_thread`] runs on the calling
/// thread. Never allocates or panics (`false` while the thread is being torn down).
pub fn watching() -> bool {
    WATCHING.try_with(Cell::get).unwrap_or(false)
}

/// Runs `f` and returns its result with the number of allocations the calling thread made
/// meanwhile, as counted by a [`CountingAllocator`] built with [`watching`] (always 0 when
/// the test binary's global allocator is another one). Nested calls count into the
/// outer call too.
pub fn count_on_this_thread<R>(f: impl FnOnce() -> R) -> (R, u64) {
    /// Restores the previous watching state, also when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = WATCHING.try_with(|w| w.set(self.0));
        }
    }

    let before = THREAD_ALLOCATIONS.with(Cell::get);
    let restore = Restore(WATCHING.with(|w| w.replace(true)));
    let result = f();
    drop(restore);
    let after = THREAD_ALLOCATIONS.with(Cell::get);
    (result, after - before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: CountingAllocator = CountingAllocator::new(watching);

    fn this_thread_allocations() -> u64 {
        THREAD_ALLOCATIONS.with(Cell::get)
    }

    #[test]
    fn counts_alloc_alloc_zeroed_and_realloc_but_not_dealloc() {
        let (_, n) = count_on_this_thread(|| std::hint::black_box(1 + 1));
        assert_eq!(n, 0);
        let before = allocations();
        let (v, n) = count_on_this_thread(|| std::hint::black_box(vec![1u8; 16]));
        assert_eq!(n, 1, "one alloc");
        assert!(
            allocations() > before,
            "the process-wide counter sees it too"
        );
        let (v, n) = count_on_this_thread(move || {
            let mut v = v;
            v.reserve_exact(1024);
            v
        });
        assert_eq!(n, 1, "one realloc");
        let (_, n) = count_on_this_thread(|| std::hint::black_box(vec![0u64; 64]));
        assert_eq!(n, 1, "one alloc_zeroed");
        let (_, n) = count_on_this_thread(|| drop(v));
        assert_eq!(n, 0, "deallocation is not counted");
    }

    #[test]
    fn nothing_counts_outside_count_on_this_thread() {
        assert!(!watching());
        let before = this_thread_allocations();
        std::hint::black_box(vec![1u8; 16]);
        assert_eq!(this_thread_allocations(), before);
    }

    #[test]
    fn nested_counts_add_up_and_restore_the_state() {
        let ((_, inner), outer) = count_on_this_thread(|| {
            std::hint::black_box(Box::new(1u32));
            let inner = count_on_this_thread(|| std::hint::black_box(Box::new(2u32)));
            assert!(watching(), "still watching after the inner call");
            inner
        });
        assert_eq!(inner, 1);
        assert_eq!(outer, 2);
        assert!(!watching());
    }

    #[test]
    fn a_panic_inside_stops_the_watching() {
        let caught =
            std::panic::catch_unwind(|| count_on_this_thread(|| -> u8 { panic!("inside") }));
        assert!(caught.is_err());
        assert!(!watching());
    }

    #[test]
    fn other_threads_are_not_counted() {
        const BOXES: u64 = 1000;
        let (_, n) = count_on_this_thread(|| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    for i in 0..BOXES {
                        std::hint::black_box(Box::new(i));
                    }
                });
            });
        });
        // Spawning allocates a little on this thread; the child's boxes do not count.
        assert!(n < BOXES, "{n} allocations counted");
    }
}
