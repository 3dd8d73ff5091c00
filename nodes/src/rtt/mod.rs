//! Round-trip latency measurement, two ways: the `rtt` node ([`node`]), which measures
//! round trips through other nodes of an engine run, and the standalone probe ([`probe`])
//! behind `gridhil rtt`, which measures any UDP echo without an engine run.
//!
//! Both send timestamped samples on the shared timed-source skeleton
//! ([`crate::timed::Schedule`]) and match what comes back by sequence number.

pub mod node;
pub mod probe;
mod window;

pub use node::{register, Payload, RttConfig, MAX_RATE_HZ};

/// Most values per probe sample (node and probe).
pub const MAX_VALUES: usize = 4096;
