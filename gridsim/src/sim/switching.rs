//! Switching at the right instant, damped only where the state jumps.
//!
//! A change of the network matrix at instant T is solved from T: the pre-switching
//! network up to T, then two backward-Euler half steps (critical damping adjustment)
//! for the subnetwork that holds the switched branches, while the rest of the network
//! takes its ordinary trapezoidal step. An instant between two step boundaries (an
//! event time off the grid, a breaker pole's current zero) is reached by linear
//! interpolation of the step that crosses it, and the damped subnetwork is brought
//! back onto the step grid by interpolating between its two half-step solutions.
//! Not here: what an input does to the elements (`Simulator::apply_inputs`).

use super::companion::Branch;
use super::elements::Slot;
use super::{set_resistance, Simulator};
use crate::error::SimError;
use crate::event::Switching;

/// How a branch is integrated in one solution of the network equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// Trapezoidal rule over the whole step.
    Trapezoidal,
    /// Backward Euler over half a step (same conductance as the trapezoid).
    BackwardHalf,
    /// Already solved for the end of this step: history, drive and state kept.
    Frozen,
}

/// One solution of the network equations: the rule for the damped subnetwork and
/// for the rest, and the time (after the start of the step) that the damped
/// subnetwork's solution is for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pass {
    pub damped: Rule,
    pub others: Rule,
    /// Seconds after the start of the step (for `BackwardHalf`).
    pub at: f64,
}

impl Pass {
    /// An ordinary step: the whole network by the trapezoidal rule.
    pub const FULL: Pass = Pass {
        damped: Rule::Trapezoidal,
        others: Rule::Trapezoidal,
        at: 0.0,
    };

    /// The rule of a branch.
    #[inline]
    pub fn rule(&self, b: &Branch) -> Rule {
        if b.damped {
            self.damped
        } else {
            self.others
        }
    }
}

/// What switches inside a step.
#[derive(Debug, Clone, Copy)]
enum Cause {
    /// Matrix-changing events at this time.
    Event,
    /// Breaker `switch`, pole `k` at its current zero.
    Pole(usize, usize),
}

impl Simulator {
    /// Marks the subnetwork to damp after a switching: every unknown connected
    /// (through active branches and ideal-source rows) to a branch switched since the
    /// last switching, and the branches touching those unknowns.
    pub(super) fn mark_damped(&mut self) {
        let n = self.x.len();
        for (i, p) in self.uf_parent.iter_mut().enumerate() {
            *p = i;
        }
        for bi in 0..self.branches.len() {
            let b = self.branches[bi];
            if !b.active {
                continue;
            }
            let terms = b.terms();
            if let Some(&(first, _)) = terms.first() {
                for &(other, _) in &terms[1..] {
                    union(&mut self.uf_parent, first, other);
                }
            }
        }
        for si in 0..self.sources.len() {
            for k in 0..3 {
                if let Slot::Mna(row) = self.sources[si].slots[k] {
                    let node = self.sources[si].bus_node(k);
                    union(&mut self.uf_parent, row, node);
                }
            }
        }
        self.damped_unknown.fill(false);
        for bi in 0..self.branches.len() {
            if !self.branches[bi].switched {
                continue;
            }
            self.branches[bi].switched = false;
            for k in 0..self.branches[bi].ntaps {
                let root = find(&mut self.uf_parent, self.branches[bi].taps[k].0);
                self.damped_unknown[root] = true;
            }
        }
        for i in 0..n {
            let root = find(&mut self.uf_parent, i);
            if self.damped_unknown[root] {
                self.damped_unknown[i] = true;
            }
        }
        for b in &mut self.branches {
            b.damped = b.terms().iter().any(|&(i, _)| self.damped_unknown[i]);
        }
    }

    /// Whether a source phase belongs to the damped subnetwork.
    pub(super) fn slot_damped(&self, slot: Slot) -> bool {
        match slot {
            Slot::Branch(b) => self.branches.get(b).is_some_and(|b| b.damped),
            Slot::Mna(row) => self.damped_unknown.get(row).copied().unwrap_or(false),
        }
    }

