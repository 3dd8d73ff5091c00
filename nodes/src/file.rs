//! `file`: records samples to CSV and replays CSV files.
//!
//! The CSV layout (documented in `docs/nodes.md`): a header line
//! `seq,ts_origin,ts_received,<signal>,...` then one line per sample; times are integer
//! ns since the Unix epoch; complex signals take two columns `<name>.re,<name>.im`.
//! Lines starting with `#` are comments.

mod record;

use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeWriter, ReadContext, Resource,
};
use gridhil_engine::signal::{Complex, Signal, SignalType, Value};
use gridhil_engine::units::{Nanos, Rate};
use gridhil_engine::FieldError;
use record::Record;
use serde::Deserialize;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::Arc;

/// How a replay is timed.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReplayTiming {
    /// Keep the recorded spacing of `ts_origin`.
    #[default]
    Original,
    /// One sample per period of `rate`.
    Rate,
}

/// Which `ts_origin` replayed samples carry.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReplayTimestamps {
    /// The instant of the replay (the run's clock).
    #[default]
    Replay,
    /// The recorded `ts_origin`.
    Recorded,
}

/// Configuration of a `file` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// CSV file to replay (makes the node a source).
    #[serde(rename = "in")]
    pub input: Option<PathBuf>,
    /// CSV file to record into (makes the node a sink); created or truncated.
    #[serde(rename = "out")]
    pub output: Option<PathBuf>,
    /// Replay timing.
    #[serde(default)]
    pub replay: ReplayTiming,
    /// Rate for `replay = "rate"`.
    pub rate: Option<Rate>,
    /// Start over at the end of the file.
    #[serde(default, rename = "loop")]
    pub repeat: bool,
    /// `ts_origin` of replayed samples.
    #[serde(default)]
    pub timestamps: ReplayTimestamps,
    #[serde(skip)]
    replay_signals: Vec<Signal>,
    #[serde(skip)]
    record_signals: Vec<Signal>,
}

/// Column layout of a CSV header: signals, and how many columns each takes.
fn signals_from_header(header: &str) -> Result<Vec<Signal>, String> {
    let columns: Vec<&str> = header.trim().split(',').map(str::trim).collect();
    if columns.len() < 3
        || columns[0] != "seq"
        || columns[1] != "ts_origin"
        || columns[2] != "ts_received"
    {
        return Err("the header must start with `seq,ts_origin,ts_received`".into());
    }
    let mut signals = Vec::new();
    let mut i = 3;
    while i < columns.len() {
        let name = columns[i];
        if let Some(base) = name.strip_suffix(".re") {
            if columns.get(i + 1) == Some(&format!("{base}.im").as_str()) {
                signals.push(Signal::new(base, "", SignalType::Complex));
                i += 2;
                continue;
            }
        }
        if name.is_empty() {
            return Err(format!("column {} has no name", i + 1));
        }
        signals.push(Signal::f64(name));
        i += 1;
    }
    Ok(signals)
}

fn header_line(path: &std::path::Path) -> Result<String, String> {
    let file = File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if !line.trim_start().starts_with('#') && !line.trim().is_empty() {
            return Ok(line);
        }
    }
    Err(format!("`{}` is empty: no CSV header", path.display()))
}

impl NodeConfig for FileConfig {
    fn prepare(&mut self, ctx: &ConfigContext) -> Result<(), FieldError> {
        if self.input.is_none() && self.output.is_none() {
            return Err("a file node needs `in` (replay) and/or `out` (record)".into());
        }
        if self.replay == ReplayTiming::Rate && self.rate.is_none() {
            return Err(FieldError::at("rate", "replay = \"rate\" needs `rate`"));
        }
        if let Some(input) = &self.input {
            let path = ctx.resolve(input);
            let header =
                header_line(&path).map_err(|e| FieldError::at("in", format!("`in`: {e}")))?;
            self.replay_signals = signals_from_header(&header)
                .map_err(|e| FieldError::at("in", format!("`in` {}: {e}", path.display())))?;
            self.input = Some(path);
        }
        if let Some(output) = &self.output {
            self.output = Some(ctx.resolve(output));
        }
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.replay_signals.clone()
    }

    fn accepts_input(&self) -> bool {
        self.output.is_some()
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        self.record_signals = signals.to_vec();
        Ok(())
    }

    fn resources(&self) -> Vec<Resource> {
        self.output
            .iter()
            .map(|p| Resource::OutputFile(p.clone()))
            .collect()
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let reader: Option<Box<dyn NodeReader>> = match &self.input {
            Some(path) => Some(Box::new(Replay::load(
                path,
                &self.replay_signals,
                self,
                ctx,
            )?)),
            None => None,
        };
        let mut writer: Option<Box<dyn NodeWriter>> = None;
        let mut counters: Option<Arc<dyn NodeCounters>> = None;
        if let Some(path) = &self.output {
            let mut header = String::from("seq,ts_origin,ts_received");
            let mut columns = 0;
            for s in &self.record_signals {
                if s.ty == SignalType::Complex {
                    header.push_str(&format!(",{0}.re,{0}.im", s.name));
                    columns += 2;
                } else {
                    header.push_str(&format!(",{}", s.name));
                    columns += 1;
                }
            }
            let (record, record_counters) = Record::start(path.clone(), &header, columns)?;
            writer = Some(Box::new(record));
            counters = Some(record_counters);
        }
        Ok(NodeIo {
            reader,
            writer,
            counters,
        })
    }
}

#[derive(Debug)]
struct Row {
    seq: u64,
    ts_origin: Nanos,
    values: Vec<Value>,
}

