//! The HDF5 file of the run log: attributes, one group per logged path with chunked,
//! resizable datasets, node counters. The layout is documented in `docs/hdf5-layout.md`.
//!
//! Owned by the log thread (`thread.rs`); never touched by a real-time thread.

use crate::config::LogCompression;
use crate::sample::Sample;
use crate::signal::{Signal, SignalType};
use hdf5::types::VarLenUnicode;
use std::path::Path;
use std::str::FromStr;

/// Error writing the run log.
///
/// Its message says everything, the cause included, and `source()` gives nothing more:
/// printed alone or as a chain (`{:#}`), each thing is said once.
#[derive(Debug, thiserror::Error)]
pub enum RunLogError {
    /// The HDF5 library reported an error.
    #[error("HDF5 run log {file}: {}", concise(.error))]
    Hdf5 {
        /// The file.
        file: String,
        /// The error (part of the message, not a `source()`).
        error: hdf5::Error,
    },
    /// A file operation around the HDF5 library failed (renaming into place, syncing).
    #[error("run log {file}: {error}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's error.
        error: String,
    },
    /// The writer thread panicked or could not start.
    #[error("run log writer thread: {0}")]
    Thread(String),
}

/// An HDF5 error in one line: the library's message up to its low-level details, and the
/// operating system's message when there is one (`errno = 28, error message = 'No space
/// left on device'` becomes `No space left on device (errno 28)`).
fn concise(error: &hdf5::Error) -> String {
    let text = error.to_string();
    let head = text
        .split(": time =")
        .next()
        .unwrap_or(&text)
        .trim()
        .to_owned();
    let os = text.split("error message = '").nth(1).and_then(|rest| {
        let message = rest.split('\'').next()?;
        let errno = text
            .split("errno = ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap_or("?");
        Some(format!("{message} (errno {errno})"))
    });
    match os {
        Some(os) => format!("{head}: {os}"),
        None => head.lines().next().unwrap_or_default().to_owned(),
    }
}

/// Facts stored as attributes of the file.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// The configuration text after overrides.
    pub config: String,
    /// The configuration file name.
    pub config_file: String,
    /// gridhil version.
    pub version: String,
    /// Host name.
    pub host: String,
    /// Kernel release and version.
    pub kernel: String,
    /// Wall time of the run's start (ns since the Unix epoch).
    pub started_at_ns: i64,
    /// Whether the run was in virtual time.
    pub virtual_time: bool,
    /// What real-time scheduling the run got.
    pub realtime: String,
    /// The command line.
    pub command: String,
}

struct PathLog {
    seq: hdf5::Dataset,
    ts_origin: hdf5::Dataset,
    ts_received: hdf5::Dataset,
    ts_sent: hdf5::Dataset,
    values: hdf5::Dataset,
    columns: usize,
    rows: usize,
    /// Rows on disk at the last successful flush.
    rows_flushed: usize,
    buf_seq: Vec<u64>,
    buf_origin: Vec<i64>,
    buf_received: Vec<i64>,
    buf_sent: Vec<i64>,
    buf_values: Vec<f64>,
    group: hdf5::Group,
}

/// How the HDF5 file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogFileOptions {
    /// Rows per chunk.
    pub chunk: usize,
    /// Single-writer/multiple-reader mode: the file on disk is consistent after every flush,
    /// so a kill or a power cut loses only what came after the last one, and readers
    /// (`h5py.File(..., swmr=True)`) can watch it grow.
    pub crash_safe: bool,
    /// Chunk compression.
    pub compression: LogCompression,
}

impl Default for LogFileOptions {
    fn default() -> Self {
        LogFileOptions {
            chunk: 4096,
            crash_safe: true,
            compression: LogCompression::Deflate,
        }
    }
}

/// Owner of the open HDF5 file.
pub struct RunLogWriter {
    file: hdf5::File,
    file_name: String,
    paths: Vec<Option<PathLog>>,
    chunk: usize,
    rows_written: u64,
    /// The rows on disk: those written up to the last successful flush.
    rows_flushed: u64,
    /// A second handle on the file, to `fsync` it after each flush (what survives a power
    /// cut, not only a kill).
    sync: Option<std::fs::File>,
}

fn vlu(text: &str) -> VarLenUnicode {
    // Interior NULs cannot be stored; replace them.
    VarLenUnicode::from_str(&text.replace('\0', " ")).unwrap_or_default()
}

/// Column names of a signal list (complex signals take `name.re` and `name.im`).
pub fn column_names(signals: &[Signal]) -> Vec<String> {
    let mut names = Vec::new();
    for s in signals {
        if s.ty == SignalType::Complex {
            names.push(format!("{}.re", s.name));
            names.push(format!("{}.im", s.name));
        } else {
            names.push(s.name.clone());
        }
    }
    names
}

