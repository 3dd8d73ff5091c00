//! `log-replay`: plays one path of a gridhil HDF5 run log back as a timed source, with the
//! recorded spacing of `ts_origin`, so a recorded run (a field recording, a lab run) can feed
//! a controller under test in virtual time. Not a general HDF5 reader: the layout is the
//! run log's (docs/hdf5-layout.md), read whole when the node is built.

use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeError, NodeIo, NodeReader, ReadContext,
};
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::units::Nanos;
use gridhil_engine::FieldError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Configuration of a `log-replay` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogReplayConfig {
    /// The run log (HDF5), relative to the configuration file.
    pub file: PathBuf,
    /// The logged path to play back.
    pub path: String,
    /// The columns to play, by name (default: all, in the log's order).
    #[serde(default)]
    pub signals: Vec<String>,
    /// Which of the path's columns are played, in order (set by `prepare`).
    #[serde(skip)]
    columns: Vec<usize>,
    #[serde(skip)]
    output: Vec<Signal>,
}

/// The column names and units of a logged path.
fn logged_columns(file: &Path, path: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let f = hdf5::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let values = f.dataset(&format!("paths/{path}/values")).map_err(|_| {
        let known = f
            .group("paths")
            .and_then(|g| g.member_names())
            .map(|n| n.join(", "))
            .unwrap_or_default();
        format!(
            "{} has no logged path `{path}` (it has: {known})",
            file.display()
        )
    })?;
    let text = |name: &str| -> Result<Vec<String>, String> {
        let raw: Vec<hdf5::types::VarLenUnicode> = values
            .attr(name)
            .and_then(|a| a.read_raw())
            .map_err(|e| format!("{}: `{name}` of path `{path}`: {e}", file.display()))?;
        Ok(raw.iter().map(|s| s.as_str().to_string()).collect())
    };
    let names = text("signals")?;
    let units = text("units").unwrap_or_else(|_| vec![String::new(); names.len()]);
    Ok((names, units))
}

impl NodeConfig for LogReplayConfig {
    fn prepare(&mut self, ctx: &ConfigContext) -> Result<(), FieldError> {
        self.file = ctx.resolve(&self.file);
        let (names, units) =
            logged_columns(&self.file, &self.path).map_err(|e| FieldError::at("file", e))?;
        self.columns = if self.signals.is_empty() {
            (0..names.len()).collect()
        } else {
            let mut columns = Vec::new();
            for (i, wanted) in self.signals.iter().enumerate() {
                let column = names.iter().position(|n| n == wanted).ok_or_else(|| {
                    FieldError::at_path(
                        gridhil_engine::FieldPath::root().key("signals").index(i),
                        format!(
                            "path `{}` of the log has no signal `{wanted}` (it has: {})",
                            self.path,
                            names.join(", ")
                        ),
                    )
                })?;
                columns.push(column);
            }
            columns
        };
        self.output = self
            .columns
            .iter()
            .map(|&c| {
                Signal::new(
                    names[c].clone(),
                    units.get(c).cloned().unwrap_or_default(),
                    SignalType::F64,
                )
            })
            .collect();
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.output.clone()
    }

    fn accepts_input(&self) -> bool {
        false
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let replay = Replay::load(&self.file, &self.path, &self.columns, ctx)?;
        Ok(NodeIo {
            reader: Some(Box::new(replay)),
            writer: None,
            counters: None,
        })
    }
}

/// The recorded rows, in memory, and where the replay stands.
struct Replay {
    seq: Vec<u64>,
    /// Offset of each row from the first row's `ts_origin`.
    offset: Vec<Nanos>,
    /// Row-major values, `width` per row.
    values: Vec<Value>,
    width: usize,
    next: usize,
    start: Nanos,
    wall_offset: Nanos,
}

impl Replay {
    fn load(
        file: &Path,
        path: &str,
        columns: &[usize],
        ctx: &BuildContext,
    ) -> Result<Self, NodeError> {
        let fail =
            |e: hdf5::Error| NodeError::Config(format!("{}: path `{path}`: {e}", file.display()));
        let f = hdf5::File::open(file).map_err(fail)?;
        let group = f.group(&format!("paths/{path}")).map_err(fail)?;
        let seq: Vec<u64> = group
            .dataset("seq")
            .and_then(|d| d.read_raw())
            .map_err(fail)?;
        let ts: Vec<i64> = group
            .dataset("ts_origin")
            .and_then(|d| d.read_raw())
            .map_err(fail)?;
        let values = group.dataset("values").map_err(fail)?;
        let cols = match values.shape().as_slice() {
            [_, c] => *c,
            shape => {
                return Err(NodeError::Config(format!(
                    "{}: path `{path}`: values has shape {shape:?}",
                    file.display()
                )))
            }
        };
        let all: Vec<f64> = values.read_raw().map_err(fail)?;
        let rows = ts.len().min(seq.len()).min(all.len() / cols.max(1));
        if rows == 0 {
            return Err(NodeError::Config(format!(
                "{}: path `{path}` has no rows",
                file.display()
            )));
        }
        let first = ts[0];
        let mut played = Vec::with_capacity(rows * columns.len());
        for r in 0..rows {
            for &c in columns {
                played.push(Value::F64(all[r * cols + c]));
            }
        }
        Ok(Replay {
            seq: seq[..rows].to_vec(),
            offset: ts[..rows].iter().map(|&t| (t - first).max(0)).collect(),
            values: played,
            width: columns.len(),
            next: 0,
            start: ctx.start,
            wall_offset: ctx.wall_offset,
        })
    }

    fn due_at(&self, row: usize) -> Nanos {
        self.start + self.offset[row]
    }
}

impl NodeReader for Replay {
    fn due(&self) -> Due {
        if self.next >= self.offset.len() {
            Due::Done
        } else {
            Due::At(self.due_at(self.next))
        }
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        while !out.is_full() && self.next < self.offset.len() {
            let due = self.due_at(self.next);
            if due > ctx.now {
                break;
            }
            if let Some(mut sample) = ctx.pool.alloc() {
                sample.seq = self.seq[self.next];
                sample.ts_origin = due + self.wall_offset;
                let row = &self.values[self.next * self.width..(self.next + 1) * self.width];
                let _ = sample.set_values(row);
                let _ = out.push(sample);
            }
            self.next += 1;
        }
        Ok(())
    }
}
