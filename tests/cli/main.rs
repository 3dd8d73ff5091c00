//! The command line through the real binary: `gridhil check` and its error messages, `rt check`
//! and `rt probe`, a run without real-time privileges, and the configuration loader under
//! mutated input.

mod check_config;
mod config_fuzz;
mod error_messages;
mod no_realtime;
mod rt_cli;