    /// The step after a switching at its start (or the step after an interpolated
    /// switching): two backward-Euler half steps for the damped subnetwork, one
    /// trapezoidal step for the rest.
    pub(super) fn damped_step(&mut self, t: i64) -> Result<(), SimError> {
        let dt = self.dt;
        self.solve_pass(
            Pass {
                damped: Rule::BackwardHalf,
                others: Rule::Trapezoidal,
                at: 0.5 * dt,
            },
            t,
        )?;
        self.solve_pass(
            Pass {
                damped: Rule::BackwardHalf,
                others: Rule::Frozen,
                at: dt,
            },
            t,
        )?;
        self.damping_pending = false;
        Ok(())
    }

    /// Whether this step must keep the state at its start: a matrix-changing event
    /// falls inside it or a breaker pole waits for its current zero.
    pub(super) fn may_switch_inside(&self, event_inside: Option<i64>) -> bool {
        event_inside.is_some()
            || self
                .switches
                .iter()
                .any(|s| s.pending_open.iter().any(|p| *p))
    }

    /// Keeps the node voltages and inverter integrators at the start of the step
    /// (before an ordinary solve that may cross a switching instant; the branches
    /// keep their own start state).
    pub(super) fn save_state(&mut self) {
        self.saved_x.copy_from_slice(&self.x);
        for (s, inv) in self.saved_integ.iter_mut().zip(&self.inverters) {
            *s = inv.integ;
        }
    }

    /// After an ordinary solve from `t0` to `t`: finds the first switching instant
    /// strictly inside the step (the given event time, or a waiting breaker pole's
    /// current zero by linear interpolation) and, if there is one, switches there
    /// and resynchronises onto `t`.
    pub(super) fn switch_inside(
        &mut self,
        event_inside: Option<i64>,
        t0: i64,
        t: i64,
    ) -> Result<(), SimError> {
        let mut first: Option<(f64, Cause)> =
            event_inside.map(|te| ((te - t0) as f64 / self.step_ns as f64, Cause::Event));
        for (si, sw) in self.switches.iter().enumerate() {
            for k in 0..3 {
                if !sw.pending_open[k] {
                    continue;
                }
                let before = sw.last_i[k];
                let now = self.branches.get(sw.br[k]).map_or(0.0, |b| b.comp.i);
                if before * now < 0.0 {
                    let theta = before / (before - now);
                    if first.is_none_or(|(f, _)| theta < f) {
                        first = Some((theta, Cause::Pole(si, k)));
                    }
                }
            }
        }
        let Some((theta, cause)) = first else {
            return Ok(());
        };
        let theta = theta.clamp(0.0, 1.0);
        let instant = t0 + (theta * self.step_ns as f64).round() as i64;
        match cause {
            Cause::Event => {
                self.apply_events(instant, instant);
                self.apply_inputs(instant);
            }
            Cause::Pole(si, k) => self.open_pole(si, k, instant, instant),
        }
        if !self.dirty {
            return Ok(());
        }
        self.refactor()?;
        self.mark_damped();
        self.interpolated_switching(theta, t)
    }

    /// Opens breaker pole `k` of switch `si` at `instant` and records it.
    pub(super) fn open_pole(&mut self, si: usize, k: usize, requested: i64, instant: i64) {
        let Some(sw) = self.switches.get_mut(si) else {
            return;
        };
        sw.pending_open[k] = false;
        sw.closed[k] = false;
        set_resistance(&mut self.branches, sw.br[k], sw.r_open, self.dt);
        self.dirty = true;
        let input = self
            .inputs
            .iter()
            .position(|i| i.target == crate::model::InputTarget::SwitchClosed(si));
        if let Some(input) = input {
            let s = Switching {
                input,
                pole: Some(k as u8),
                requested_ns: requested,
                instant_ns: instant,
            };
            self.switchings.record(s);
        }
    }

