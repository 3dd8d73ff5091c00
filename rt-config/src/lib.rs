//! Host real-time setup and checks for gridhil.
//!
//! Two halves:
//!
//! - **Checks** ([`check_host`], [`render_text`]): what `gridhil rt check` prints — the
//!   kernel's preemption model, CPU isolation (`isolcpus`, `nohz_full`, SMT siblings),
//!   cpufreq governors, RT throttling, `RLIMIT_RTPRIO` / `RLIMIT_MEMLOCK`, capabilities
//!   and timer slack. Each check is ok or warn with a one-line fix.
//! - **Setup** ([`apply_to_current_thread`], [`lock_memory`]): what the engine does at
//!   thread start-up — pin to a CPU, switch to `SCHED_FIFO`, set 1 ns timer slack, and
//!   lock memory. Failures are returned as values; nothing panics and nothing is logged,
//!   so the caller decides how to report missing privileges.
//!
//! - **Probe** ([`probe`], [`render_probe`]): what `gridhil rt probe` measures — timer
//!   wake-up latency at a given period and stalls of a busy thread (interrupts, RT
//!   throttling, a hypervisor descheduling the virtual CPU).
//!
//! See `docs/realtime.md` for what each check means and how to fix it.

#![warn(missing_docs)]

mod check;
pub mod checks;
mod cpu_list;
mod cpus;
mod error;
mod host;
mod identity;
mod memory;
mod probe;
mod render;
mod sys;
mod thread;

pub use check::{Check, CheckStatus};
pub use checks::{check_host, CHECK_NAMES};
pub use cpu_list::{format_cpu_list, parse_cpu_list, MAX_CPU_INDEX};
pub use cpus::{cpu_exists, online_cpu_list, online_cpus};
pub use error::RtError;
pub use identity::{host_identity, HostIdentity};
pub use memory::{lock_memory, unlock_memory};
pub use probe::{
    probe, render_probe, ProbeReport, ProbeSettings, Spread, MAX_PHASE_NS, MIN_PERIOD_NS,
    STALL_THRESHOLDS_NS,
};
pub use render::render_text;
pub use sys::{current_thread_affinity, current_timer_slack_ns};
pub use thread::{apply_to_current_thread, ThreadRt, ThreadRtOutcome};
