//! Trapezoidal companion models of series R-L-C branches.
//!
//! A branch carries current `i` driven by the voltage `u = Σ cₖ·v[nodeₖ] + drive`
//! across a series R, L, C. Trapezoidal integration turns it into
//! `iₙ = g·uₙ + h`, with `g = 1 / (R + 2L/Δt + Δt/2C)` and a history term `h`
//! from the previous step. Currents leave node `nodeₖ` with weight `cₖ`.
//!
//! Backward Euler with half the step (used for two half steps after a
//! switching event, "critical damping adjustment") has exactly the same
//! conductance `g`; only the history term and the state update differ, so
//! no extra factorisation is needed.

/// Series R-L-C companion state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Companion {
    r: f64,
    /// 2L/Δt.
    l2: f64,
    /// Δt/2C (0 without capacitor).
    c2: f64,
    /// Equivalent conductance.
    pub g: f64,
    /// Branch current at the last step.
    pub i: f64,
    /// Inductor voltage at the last step.
    vl: f64,
    /// Capacitor voltage at the last step.
    vc: f64,
    /// Current, inductor and capacitor voltage before the last update (the
    /// start of the step, for an interpolation inside it).
    start: [f64; 3],
}

impl Companion {
    /// Builds a companion for R, L and optional series C at step `dt`.
    pub fn new(r: f64, l: f64, c: Option<f64>, dt: f64) -> Self {
        let mut comp = Self::default();
        comp.set(r, l, c, dt);
        comp
    }

    /// Changes the parameters, keeping the state (inductor current and
    /// capacitor voltage stay continuous).
    pub fn set(&mut self, r: f64, l: f64, c: Option<f64>, dt: f64) {
        self.r = r;
        self.l2 = 2.0 * l / dt;
        self.c2 = c.map_or(0.0, |c| dt / (2.0 * c));
        let z = self.r + self.l2 + self.c2;
        self.g = if z > 0.0 { 1.0 / z } else { 0.0 };
        if self.l2 == 0.0 {
            self.vl = 0.0;
        }
        if self.c2 == 0.0 {
            self.vc = 0.0;
        }
    }

    /// History current `h` of `iₙ = g·uₙ + h`: trapezoidal over Δt, or
    /// backward Euler over Δt/2 when `backward`.
    #[inline]
    pub fn history(&self, backward: bool) -> f64 {
        let e = if backward {
            -self.l2 * self.i + self.vc
        } else {
            -self.l2 * self.i - self.vl + self.vc + self.c2 * self.i
        };
        -self.g * e
    }

    /// Advances the state with the solved branch voltage `u` and the history
    /// term used in this step; returns the new current.
    #[inline]
    pub fn update(&mut self, u: f64, h: f64, backward: bool) -> f64 {
        self.start = [self.i, self.vl, self.vc];
        let i = self.g * u + h;
        if backward {
            self.vl = self.l2 * (i - self.i);
            self.vc += self.c2 * i;
        } else {
            self.vl = self.l2 * (i - self.i) - self.vl;
            self.vc += self.c2 * (i + self.i);
        }
        self.i = i;
        i
    }

    /// Complex impedance (re, im) of the branch for a sinusoid in the
    /// discrete trapezoidal steady state, with `tau = tan(ωΔt/2)`: the
    /// inductor appears as `j·(2L/Δt)·tau`, the capacitor as
    /// `−j·(Δt/2C)/tau`.
    pub fn impedance(&self, tau: f64) -> (f64, f64) {
        let x_c = if self.c2 > 0.0 { self.c2 / tau } else { 0.0 };
        (self.r, self.l2 * tau - x_c)
    }

    /// Sets the state at t = 0 from the current phasor `(re, im)` (peak,
    /// cosine reference) of the discrete steady state.
    pub fn set_phasor_state(&mut self, re: f64, im: f64, tau: f64) {
        self.i = re;
        // Re(j·x·I) = −x·Im(I).
        self.vl = -self.l2 * tau * im;
        self.vc = if self.c2 > 0.0 {
            self.c2 / tau * im
        } else {
            0.0
        };
    }

    /// Replaces the state (current, inductor and capacitor voltage) by
    /// `from + f·(self − from)`: linear interpolation (0 ≤ f ≤ 1) or
    /// extrapolation between two solutions; the parameters stay.
    pub fn lerp_state(&mut self, from: &Companion, f: f64) {
        self.i = from.i + f * (self.i - from.i);
        self.vl = from.vl + f * (self.vl - from.vl);
        self.vc = from.vc + f * (self.vc - from.vc);
    }

