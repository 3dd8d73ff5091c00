//! The run log: every sample a logged path sends goes through a bounded lock-free queue to a
//! non-real-time thread that appends it to the HDF5 file and hands it to taps (scenario
//! assertions, live views).
//!
//! Real time: a full queue drops the row and counts it, so a slow disk never costs a
//! deadline. Virtual time: the scheduler waits for room instead (bounded memory, unbounded
//! patience), so CI runs never lose a row.

mod queue;
mod thread;
mod writer;

pub use queue::{LogOverflow, LogQueue};
pub use thread::{LogTap, LogThread, LogThreadResult, LoggedPath};
pub use writer::{column_names, LogFileOptions, RunInfo, RunLogError, RunLogWriter};
