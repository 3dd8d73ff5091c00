//! `gridsim`: the built-in EMT grid simulator (`gridhil-gridsim`) as an engine node.
//!
//! The reader is a timed source: simulation step `n` is due at `start + n·step` and
//! advances the network to the simulated instant `n·step`; every `decimation`-th step
//! emits a sample of the chosen measurements with `seq = n / decimation` and `ts_origin`
//! the wall time of the simulated instant. Step 0 emits the initial state without
//! stepping. A late wake-up runs every step that is due, so `seq` never has gaps and a
//! virtual-time run is deterministic.
//!
//! With `lookahead`, the reader computes steps up to that far ahead of the wall clock
//! into a preallocated ring ([`ahead`]) and releases each sample at its instant: a host
//! that stalls the thread for less than the lookahead then delays no step past its
//! deadline. Only for open-loop runs: a node with set-point inputs refuses it.
//!
//! Either way the node counts `late_steps`: steps whose computation ended after the end
//! of their time slot (`start + (n + 1)·step`), the real-time simulator's overrun.
//!
//! A path may write to the node: each incoming signal named like a simulator input
//! (`inv1.p_ref`, `brk1.closed`) sets that input. The writer posts the values into
//! lock-free single-slot mailboxes; the reader applies a value at its next step when it
//! differs from the previous value received for that input.

mod ahead;
mod mailbox;

use ahead::AheadRing;
use crossbeam_queue::ArrayQueue;
use gridhil_engine::control::ControlReceiver;
use gridhil_engine::node::{
    Batch, BuildContext, ConfigContext, Due, NodeConfig, NodeCounters, NodeError, NodeIo,
    NodeReader, NodeTable, NodeWriter, ReadContext, WriteContext,
};
use gridhil_engine::sample::SampleRef;
use gridhil_engine::signal::{Signal, SignalType, Value};
use gridhil_engine::stats::{Counter, CounterValue};
use gridhil_engine::units::{Duration, Nanos};
use gridhil_engine::{FieldError, FieldPath, Registry};
use gridhil_gridsim::{NetworkModel, SimOptions, Simulator, Start, Switching};
use mailbox::Mailbox;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;

/// Registers the `gridsim` node type.
pub fn register(registry: &mut Registry) {
    registry.add_node::<GridsimConfig>(
        "gridsim",
        "built-in three-phase EMT grid simulator; outputs measurements, takes set-points by name",
    )
    .example(include_str!("../compliance/gridsim.toml"));
}

/// Initial state of the simulation.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum StartMode {
    /// Periodic sinusoidal steady state at the nominal frequency.
    #[default]
    SteadyState,
    /// All voltages and currents zero; sources switch on at t = 0.
    Rest,
}

impl From<StartMode> for Start {
    fn from(mode: StartMode) -> Start {
        match mode {
            StartMode::SteadyState => Start::SteadyState,
            StartMode::Rest => Start::Rest,
        }
    }
}

/// Configuration of a `gridsim` node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridsimConfig {
    /// Network model file (TOML, see `docs/gridsim.md`), relative to the config file.
    pub model: PathBuf,
    /// Simulation time step.
    #[serde(default = "default_step")]
    pub step: Duration,
    /// Measurements to publish, by name; all of the model's when absent.
    pub outputs: Option<Vec<String>>,
    /// Publish every n-th step.
    #[serde(default = "default_decimation")]
    pub decimation: u64,
    /// Initial state: `"steady-state"` or `"rest"`.
    #[serde(default)]
    pub start: StartMode,
    /// Compute up to this far ahead of the wall clock and release each sample at its
    /// instant (`"0s"`: one step per wake-up). Not allowed with set-point inputs.
    #[serde(default)]
    pub lookahead: Duration,
    /// The model and the resolved outputs, filled by `prepare`.
    #[serde(skip)]
    loaded: Option<LoadedModel>,
    /// Simulator input index of each signal the writing path sends, filled by `connect_input`.
    #[serde(skip)]
    input_targets: Vec<usize>,
}

fn default_step() -> Duration {
    Duration(50_000)
}

fn default_decimation() -> u64 {
    1
}

/// Longest `lookahead` accepted.
const MAX_LOOKAHEAD_NS: Nanos = 10_000_000_000;

/// Rows of the lookahead ring: enough for `lookahead` plus one decimated step.
fn ahead_rows(lookahead: Nanos, step: Nanos, decimation: u64) -> usize {
    let period = step.saturating_mul(i64::try_from(decimation).unwrap_or(i64::MAX));
    usize::try_from(lookahead / period.max(1)).unwrap_or(0) + 2
}

