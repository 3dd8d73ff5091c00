//! The fixed-step EMT solver.
//!
//! Each step: apply due events and inputs, refactorise the nodal matrix if
//! the topology changed, compute source EMFs and controller outputs, build
//! the right-hand side from companion history terms, solve, update branch
//! states, then measurements and outputs.

mod build;
mod companion;
mod elements;
mod factor_cache;
mod init;
mod lu;
mod meter;
mod outputs;
mod switching;

use companion::Branch;
use elements::*;
use factor_cache::FactorCache;
use lu::DenseLu;
use meter::{Pll, RmsWindow};
use outputs::{power, Out};
use switching::{Pass, Rule};

use crate::error::SimError;
use crate::event::{Event, EventAction, Switching};
use crate::model::{InputTarget, NetworkModel};

/// Initial state of a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// Sinusoidal steady state at the nominal frequency from a phasor solve
    /// (inverters at their set-points, constant-power loads at their
    /// power). Falls back to [`Start::Rest`] when a source runs at another
    /// frequency. Swing machines start at nominal speed with their `p_set`.
    #[default]
    SteadyState,
    /// All voltages and currents zero: sources switch on at t = 0.
    Rest,
}

/// Simulation options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimOptions {
    /// Fixed time step in nanoseconds (default 50 000 = 50 µs).
    pub step_ns: i64,
    /// Initial state (default [`Start::SteadyState`]).
    pub start: Start,
    /// Room reserved for events added with [`Simulator::schedule`] beyond
    /// those of the model file; scheduling more still works but may
    /// allocate (default 1024).
    pub event_capacity: usize,
    /// Factorisations of earlier network states kept for reuse when a switching event
    /// returns to one of them (default 8; 0 turns the cache off; fewer for networks
    /// whose matrices would take more than 32 MiB).
    pub factor_cache: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            step_ns: 50_000,
            start: Start::SteadyState,
            event_capacity: 1024,
            factor_cache: 8,
        }
    }
}

/// Per-bus measurement estimators.
#[derive(Debug, Clone)]
struct BusMeter {
    rms: Option<[RmsWindow; 3]>,
    pll: Option<Pll>,
}

/// An active ramp on an input.
#[derive(Debug, Clone, Copy)]
struct Ramp {
    from: f64,
    to: f64,
    t0: i64,
    t1: i64,
}

/// Run-time state of one input.
#[derive(Debug, Clone)]
struct InputState {
    target: InputTarget,
    unit: crate::model::units::Unit,
    value: f64,
    changed: bool,
    /// When the last change was asked for (event time or `set_input` time).
    requested_ns: i64,
    ramp: Option<Ramp>,
}

/// A running EMT simulation of one [`NetworkModel`].
///
/// All memory is allocated by [`Simulator::new`]; [`Simulator::step`] does
/// not allocate, also not on switching events (the matrix is refactorised
/// in place).
#[derive(Debug, Clone)]
pub struct Simulator {
    dt: f64,
    step_ns: i64,
    time_ns: i64,
    omega0: f64,
    cycle_steps: usize,
    step_count: u64,
    lu: DenseLu,
    rhs: Vec<f64>,
    x: Vec<f64>,
    unknown_names: Vec<String>,
    branches: Vec<Branch>,
    sources: Vec<SourceState>,
    inverters: Vec<InverterState>,
    loads: Vec<LoadState>,
    switches: Vec<SwitchState>,
    faults: Vec<FaultState>,
    transformers: Vec<TransformerState>,
    meters: Vec<BusMeter>,
    input_names: Vec<String>,
    inputs: Vec<InputState>,
    events: Vec<Event>,
    next_event: usize,
    output_names: Vec<String>,
    outputs: Vec<f64>,
    outs: Vec<Out>,
    dirty: bool,
    factorisations: u64,
    factor_cache: FactorCache,
    /// The next step continues the damping of an interpolated switching.
    damping_pending: bool,
    /// Unknowns of the damped subnetwork (see `switching`).
    damped_unknown: Vec<bool>,
    /// Union-find parents over the unknowns (damped subnetwork search).
    uf_parent: Vec<usize>,
    /// Node voltages and inverter integrators at the start of a step that may
    /// switch inside it.
    saved_x: Vec<f64>,
    saved_integ: Vec<[f64; 2]>,
    /// Inverter integrators of the ordinary solve during an interpolated switching.
    kept_integ: Vec<[f64; 2]>,
    /// Second half-step solution of an interpolated switching.
    mid_branches: Vec<Branch>,
    mid_x: Vec<f64>,
    /// Ordinary solution of the undamped part during an interpolated switching.
    kept_x: Vec<f64>,
    /// Switchings made (see `switchings`).
    switchings: switching::SwitchingLog,
}