    /// Moves the state back to the fraction `f` of the last update: linear
    /// interpolation between the state before it and after it.
    pub fn back_to(&mut self, f: f64) {
        let [i, vl, vc] = self.start;
        self.i = i + f * (self.i - i);
        self.vl = vl + f * (self.vl - vl);
        self.vc = vc + f * (self.vc - vc);
    }

    /// Clears the state (element switched out).
    pub fn reset(&mut self) {
        self.i = 0.0;
        self.vl = 0.0;
        self.vc = 0.0;
        self.start = [0.0; 3];
    }
}

/// At most four node terms (a transformer unit uses four).
pub(crate) const MAX_TAPS: usize = 4;

/// A companion branch placed in the network.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Branch {
    /// (unknown index, coefficient) pairs; ground terms are left out.
    pub taps: [(usize, f64); MAX_TAPS],
    /// Number of used entries in `taps`.
    pub ntaps: usize,
    /// Known voltage added to `u` (driven sources), volts.
    pub drive: f64,
    /// Extra current in parallel with the companion (constant-power
    /// compensation), amperes.
    pub extra: f64,
    /// The companion model.
    pub comp: Companion,
    /// Inactive branches are not stamped and carry no current.
    pub active: bool,
    /// History term of the current step.
    pub h: f64,
    /// Parameters or activity changed since the last switching step (a seed of
    /// the damped subnetwork).
    pub switched: bool,
    /// Connected to a switched branch: integrated with backward-Euler half
    /// steps after a switching (see `sim::switching`).
    pub damped: bool,
}

impl Branch {
    /// A branch from unknown `from` to unknown `to` (`None` = ground).
    pub fn between(from: Option<usize>, to: Option<usize>, comp: Companion) -> Self {
        let mut b = Branch {
            comp,
            active: true,
            ..Branch::default()
        };
        if let Some(f) = from {
            b.push(f, 1.0);
        }
        if let Some(t) = to {
            b.push(t, -1.0);
        }
        b
    }

    /// Adds a node term.
    pub fn push(&mut self, node: usize, coef: f64) {
        if let Some(slot) = self.taps.get_mut(self.ntaps) {
            *slot = (node, coef);
            self.ntaps += 1;
        }
    }

    /// The used node terms.
    #[inline]
    pub fn terms(&self) -> &[(usize, f64)] {
        &self.taps[..self.ntaps]
    }

    /// Total current of the branch (companion plus extra source).
    #[inline]
    pub fn current(&self) -> f64 {
        if self.active {
            self.comp.i + self.extra
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backward_half_steps_damp_inductor_chatter() {
        // Current in 1 H forced through 1 MΩ: trapezoidal rings at the
        // Nyquist frequency, two backward-Euler half steps do not.
        let dt = 1e-4;
        let run = |damped: bool| {
            let mut c = Companion::new(0.0, 1.0, None, dt);
            // Establish 1 A with 0 V across the inductor.
            c.i = 1.0;
            c.set(1e6, 1.0, None, dt);
            let mut v = Vec::new();
            for k in 0..6 {
                let backward = damped && k < 2;
                let h = c.history(backward);
                // Series with the resistor: u = 0 across the whole branch.
                let i = c.update(0.0, h, backward);
                v.push(i);
            }
            v
        };
        let trap = run(false);
        let damp = run(true);
        assert!(trap.windows(2).any(|w| w[0] * w[1] < 0.0), "{trap:?}");
        assert!(damp.iter().skip(2).all(|i| i.abs() < 1e-3), "{damp:?}");
    }

    #[test]
    fn inductor_integrates_voltage() {
        // 1 V across 1 H from rest for 1 s: 1 A, less the half step the
        // trapezoid loses at the initial voltage step.
        let dt = 1e-3;
        let mut c = Companion::new(0.0, 1.0, None, dt);
        for _ in 0..1000 {
            let h = c.history(false);
            c.update(1.0, h, false);
        }
        assert!((c.i - (1.0 - dt / 2.0)).abs() < 1e-9, "{}", c.i);
    }

    #[test]
    fn capacitor_charges() {
        // 1 A into 1 F from rest (the current steps at the first step, so
        // the trapezoid loses half a step): v = 1 A · (1 s - Δt/2) / 1 F.
        let dt = 1e-3;
        let mut c = Companion::new(0.0, 0.0, Some(1.0), dt);
        let mut u = 0.0;
        for _ in 0..1000 {
            let h = c.history(false);
            u = (1.0 - h) / c.g;
            c.update(u, h, false);
        }
        assert!((u - (1.0 - dt / 2.0)).abs() < 1e-9, "{u}");
    }
}