struct Replay {
    rows: Vec<Row>,
    next: usize,
    round: u64,
    start: Nanos,
    wall_offset: Nanos,
    timing: ReplayTiming,
    rate: Option<Rate>,
    repeat: bool,
    timestamps: ReplayTimestamps,
    /// Length of one pass through the file on the replay timeline.
    pass_length: Nanos,
}

fn parse_row(line: &str, signals: &[Signal]) -> Result<Row, String> {
    let mut fields = line.split(',').map(str::trim);
    let mut next = |what: &str| fields.next().ok_or_else(|| format!("missing {what}"));
    let seq: u64 = next("seq")?
        .parse()
        .map_err(|_| "seq is not an unsigned integer".to_string())?;
    let ts_origin: Nanos = next("ts_origin")?
        .parse()
        .map_err(|_| "ts_origin is not an integer (ns)".to_string())?;
    let _ts_received = next("ts_received")?;
    let mut values = Vec::with_capacity(signals.len());
    for s in signals {
        let mut number = |what: &str| -> Result<f64, String> {
            let text = next(what)?;
            text.parse::<f64>()
                .map_err(|_| format!("`{text}` is not a number ({what})"))
        };
        let value = if s.ty == SignalType::Complex {
            let re = number(&format!("{}.re", s.name))?;
            let im = number(&format!("{}.im", s.name))?;
            Value::Complex(Complex::new(re, im))
        } else {
            Value::F64(number(&s.name)?).convert(s.ty)
        };
        values.push(value);
    }
    Ok(Row {
        seq,
        ts_origin,
        values,
    })
}

impl Replay {
    fn load(
        path: &std::path::Path,
        signals: &[Signal],
        config: &FileConfig,
        ctx: &BuildContext,
    ) -> Result<Self, NodeError> {
        let file = File::open(path)
            .map_err(|e| NodeError::io(format!("cannot open `{}`", path.display()), e))?;
        let mut rows = Vec::new();
        let mut header_seen = false;
        for (number, line) in BufReader::new(file).lines().enumerate() {
            let line =
                line.map_err(|e| NodeError::io(format!("cannot read `{}`", path.display()), e))?;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let row = parse_row(trimmed, signals).map_err(|e| {
                NodeError::Config(format!("{}:{}: {e}", path.display(), number + 1))
            })?;
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(NodeError::Config(format!(
                "`{}` has no samples",
                path.display()
            )));
        }
        let pass_length = match config.replay {
            ReplayTiming::Original => {
                let first = rows.first().map_or(0, |r| r.ts_origin);
                let last = rows.last().map_or(0, |r| r.ts_origin);
                let step = if rows.len() > 1 {
                    (last - first) / (rows.len() as i64 - 1)
                } else {
                    1_000_000
                };
                (last - first) + step.max(1)
            }
            ReplayTiming::Rate => 0,
        };
        Ok(Replay {
            rows,
            next: 0,
            round: 0,
            start: ctx.start,
            wall_offset: ctx.wall_offset,
            timing: config.replay,
            rate: config.rate,
            repeat: config.repeat,
            timestamps: config.timestamps,
            pass_length,
        })
    }

    fn due_at(&self, index: usize, round: u64) -> Nanos {
        match (self.timing, self.rate) {
            (ReplayTiming::Rate, Some(rate)) => {
                rate.tick(self.start, round * self.rows.len() as u64 + index as u64)
            }
            _ => {
                let first = self.rows.first().map_or(0, |r| r.ts_origin);
                let offset = self.rows.get(index).map_or(0, |r| r.ts_origin - first);
                self.start + round as i64 * self.pass_length + offset.max(0)
            }
        }
    }
}

impl NodeReader for Replay {
    fn due(&self) -> Due {
        if self.next >= self.rows.len() {
            return Due::Done;
        }
        Due::At(self.due_at(self.next, self.round))
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        let now = ctx.now;
        while !out.is_full() && self.next < self.rows.len() {
            let due = self.due_at(self.next, self.round);
            if due > now {
                break;
            }
            let row = &self.rows[self.next];
            if let Some(mut sample) = ctx.pool.alloc() {
                sample.seq = row.seq + self.round * self.rows.len() as u64;
                sample.ts_origin = match self.timestamps {
                    ReplayTimestamps::Replay => due + self.wall_offset,
                    ReplayTimestamps::Recorded => row.ts_origin,
                };
                let _ = sample.set_values(&row.values);
                let _ = out.push(sample);
            }
            self.next += 1;
            if self.next == self.rows.len() && self.repeat {
                self.next = 0;
                self.round += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_pairs_complex_columns() {
        let s = signals_from_header("seq,ts_origin,ts_received,va,ph.re,ph.im,x.re").unwrap();
        let names: Vec<(&str, SignalType)> = s.iter().map(|s| (s.name.as_str(), s.ty)).collect();
        assert_eq!(
            names,
            vec![
                ("va", SignalType::F64),
                ("ph", SignalType::Complex),
                ("x.re", SignalType::F64)
            ]
        );
        assert!(signals_from_header("a,b,c").is_err());
    }

    #[test]
    fn rows_parse_or_explain() {
        let signals = vec![Signal::f64("a"), Signal::new("p", "", SignalType::Complex)];
        let row = parse_row("3,100,101,1.5,2,-3", &signals).unwrap();
        assert_eq!(row.seq, 3);
        assert_eq!(row.values[1], Value::Complex(Complex::new(2.0, -3.0)));
        assert!(parse_row("3,100,101,1.5,2", &signals)
            .unwrap_err()
            .contains("missing"));
        assert!(parse_row("x,100,101,1,2,3", &signals)
            .unwrap_err()
            .contains("seq"));
    }
}