impl Simulator {
    /// Builds the simulator: numbers the unknowns, allocates every buffer,
    /// stamps and factorises the nodal matrix, and sets the initial state at
    /// time 0 (see [`Start`]); the model's events are scheduled.
    pub fn new(model: &NetworkModel, options: SimOptions) -> Result<Self, SimError> {
        build::build(model, options)
    }

    /// Names of the output values, in the order of [`Simulator::outputs`].
    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Units of the outputs (`"V"`, `"A"`, `"W"`, `"var"`, `"Hz"`, or `""`
    /// for switch states), in the order of [`Simulator::output_names`].
    pub fn output_units(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.outs.iter().map(|o| o.unit())
    }

    /// Units of the inputs (`"V"`, `"deg"`, `"Hz"`, `"W"`, `"var"`, or `""`
    /// for taps in pu and switch/fault commands), in the order of
    /// [`Simulator::input_names`].
    pub fn input_units(&self) -> impl ExactSizeIterator<Item = &'static str> + '_ {
        self.inputs.iter().map(|i| i.unit.signal_symbol())
    }

    /// Index of an output by name.
    pub fn output_index(&self, name: &str) -> Option<usize> {
        self.output_names.iter().position(|n| n == name)
    }

    /// Output values of the current step (before the first step: the
    /// initial state at t = 0).
    pub fn outputs(&self) -> &[f64] {
        &self.outputs
    }

    /// Names of the inputs (set-points and switch commands).
    pub fn input_names(&self) -> &[String] {
        &self.input_names
    }

    /// Index of an input by name.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.input_names.iter().position(|n| n == name)
    }

    /// Present value of an input.
    pub fn input_value(&self, index: usize) -> Option<f64> {
        self.inputs.get(index).map(|i| i.value)
    }

    /// Sets an input; it takes effect in the next [`Simulator::step`] (a
    /// switching at the present time [`Simulator::time_ns`], the start of that
    /// step). A ramp running on that input is cancelled. Switch and fault inputs
    /// read values ≥ 0.5 as closed/on.
    pub fn set_input(&mut self, index: usize, value: f64) -> Result<(), SimError> {
        self.check_input(index, value)?;
        let now = self.time_ns;
        if let Some(inp) = self.inputs.get_mut(index) {
            inp.ramp = None;
            if inp.value != value {
                inp.value = value;
                inp.changed = true;
                inp.requested_ns = now;
            }
        }
        Ok(())
    }

    /// Changes of the network matrix made so far (switch, fault, load and tap
    /// inputs, breaker poles at their current zeros), each with the instant the
    /// solution switched at, oldest first. Room for as many as
    /// [`SimOptions::event_capacity`] plus the model's events is reserved; further
    /// ones are counted by [`Simulator::switchings_dropped`] until
    /// [`Simulator::clear_switchings`] makes room (neither allocates).
    pub fn switchings(&self) -> &[Switching] {
        &self.switchings.entries
    }

    /// Forgets the recorded switchings (keeps the room).
    pub fn clear_switchings(&mut self) {
        self.switchings.entries.clear();
    }

    /// Switchings not recorded because the record was full.
    pub fn switchings_dropped(&self) -> u64 {
        self.switchings.dropped
    }

