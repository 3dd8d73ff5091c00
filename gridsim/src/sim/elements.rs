//! Run-time state of the network elements that need more than a companion
//! branch: sources, inverters, loads, switches, faults and transformers.

use std::f64::consts::TAU;

use super::companion::Branch;
use super::meter::{clarke, inverse_park, park, Pll};
use crate::model::{Swing, Winding};

/// Where a source phase is connected in the equations.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Slot {
    /// Ideal source: an MNA row/column (the unknown is the source current).
    Mna(usize),
    /// Thevenin source: a driven companion branch.
    Branch(usize),
}

/// Swing-equation state (per unit on `s_rated`).
#[derive(Debug, Clone)]
pub(crate) struct SwingState {
    pub params: Swing,
    /// Speed deviation (pu).
    pub dw: f64,
    /// Mechanical power (pu).
    pub pm: f64,
}

impl SwingState {
    /// Integrates one step with electrical power `p_e` (W).
    pub fn advance(&mut self, p_e: f64, dt: f64) {
        let s = self.params.s_rated;
        let accel = (self.pm - p_e / s - self.params.damping * self.dw) / (2.0 * self.params.h);
        self.dw += accel * dt;
        let target = self.params.p_set / s - self.params.droop.map_or(0.0, |r| self.dw / r);
        if self.params.governor_t > 0.0 {
            self.pm += (target - self.pm) * (dt / self.params.governor_t).min(1.0);
        } else {
            self.pm = target;
        }
    }
}

/// Voltage source state.
#[derive(Debug, Clone)]
pub(crate) struct SourceState {
    /// Bus index.
    pub bus: usize,
    pub slots: [Slot; 3],
    /// EMF, line-to-line RMS (V).
    pub v_ll: f64,
    pub phase_rad: f64,
    /// Frequency (Hz) of non-swing sources; nominal for swing sources.
    pub freq: f64,
    /// Accumulated angle without the phase offset (rad).
    pub theta: f64,
    pub swing: Option<SwingState>,
    /// EMF of the current step.
    pub e: [f64; 3],
    /// Current out of the source into the bus, per phase.
    pub i: [f64; 3],
}

impl SourceState {
    /// Unknown index of the bus phase `k`.
    pub fn bus_node(&self, k: usize) -> usize {
        3 * self.bus + k
    }

    /// Present frequency in Hz.
    pub fn frequency(&self) -> f64 {
        match &self.swing {
            Some(s) => self.freq * (1.0 + s.dw),
            None => self.freq,
        }
    }

    /// Angle `dt` after the last full step (rad, without the phase offset).
    fn angle_after(&self, dt: f64) -> f64 {
        (self.theta + TAU * self.frequency() * dt) % TAU
    }

    /// EMF of the three phases `dt` after the last full step.
    pub fn emf_after(&self, dt: f64) -> [f64; 3] {
        let theta = self.angle_after(dt);
        let amp = self.v_ll * (2.0f64 / 3.0).sqrt();
        let mut e = [0.0; 3];
        for (k, e) in e.iter_mut().enumerate() {
            *e = amp * (theta + self.phase_rad - k as f64 * TAU / 3.0).cos();
        }
        e
    }

    /// Ends a full step of `dt`: the angle moves on.
    pub fn advance(&mut self, dt: f64) {
        self.theta = self.angle_after(dt);
    }
}

/// Grid-following inverter: a three-phase voltage source behind the L
/// filter, whose EMF is set by a dq current controller with voltage
/// feed-forward and decoupling, synchronised by a PLL.
#[derive(Debug, Clone)]
pub(crate) struct InverterState {
    pub bus: usize,
    pub br: [usize; 3],
    pub l: f64,
    pub r: f64,
    pub p_ref: f64,
    pub q_ref: f64,
    pub pll: Pll,
    pub kp: f64,
    pub ki: f64,
    pub integ: [f64; 2],
    /// Peak current limit (A).
    pub i_limit: f64,
    /// Nominal phase voltage peak (V).
    pub v_peak: f64,
}

impl InverterState {
    /// Computes the EMF for the coming (half) step of length `dt`, ending
    /// `ahead` after the last PLL update, from the last solution (`v`: bus
    /// phase voltages, `i`: filter currents) and writes it to the branches.
    pub fn control(
        &mut self,
        v: [f64; 3],
        i: [f64; 3],
        dt: f64,
        ahead: f64,
        branches: &mut [Branch],
    ) {
        let theta = self.pll.theta;
        let (va, vb) = clarke(v[0], v[1], v[2]);
        let (vd, vq) = park(va, vb, theta);
        let (ia, ib) = clarke(i[0], i[1], i[2]);
        let (id, iq) = park(ia, ib, theta);
        let vd_ref = vd.max(0.3 * self.v_peak);
        let mut id_ref = self.p_ref / (1.5 * vd_ref);
        let mut iq_ref = -self.q_ref / (1.5 * vd_ref);
        let mag = id_ref.hypot(iq_ref);
        if mag > self.i_limit {
            id_ref *= self.i_limit / mag;
            iq_ref *= self.i_limit / mag;
        }
        let w = self.pll.omega;
        let err = [id_ref - id, iq_ref - iq];
        let limit = 2.0 * self.v_peak;
        for (integ, e) in self.integ.iter_mut().zip(err) {
            *integ = (*integ + self.ki * e * dt).clamp(-limit, limit);
        }
        let ed = vd + self.r * id - w * self.l * iq + self.kp * err[0] + self.integ[0];
        let eq = vq + self.r * iq + w * self.l * id + self.kp * err[1] + self.integ[1];
        let e = inverse_park(ed, eq, theta + w * ahead);
        for (&b, e) in self.br.iter().zip(e) {
            if let Some(br) = branches.get_mut(b) {
                br.drive = e;
            }
        }
    }
}