impl RunLogWriter {
    /// Creates the file with its attributes and one group per logged path
    /// (`paths[i]` is `None` for a path that is not logged); in crash-safe mode the file is
    /// then switched to single-writer/multiple-reader mode.
    pub fn create(
        file_name: &Path,
        info: &RunInfo,
        paths: &[Option<(String, Vec<Signal>)>],
        options: &LogFileOptions,
    ) -> Result<Self, RunLogError> {
        let name = file_name.display().to_string();
        let err = |error| RunLogError::Hdf5 {
            file: name.clone(),
            error,
        };
        // The file is made under a temporary name and renamed once it is complete and (in
        // crash-safe mode) consistent on disk: a kill during set-up leaves no half-made file
        // under the run log's name.
        let part = std::path::PathBuf::from(format!("{}.part", file_name.display()));
        let _ = std::fs::remove_file(&part);
        let file = if options.crash_safe {
            // SWMR needs the 1.10 file format (HDF5 ≥ 1.10 reads it).
            hdf5::File::with_options()
                .with_fapl(|p| p.libver_v110())
                .create(&part)
        } else {
            hdf5::File::create(&part)
        }
        .map_err(err)?;
        let chunk = options.chunk.max(16);
        let compress = options.compression == LogCompression::Deflate;
        let str_attr = |loc: &hdf5::Location, key: &str, value: &str| -> hdf5::Result<()> {
            loc.new_attr::<VarLenUnicode>()
                .create(key)?
                .write_scalar(&vlu(value))
        };
        (|| -> hdf5::Result<()> {
            str_attr(&file, "gridhil_version", &info.version)?;
            str_attr(&file, "config", &info.config)?;
            str_attr(&file, "config_file", &info.config_file)?;
            str_attr(&file, "host", &info.host)?;
            str_attr(&file, "kernel", &info.kernel)?;
            str_attr(&file, "realtime", &info.realtime)?;
            str_attr(&file, "command", &info.command)?;
            file.new_attr::<i64>()
                .create("started_at_ns")?
                .write_scalar(&info.started_at_ns)?;
            file.new_attr::<u8>()
                .create("virtual_time")?
                .write_scalar(&u8::from(info.virtual_time))?;
            Ok(())
        })()
        .map_err(err)?;
        let paths_group = file.create_group("paths").map_err(err)?;
        file.create_group("nodes").map_err(err)?;
        let mut logs = Vec::new();
        for entry in paths {
            let Some((path_name, signals)) = entry else {
                logs.push(None);
                continue;
            };
            let log = (|| -> hdf5::Result<PathLog> {
                let group = paths_group.create_group(path_name)?;
                let columns = signals.iter().map(Signal::columns).sum::<usize>();
                let ts = |n: &str| {
                    let mut builder = group.new_dataset::<i64>();
                    if compress {
                        builder = builder.shuffle().deflate(1);
                    }
                    builder.chunk(chunk).shape(0..).create(n)
                };
                let mut seq = group.new_dataset::<u64>();
                if compress {
                    seq = seq.shuffle().deflate(1);
                }
                let seq = seq.chunk(chunk).shape(0..).create("seq")?;
                let ts_origin = ts("ts_origin")?;
                let ts_received = ts("ts_received")?;
                let ts_sent = ts("ts_sent")?;
                let mut values = group.new_dataset::<f64>();
                if compress {
                    values = values.shuffle().deflate(1);
                }
                let values = values
                    .chunk((chunk, columns.max(1)))
                    .shape((0.., columns))
                    .create("values")?;
                let names: Vec<VarLenUnicode> =
                    column_names(signals).iter().map(|s| vlu(s)).collect();
                let units: Vec<VarLenUnicode> = signals
                    .iter()
                    .flat_map(|s| std::iter::repeat_n(vlu(&s.unit), s.columns()))
                    .collect();
                let types: Vec<VarLenUnicode> = signals
                    .iter()
                    .flat_map(|s| std::iter::repeat_n(vlu(&s.ty.to_string()), s.columns()))
                    .collect();
                for (key, list) in [("signals", &names), ("units", &units), ("types", &types)] {
                    values
                        .new_attr::<VarLenUnicode>()
                        .shape(list.len())
                        .create(key)?
                        .write_raw(list.as_slice())?;
                }
                Ok(PathLog {
                    seq,
                    ts_origin,
                    ts_received,
                    ts_sent,
                    values,
                    columns,
                    rows: 0,
                    rows_flushed: 0,
                    buf_seq: Vec::with_capacity(chunk),
                    buf_origin: Vec::with_capacity(chunk),
                    buf_received: Vec::with_capacity(chunk),
                    buf_sent: Vec::with_capacity(chunk),
                    buf_values: Vec::with_capacity(chunk * columns),
                    group,
                })
            })()
            .map_err(err)?;
            logs.push(Some(log));
        }
        if options.crash_safe {
            file.start_swmr().map_err(err)?;
        } else {
            file.flush().map_err(err)?;
        }
        std::fs::rename(&part, file_name).map_err(|e| RunLogError::Io {
            file: name.clone(),
            error: format!("cannot rename {} into place: {e}", part.display()),
        })?;
        let sync = if options.crash_safe {
            std::fs::File::open(file_name).ok()
        } else {
            None
        };
        Ok(RunLogWriter {
            file,
            file_name: name,
            paths: logs,
            chunk,
            rows_written: 0,
            rows_flushed: 0,
            sync,
        })
    }