    /// Adds a timed event. Events may be scheduled at any time, also while
    /// running; past times take effect in the next step. This call may
    /// allocate once more than [`SimOptions::event_capacity`] events were
    /// added.
    pub fn schedule(&mut self, event: Event) -> Result<(), SimError> {
        let value = match event.action {
            EventAction::Set(v) => v,
            EventAction::Ramp { to, duration_ns } => {
                if duration_ns <= 0 {
                    return Err(self.input_error(event.input, "ramp duration must be positive"));
                }
                if self
                    .inputs
                    .get(event.input)
                    .is_some_and(|i| i.target.changes_matrix())
                {
                    return Err(self.input_error(
                        event.input,
                        "this input changes the network matrix and cannot be ramped",
                    ));
                }
                to
            }
        };
        self.check_input(event.input, value)?;
        let pos = self.next_event
            + self.events[self.next_event..].partition_point(|e| e.time_ns <= event.time_ns);
        self.events.insert(pos, event);
        Ok(())
    }

    /// Simulation time of the current outputs, in nanoseconds.
    pub fn time_ns(&self) -> i64 {
        self.time_ns
    }

    /// The fixed step in nanoseconds.
    pub fn step_ns(&self) -> i64 {
        self.step_ns
    }

    /// Number of unknowns of the nodal equations (3 per bus plus one per
    /// ideal-source phase).
    pub fn unknown_count(&self) -> usize {
        self.unknown_names.len()
    }

    /// Number of matrix factorisations so far (one at construction, then
    /// one per step that changed the network matrix).
    pub fn factorisations(&self) -> u64 {
        self.factorisations
    }

    /// Number of network-matrix changes served from the factorisation cache (a state
    /// seen before, e.g. a breaker reclosing) instead of a new factorisation.
    pub fn factorisations_reused(&self) -> u64 {
        self.factor_cache.reused()
    }

    /// Non-zeros of the L and U factors used by the per-step solve (`None`
    /// when the solve fell back to the dense factors).
    pub fn factor_nonzeros(&self) -> Option<usize> {
        self.lu.is_sparse().then(|| self.lu.factor_nonzeros())
    }

    fn input_error(&self, index: usize, message: &str) -> SimError {
        match self.input_names.get(index) {
            Some(name) => SimError::InputValue {
                name: name.clone(),
                message: message.to_string(),
            },
            None => SimError::InputIndex {
                index,
                count: self.inputs.len(),
            },
        }
    }

    fn check_input(&self, index: usize, value: f64) -> Result<(), SimError> {
        let Some(inp) = self.inputs.get(index) else {
            return Err(SimError::InputIndex {
                index,
                count: self.inputs.len(),
            });
        };
        if !value.is_finite() {
            return Err(self.input_error(index, "value is not finite"));
        }
        let ok = match inp.target {
            InputTarget::SourceVoltage(_)
            | InputTarget::SourceFrequency(_)
            | InputTarget::LoadP(_) => value >= 0.0,
            InputTarget::TransformerTap(_) => value > 0.0,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(self.input_error(index, "value out of range"))
        }
    }

    /// Advances the simulation by one step. Never allocates.
    ///
    /// A change of the network matrix asked for at instant T is made at T: the
    /// sample at T still shows the network before it. When T is a step boundary
    /// the step from T starts with the new network; when T falls inside a step
    /// (an event time off the grid, a breaker pole's current zero) the step is
    /// solved up to T by interpolation, switched there and brought back onto the
    /// step grid (see `switching`). [`Simulator::switchings`] records the instants.
    pub fn step(&mut self) -> Result<(), SimError> {
        let t0 = self.time_ns;
        let t = t0 + self.step_ns;
        let event_inside = self.apply_events(t0, t);
        self.apply_ramps(t);
        self.apply_inputs(t0);
        if self.step_count % self.cycle_steps as u64 == 0 && self.step_count > 0 {
            self.update_constant_power();
        }
        if self.dirty {
            // Switching at the start of this step: refactorise, and damp the
            // subnetwork whose state jumps with two backward-Euler half steps
            // (same matrix) so that forced current changes in inductors do not
            // ring at the Nyquist frequency.
            self.refactor()?;
            self.mark_damped();
            self.damped_step(t)?;
        } else if self.damping_pending {
            self.damped_step(t)?;
        } else {
            let watch = self.may_switch_inside(event_inside);
            if watch {
                self.save_state();
            }
            self.solve_pass(Pass::FULL, t)?;
            if watch {
                self.switch_inside(event_inside, t0, t)?;
            }
        }
        for s in &mut self.sources {
            s.advance(self.dt);
        }
        self.post_step();
        self.time_ns = t;
        self.step_count += 1;
        self.fill_outputs();
        Ok(())
    }