    /// The damped subnetwork back at the fraction `theta` of the step (state
    /// interpolated between the start and the ordinary solution), switched, three
    /// backward-Euler half steps from there, then extrapolated from the last two
    /// (back by at most one step) onto the end of the step. The rest of the network keeps its
    /// ordinary solution. The next step is damped too (it needs no inductor voltage
    /// from this one).
    fn interpolated_switching(&mut self, theta: f64, t: i64) -> Result<(), SimError> {
        let dt = self.dt;
        for b in self.branches.iter_mut().filter(|b| b.damped) {
            b.comp.back_to(theta);
        }
        self.kept_x.copy_from_slice(&self.x);
        for ((x, s), d) in self
            .x
            .iter_mut()
            .zip(&self.saved_x)
            .zip(&self.damped_unknown)
        {
            if *d {
                *x = s + theta * (*x - s);
            }
        }
        // Inverter controllers in the damped subnetwork run their half steps from
        // the start-of-step integrators and end with those of the ordinary solve
        // (one step's worth of integration, not two and a half).
        for ((inv, s), k) in self
            .inverters
            .iter_mut()
            .zip(&self.saved_integ)
            .zip(self.kept_integ.iter_mut())
        {
            *k = inv.integ;
            if self.branches.get(inv.br[0]).is_some_and(|b| b.damped) {
                inv.integ = *s;
            }
        }
        // Three half steps from the instant: the first carries the jump (with an
        // ideal switch forcing an inductor current to change, an impulse of
        // voltage); the second and third are smooth and straddle or follow the
        // end of the step.
        for m in [0.5, 1.0, 1.5] {
            if m == 1.5 {
                self.mid_branches.copy_from_slice(&self.branches);
                self.mid_x.copy_from_slice(&self.x);
            }
            self.solve_pass(
                Pass {
                    damped: Rule::BackwardHalf,
                    others: Rule::Frozen,
                    at: (theta + m) * dt,
                },
                t,
            )?;
        }
        // The end of the step lies (1 − θ)·Δt after the instant, i.e. θ·Δt
        // before the second half-step solution: fraction −2θ of the way from the
        // second to the third (extrapolation back by at most one step).
        let f = -2.0 * theta;
        for (inv, k) in self.inverters.iter_mut().zip(&self.kept_integ) {
            inv.integ = *k;
        }
        for (b, m) in self.branches.iter_mut().zip(&self.mid_branches) {
            if b.damped {
                b.comp.lerp_state(&m.comp, f);
            }
        }
        for (((x, m), k), d) in self
            .x
            .iter_mut()
            .zip(&self.mid_x)
            .zip(&self.kept_x)
            .zip(&self.damped_unknown)
        {
            *x = if *d { m + f * (*x - m) } else { *k };
        }
        for si in 0..self.sources.len() {
            let e = self.sources[si].emf_after(dt);
            for (k, e) in e.into_iter().enumerate() {
                let slot = self.sources[si].slots[k];
                if self.slot_damped(slot) {
                    self.sources[si].e[k] = e;
                    if let Slot::Branch(b) = slot {
                        if let Some(br) = self.branches.get_mut(b) {
                            br.drive = e;
                        }
                    }
                }
            }
        }
        self.damping_pending = true;
        Ok(())
    }
}

/// The record of switchings: a vector with room reserved at set-up, kept when the
/// simulator is cloned, so that recording never allocates; beyond the room entries
/// are counted as dropped.
#[derive(Debug)]
pub(super) struct SwitchingLog {
    pub entries: Vec<Switching>,
    pub dropped: u64,
}

impl SwitchingLog {
    /// An empty record with room for `room` switchings.
    pub fn with_room(room: usize) -> Self {
        Self {
            entries: Vec::with_capacity(room),
            dropped: 0,
        }
    }

    /// Appends within the reserved room, or counts the switching as dropped.
    pub fn record(&mut self, s: Switching) {
        if self.entries.len() < self.entries.capacity() {
            self.entries.push(s);
        } else {
            self.dropped += 1;
        }
    }
}

impl Clone for SwitchingLog {
    fn clone(&self) -> Self {
        let mut entries = Vec::with_capacity(self.entries.capacity());
        entries.extend_from_slice(&self.entries);
        Self {
            entries,
            dropped: self.dropped,
        }
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb)] = ra.min(rb);
    }
}