/// What `prepare` learned from the model file.
#[derive(Debug, Clone)]
struct LoadedModel {
    model: NetworkModel,
    /// Indices into the simulator's outputs, in publishing order.
    output_indices: Vec<usize>,
    /// The published signals.
    signals: Vec<Signal>,
    /// The simulator's input names.
    input_names: Vec<String>,
    /// Their units.
    input_units: Vec<&'static str>,
}

impl GridsimConfig {
    fn options(&self) -> SimOptions {
        SimOptions {
            step_ns: self.step.as_nanos(),
            start: self.start.into(),
            ..SimOptions::default()
        }
    }

    fn load(&self, ctx: &ConfigContext) -> Result<LoadedModel, FieldError> {
        if self.decimation == 0 {
            return Err(FieldError::at(
                "decimation",
                "`decimation` must be at least 1",
            ));
        }
        if self.step.as_nanos() <= 0 {
            return Err(FieldError::at(
                "step",
                "`step` must be positive, e.g. \"50us\"",
            ));
        }
        if !(0..=MAX_LOOKAHEAD_NS).contains(&self.lookahead.as_nanos()) {
            return Err(FieldError::at(
                "lookahead",
                "`lookahead` must be between 0s and 10s",
            ));
        }
        let path = ctx.resolve(&self.model);
        let model = NetworkModel::from_file(&path)
            .map_err(|e| FieldError::at("model", format!("`model`: {e}")))?;
        let sim = Simulator::new(&model, self.options())
            .map_err(|e| FieldError::at("model", format!("`model` {}: {e}", path.display())))?;
        let names = sim.output_names();
        let units: Vec<&'static str> = sim.output_units().collect();
        let output_indices: Vec<usize> = match &self.outputs {
            None => (0..names.len()).collect(),
            Some(list) if list.is_empty() => {
                return Err(FieldError::at(
                    "outputs",
                    "`outputs` is empty: list measurements or leave it out for all",
                ))
            }
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(position, name)| {
                    sim.output_index(name).ok_or_else(|| {
                        FieldError::at_path(
                            FieldPath::root().key("outputs").index(position),
                            format!(
                                "`outputs`: `{name}` is not a measurement of {} (it has: {})",
                                path.display(),
                                names.join(", ")
                            ),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let signals = output_indices
            .iter()
            .map(|&i| {
                let name = names.get(i).cloned().unwrap_or_default();
                let unit = units.get(i).copied().unwrap_or_default();
                Signal::new(name, unit, SignalType::F64)
            })
            .collect();
        Ok(LoadedModel {
            model,
            output_indices,
            signals,
            input_names: sim.input_names().to_vec(),
            input_units: sim.input_units().collect(),
        })
    }

    /// Distinct simulator inputs written by the path, and the mailbox slot of each signal.
    fn slots(&self) -> (Vec<usize>, Vec<usize>) {
        let mut targets: Vec<usize> = Vec::new();
        let slot_of_signal = self
            .input_targets
            .iter()
            .map(|&input| match targets.iter().position(|&t| t == input) {
                Some(slot) => slot,
                None => {
                    targets.push(input);
                    targets.len() - 1
                }
            })
            .collect();
        (targets, slot_of_signal)
    }
}

impl NodeConfig for GridsimConfig {
    fn prepare(&mut self, ctx: &ConfigContext) -> Result<(), FieldError> {
        self.loaded = Some(self.load(ctx)?);
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        self.loaded
            .as_ref()
            .map(|l| l.signals.clone())
            .unwrap_or_default()
    }

    fn accepts_input(&self) -> bool {
        true
    }

    fn controls(&self) -> Vec<Signal> {
        self.loaded
            .as_ref()
            .map(|l| {
                l.input_names
                    .iter()
                    .zip(&l.input_units)
                    .map(|(name, unit)| Signal::new(name.clone(), *unit, SignalType::F64))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        let loaded = self
            .loaded
            .as_ref()
            .ok_or_else(|| FieldError::new("the model is not loaded"))?;
        if self.lookahead.as_nanos() > 0 && !signals.is_empty() {
            return Err(FieldError::at(
                "lookahead",
                "`lookahead` computes steps ahead of the wall clock, so set-points written \
                 to the node could not apply at the next step: remove `lookahead` or the \
                 path that writes to the node",
            ));
        }
        let targets = signals
            .iter()
            .map(|s| {
                loaded
                    .input_names
                    .iter()
                    .position(|name| *name == s.name)
                    .ok_or_else(|| {
                        FieldError::new(format!(
                            "signal `{}` is not an input of {} (inputs: {})",
                            s.name,
                            loaded.model.file(),
                            loaded.input_names.join(", ")
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        self.input_targets = targets;
        Ok(())
    }

    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        let loaded = self
            .loaded
            .as_ref()
            .ok_or_else(|| NodeError::Config("gridsim: the model is not loaded".into()))?;
        let sim = Simulator::new(&loaded.model, self.options())
            .map_err(|e| NodeError::Config(format!("{}: {e}", loaded.model.file())))?;
        let (targets, slot_of_signal) = self.slots();
        // Virtual time steps exactly on its clock: computing ahead would only make actions
        // miss their instant.
        let lookahead = if ctx.virtual_time() {
            0
        } else {
            self.lookahead.as_nanos()
        };
        let ahead = (lookahead > 0).then(|| {
            AheadRing::new(
                ahead_rows(lookahead, sim.step_ns(), self.decimation),
                loaded.output_indices.len(),
            )
        });
        let shared = Arc::new(Shared {
            mailbox: Mailbox::new(targets.len()),
            steps: Counter::default(),
            setpoints: Counter::default(),
            rejected: Counter::default(),
            lost: Counter::default(),
            late: Counter::default(),
            late_controls: Counter::default(),
            switchings: ArrayQueue::new(SWITCHING_RECORD),
            switchings_dropped: Counter::default(),
            input_names: sim.input_names().to_vec(),
        });
        let writer: Option<Box<dyn NodeWriter>> = if targets.is_empty() {
            None
        } else {
            Some(Box::new(GridsimWriter {
                shared: Arc::clone(&shared),
                slot_of_signal,
            }))
        };
        Ok(NodeIo {
            reader: Some(Box::new(GridsimReader {
                step_ns: sim.step_ns(),
                sim,
                shared: Arc::clone(&shared),
                seen: vec![0; targets.len()],
                last_received: vec![None; targets.len()],
                targets,
                output_indices: loaded.output_indices.clone(),
                decimation: self.decimation,
                start: ctx.start,
                wall_offset: ctx.wall_offset,
                next: 0,
                lookahead,
                ahead,
                file: loaded.model.file().to_string(),
                controls: ctx.controls.take(),
            })),
            writer,
            counters: Some(shared),
        })
    }
}

/// State shared by the reader and the writer: set-point mailboxes and counters.
struct Shared {
    mailbox: Mailbox,
    steps: Counter,
    setpoints: Counter,
    rejected: Counter,
    lost: Counter,
    late: Counter,
    late_controls: Counter,
    /// The network changes the simulator made (requested and used instants), handed to the
    /// run log at the end (bounded: what does not fit is counted).
    switchings: ArrayQueue<Switching>,
    switchings_dropped: Counter,
    /// The simulator's input names, which a switching's `input` indexes.
    input_names: Vec<String>,
}

/// Switchings kept for the run log (beyond, they are counted in `switchings_dropped`).
const SWITCHING_RECORD: usize = 4096;

impl NodeCounters for Shared {
    fn snapshot(&self) -> Vec<CounterValue> {
        vec![
            CounterValue::info("sim_steps", self.steps.get()),
            CounterValue::info("setpoints_applied", self.setpoints.get()),
            CounterValue::problem("setpoints_rejected", self.rejected.get()),
            CounterValue::problem("samples_lost", self.lost.get()),
            CounterValue::problem("late_steps", self.late.get()).shown_when_zero(),
            CounterValue::problem("late_controls", self.late_controls.get()),
            CounterValue::problem("switchings_dropped", self.switchings_dropped.get()),
        ]
    }

    /// `switchings`: one row per network change — the input (index into the `inputs`
    /// label list), the breaker pole that opened at its current zero (-1: the input as a
    /// whole), the instant asked for and the instant used, both ns of simulation time from
    /// the start of the run.
    fn tables(&self) -> Vec<NodeTable> {
        let mut rows = Vec::new();
        while let Some(s) = self.switchings.pop() {
            rows.push(vec![
                i64::try_from(s.input).unwrap_or(-1),
                s.pole.map_or(-1, i64::from),
                s.requested_ns,
                s.instant_ns,
            ]);
        }
        vec![NodeTable {
            name: "switchings",
            columns: vec!["input", "pole", "requested_ns", "instant_ns"],
            rows,
            labels: vec![("inputs", self.input_names.clone())],
        }]
    }
}

/// The timed half: steps the simulator on its deadlines and publishes measurements.
struct GridsimReader {
    sim: Simulator,
    shared: Arc<Shared>,
    /// Simulator input index per mailbox slot.
    targets: Vec<usize>,
    /// Mailbox counter seen per slot.
    seen: Vec<u64>,
    /// Bits of the last value received per slot.
    last_received: Vec<Option<u64>>,
    output_indices: Vec<usize>,
    decimation: u64,
    step_ns: Nanos,
    start: Nanos,
    wall_offset: Nanos,
    /// Index of the next step (0: the initial state, emitted without stepping).
    next: u64,
    /// How far ahead of the clock steps are computed (0: one step per wake-up).
    lookahead: Nanos,
    /// Rows computed ahead and not yet released (`Some` when `lookahead > 0`).
    ahead: Option<AheadRing>,
    /// Model file, for error messages.
    file: String,
    /// Input values set by actions, each applied from its instant.
    controls: Option<ControlReceiver>,
}

impl GridsimReader {
    fn due_at(&self, step: u64) -> Nanos {
        let offset = i64::try_from(step)
            .ok()
            .and_then(|n| n.checked_mul(self.step_ns))
            .unwrap_or(Nanos::MAX - self.start);
        self.start.saturating_add(offset)
    }

    /// Applies the set-points that arrived since the last step and differ from the last ones.
    fn apply_setpoints(&mut self) {
        for (slot, &input) in self.targets.iter().enumerate() {
            let (Some(seen), Some(last)) =
                (self.seen.get_mut(slot), self.last_received.get_mut(slot))
            else {
                continue;
            };
            let Some(value) = self.shared.mailbox.take(slot, seen) else {
                continue;
            };
            if *last == Some(value.to_bits()) {
                continue;
            }
            *last = Some(value.to_bits());
            match self.sim.set_input(input, value) {
                Ok(()) => self.shared.setpoints.inc(),
                Err(_) => self.shared.rejected.inc(),
            }
        }
    }

    /// Applies the input values set by actions whose instant is at or before the start of
    /// step `step` (a value set at T holds for every step that starts at or after T). A value
    /// that should have applied to an earlier step (it came after that step was computed:
    /// lookahead) is applied now and counted in `late_controls`.
    fn apply_controls(&mut self, step: u64) {
        let step_start = self.due_at(step.saturating_sub(1));
        let Some(controls) = self.controls.as_mut() else {
            return;
        };
        while let Some(control) = controls.take_due(step_start) {
            if control.at <= step_start - self.step_ns {
                self.shared.late_controls.inc();
            }
            match self.sim.set_input(control.index, control.value) {
                Ok(()) => self.shared.setpoints.inc(),
                Err(_) => self.shared.rejected.inc(),
            }
        }
    }

    /// Moves the simulator's record of switchings into the shared queue (no allocation).
    fn record_switchings(&mut self) {
        for s in self.sim.switchings() {
            if self.shared.switchings.push(*s).is_err() {
                self.shared.switchings_dropped.inc();
            }
        }
        self.sim.clear_switchings();
    }

    /// Runs step `self.next` (step 0 is the initial state) and counts it late when it
    /// ends after its time slot. Returns the step's index.
    fn advance(&mut self, ctx: &ReadContext<'_>) -> Result<u64, NodeError> {
        let step = self.next;
        if step > 0 {
            self.apply_setpoints();
            self.apply_controls(step);
            self.sim
                .step()
                .map_err(|e| NodeError::Protocol(format!("gridsim ({}): {e}", self.file)))?;
            self.shared.steps.inc();
            self.record_switchings();
            if ctx.current_time() > self.due_at(step + 1) {
                self.shared.late.inc();
            }
        }
        self.next += 1;
        Ok(step)
    }

    /// Whether step `step` publishes a sample.
    fn emits(&self, step: u64) -> bool {
        step.checked_rem(self.decimation) == Some(0)
    }

    /// The published outputs of the current step.
    fn published(&self) -> impl Iterator<Item = f64> + '_ {
        let values = self.sim.outputs();
        self.output_indices
            .iter()
            .map(move |&i| values.get(i).copied().unwrap_or(f64::NAN))
    }

    /// Puts one published row into a pool sample and the batch.
    fn emit(
        &self,
        ctx: &ReadContext<'_>,
        out: &mut Batch,
        seq: u64,
        sim_ns: Nanos,
        values: impl Iterator<Item = f64>,
    ) {
        let Some(mut sample) = ctx.pool.alloc() else {
            // Pool empty: the sample is lost (the engine counts pool exhaustion too).
            self.shared.lost.inc();
            return;
        };
        sample.seq = seq;
        sample.ts_origin = self.start + sim_ns + self.wall_offset;
        for v in values {
            if sample.push(Value::F64(v)).is_err() {
                break;
            }
        }
        if out.push(sample).is_err() {
            self.shared.lost.inc();
        }
    }

    /// One step per wake-up: runs every step that is due and emits the decimated ones.
    fn read_stepwise(&mut self, ctx: &ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        let now = ctx.now;
        while self.due_at(self.next) <= now {
            if self.emits(self.next) && out.is_full() {
                break;
            }
            let step = self.advance(ctx)?;
            if self.emits(step) {
                let sim_ns = self.sim.time_ns();
                self.emit(ctx, out, step / self.decimation, sim_ns, self.published());
            }
        }
        Ok(())
    }

    /// Lookahead: releases the rows whose instant has come; computes steps up to
    /// `lookahead` ahead of the clock into the ring, checking for due rows after every
    /// step. Once this call has released rows it computes at most two output periods of
    /// steps more (catching up at twice real time) and returns, so released rows reach
    /// the path within a few steps' compute time; with nothing released it computes until
    /// a row is due or the lookahead is full.
    fn read_ahead(
        &mut self,
        ring: &mut AheadRing,
        ctx: &ReadContext<'_>,
        out: &mut Batch,
    ) -> Result<(), NodeError> {
        let mut budget = self.decimation.saturating_mul(2);
        loop {
            let now = ctx.current_time();
            while let Some(row) = ring.front() {
                if self.start + row.sim_ns > now || out.is_full() {
                    break;
                }
                self.emit(ctx, out, row.seq, row.sim_ns, row.values.iter().copied());
                ring.pop();
            }
            if out.is_full() || ring.is_full() || self.due_at(self.next) > now + self.lookahead {
                return Ok(());
            }
            if !out.is_empty() {
                if budget == 0 {
                    return Ok(());
                }
                budget -= 1;
            }
            let step = self.advance(ctx)?;
            if self.emits(step) {
                let seq = step / self.decimation;
                let sim_ns = self.sim.time_ns();
                ring.push(seq, sim_ns, self.published());
            }
        }
    }
}

impl NodeReader for GridsimReader {
    fn due(&self) -> Due {
        let step_due = self.due_at(self.next);
        let Some(ring) = &self.ahead else {
            return Due::At(step_due);
        };
        let release = ring.front().map(|row| self.start + row.sim_ns);
        // The release wake-ups keep the lookahead filled; computing needs a wake-up of its
        // own only when less than a quarter of it is left (after a long stall, at start).
        let compute = (!ring.is_full()).then(|| step_due - self.lookahead / 4);
        match (release, compute) {
            (Some(r), Some(c)) => Due::At(r.min(c)),
            (Some(t), None) | (None, Some(t)) => Due::At(t),
            (None, None) => Due::At(step_due),
        }
    }

    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        match self.ahead.take() {
            None => self.read_stepwise(ctx, out),
            Some(mut ring) => {
                let result = self.read_ahead(&mut ring, ctx, out);
                self.ahead = Some(ring);
                result
            }
        }
    }
}

/// The writing half: posts received set-points into the mailboxes.
struct GridsimWriter {
    shared: Arc<Shared>,
    /// Mailbox slot of each signal of the writing path.
    slot_of_signal: Vec<usize>,
}

impl NodeWriter for GridsimWriter {
    fn write(&mut self, samples: &[SampleRef], _ctx: &WriteContext) -> Result<usize, NodeError> {
        for sample in samples {
            for (value, &slot) in sample.values().iter().zip(&self.slot_of_signal) {
                self.shared.mailbox.post(slot, value.as_f64());
            }
        }
        Ok(samples.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridhil_engine::clock::VirtualClock;
    use gridhil_engine::sample::SamplePool;

    fn grids() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/grids")
    }

    fn prepared(text: &str) -> Result<GridsimConfig, String> {
        let mut config: GridsimConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config
            .prepare(&ConfigContext {
                name: "grid".into(),
                config_dir: grids(),
            })
            .map_err(|e| e.to_string())?;
        Ok(config)
    }

    fn build(config: &GridsimConfig) -> (NodeIo, Arc<VirtualClock>, Arc<SamplePool>) {
        // Real time moved by hand: lookahead is only used in real time.
        let clock = Arc::new(VirtualClock::manual_real_time(0));
        let pool = SamplePool::new(64, 256);
        let ctx = BuildContext {
            name: "grid".into(),
            clock: clock.clone(),
            pool: Arc::clone(&pool),
            start: 0,
            end: None,
            wall_offset: 1_000,
            batch_size: 16,
            controls: Default::default(),
        };
        (config.build(&ctx).unwrap(), clock, pool)
    }

    #[test]
    fn outputs_are_chosen_by_name_with_units() {
        let config = prepared(
            "model = \"feeder10.toml\"\noutputs = [\"mv0.va\", \"grid.ia\", \"mv0.freq\"]\n",
        )
        .unwrap();
        let signals = config.output_signals();
        let names: Vec<(&str, &str)> = signals
            .iter()
            .map(|s| (s.name.as_str(), s.unit.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![("mv0.va", "V"), ("grid.ia", "A"), ("mv0.freq", "Hz")]
        );
        let all = prepared("model = \"feeder10.toml\"\n").unwrap();
        assert!(all.output_signals().len() > 30);
    }

    #[test]
    fn bad_configs_name_the_problem() {
        let missing = prepared("model = \"nope.toml\"\n").unwrap_err();
        assert!(missing.contains("nope.toml"), "{missing}");
        let output = prepared("model = \"feeder10.toml\"\noutputs = [\"mv9.va\"]\n").unwrap_err();
        assert!(
            output.contains("`mv9.va`") && output.contains("mv0.va"),
            "{output}"
        );
        for text in [
            "model = \"feeder10.toml\"\ndecimation = 0\n",
            "model = \"feeder10.toml\"\noutputs = []\n",
            "model = \"feeder10.toml\"\nstep = \"0us\"\n",
        ] {
            assert!(prepared(text).is_err(), "{text}");
        }
        let mut config = prepared("model = \"feeder10.toml\"\n").unwrap();
        let err = config
            .connect_input(&[Signal::f64("pv7.p_ref"), Signal::f64("pv7.x")])
            .unwrap_err();
        assert!(
            err.message.contains("`pv7.x`") && err.message.contains("pv7.q_ref"),
            "{err}"
        );
    }

    #[test]
    fn reader_emits_every_decimated_step_on_a_late_wake_up() {
        let config =
            prepared("model = \"feeder10.toml\"\ndecimation = 2\noutputs = [\"mv0.va\"]\n")
                .unwrap();
        let (io, clock, pool) = build(&config);
        let mut reader = io.reader.unwrap();
        assert_eq!(reader.due(), Due::At(0));
        clock.advance_to(250_000);
        let mut out = Batch::with_capacity(16);
        let mut ctx = ReadContext::new(clock.as_ref(), &pool, 0, None);
        reader.read(&mut ctx, &mut out).unwrap();
        let seqs: Vec<u64> = out.as_slice().iter().map(|s| s.seq).collect();
        assert_eq!(seqs, vec![0, 1, 2]);
        let origins: Vec<i64> = out.as_slice().iter().map(|s| s.ts_origin).collect();
        assert_eq!(origins, vec![1_000, 101_000, 201_000]);
        assert_eq!(reader.due(), Due::At(300_000));
        assert!(out.as_slice().iter().all(|s| s.values().len() == 1));
    }

    fn counter(io: &NodeIo, name: &str) -> u64 {
        let counters = io.counters.as_ref().unwrap().snapshot();
        counters.iter().find(|c| c.name == name).unwrap().value
    }

    /// Builds the node and splits off its reader.
    fn build_reader(
        config: &GridsimConfig,
    ) -> (
        Box<dyn NodeReader>,
        NodeIo,
        Arc<VirtualClock>,
        Arc<SamplePool>,
    ) {
        let (mut io, clock, pool) = build(config);
        let reader = io.reader.take().unwrap();
        (reader, io, clock, pool)
    }

    /// Reads at each instant; returns (seq, ts_origin, value bits) of every sample.
    fn read_at(
        reader: &mut dyn NodeReader,
        clock: &VirtualClock,
        pool: &Arc<SamplePool>,
        instants: &[i64],
    ) -> Vec<(u64, i64, Vec<u64>)> {
        let mut rows = Vec::new();
        for &t in instants {
            clock.advance_to(t);
            // As the engine does: read again while the reader says it is due.
            for _ in 0..10_000 {
                let mut out = Batch::with_capacity(16);
                let mut ctx = ReadContext::new(clock, pool, 0, None);
                reader.read(&mut ctx, &mut out).unwrap();
                rows.extend(out.as_slice().iter().map(|s| {
                    let bits = s.values().iter().map(|v| v.as_f64().to_bits()).collect();
                    (s.seq, s.ts_origin, bits)
                }));
                if !matches!(reader.due(), Due::At(due) if due <= t) {
                    break;
                }
            }
        }
        rows
    }

    #[test]
    fn late_steps_are_those_that_end_after_their_slot() {
        let config = prepared("model = \"feeder10.toml\"\noutputs = [\"mv0.va\"]\n").unwrap();
        let (mut reader, io, clock, pool) = build_reader(&config);
        // Woken at 250 us: steps 1-5 run then; steps 1, 2 and 3 end after their slots.
        let rows = read_at(reader.as_mut(), &clock, &pool, &[250_000]);
        assert_eq!(rows.len(), 6);
        assert_eq!(counter(&io, "late_steps"), 3);
    }

    #[test]
    fn lookahead_releases_the_same_samples_at_their_instants() {
        let text =
            "model = \"feeder10.toml\"\ndecimation = 2\noutputs = [\"mv0.va\", \"grid.ia\"]\n";
        let stepwise = prepared(text).unwrap();
        let ahead = prepared(&format!("{text}lookahead = \"1ms\"\n")).unwrap();
        let instants: Vec<i64> = (0..40).map(|k| k * 70_000).collect();
        let (mut reader_a, _io_a, clock_a, pool_a) = build_reader(&stepwise);
        let (mut reader_b, io_b, clock_b, pool_b) = build_reader(&ahead);
        let a = read_at(reader_a.as_mut(), &clock_a, &pool_a, &instants);
        let b = read_at(reader_b.as_mut(), &clock_b, &pool_b, &[0]);
        // At 0 only the initial state is released (returned at once), then 1 ms is
        // computed ahead.
        assert_eq!(b.len(), 1);
        assert_eq!(reader_b.due(), Due::At(100_000), "next release");
        let b: Vec<_> = b
            .into_iter()
            .chain(read_at(
                reader_b.as_mut(),
                &clock_b,
                &pool_b,
                &instants[1..],
            ))
            .collect();
        assert_eq!(a.len(), 28);
        assert_eq!(a, b, "same rows, same instants, same values");
        assert_eq!(counter(&io_b, "late_steps"), 0);
    }

    #[test]
    fn lookahead_returns_due_rows_before_computing_more() {
        let text = "model = \"feeder10.toml\"\ndecimation = 2\noutputs = [\"mv0.va\"]\nlookahead = \"1ms\"\n";
        let config = prepared(text).unwrap();
        let (mut reader, io, clock, pool) = build_reader(&config);
        read_at(reader.as_mut(), &clock, &pool, &[0]);
        let steps = counter(&io, "sim_steps");
        assert_eq!(steps, 20, "1 ms computed ahead");
        // A 5 ms stall: the first read hands over the rows already computed at once.
        clock.advance_to(5_000_000);
        let mut out = Batch::with_capacity(64);
        let mut ctx = ReadContext::new(clock.as_ref(), &pool, 0, None);
        reader.read(&mut ctx, &mut out).unwrap();
        // The 10 rows computed before the stall, and the 2 rows of the 4 steps computed
        // after releasing (both already due), then it returns.
        assert_eq!(out.len(), 12);
        assert_eq!(
            counter(&io, "sim_steps"),
            steps + 4,
            "two output periods of steps computed after releasing, then returned"
        );
        assert!(
            matches!(reader.due(), Due::At(t) if t <= 5_000_000),
            "wakes again at once"
        );
    }

    #[test]
    fn lookahead_is_refused_with_setpoint_inputs_or_out_of_range() {
        let mut config = prepared("model = \"feeder10.toml\"\nlookahead = \"50ms\"\n").unwrap();
        let err = config
            .connect_input(&[Signal::f64("pv7.p_ref")])
            .unwrap_err();
        assert_eq!(err.field, Some(FieldPath::parse("lookahead")), "{err}");
        let err = prepared("model = \"feeder10.toml\"\nlookahead = \"11s\"\n").unwrap_err();
        assert!(err.contains("lookahead"), "{err}");
    }

    #[test]
    fn refused_setpoints_are_counted_and_repeats_applied_once() {
        let mut config = prepared("model = \"feeder10.toml\"\noutputs = [\"ld4.p\"]\n").unwrap();
        config
            .connect_input(&[Signal::f64("ld4.p"), Signal::f64("pv7.q_ref")])
            .unwrap();
        let (io, clock, pool) = build(&config);
        let (mut reader, mut writer) = (io.reader.unwrap(), io.writer.unwrap());
        let counters = io.counters.unwrap();
        let count = |name: &str| {
            counters
                .snapshot()
                .into_iter()
                .find(|c| c.name == name)
                .map_or(0, |c| c.value)
        };
        let write = |writer: &mut Box<dyn NodeWriter>, values: [f64; 2]| {
            let mut sample = pool.alloc().unwrap();
            for v in values {
                sample.push(Value::F64(v)).unwrap();
            }
            let ctx = WriteContext::now(clock.as_ref());
            writer.write(&[sample], &ctx).unwrap();
        };
        let step = |reader: &mut Box<dyn NodeReader>, k: i64| {
            clock.advance_to(k * 50_000);
            let mut out = Batch::with_capacity(4);
            let mut ctx = ReadContext::new(clock.as_ref(), &pool, 0, None);
            reader.read(&mut ctx, &mut out).unwrap();
        };
        step(&mut reader, 0);
        write(&mut writer, [-1.0, 1e5]);
        step(&mut reader, 1);
        assert_eq!(count("setpoints_rejected"), 1, "negative load power");
        assert_eq!(count("setpoints_applied"), 1);
        write(&mut writer, [-1.0, 1e5]);
        step(&mut reader, 2);
        assert_eq!(count("setpoints_applied"), 1, "a repeated value acts once");
        write(&mut writer, [2e6, 1e5]);
        step(&mut reader, 3);
        assert_eq!(count("setpoints_applied"), 2);
        assert_eq!(count("sim_steps"), 3);
    }

    #[test]
    fn a_setpoint_changes_the_inverter_current() {
        let text = "model = \"feeder10.toml\"\noutputs = [\"pv7.ia\"]\n";
        let run = |setpoint: Option<f64>| -> f64 {
            let mut config = prepared(text).unwrap();
            config.connect_input(&[Signal::f64("pv7.p_ref")]).unwrap();
            let (io, clock, pool) = build(&config);
            let (mut reader, mut writer) = (io.reader.unwrap(), io.writer.unwrap());
            if let Some(p) = setpoint {
                let mut sample = pool.alloc().unwrap();
                sample.push(Value::F64(p)).unwrap();
                let ctx = WriteContext::now(clock.as_ref());
                assert_eq!(writer.write(&[sample], &ctx).unwrap(), 1);
            }
            let mut peak: f64 = 0.0;
            for k in 0..2_000 {
                clock.advance_to(k * 50_000);
                let mut out = Batch::with_capacity(16);
                let mut ctx = ReadContext::new(clock.as_ref(), &pool, 0, None);
                reader.read(&mut ctx, &mut out).unwrap();
                if k > 1_000 {
                    for s in out.as_slice() {
                        peak = peak.max(s.values()[0].as_f64().abs());
                    }
                }
            }
            peak
        };
        let (base, halved) = (run(None), run(Some(250e3)));
        assert!(base > 0.0 && halved < 0.7 * base, "{base} {halved}");
    }

    #[test]
    fn an_action_sets_an_input_from_its_instant_on() {
        use gridhil_engine::control::{control_channel, ControlValue};
        let config = prepared("model = \"feeder10.toml\"\noutputs = [\"pv7.ia\"]\n").unwrap();
        let controls = config.controls();
        let p_ref = controls
            .iter()
            .position(|c| c.name == "pv7.p_ref")
            .expect("pv7.p_ref is a control");
        assert_eq!(controls[p_ref].unit, "W");
        // Two identical runs of 40 steps; in the second, p_ref drops to 0 at step 20.
        let run = |action: bool| -> Vec<f64> {
            let clock = Arc::new(VirtualClock::new(0));
            let pool = SamplePool::new(64, 4);
            let (tx, rx) = control_channel();
            if action {
                tx.send(ControlValue {
                    index: p_ref,
                    hook: 0,
                    value: 0.0,
                    at: 20 * 50_000,
                })
                .unwrap();
            }
            let ctx = BuildContext {
                name: "grid".into(),
                clock: clock.clone(),
                pool: Arc::clone(&pool),
                start: 0,
                end: None,
                wall_offset: 0,
                batch_size: 64,
                controls: gridhil_engine::node::ControlSlot::new(rx),
            };
            let mut reader = config.build(&ctx).unwrap().reader.unwrap();
            let mut values = Vec::new();
            for k in 0..40 {
                clock.advance_to(k * 50_000);
                let mut out = Batch::with_capacity(4);
                let mut read = ReadContext::new(clock.as_ref(), &pool, 0, None);
                reader.read(&mut read, &mut out).unwrap();
                values.extend(out.as_slice().iter().map(|s| s.values()[0].as_f64()));
            }
            values
        };
        let (before, after) = (run(false), run(true));
        assert_eq!(before.len(), 40);
        assert_eq!(
            before[..21],
            after[..21],
            "nothing changes before and at 1 ms"
        );
        assert!(
            (before[39] - after[39]).abs() > 1.0,
            "the inverter current follows p_ref = 0: {} vs {}",
            before[39],
            after[39]
        );
    }
}