    /// Applies the events due in the step from `t0` to `t`: set-points and ramps
    /// with a time up to `t` (they act on the solution at `t`), matrix changes
    /// with a time up to `t0` (they act from `t0`). Stops at the first matrix
    /// change after `t0` and returns its time if it lies before `t` (inside the
    /// step).
    fn apply_events(&mut self, t0: i64, t: i64) -> Option<i64> {
        while let Some(ev) = self.events.get(self.next_event).copied() {
            if ev.time_ns > t {
                break;
            }
            let Some(inp) = self.inputs.get_mut(ev.input) else {
                self.next_event += 1;
                continue;
            };
            if inp.target.changes_matrix() && ev.time_ns > t0 {
                return (ev.time_ns < t).then_some(ev.time_ns);
            }
            self.next_event += 1;
            match ev.action {
                EventAction::Set(v) => {
                    inp.ramp = None;
                    if inp.value != v {
                        inp.value = v;
                        inp.changed = true;
                        inp.requested_ns = ev.time_ns;
                    }
                }
                EventAction::Ramp { to, duration_ns } => {
                    inp.ramp = Some(Ramp {
                        from: inp.value,
                        to,
                        t0: ev.time_ns,
                        t1: ev.time_ns.saturating_add(duration_ns),
                    });
                }
            }
        }
        None
    }

    fn apply_ramps(&mut self, t: i64) {
        for inp in &mut self.inputs {
            if let Some(r) = inp.ramp {
                let v = if t >= r.t1 {
                    inp.ramp = None;
                    r.to
                } else {
                    let frac = (t - r.t0).max(0) as f64 / (r.t1 - r.t0) as f64;
                    r.from + (r.to - r.from) * frac
                };
                inp.value = v;
                inp.changed = true;
            }
        }
    }

    /// Applies changed inputs; matrix changes are recorded at `instant`.
    fn apply_inputs(&mut self, instant: i64) {
        let (omega, dt) = (self.omega0, self.dt);
        for (index, inp) in self.inputs.iter_mut().enumerate() {
            if !inp.changed {
                continue;
            }
            inp.changed = false;
            let mut switched = false;
            let v = inp.value;
            match inp.target {
                InputTarget::SourceVoltage(i) => {
                    if let Some(s) = self.sources.get_mut(i) {
                        s.v_ll = v;
                    }
                }
                InputTarget::SourcePhase(i) => {
                    if let Some(s) = self.sources.get_mut(i) {
                        s.phase_rad = v.to_radians();
                    }
                }
                InputTarget::SourceFrequency(i) => {
                    if let Some(s) = self.sources.get_mut(i) {
                        s.freq = v;
                    }
                }
                InputTarget::SwingPower(i) => {
                    if let Some(sw) = self.sources.get_mut(i).and_then(|s| s.swing.as_mut()) {
                        sw.params.p_set = v;
                    }
                }
                InputTarget::LoadP(i) | InputTarget::LoadQ(i) => {
                    if let Some(l) = self.loads.get_mut(i) {
                        if matches!(inp.target, InputTarget::LoadP(_)) {
                            l.p = v;
                        } else {
                            l.q = v;
                        }
                        l.apply(&mut self.branches, omega, dt);
                        switched = true;
                    }
                }
                InputTarget::SwitchClosed(i) => {
                    if let Some(s) = self.switches.get_mut(i) {
                        let close = v >= 0.5;
                        for k in 0..3 {
                            if close {
                                s.pending_open[k] = false;
                                if !s.closed[k] {
                                    s.closed[k] = true;
                                    set_resistance(&mut self.branches, s.br[k], s.r_closed, dt);
                                    switched = true;
                                }
                            } else if s.closed[k] {
                                if s.breaker {
                                    s.pending_open[k] = true;
                                } else {
                                    s.closed[k] = false;
                                    set_resistance(&mut self.branches, s.br[k], s.r_open, dt);
                                    switched = true;
                                }
                            }
                        }
                    }
                }
                InputTarget::FaultOn(i) => {
                    if let Some(f) = self.faults.get_mut(i) {
                        let on = v >= 0.5;
                        if on != f.on {
                            f.on = on;
                            for k in 0..3 {
                                if let (true, Some(b)) =
                                    (f.phases[k], self.branches.get_mut(f.br[k]))
                                {
                                    b.active = on;
                                    b.switched = true;
                                    b.comp.reset();
                                    b.comp.set(f.r, 0.0, None, dt);
                                }
                            }
                            switched = true;
                        }
                    }
                }
                InputTarget::InverterP(i) => {
                    if let Some(x) = self.inverters.get_mut(i) {
                        x.p_ref = v;
                    }
                }
                InputTarget::InverterQ(i) => {
                    if let Some(x) = self.inverters.get_mut(i) {
                        x.q_ref = v;
                    }
                }
                InputTarget::TransformerTap(i) => {
                    if let Some(tr) = self.transformers.get_mut(i) {
                        tr.tap = v;
                        tr.apply(&mut self.branches);
                        switched = true;
                    }
                }
            }
            if switched {
                self.dirty = true;
                let s = Switching {
                    input: index,
                    pole: None,
                    requested_ns: inp.requested_ns,
                    instant_ns: instant,
                };
                self.switchings.record(s);
            }
        }
    }
    /// Once per nominal cycle: new constant-power scale factors from the
    /// bus RMS voltages.
    fn update_constant_power(&mut self) {
        for load in self.loads.iter_mut().filter(|l| l.constant_power) {
            let Some(rms) = self.meters.get(load.bus).and_then(|m| m.rms.as_ref()) else {
                continue;
            };
            for (k, w) in rms.iter().enumerate().filter(|(_, w)| w.filled()) {
                let v = w.rms().max(load.v_min * load.v_ph);
                load.k[k] = (load.v_ph / v).powi(2);
            }
        }
    }

