//! The log thread: drains the log queue into the HDF5 file and hands every row to the taps
//! (readers of the log stream: scenario assertions, live views), until the run is over.

use super::queue::LogQueue;
use super::writer::{RunLogError, RunLogWriter};
use crate::sample::Sample;
use crate::signal::Signal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A logged path as taps see it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedPath {
    /// Path name.
    pub name: String,
    /// Its output signals (the row's values, in order).
    pub signals: Vec<Signal>,
}

/// A reader of the log stream, called on the log thread (never on a real-time thread), in
/// the order rows were logged.
pub trait LogTap: Send {
    /// Called once before the first row: the paths by index (`None`: not logged).
    fn open(&mut self, _paths: &[Option<LoggedPath>]) {}
    /// One row of path `path`.
    fn row(&mut self, path: usize, sample: &Sample);
    /// Called once after the last row.
    fn close(&mut self) {}
}

/// What the log thread hands back when the run is over.
pub struct LogThreadResult {
    /// The HDF5 file, still open (for counters and the summary), when one is written.
    pub writer: Option<RunLogWriter>,
    /// The taps, closed.
    pub taps: Vec<Box<dyn LogTap>>,
    /// The first error of the file, if any (rows after it are not written, but still go
    /// to the taps).
    pub error: Option<RunLogError>,
}

/// The running log thread.
pub struct LogThread {
    handle: JoinHandle<LogThreadResult>,
    done: Arc<AtomicBool>,
}

/// Marks the queue's consumer gone when the thread ends, even by a panic, so that a
/// virtual-time push never waits for a thread that will not come.
struct ConsumerGuard(Arc<LogQueue>);

impl Drop for ConsumerGuard {
    fn drop(&mut self) {
        self.0.close_consumer();
    }
}

impl LogThread {
    /// Starts the thread over `queue`, writing to `writer` and the `taps`; `paths` names the
    /// logged paths for the taps. Every `flush_interval` (wall time, also in virtual time:
    /// it is about surviving a crash) the file is flushed, so a kill loses at most that.
    pub fn spawn(
        mut writer: Option<RunLogWriter>,
        mut taps: Vec<Box<dyn LogTap>>,
        paths: Vec<Option<LoggedPath>>,
        queue: Arc<LogQueue>,
        flush_interval: Duration,
    ) -> Result<LogThread, RunLogError> {
        let done = Arc::new(AtomicBool::new(false));
        let finished = Arc::clone(&done);
        let handle = std::thread::Builder::new()
            .name("gridhil-log".into())
            .spawn(move || {
                let _guard = ConsumerGuard(Arc::clone(&queue));
                for tap in &mut taps {
                    tap.open(&paths);
                }
                let mut error = None;
                let mut last_flush = Instant::now();
                loop {
                    let mut drained = 0;
                    // A bounded batch, so that a queue that never empties still gets flushed.
                    while let Some((path, sample)) = (drained < 8192).then(|| queue.pop()).flatten()
                    {
                        drained += 1;
                        if let (None, Some(w)) = (&error, writer.as_mut()) {
                            if let Err(e) = w.append(path, &sample) {
                                error = Some(e);
                            }
                        }
                        for tap in &mut taps {
                            tap.row(path, &sample);
                        }
                        queue.count_written();
                    }
                    if last_flush.elapsed() >= flush_interval {
                        last_flush = Instant::now();
                        if let (None, Some(w)) = (&error, writer.as_mut()) {
                            if let Err(e) = w.flush() {
                                error = Some(e);
                            }
                        }
                    }
                    if drained == 0 {
                        if finished.load(Ordering::Acquire) && queue.is_empty() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
                if let (None, Some(w)) = (&error, writer.as_mut()) {
                    if let Err(e) = w.flush() {
                        error = Some(e);
                    }
                }
                for tap in &mut taps {
                    tap.close();
                }
                LogThreadResult {
                    writer,
                    taps,
                    error,
                }
            })
            .map_err(|e| RunLogError::Thread(e.to_string()))?;
        Ok(LogThread { handle, done })
    }

    /// Lets the thread drain what is queued and end; returns the file and taps.
    pub fn finish(self) -> Result<LogThreadResult, RunLogError> {
        self.done.store(true, Ordering::Release);
        self.handle
            .join()
            .map_err(|_| RunLogError::Thread("the log thread panicked".into()))
    }
}