    fn err(&self, error: hdf5::Error) -> RunLogError {
        RunLogError::Hdf5 {
            file: self.file_name.clone(),
            error,
        }
    }

    /// Buffers one sample of a path, writing a chunk when the buffer is full.
    pub fn append(&mut self, path: usize, sample: &Sample) -> Result<(), RunLogError> {
        let Some(Some(log)) = self.paths.get_mut(path) else {
            return Ok(());
        };
        log.buf_seq.push(sample.seq);
        log.buf_origin.push(sample.ts_origin);
        log.buf_received.push(sample.ts_received);
        log.buf_sent.push(sample.ts_sent);
        let start = log.buf_values.len();
        log.buf_values.resize(start + log.columns, f64::NAN);
        let mut col = start;
        for value in sample.values() {
            let end = start + log.columns;
            if col >= end {
                break;
            }
            col += value.write_columns(&mut log.buf_values[col..end]);
        }
        if log.buf_seq.len() >= self.chunk {
            self.flush_path(path)?;
        }
        Ok(())
    }

    fn flush_path(&mut self, path: usize) -> Result<(), RunLogError> {
        let Some(Some(log)) = self.paths.get_mut(path) else {
            return Ok(());
        };
        let n = log.buf_seq.len();
        if n == 0 {
            return Ok(());
        }
        let (from, to) = (log.rows, log.rows + n);
        let result = (|| -> hdf5::Result<()> {
            log.seq.resize(to)?;
            log.seq.write_slice(&log.buf_seq, from..to)?;
            for (ds, buf) in [
                (&log.ts_origin, &log.buf_origin),
                (&log.ts_received, &log.buf_received),
                (&log.ts_sent, &log.buf_sent),
            ] {
                ds.resize(to)?;
                ds.write_slice(buf, from..to)?;
            }
            log.values.resize((to, log.columns))?;
            if log.columns > 0 {
                let view = ndarray::ArrayView2::from_shape((n, log.columns), &log.buf_values)
                    .map_err(|e| hdf5::Error::from(e.to_string().as_str()))?;
                log.values.write_slice(view, ndarray::s![from..to, ..])?;
            }
            Ok(())
        })();
        log.rows = to;
        log.buf_seq.clear();
        log.buf_origin.clear();
        log.buf_received.clear();
        log.buf_sent.clear();
        log.buf_values.clear();
        self.rows_written += n as u64;
        result.map_err(|e| self.err(e))
    }