    /// Restamps the nodal matrix and factorises it.
    fn refactor(&mut self) -> Result<(), SimError> {
        self.lu.clear();
        for b in self.branches.iter().filter(|b| b.active) {
            let g = b.comp.g;
            for &(i, ci) in b.terms() {
                for &(j, cj) in b.terms() {
                    self.lu.add(i, j, g * ci * cj);
                }
            }
        }
        for s in &self.sources {
            for &slot in &s.slots {
                if let Slot::Mna(row) = slot {
                    // The MNA row's node is encoded by the slot order; see
                    // `mna_node`.
                    let node = self.mna_node(row);
                    self.lu.add(node, row, -1.0);
                    self.lu.add(row, node, 1.0);
                }
            }
        }
        if self.factor_cache.restore_or_begin_store(&mut self.lu) {
            self.dirty = false;
            return Ok(());
        }
        self.factorisations += 1;
        self.lu.factor().map_err(|col| SimError::Singular {
            unknown: self
                .unknown_names
                .get(col)
                .cloned()
                .unwrap_or_else(|| format!("#{col}")),
        })?;
        self.factor_cache.finish_store(&self.lu);
        // Only a successful factorisation clears the flag: after a
        // `Singular` error every later step reports it again.
        self.dirty = false;
        Ok(())
    }

    /// Bus phase unknown of an ideal-source MNA row.
    fn mna_node(&self, row: usize) -> usize {
        for s in &self.sources {
            for (k, &slot) in s.slots.iter().enumerate() {
                if let Slot::Mna(r) = slot {
                    if r == row {
                        return s.bus_node(k);
                    }
                }
            }
        }
        0
    }

    /// One solution of the network equations, each branch by its rule in `pass`.
    fn solve_pass(&mut self, pass: Pass, t: i64) -> Result<(), SimError> {
        self.drive_sources(pass);
        self.assemble_rhs(pass);
        self.lu.solve(&self.rhs, &mut self.x);
        if !self.x.iter().all(|v| v.is_finite()) {
            return Err(SimError::Diverged { time_ns: t });
        }
        self.update_branches(pass);
        Ok(())
    }

