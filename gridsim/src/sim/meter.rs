//! Measurement estimators: sliding-window RMS and a synchronous-reference-
//! frame phase-locked loop (PLL) for frequency and angle.

use std::f64::consts::{PI, TAU};

/// Sliding-window RMS over one nominal cycle.
#[derive(Debug, Clone)]
pub(crate) struct RmsWindow {
    buf: Vec<f64>,
    pos: usize,
    sum: f64,
    filled: bool,
}

impl RmsWindow {
    /// A window of `len` samples (≥ 1).
    pub fn new(len: usize) -> Self {
        Self {
            buf: vec![0.0; len.max(1)],
            pos: 0,
            sum: 0.0,
            filled: false,
        }
    }

    /// Adds a sample.
    #[inline]
    pub fn push(&mut self, v: f64) {
        let sq = v * v;
        if let Some(slot) = self.buf.get_mut(self.pos) {
            self.sum += sq - *slot;
            *slot = sq;
        }
        self.pos += 1;
        if self.pos >= self.buf.len() {
            self.pos = 0;
            self.filled = true;
            // Re-sum once per window so rounding errors cannot accumulate.
            self.sum = self.buf.iter().sum();
        }
    }

    /// RMS of the last window (of the samples so far before the first
    /// window is full).
    #[inline]
    pub fn rms(&self) -> f64 {
        let n = if self.filled {
            self.buf.len()
        } else {
            self.pos.max(1)
        };
        (self.sum.max(0.0) / n as f64).sqrt()
    }

    /// Fills the whole window with samples, oldest first (steady-state
    /// initialisation).
    pub fn prefill(&mut self, samples: impl Iterator<Item = f64>) {
        for (slot, v) in self.buf.iter_mut().zip(samples) {
            *slot = v * v;
        }
        self.pos = 0;
        self.filled = true;
        self.sum = self.buf.iter().sum();
    }

    /// Window length in samples.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True once a full window has been seen.
    pub fn filled(&self) -> bool {
        self.filled
    }
}

/// Clarke transform (amplitude invariant): (α, β).
#[inline]
pub(crate) fn clarke(va: f64, vb: f64, vc: f64) -> (f64, f64) {
    ((2.0 * va - vb - vc) / 3.0, (vb - vc) / 3f64.sqrt())
}

/// Park transform of (α, β) at angle θ: (d, q).
#[inline]
pub(crate) fn park(alpha: f64, beta: f64, theta: f64) -> (f64, f64) {
    let (s, c) = theta.sin_cos();
    (alpha * c + beta * s, -alpha * s + beta * c)
}

/// Inverse Park + inverse Clarke: phase values from (d, q) at angle θ.
#[inline]
pub(crate) fn inverse_park(d: f64, q: f64, theta: f64) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let (s, c) = (theta - k as f64 * TAU / 3.0).sin_cos();
        *o = d * c - q * s;
    }
    out
}

/// Wraps an angle into (-π, π].
#[inline]
pub(crate) fn wrap(theta: f64) -> f64 {
    if theta > PI {
        theta - TAU
    } else if theta <= -PI {
        theta + TAU
    } else {
        theta
    }
}

/// SRF-PLL with a PI loop filter on the normalised q-axis voltage, or an
/// ideal angle detector (`atan2` of the Clarke components).
#[derive(Debug, Clone)]
pub(crate) struct Pll {
    /// Estimated angle of phase a (rad), at the last update.
    pub theta: f64,
    /// Estimated angular frequency (rad/s).
    pub omega: f64,
    omega0: f64,
    integ: f64,
    kp: f64,
    ki: f64,
    /// Low-passed frequency in Hz.
    pub freq: f64,
    lp: f64,
    ideal: bool,
    floor: f64,
}

impl Pll {
    /// A PLL at nominal angular frequency `omega0` with loop bandwidth
    /// `bandwidth` Hz, frequency output low-pass time constant `tau` s and
    /// step `dt`. `floor` is the voltage amplitude below which the loop
    /// holds its frequency. `ideal` uses the instantaneous angle instead.
    pub fn new(omega0: f64, bandwidth: f64, tau: f64, dt: f64, floor: f64, ideal: bool) -> Self {
        let wn = TAU * bandwidth;
        Self {
            theta: 0.0,
            omega: omega0,
            omega0,
            integ: 0.0,
            kp: 2.0 * 0.707 * wn,
            ki: wn * wn,
            freq: omega0 / TAU,
            lp: if tau > 0.0 { (dt / tau).min(1.0) } else { 1.0 },
            ideal,
            floor,
        }
    }

    /// Starts locked on a voltage whose phase a has angle `theta` now.
    pub fn lock(&mut self, theta: f64) {
        self.theta = theta;
        self.omega = self.omega0;
        self.integ = 0.0;
        self.freq = self.omega0 / TAU;
    }

    /// Updates with three phase voltages sampled `dt` after the last update.
    pub fn update(&mut self, va: f64, vb: f64, vc: f64, dt: f64) {
        let (alpha, beta) = clarke(va, vb, vc);
        let amp = (alpha * alpha + beta * beta).sqrt();
        if self.ideal {
            if amp > self.floor {
                self.theta = beta.atan2(alpha);
            } else {
                self.theta = wrap(self.theta + self.omega * dt);
            }
        } else {
            let predicted = wrap(self.theta + self.omega * dt);
            if amp > self.floor {
                let (_, q) = park(alpha, beta, predicted);
                let err = q / amp;
                self.integ += self.ki * err * dt;
                self.integ = self.integ.clamp(-0.5 * self.omega0, 0.5 * self.omega0);
                self.omega = self.omega0 + self.integ + self.kp * err;
            }
            self.theta = predicted;
        }
        self.freq += self.lp * (self.omega / TAU - self.freq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_of_sine() {
        let n = 400;
        let mut w = RmsWindow::new(n);
        for k in 0..3 * n {
            w.push(10.0 * (TAU * k as f64 / n as f64 + 0.3).sin());
        }
        assert!(w.filled());
        assert!((w.rms() - 10.0 / 2f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn pll_tracks_off_nominal_frequency() {
        let dt = 50e-6;
        let mut pll = Pll::new(TAU * 50.0, 20.0, 0.01, dt, 1.0, false);
        let f = 49.5;
        for k in 1..=40_000 {
            let t = k as f64 * dt;
            let th = TAU * f * t + 1.0;
            pll.update(
                100.0 * th.cos(),
                100.0 * (th - TAU / 3.0).cos(),
                100.0 * (th + TAU / 3.0).cos(),
                dt,
            );
        }
        assert!((pll.freq - f).abs() < 1e-6, "{}", pll.freq);
        let t = 40_000.0 * dt;
        let d = pll.theta - (TAU * f * t + 1.0);
        let err = d.sin().atan2(d.cos());
        assert!(err.abs() < 1e-6, "{err}");
    }

    #[test]
    fn park_round_trip() {
        let th = 0.7;
        let v = inverse_park(3.0, -1.0, th);
        let (a, b) = clarke(v[0], v[1], v[2]);
        let (d, q) = park(a, b, th);
        assert!((d - 3.0).abs() < 1e-12 && (q + 1.0).abs() < 1e-12);
    }
}