    /// Writes every buffered row and flushes the file to disk (in crash-safe mode the file
    /// on disk is then consistent and holds every row so far, and is synced).
    pub fn flush(&mut self) -> Result<(), RunLogError> {
        for path in 0..self.paths.len() {
            self.flush_path(path)?;
        }
        self.file.flush().map_err(|e| self.err(e))?;
        if let Some(sync) = &self.sync {
            sync.sync_data().map_err(|e| RunLogError::Io {
                file: self.file_name.clone(),
                error: format!("cannot sync to disk: {e}"),
            })?;
        }
        self.rows_flushed = self.rows_written;
        for log in self.paths.iter_mut().flatten() {
            log.rows_flushed = log.rows;
        }
        Ok(())
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> u64 {
        self.rows_written
    }

    /// Rows on disk: written up to the last successful flush.
    pub fn rows_flushed(&self) -> u64 {
        self.rows_flushed
    }

    /// Stores counters of a path as attributes of its group.
    pub fn write_path_counters(
        &mut self,
        path: usize,
        counters: &[(&str, u64)],
    ) -> Result<(), RunLogError> {
        let Some(Some(log)) = self.paths.get(path) else {
            return Ok(());
        };
        let result = (|| -> hdf5::Result<()> {
            for (key, value) in counters {
                log.group
                    .new_attr::<u64>()
                    .create(*key)?
                    .write_scalar(value)?;
            }
            Ok(())
        })();
        result.map_err(|e| self.err(e))
    }

    /// Stores a node's type and counters as a group under `/nodes`.
    pub fn write_node(
        &mut self,
        name: &str,
        kind: &str,
        counters: &[crate::stats::CounterValue],
    ) -> Result<(), RunLogError> {
        let result = (|| -> hdf5::Result<()> {
            let group = self.file.group("nodes")?.create_group(name)?;
            group
                .new_attr::<VarLenUnicode>()
                .create("type")?
                .write_scalar(&vlu(kind))?;
            for counter in counters {
                group
                    .new_attr::<u64>()
                    .create(counter.name)?
                    .write_scalar(&counter.value)?;
            }
            Ok(())
        })();
        result.map_err(|e| self.err(e))
    }

    /// Stores a node's table as the dataset `/nodes/<node>/<table>` (i64, one row per
    /// record) with its column names (attribute `columns`) and label lists (one attribute
    /// each). The node's group must exist ([`RunLogWriter::write_node`]).
    pub fn write_node_table(
        &mut self,
        node: &str,
        table: &crate::node::NodeTable,
    ) -> Result<(), RunLogError> {
        let result = (|| -> hdf5::Result<()> {
            let group = self.file.group("nodes")?.group(node)?;
            let width = table.columns.len();
            let flat: Vec<i64> = table
                .rows
                .iter()
                .flat_map(|row| (0..width).map(|i| row.get(i).copied().unwrap_or(0)))
                .collect();
            let dataset = group
                .new_dataset::<i64>()
                .shape((table.rows.len(), width))
                .create(table.name)?;
            if !flat.is_empty() {
                let view = ndarray::ArrayView2::from_shape((table.rows.len(), width), &flat)
                    .map_err(|e| hdf5::Error::from(e.to_string().as_str()))?;
                dataset.write(view)?;
            }
            let mut lists: Vec<(&str, Vec<VarLenUnicode>)> =
                vec![("columns", table.columns.iter().map(|c| vlu(c)).collect())];
            for (key, names) in &table.labels {
                lists.push((key, names.iter().map(|n| vlu(n)).collect()));
            }
            for (key, list) in lists {
                dataset
                    .new_attr::<VarLenUnicode>()
                    .shape(list.len())
                    .create(key)?
                    .write_raw(list.as_slice())?;
            }
            Ok(())
        })();
        result.map_err(|e| self.err(e))
    }

    /// Stores a string attribute on the file (e.g. the run summary).
    /// (An attribute that exists, like `realtime`, is rewritten.)
    pub fn write_file_attr(&mut self, key: &str, value: &str) -> Result<(), RunLogError> {
        let result = match self.file.attr(key) {
            Ok(existing) => existing.write_scalar(&vlu(value)),
            Err(_) => self
                .file
                .new_attr::<VarLenUnicode>()
                .create(key)
                .and_then(|a| a.write_scalar(&vlu(value))),
        };
        result.map_err(|e| self.err(e))
    }

    /// Closes a file that failed, writing nothing more: what is on disk stays as it was at
    /// the last successful flush. Errors are not reported again (the first one was).
    /// Each path's datasets are cut back to the rows of that flush (best effort: on a full
    /// disk this needs no new space).
    pub fn abandon(self) {
        let RunLogWriter { file, paths, .. } = self;
        for log in paths.iter().flatten() {
            let to = log.rows_flushed;
            for ds in [&log.seq, &log.ts_origin, &log.ts_received, &log.ts_sent] {
                let _ = ds.resize(to);
            }
            let _ = log.values.resize((to, log.columns));
        }
        drop(paths);
        let _ = file.flush();
        let _ = file.close();
    }

    /// Flushes and closes the file.
    pub fn close(mut self) -> Result<(), RunLogError> {
        self.flush()?;
        let file_name = self.file_name.clone();
        drop(self.paths);
        self.file.close().map_err(|error| RunLogError::Hdf5 {
            file: file_name,
            error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::concise;

    #[test]
    fn hdf5_errors_are_one_line_with_the_os_reason() {
        let full = "H5Fflush(): unable to flush file's cached information: file write failed: \
                    time = Mon Dec  7 23:16:44 2026\n, filename = '/tmp/f.h5', file descriptor = 4, \
                    errno = 28, error message = 'No space left on device', buf = 0x7f, total \
                    write size = 143080";
        assert_eq!(
            concise(&hdf5::Error::from(full)),
            "H5Fflush(): unable to flush file's cached information: file write failed: \
             No space left on device (errno 28)"
        );
        assert_eq!(
            concise(&hdf5::Error::from("unable to create file\nmore")),
            "unable to create file"
        );
    }
}