    /// Source EMFs, inverter controls and constant-power compensation for the
    /// solution at the end of the step (trapezoidal branches) or at `pass.at`
    /// (backward-Euler half steps); frozen parts keep theirs.
    fn drive_sources(&mut self, pass: Pass) {
        let dt = self.dt;
        for si in 0..self.sources.len() {
            let full = self.sources[si].emf_after(dt);
            let part = if pass.damped == Rule::BackwardHalf {
                self.sources[si].emf_after(pass.at)
            } else {
                full
            };
            for k in 0..3 {
                let slot = self.sources[si].slots[k];
                let rule = if self.slot_damped(slot) {
                    pass.damped
                } else {
                    pass.others
                };
                let e = match rule {
                    Rule::Trapezoidal => full[k],
                    Rule::BackwardHalf => part[k],
                    Rule::Frozen => continue,
                };
                self.sources[si].e[k] = e;
                if let Slot::Branch(b) = slot {
                    if let Some(br) = self.branches.get_mut(b) {
                        br.drive = e;
                    }
                }
            }
        }
        for inv in &mut self.inverters {
            let rule = self
                .branches
                .get(inv.br[0])
                .map_or(pass.others, |b| pass.rule(b));
            let (h, ahead) = match rule {
                Rule::Trapezoidal => (dt, dt),
                Rule::BackwardHalf => (0.5 * dt, pass.at),
                Rule::Frozen => continue,
            };
            let base = 3 * inv.bus;
            let v = [self.x[base], self.x[base + 1], self.x[base + 2]];
            let i = inv
                .br
                .map(|b| self.branches.get(b).map_or(0.0, |br| br.comp.i));
            inv.control(v, i, h, ahead, &mut self.branches);
        }
        for load in &self.loads {
            load.compensate(&mut self.branches, |b| pass.rule(b) != Rule::Frozen);
        }
    }

    fn assemble_rhs(&mut self, pass: Pass) {
        self.rhs.fill(0.0);
        for b in self.branches.iter_mut().filter(|b| b.active) {
            match pass.rule(b) {
                Rule::Trapezoidal => b.h = b.comp.history(false),
                Rule::BackwardHalf => b.h = b.comp.history(true),
                Rule::Frozen => {}
            }
            let j = b.comp.g * b.drive + b.h + b.extra;
            for &(i, c) in &b.taps[..b.ntaps] {
                self.rhs[i] -= c * j;
            }
        }
        for s in &self.sources {
            for (k, &slot) in s.slots.iter().enumerate() {
                if let Slot::Mna(row) = slot {
                    self.rhs[row] = s.e[k];
                }
            }
        }
    }

    fn update_branches(&mut self, pass: Pass) {
        for b in self.branches.iter_mut().filter(|b| b.active) {
            let backward = match pass.rule(b) {
                Rule::Trapezoidal => false,
                Rule::BackwardHalf => true,
                Rule::Frozen => continue,
            };
            let mut u = b.drive;
            for &(i, c) in &b.taps[..b.ntaps] {
                u += c * self.x[i];
            }
            let h = b.h;
            b.comp.update(u, h, backward);
        }
    }

    fn post_step(&mut self) {
        let dt = self.dt;
        for s in &mut self.sources {
            for (k, &slot) in s.slots.iter().enumerate() {
                s.i[k] = match slot {
                    Slot::Mna(row) => self.x[row],
                    Slot::Branch(b) => self.branches.get(b).map_or(0.0, |br| br.comp.i),
                };
            }
            let p_e = s.e[0] * s.i[0] + s.e[1] * s.i[1] + s.e[2] * s.i[2];
            if let Some(sw) = s.swing.as_mut() {
                sw.advance(p_e, dt);
            }
        }
        // Poles whose current zero was not placed inside the step (a zero met
        // exactly at its end, or during a damped step) open at its end.
        let t = self.time_ns + self.step_ns;
        for si in 0..self.switches.len() {
            for k in 0..3 {
                let sw = &self.switches[si];
                let i = self.branches.get(sw.br[k]).map_or(0.0, |b| b.comp.i);
                if sw.pending_open[k] && (i == 0.0 || i * sw.last_i[k] <= 0.0) {
                    self.open_pole(si, k, t, t);
                }
                self.switches[si].last_i[k] = i;
            }
        }
        for (bus, m) in self.meters.iter_mut().enumerate() {
            let base = 3 * bus;
            let v = [self.x[base], self.x[base + 1], self.x[base + 2]];
            if let Some(rms) = m.rms.as_mut() {
                for (w, vk) in rms.iter_mut().zip(v) {
                    w.push(vk);
                }
            }
            if let Some(pll) = m.pll.as_mut() {
                pll.update(v[0], v[1], v[2], dt);
            }
        }
        for inv in &mut self.inverters {
            let base = 3 * inv.bus;
            inv.pll
                .update(self.x[base], self.x[base + 1], self.x[base + 2], dt);
        }
    }

