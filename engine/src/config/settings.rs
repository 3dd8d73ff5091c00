//! The `[engine]` table of a configuration: real-time, run-log and run settings.
//! Only the schema and its defaults; reading and checking it is the loader's job.

use crate::units::Duration;
use serde::Deserialize;
use std::path::PathBuf;

/// Real-time settings of the engine's threads.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealtimeSettings {
    /// Whether to ask for real-time scheduling at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// SCHED_FIFO priority of the real-time threads (1–99).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// CPUs to pin real-time threads to, round-robin (empty: no pinning).
    #[serde(default)]
    pub cpus: Vec<usize>,
    /// Lock all memory (`mlockall`) so no page fault hits the real-time path.
    #[serde(default = "yes")]
    pub lock_memory: bool,
    /// Spin this long before each deadline instead of sleeping (`"0us"`: never spin).
    #[serde(default)]
    pub busy_wait: Duration,
    /// Wall clock: `"realtime"` (UTC) or `"tai"` on PTP-disciplined hosts.
    #[serde(default)]
    pub wall_clock: WallClockSetting,
}

/// Which kernel clock gives wall time.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WallClockSetting {
    /// `CLOCK_REALTIME`.
    #[default]
    Realtime,
    /// `CLOCK_TAI`.
    Tai,
}

fn yes() -> bool {
    true
}
fn default_priority() -> u8 {
    80
}

impl Default for RealtimeSettings {
    fn default() -> Self {
        RealtimeSettings {
            enabled: true,
            priority: default_priority(),
            cpus: Vec::new(),
            lock_memory: true,
            busy_wait: Duration(0),
            wall_clock: WallClockSetting::Realtime,
        }
    }
}

/// Run-log settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// HDF5 file to write (none: no run log).
    pub hdf5: Option<PathBuf>,
    /// Samples the log queue holds before it drops (counted).
    #[serde(default = "default_log_queue")]
    pub queue: usize,
    /// Rows per HDF5 chunk.
    #[serde(default = "default_chunk")]
    pub chunk: usize,
    /// Crash-safe file (HDF5 single-writer/multiple-reader mode): after a kill or a power
    /// cut the file opens and holds every row up to the last flush.
    #[serde(default = "yes")]
    pub crash_safe: bool,
    /// How often rows are flushed to disk (and become visible to readers).
    #[serde(default = "default_flush_interval")]
    pub flush_interval: Duration,
    /// Chunk compression.
    #[serde(default)]
    pub compression: LogCompression,
}

/// Chunk compression of the run log's datasets.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogCompression {
    /// Stored as is.
    None,
    /// Byte shuffle and deflate (zlib) level 1: read by every HDF5 tool and h5py as is.
    #[default]
    Deflate,
}

fn default_flush_interval() -> Duration {
    Duration(1_000_000_000)
}

fn default_log_queue() -> usize {
    32768
}
fn default_chunk() -> usize {
    4096
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            hdf5: None,
            queue: default_log_queue(),
            chunk: default_chunk(),
            crash_safe: true,
            flush_interval: default_flush_interval(),
            compression: LogCompression::default(),
        }
    }
}

/// The `[engine]` table.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// Real-time settings.
    #[serde(default)]
    pub realtime: RealtimeSettings,
    /// Run log.
    #[serde(default)]
    pub log: LogSettings,
    /// Samples in the pool (default: sized from the queues).
    pub pool: Option<usize>,
    /// Most samples one read returns.
    pub batch: Option<usize>,
    /// How long to run (`--duration` overrides it).
    pub duration: Option<Duration>,
    /// Run in virtual time (`--virtual-time` sets it).
    #[serde(default)]
    pub virtual_time: bool,
    /// Interval of progress lines on the terminal (`"0s"`: none).
    pub stats_interval: Option<Duration>,
}