/// Load state: per phase up to three parallel shunt branches (R, L, C).
#[derive(Debug, Clone)]
pub(crate) struct LoadState {
    pub bus: usize,
    pub phases: [bool; 3],
    /// Branch indices per phase: [R, L, C] (valid where `phases[k]`).
    pub br: [[usize; 3]; 3],
    pub p: f64,
    pub q: f64,
    pub constant_power: bool,
    pub v_min: f64,
    /// Nominal phase voltage RMS (V).
    pub v_ph: f64,
    /// Constant-power scale factor per phase.
    pub k: [f64; 3],
}

impl LoadState {
    /// Number of connected phases.
    pub fn count(&self) -> f64 {
        self.phases.iter().filter(|p| **p).count() as f64
    }

    /// Sets the branch parameters for the present P and Q.
    pub fn apply(&self, branches: &mut [Branch], omega: f64, dt: f64) {
        let n = self.count();
        let (p, q) = (self.p / n, self.q / n);
        let v2 = self.v_ph * self.v_ph;
        for (k, on) in self.phases.iter().enumerate() {
            if !on {
                continue;
            }
            let [br_r, br_l, br_c] = self.br[k];
            set_shunt(branches, br_r, (p > 0.0).then(|| (v2 / p, 0.0, None)), dt);
            set_shunt(
                branches,
                br_l,
                (q > 0.0).then(|| (0.0, v2 / (q * omega), None)),
                dt,
            );
            set_shunt(
                branches,
                br_c,
                (q < 0.0).then(|| (0.0, 0.0, Some(-q / (v2 * omega)))),
                dt,
            );
        }
    }

    /// Updates the constant-power compensation currents of this step, on the
    /// branches for which `solved` is true.
    pub fn compensate(&self, branches: &mut [Branch], solved: impl Fn(&Branch) -> bool) {
        for (k, on) in self.phases.iter().enumerate() {
            if !on {
                continue;
            }
            let f = if self.constant_power {
                self.k[k] - 1.0
            } else {
                0.0
            };
            for &b in &self.br[k] {
                if let Some(br) = branches.get_mut(b).filter(|br| solved(br)) {
                    br.extra = if br.active { f * br.comp.i } else { 0.0 };
                }
            }
        }
    }
}

fn set_shunt(branches: &mut [Branch], b: usize, params: Option<(f64, f64, Option<f64>)>, dt: f64) {
    let Some(br) = branches.get_mut(b) else {
        return;
    };
    br.switched = true;
    match params {
        Some((r, l, c)) => {
            br.comp.set(r, l, c, dt);
            br.active = true;
        }
        None => {
            br.active = false;
            br.comp.reset();
            br.extra = 0.0;
        }
    }
}

/// Switch or breaker state.
#[derive(Debug, Clone)]
pub(crate) struct SwitchState {
    pub br: [usize; 3],
    pub breaker: bool,
    pub closed: [bool; 3],
    /// Breaker poles waiting for their current zero.
    pub pending_open: [bool; 3],
    pub r_closed: f64,
    pub r_open: f64,
    pub last_i: [f64; 3],
}

/// Fault state.
#[derive(Debug, Clone)]
pub(crate) struct FaultState {
    pub phases: [bool; 3],
    pub br: [usize; 3],
    pub r: f64,
    pub on: bool,
}

/// Transformer state: one companion branch per single-phase unit.
#[derive(Debug, Clone)]
pub(crate) struct TransformerState {
    pub br: [usize; 3],
    /// Winding terminals per unit: (HV p, HV q, LV p, LV q); `None` = ground.
    pub terminals: [[Option<usize>; 4]; 3],
    /// Rated winding voltages (V).
    pub v_w1: f64,
    pub v_w2: f64,
    pub tap: f64,
}

impl TransformerState {
    /// Winding terminals for a connection: unit `k` of a bus whose phase
    /// unknowns start at `base`.
    pub fn winding(base: usize, w: Winding, clock: u8, hv: bool, k: usize) -> [Option<usize>; 2] {
        match w {
            Winding::Wye => [Some(base + k), None],
            Winding::Delta => {
                // Dyn11 / Yd1 / Dd0: across (k, k+1); Dyn1 / Yd11: across (k, k-1).
                let forward = matches!((hv, clock), (_, 0) | (true, 11) | (false, 1));
                let other = if forward { (k + 1) % 3 } else { (k + 2) % 3 };
                [Some(base + k), Some(base + other)]
            }
        }
    }

    /// Rewrites the unit branch terms for the present tap.
    pub fn apply(&self, branches: &mut [Branch]) {
        let t = self.v_w1 * self.tap / self.v_w2;
        for (&b, term) in self.br.iter().zip(&self.terminals) {
            let Some(br) = branches.get_mut(b) else {
                continue;
            };
            br.ntaps = 0;
            br.switched = true;
            let coefs = [1.0 / t, -1.0 / t, -1.0, 1.0];
            for (node, c) in term.iter().zip(coefs) {
                if let Some(n) = node {
                    br.push(*n, c);
                }
            }
        }
    }
}
