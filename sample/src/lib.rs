//! gridhil's data model, below the engine and the wire formats: signals and values
//! ([`signal`]), timestamped samples in a preallocated pool ([`pool`]), fixed-capacity
//! batches of them ([`batch`]), and durations and rates written with units ([`units`]).
//!
//! It holds data and nothing that runs: no thread, no clock, no I/O. The engine re-exports
//! these modules at their old paths (`gridhil_engine::signal`, `::sample`, `::units`,
//! `gridhil_engine::node::Batch`); crates that only encode and decode samples (the wire
//! formats) depend on this crate alone.

pub mod batch;
pub mod pool;
pub mod signal;
pub mod units;

pub use batch::Batch;
pub use pool::{Sample, SampleFlags, SamplePool, SampleRef};
pub use signal::{Complex, Signal, SignalType, Value};
pub use units::{Duration, Nanos, Rate, NANOS_PER_SEC};
