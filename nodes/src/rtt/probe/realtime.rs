//! Real-time set-up of the probe's threads: 1 ns timer slack, SCHED_FIFO where permitted,
//! optional pinning. A refusal is reported once, not per thread.

use gridhil_rt::{apply_to_current_thread, ThreadRt};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once the first refusal was reported.
static WARNED: AtomicBool = AtomicBool::new(false);

/// Applies the settings to the calling thread; returns whether SCHED_FIFO is in effect.
pub fn setup_thread(role: &str, priority: u8, cpu: Option<usize>) -> bool {
    let outcome = apply_to_current_thread(&ThreadRt {
        cpu,
        fifo_priority: (priority > 0).then_some(priority),
        timer_slack_ns: Some(1),
    });
    let failures = outcome.failures();
    if !failures.is_empty() && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "rtt {role} thread: {}; measuring anyway (expect a longer tail; see `gridhil rt check`)",
            failures.join("; ")
        );
    }
    matches!(outcome.fifo, Some(Ok(())))
}
