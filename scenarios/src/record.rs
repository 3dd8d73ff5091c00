//! The log tap of a scenario run: keeps the `(ts_origin, value)` of each signal the
//! assertions and golden traces read, on the log thread (never a real-time thread), and
//! hands them over when the run log closes. Not the evaluation (`runner.rs` does it after
//! the run, from what this kept).

use crate::check::Edge;
use crate::condition::met;
use crate::series::Series;
use gridhil_engine::runlog::{LogTap, LoggedPath};
use gridhil_engine::sample::Sample;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A condition the tap watches live (real time): the first row of column `column` at or
/// after `after` (ns of run time) whose value / `base` meets `edge` is sent as
/// `(id, run time in ns)`.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// Index into the recorded columns.
    pub column: usize,
    /// Divisor of the value.
    pub base: f64,
    /// The crossing.
    pub edge: Edge,
    /// Watching starts here (ns of run time).
    pub after: i64,
    /// What the sender reports (the timeline entry).
    pub id: usize,
}

/// A signal to keep: column `column` of the rows of path `path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Path index in the run.
    pub path: usize,
    /// Signal index in the path's rows.
    pub column: usize,
}

/// What the tap kept.
#[derive(Debug, Default)]
pub struct Recording {
    /// `ts_origin` of the first logged row: time 0 of the series.
    pub origin: Option<i64>,
    /// Per wanted column: `ts_origin` and values.
    pub columns: Vec<(Vec<i64>, Vec<f64>)>,
    /// Rows seen (all logged paths).
    pub rows: u64,
    /// Time spent in the tap (on the log thread).
    pub cost: Duration,
}

impl Recording {
    /// Column `k`: `ts_origin` (ns since the Unix epoch) and values.
    pub fn raw(&self, k: usize) -> (&[i64], &[f64]) {
        let (t, v) = &self.columns[k];
        (t, v)
    }

    /// Column `k` as a series in seconds since the first logged row.
    pub fn series(&self, k: usize) -> Series {
        let origin = self.origin.unwrap_or(0);
        let (t, v) = &self.columns[k];
        Series::new(
            t.iter().map(|&t| (t - origin) as f64 * 1e-9).collect(),
            v.clone(),
        )
    }
}

/// The tap; `Recorder::new` also returns the handle the recording arrives in at `close`.
pub struct Recorder {
    /// Per path index: (column in the row, index into `recording.columns`).
    by_path: Vec<Vec<(usize, usize)>>,
    recording: Recording,
    out: Arc<Mutex<Option<Recording>>>,
    watches: Vec<(Watch, bool)>,
    met: Option<Sender<(usize, i64)>>,
}

impl Recorder {
    /// A tap keeping `wanted`; the recording lands in the returned slot when the run log
    /// closes.
    pub fn new(wanted: &[Column]) -> (Recorder, Arc<Mutex<Option<Recording>>>) {
        let paths = wanted.iter().map(|c| c.path + 1).max().unwrap_or(0);
        let mut by_path = vec![Vec::new(); paths];
        for (k, c) in wanted.iter().enumerate() {
            by_path[c.path].push((c.column, k));
        }
        let out = Arc::new(Mutex::new(None));
        let recorder = Recorder {
            by_path,
            recording: Recording {
                columns: vec![(Vec::new(), Vec::new()); wanted.len()],
                ..Recording::default()
            },
            out: Arc::clone(&out),
            watches: Vec::new(),
            met: None,
        };
        (recorder, out)
    }

    /// Also watches `watches`, sending each the first time it is met.
    pub fn watching(mut self, watches: &[Watch], met: Sender<(usize, i64)>) -> Self {
        self.watches = watches.iter().map(|&w| (w, false)).collect();
        self.met = Some(met);
        self
    }
}

impl LogTap for Recorder {
    fn open(&mut self, _paths: &[Option<LoggedPath>]) {}

    fn row(&mut self, path: usize, sample: &Sample) {
        let started = Instant::now();
        let r = &mut self.recording;
        r.rows += 1;
        if r.origin.is_none() {
            r.origin = Some(sample.ts_origin);
        }
        if let Some(columns) = self.by_path.get(path) {
            for &(column, k) in columns {
                if let Some(value) = sample.values().get(column) {
                    let (t, v) = &mut r.columns[k];
                    t.push(sample.ts_origin);
                    v.push(value.as_f64());
                    let now = sample.ts_origin - r.origin.unwrap_or(sample.ts_origin);
                    for (w, done) in &mut self.watches {
                        if !*done
                            && w.column == k
                            && now >= w.after
                            && met(w.edge, value.as_f64() / w.base)
                        {
                            *done = true;
                            if let Some(tx) = &self.met {
                                let _ = tx.send((w.id, now));
                            }
                        }
                    }
                }
            }
        }
        r.cost += started.elapsed();
    }

    fn close(&mut self) {
        let recording = std::mem::take(&mut self.recording);
        if let Ok(mut slot) = self.out.lock() {
            *slot = Some(recording);
        }
    }
}
