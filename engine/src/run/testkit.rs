//! Test fixtures for the schedulers: a scripted timed source (`ticker`), runs built through
//! the real loader and builder from a small configuration, and the rows the paths logged.

use super::actions::{Action, Timeline};
use super::plan::Plan;
use super::reader::ReaderRuntime;
use super::shared::Shared;
use super::{Run, RunOptions};
use crate::control::ControlReceiver;
use crate::node::{
    Batch, BuildContext, Due, NodeConfig, NodeError, NodeIo, NodeReader, ReadContext,
};
use crate::path::PathRuntime;
use crate::registry::Registry;
use crate::runlog::LogTap;
use crate::sample::Sample;
use crate::signal::{Signal, Value};
use crate::units::{Duration, Nanos};
use serde::Deserialize;
use std::sync::Arc;

/// A timed source: sample `k` is due at `start + k·period`, with value `k · gain`; `gain`
/// (1 at first) is a control, applied from its instant.
#[derive(Debug, Deserialize)]
pub(crate) struct TickerConfig {
    period: Duration,
    limit: Option<u64>,
}

struct Ticker {
    start: Nanos,
    period: Nanos,
    wall_offset: Nanos,
    limit: Option<u64>,
    next: u64,
    gain: f64,
    controls: Option<ControlReceiver>,
}

impl NodeConfig for TickerConfig {
    fn output_signals(&self) -> Vec<Signal> {
        vec![Signal::f64("v")]
    }
    fn accepts_input(&self) -> bool {
        false
    }
    fn controls(&self) -> Vec<Signal> {
        vec![Signal::f64("gain")]
    }
    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        Ok(NodeIo {
            reader: Some(Box::new(Ticker {
                start: ctx.start,
                period: self.period.as_nanos(),
                wall_offset: ctx.wall_offset,
                limit: self.limit,
                next: 0,
                gain: 1.0,
                controls: ctx.controls.take(),
            })),
            ..NodeIo::default()
        })
    }
}

impl NodeReader for Ticker {
    fn due(&self) -> Due {
        if self.limit.is_some_and(|l| self.next >= l) {
            return Due::Done;
        }
        Due::At(self.start + self.next as Nanos * self.period)
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        while let Due::At(due) = self.due() {
            if due > ctx.now || out.is_full() {
                break;
            }
            if let Some(controls) = self.controls.as_mut() {
                while let Some(c) = controls.take_due(due) {
                    self.gain = c.value;
                }
            }
            let Some(mut sample) = ctx.pool.alloc() else {
                break;
            };
            sample.seq = self.next;
            sample.ts_origin = due + self.wall_offset;
            let _ = sample.push(Value::F64(self.next as f64 * self.gain));
            self.next += 1;
            let _ = out.push(sample);
        }
        Ok(())
    }
}

/// Turns logging on without a file (the rows stay in the queue for the test to read).
struct NoTap;

impl LogTap for NoTap {
    fn row(&mut self, _path: usize, _sample: &Sample) {}
}

/// A run's parts, for driving a scheduler directly.
pub(crate) struct Parts {
    pub shared: Arc<Shared>,
    pub readers: Vec<ReaderRuntime>,
    pub paths: Vec<PathRuntime>,
    pub timeline: Timeline,
    pub plan: Plan,
}

/// Builds small runs of tickers and paths.
pub(crate) struct Kit {
    virtual_time: bool,
    duration: Option<Nanos>,
    nodes: Vec<String>,
    node_tables: String,
    path_names: Vec<String>,
    path_tables: String,
    actions: Vec<Action>,
    shared: Option<Arc<Shared>>,
    rows: Option<Vec<(usize, Nanos, f64)>>,
}

impl Kit {
    fn new(virtual_time: bool, duration: Option<Nanos>) -> Self {
        Kit {
            virtual_time,
            duration,
            nodes: Vec::new(),
            node_tables: String::new(),
            path_names: Vec::new(),
            path_tables: String::new(),
            actions: Vec::new(),
            shared: None,
            rows: None,
        }
    }

    /// A virtual-time run of `duration` (none: until the sources end).
    pub(crate) fn virtual_time(duration: Option<Nanos>) -> Self {
        Kit::new(true, duration)
    }

    /// A real-time run of `duration`.
    pub(crate) fn real_time(duration: Option<Nanos>) -> Self {
        Kit::new(false, duration)
    }

