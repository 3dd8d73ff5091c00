//! The recording half of the `file` node: the path's thread formats CSV lines into
//! preallocated chunks and hands full chunks over a lock-free queue to a writer thread
//! that does the file I/O, so a slow disk (page-cache writeback, journal commits) never
//! stalls a real-time path. When every chunk is in flight the lines are dropped and
//! counted (`lost`).

use crossbeam_queue::ArrayQueue;
use gridhil_engine::node::{NodeCounters, NodeError, NodeWriter, WriteContext};
use gridhil_engine::sample::SampleRef;
use gridhil_engine::signal::Value;
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::Nanos;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Chunks between the path and the writer thread.
const CHUNKS: usize = 64;
/// Smallest chunk size.
const MIN_CHUNK_BYTES: usize = 64 * 1024;
/// Longest text of one number and its comma: `{}` of an f64 never uses an exponent, so
/// `-4.9e-324` takes 327 characters (an i64 at most 20).
const MAX_NUMBER_BYTES: usize = 330;
/// A chunk with lines older than this goes to the writer thread even if not full.
const MAX_CHUNK_AGE_NS: Nanos = 100_000_000;

/// Counters of a recording `file` node.
#[derive(Debug, Default)]
pub(crate) struct RecordCounters {
    rows: Counter,
    lost: Counter,
}

impl NodeCounters for RecordCounters {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("rows", self.rows.get()),
            CounterValue::problem("lost", self.lost.get()),
        ]
    }
}

/// State shared with the writer thread.
struct Shared {
    free: ArrayQueue<Vec<u8>>,
    filled: ArrayQueue<Vec<u8>>,
    stop: AtomicBool,
    /// Set by the writer thread when a write failed (it stops writing then).
    failed: AtomicBool,
}

/// The path-side recorder.
pub(crate) struct Record {
    shared: Arc<Shared>,
    current: Option<Vec<u8>>,
    /// When the oldest line of `current` was written.
    current_since: Option<Nanos>,
    /// Room one line needs at most.
    max_line: usize,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    counters: Arc<RecordCounters>,
    path: PathBuf,
}

impl Record {
    /// Creates the file, writes the header and starts the writer thread. `columns` is
    /// the number of value columns of a line.
    pub(crate) fn start(
        path: PathBuf,
        header: &str,
        columns: usize,
    ) -> Result<(Record, Arc<RecordCounters>), NodeError> {
        let mut file = File::create(&path)
            .map_err(|e| NodeError::io(format!("cannot create `{}`", path.display()), e))?;
        writeln!(file, "{header}")
            .map_err(|e| NodeError::io(format!("cannot write `{}`", path.display()), e))?;
        let max_line = (columns + 3) * MAX_NUMBER_BYTES + 1;
        let chunk_bytes = MIN_CHUNK_BYTES.max(8 * max_line);
        let shared = Arc::new(Shared {
            free: ArrayQueue::new(CHUNKS),
            filled: ArrayQueue::new(CHUNKS),
            stop: AtomicBool::new(false),
            failed: AtomicBool::new(false),
        });
        for _ in 1..CHUNKS {
            // Sized for CHUNKS entries: cannot fail.
            let _ = shared.free.push(Vec::with_capacity(chunk_bytes));
        }
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("gridhil-file".into())
            .spawn(move || write_chunks(&worker, file))
            .map_err(|e| NodeError::io("cannot start the file writer thread", e))?;
        let counters = Arc::new(RecordCounters::default());
        Ok((
            Record {
                shared,
                current: Some(Vec::with_capacity(chunk_bytes)),
                current_since: None,
                max_line,
                thread: Some(thread),
                counters: Arc::clone(&counters),
                path,
            },
            counters,
        ))
    }

    /// Hands the current chunk to the writer thread and takes a free one (`None` when
    /// every chunk is in flight).
    fn submit(&mut self) {
        if let Some(chunk) = self.current.take() {
            if chunk.is_empty() {
                self.current = Some(chunk);
                return;
            }
            // free + filled + current hold CHUNKS chunks: cannot fail.
            let _ = self.shared.filled.push(chunk);
            if let Some(thread) = &self.thread {
                thread.thread().unpark();
            }
        }
        self.current = self.shared.free.pop();
        self.current_since = None;
    }

    fn write_line(chunk: &mut Vec<u8>, sample: &SampleRef) {
        // Writing into a Vec with room for the line cannot fail or allocate.
        let _ = write!(
            chunk,
            "{},{},{}",
            sample.seq, sample.ts_origin, sample.ts_received
        );
        for value in sample.values() {
            let _ = match value {
                Value::F64(v) => write!(chunk, ",{v}"),
                Value::I64(v) => write!(chunk, ",{v}"),
                Value::Bool(v) => write!(chunk, ",{}", u8::from(*v)),
                Value::Complex(c) => write!(chunk, ",{},{}", c.re, c.im),
            };
        }
        chunk.push(b'\n');
    }

    fn failure(&self) -> NodeError {
        NodeError::Protocol(format!(
            "cannot write `{}` (the file writer stopped; see the end-of-run error)",
            self.path.display()
        ))
    }
}