    fn bus_v(&self, bus: usize) -> [f64; 3] {
        let base = 3 * bus;
        [self.x[base], self.x[base + 1], self.x[base + 2]]
    }

    fn branch_i(&self, b: usize) -> f64 {
        self.branches.get(b).map_or(0.0, Branch::current)
    }

    fn output(&self, out: Out) -> f64 {
        match out {
            Out::Node(n) => self.x[n],
            Out::Branch(b) => self.branch_i(b),
            Out::SourceI(s, k) => self.sources[s].i[k],
            Out::SourceP(s) | Out::SourceQ(s) => {
                let src = &self.sources[s];
                let v = self.bus_v(src.bus);
                let (p, q) = power(v, src.i);
                if matches!(out, Out::SourceP(_)) {
                    p
                } else {
                    q
                }
            }
            Out::SourceFreq(s) => self.sources[s].frequency(),
            Out::Rms(bus, k) => self.meters[bus].rms.as_ref().map_or(0.0, |r| r[k].rms()),
            Out::BusFreq(bus) => self.meters[bus].pll.as_ref().map_or(0.0, |p| p.freq),
            Out::InverterP(i) | Out::InverterQ(i) => {
                let inv = &self.inverters[i];
                let cur = inv.br.map(|b| self.branch_i(b));
                let (p, q) = power(self.bus_v(inv.bus), cur);
                if matches!(out, Out::InverterP(_)) {
                    p
                } else {
                    q
                }
            }
            Out::InverterFreq(i) => self.inverters[i].pll.freq,
            Out::TransformerI { tr, lv, phase } => {
                let t = &self.transformers[tr];
                let ratio = t.v_w1 * t.tap / t.v_w2;
                // Phase unknown of the requested terminal (side base + phase).
                let side = if lv { 2 } else { 0 };
                let base = t.terminals[0][side].map_or(0, |n| n - n % 3);
                let target = Some(base + phase);
                let mut sum = 0.0;
                for (&b, term) in t.br.iter().zip(&t.terminals) {
                    let i = self.branch_i(b);
                    let (p, q) = (term[side], term[side + 1]);
                    let w = if lv { 1.0 } else { 1.0 / ratio };
                    if p == target {
                        sum += w * i;
                    }
                    if q == target {
                        sum -= w * i;
                    }
                }
                sum
            }
            Out::LoadI(l, k) => self.loads[l].br[k].iter().map(|&b| self.branch_i(b)).sum(),
            Out::LoadP(l) => {
                let load = &self.loads[l];
                let v = self.bus_v(load.bus);
                (0..3)
                    .filter(|&k| load.phases[k])
                    .map(|k| v[k] * load.br[k].iter().map(|&b| self.branch_i(b)).sum::<f64>())
                    .sum()
            }
            Out::SwitchClosed(s) => f64::from(u8::from(self.switches[s].closed.iter().all(|c| *c))),
        }
    }

    fn fill_outputs(&mut self) {
        for k in 0..self.outs.len() {
            let v = self.output(self.outs[k]);
            self.outputs[k] = v;
        }
    }
}

fn set_resistance(branches: &mut [Branch], b: usize, r: f64, dt: f64) {
    if let Some(br) = branches.get_mut(b) {
        br.comp.set(r, 0.0, None, dt);
    }
}