    /// Adds a ticker; names must be added in alphabetical order (nodes are sorted by name).
    pub(crate) fn timed_reader(&mut self, name: &str, period: Nanos, limit: Option<u64>) -> usize {
        assert!(self.nodes.last().is_none_or(|last| last.as_str() < name));
        self.node_tables.push_str(&format!(
            "[nodes.{name}]\ntype = \"ticker\"\nperiod = \"{period}ns\"\n{}\n",
            limit.map_or(String::new(), |l| format!("limit = {l}"))
        ));
        self.nodes.push(name.into());
        self.nodes.len() - 1
    }

    /// A path on `node` with `extra` lines in its table (e.g. an `impair` table).
    pub(crate) fn path(&mut self, name: &str, node: usize, extra: &str) -> usize {
        self.path_tables.push_str(&format!(
            "[[paths]]\nname = \"{name}\"\nin = [\"{}\"]\n{extra}\n",
            self.nodes[node]
        ));
        self.path_names.push(name.into());
        self.path_names.len() - 1
    }

    /// A path taking every sample of `node`.
    pub(crate) fn any_path(&mut self, name: &str, node: usize) -> usize {
        self.path(name, node, "")
    }

    /// A path ticking at `hz` with the latest sample of `node`.
    pub(crate) fn rate_path(&mut self, name: &str, node: usize, hz: f64) -> usize {
        self.path(name, node, &format!("trigger = \"rate\"\nrate = {hz:?}"))
    }

    /// An action known before the start.
    pub(crate) fn schedule(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// Loads and builds the run (through the real loader and builder).
    pub(crate) fn build(&mut self) -> Parts {
        let text = format!(
            "[engine]\nvirtual_time = {}\nlog = {{ queue = 100000 }}\n\n{}{}",
            self.virtual_time, self.node_tables, self.path_tables
        );
        let mut registry = Registry::new();
        registry.add_node::<TickerConfig>("ticker", "test ticker");
        crate::hooks::register(&mut registry);
        let spec =
            crate::config::load_str(&text, "kit.toml", std::path::Path::new("."), &[], &registry)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut run = Run::new(
            spec,
            RunOptions {
                duration: self.duration.map(Duration),
                taps: vec![Box::new(NoTap)],
                ..RunOptions::default()
            },
        )
        .expect("build");
        for action in self.actions.drain(..) {
            run.schedule(action).expect("action");
        }
        self.shared = Some(Arc::clone(&run.shared));
        Parts {
            shared: run.shared,
            readers: run.readers,
            paths: run.paths,
            timeline: run.timeline,
            plan: run.plan,
        }
    }

    /// Run times of `ts_sent` of the rows of `path`.
    pub(crate) fn sent_times(&mut self) -> Vec<(usize, Nanos)> {
        let shared = self.shared.as_ref().expect("built");
        let offset = shared.clock.wall() - shared.clock.monotonic() + shared.start;
        let mut rows = Vec::new();
        if let Some(log) = &shared.log {
            while let Some((path, sample)) = log.pop() {
                rows.push((path, sample.ts_sent - offset));
            }
        }
        rows
    }

    /// Every logged row as (path, run time of `ts_origin`, first value), in log order.
    fn rows(&mut self) -> &[(usize, Nanos, f64)] {
        if self.rows.is_none() {
            let shared = self.shared.as_ref().expect("built");
            let offset = shared.clock.wall() - shared.clock.monotonic() + shared.start;
            let mut rows = Vec::new();
            if let Some(log) = &shared.log {
                while let Some((path, sample)) = log.pop() {
                    let value = sample.values().first().map_or(f64::NAN, |v| v.as_f64());
                    rows.push((path, sample.ts_origin - offset, value));
                }
            }
            self.rows = Some(rows);
        }
        self.rows.as_deref().unwrap_or_default()
    }

    /// Run times of the rows of `path`.
    pub(crate) fn times(&mut self, path: usize) -> Vec<Nanos> {
        self.rows()
            .iter()
            .filter(|r| r.0 == path)
            .map(|r| r.1)
            .collect()
    }

    /// First values of the rows of `path`.
    pub(crate) fn values(&mut self, path: usize) -> Vec<f64> {
        self.rows()
            .iter()
            .filter(|r| r.0 == path)
            .map(|r| r.2)
            .collect()
    }

    /// Path names of the rows, in log order.
    pub(crate) fn log_order(&mut self) -> Vec<String> {
        let names = self.path_names.clone();
        self.rows().iter().map(|r| names[r.0].clone()).collect()
    }
}
