//! The engine end to end: virtual-time determinism and triggers, a log that never drops a row
//! in virtual time, no allocation on the real-time path, the signal example's run log, and
//! CSV record/replay.

mod file_replay;
mod no_alloc;
mod signals_run;
mod virtual_time;
mod virtual_time_log;
