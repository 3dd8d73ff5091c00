//! The gridhil engine: lock-free queues, the node and hook interfaces and their registry,
//! paths, clocks (real and virtual time), real-time worker threads, statistics and the HDF5
//! run log. The data model (samples in a preallocated pool) is `gridhil-sample`'s.
//!
//! The engine knows no node type: node crates implement [`node::NodeConfig`] and register
//! it in a [`registry::Registry`]. The engine core never reads the operating system's
//! clock itself; every instant comes from the injected [`clock::Clock`].

pub mod clock;
pub mod config;
pub mod control;
pub mod event;
pub mod field;
pub mod hook;
pub mod hooks;
pub mod impair;
pub mod node;
mod path;
pub mod queue;
pub mod registry;
pub mod run;
pub mod runlog;
pub mod stats;

/// The data model, re-exported at the paths node crates use (see `gridhil-sample`).
pub use gridhil_sample::pool as sample;
pub use gridhil_sample::{signal, units};

pub use config::{load_file, load_str, ConfigError, EngineSpec};
pub use field::{FieldError, FieldPath};
pub use registry::Registry;
pub use run::{
    is_rt_thread, run, Action, ActionError, ActionKind, EngineError, Run, RunHandle, RunOptions,
    RunReport, Snapshot,
};