impl NodeWriter for Record {
    fn write(&mut self, samples: &[SampleRef], ctx: &WriteContext) -> Result<usize, NodeError> {
        if self.shared.failed.load(Ordering::Relaxed) {
            return Err(self.failure());
        }
        for sample in samples {
            let full = self
                .current
                .as_ref()
                .is_none_or(|c| c.capacity() - c.len() < self.max_line);
            if full {
                self.submit();
            }
            match self.current.as_mut() {
                Some(chunk) if chunk.capacity() - chunk.len() >= self.max_line => {
                    Self::write_line(chunk, sample);
                    self.counters.rows.inc();
                    if self.current_since.is_none() {
                        self.current_since = Some(ctx.now);
                    }
                }
                _ => self.counters.lost.inc(),
            }
        }
        if self
            .current_since
            .is_some_and(|since| ctx.now - since >= MAX_CHUNK_AGE_NS)
        {
            self.submit();
        }
        Ok(samples.len())
    }

    fn stop(&mut self) -> Result<(), NodeError> {
        if let Some(chunk) = self.current.take() {
            if !chunk.is_empty() {
                let _ = self.shared.filled.push(chunk);
            }
        }
        self.shared.stop.store(true, Ordering::Release);
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        thread.thread().unpark();
        let result = thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the file writer thread panicked")));
        if let Err(e) = result {
            return Err(NodeError::io(
                format!("cannot write `{}`", self.path.display()),
                e,
            ));
        }
        Ok(())
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The writer thread: writes filled chunks in order and returns them to the free list;
/// after the stop flag, writes what is left (the file is closed, not synced, when the
/// thread ends).
fn write_chunks(shared: &Shared, mut file: File) -> std::io::Result<()> {
    loop {
        let stopping = shared.stop.load(Ordering::Acquire);
        let mut wrote = false;
        while let Some(mut chunk) = shared.filled.pop() {
            if let Err(e) = file.write_all(&chunk) {
                shared.failed.store(true, Ordering::Relaxed);
                return Err(e);
            }
            chunk.clear();
            let _ = shared.free.push(chunk);
            wrote = true;
        }
        if stopping {
            return file.flush();
        }
        if !wrote {
            std::thread::park_timeout(std::time::Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::clock::VirtualClock;
    use gridhil_engine::sample::SamplePool;

    #[test]
    fn every_line_reaches_the_file_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let (mut record, counters) =
            Record::start(path.clone(), "seq,ts_origin,ts_received,a,b", 2).unwrap();
        let clock = VirtualClock::new(0);
        let pool = SamplePool::new(8, 4);
        for seq in 0..20_000u64 {
            clock.advance_to(seq as i64 * 100_000);
            let mut sample = pool.alloc().unwrap();
            sample.seq = seq;
            sample.ts_origin = seq as i64;
            let _ = sample.push(Value::F64(seq as f64 * 0.5));
            let _ = sample.push(Value::I64(-(seq as i64)));
            let ctx = WriteContext::now(&clock);
            assert_eq!(
                record.write(std::slice::from_ref(&sample), &ctx).unwrap(),
                1
            );
        }
        record.stop().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 20_001);
        assert_eq!(lines[0], "seq,ts_origin,ts_received,a,b");
        assert_eq!(lines[1], "0,0,0,0,0");
        assert_eq!(lines[20_000], "19999,19999,0,9999.5,-19999");
        let snapshot = counters.snapshot();
        let values: Vec<(&str, u64)> = snapshot.iter().map(|c| (c.name, c.value)).collect();
        assert_eq!(values, vec![("rows", 20_000), ("lost", 0)]);
    }

    #[test]
    fn extreme_values_fit_their_line_without_allocating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let (mut record, _) =
            Record::start(path.clone(), "seq,ts_origin,ts_received,a,b,c", 3).unwrap();
        let clock = VirtualClock::new(0);
        let pool = SamplePool::new(4, 4);
        let capacity = record.current.as_ref().map(Vec::capacity).unwrap();
        let extremes = [-f64::MIN_POSITIVE / 4.0e15, -f64::MAX, f64::MIN_POSITIVE];
        for seq in 0..1000u64 {
            let mut sample = pool.alloc().unwrap();
            sample.seq = seq;
            sample.ts_origin = i64::MIN;
            sample.ts_received = i64::MIN;
            for v in extremes {
                let _ = sample.push(Value::F64(v));
            }
            let ctx = WriteContext::now(&clock);
            record.write(std::slice::from_ref(&sample), &ctx).unwrap();
            let chunk = record.current.as_ref().map_or(capacity, Vec::capacity);
            assert_eq!(chunk, capacity, "a chunk never grows (line {seq})");
        }
        record.stop().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let last = text.lines().last().unwrap();
        let values: Vec<f64> = last
            .split(',')
            .skip(3)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(values, extremes, "round trip");
        assert_eq!(text.lines().count(), 1001);
    }

    #[test]
    fn an_unwritable_file_is_an_error_not_a_panic() {
        let err = Record::start(PathBuf::from("/nonexistent/dir/r.csv"), "seq", 0)
            .err()
            .unwrap();
        assert!(err.to_string().contains("/nonexistent/dir/r.csv"), "{err}");
        if std::path::Path::new("/dev/full").exists() {
            assert!(Record::start(PathBuf::from("/dev/full"), "seq", 0).is_err());
        }
    }
}
