//! Three-phase test waveforms of the standard and their reference values.
//!
//! Time `t` is in seconds from the start of a UTC second, so the reference
//! phase is the phase of the fundamental relative to `cos(2π·f0·t)`.

use crate::estimator::Complex;
use core::f64::consts::{PI, SQRT_2};

/// Phase shift between consecutive phases (positive sequence a, b, c).
const PHASE_SHIFT: f64 = 2.0 * PI / 3.0;

/// One balanced three-phase test waveform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Waveform {
    /// Constant magnitude (RMS), frequency and phase.
    Steady {
        /// RMS magnitude.
        rms: f64,
        /// Frequency, Hz.
        freq_hz: f64,
        /// Phase at t = 0, rad.
        phase: f64,
    },
    /// Nominal-frequency fundamental plus one harmonic (same sequence rotation).
    Harmonic {
        /// Harmonic order (2 ..= 50).
        order: u32,
        /// Harmonic magnitude relative to the fundamental.
        ratio: f64,
    },
    /// Fundamental plus a positive-sequence interharmonic.
    Interharmonic {
        /// Fundamental frequency, Hz.
        fundamental_hz: f64,
        /// Interfering frequency, Hz.
        interference_hz: f64,
        /// Interference magnitude relative to the fundamental.
        ratio: f64,
    },
    /// `[1 + kx·cos(ωm·t)]·cos(ω0·t + ka·cos(ωm·t − π))`.
    Modulated {
        /// Modulation frequency, Hz.
        fm_hz: f64,
        /// Amplitude modulation depth.
        kx: f64,
        /// Phase modulation depth, rad.
        ka: f64,
    },
    /// Frequency `start_hz` until `t_start`, then `rate_hz_s` until `t_end`,
    /// then constant.
    Ramp {
        /// Initial frequency, Hz.
        start_hz: f64,
        /// Ramp rate, Hz/s.
        rate_hz_s: f64,
        /// Ramp start, s.
        t_start: f64,
        /// Ramp end, s.
        t_end: f64,
    },
    /// Magnitude step by `fraction` (e.g. ±0.1) at `t_step`.
    MagnitudeStep {
        /// Relative size of the step.
        fraction: f64,
        /// Step instant, s.
        t_step: f64,
    },
    /// Phase step by `radians` at `t_step`.
    PhaseStep {
        /// Size of the step, rad.
        radians: f64,
        /// Step instant, s.
        t_step: f64,
    },
}

/// The true fundamental at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    /// RMS magnitude.
    pub rms: f64,
    /// Total phase of phase a (including 2π·f0·t), rad.
    pub total_phase: f64,
    /// Frequency, Hz.
    pub freq_hz: f64,
    /// ROCOF, Hz/s.
    pub rocof_hz_s: f64,
}

impl Waveform {
    /// True fundamental of phase a at `t` for nominal frequency `f0`.
    pub fn truth(&self, t: f64, f0: f64) -> Truth {
        let nominal = |rms: f64, phase: f64| Truth {
            rms,
            total_phase: 2.0 * PI * f0 * t + phase,
            freq_hz: f0,
            rocof_hz_s: 0.0,
        };
        match *self {
            Waveform::Steady {
                rms,
                freq_hz,
                phase,
            } => Truth {
                rms,
                total_phase: 2.0 * PI * freq_hz * t + phase,
                freq_hz,
                rocof_hz_s: 0.0,
            },
            Waveform::Harmonic { .. } => nominal(1.0, 0.0),
            Waveform::Interharmonic { fundamental_hz, .. } => Truth {
                rms: 1.0,
                total_phase: 2.0 * PI * fundamental_hz * t,
                freq_hz: fundamental_hz,
                rocof_hz_s: 0.0,
            },
            Waveform::Modulated { fm_hz, kx, ka } => {
                let wm = 2.0 * PI * fm_hz;
                let arg = wm * t - PI;
                Truth {
                    rms: 1.0 + kx * (wm * t).cos(),
                    total_phase: 2.0 * PI * f0 * t + ka * arg.cos(),
                    freq_hz: f0 - ka * fm_hz * arg.sin(),
                    rocof_hz_s: -ka * fm_hz * wm * arg.cos(),
                }
            }
            Waveform::Ramp {
                start_hz,
                rate_hz_s,
                t_start,
                t_end,
            } => {
                let tau = (t - t_start).clamp(0.0, t_end - t_start);
                let extra = if t <= t_end {
                    0.5 * tau * tau
                } else {
                    0.5 * tau * tau + tau * (t - t_end)
                };
                let ramping = t > t_start && t < t_end;
                Truth {
                    rms: 1.0,
                    total_phase: 2.0 * PI * (start_hz * t + rate_hz_s * extra),
                    freq_hz: start_hz + rate_hz_s * tau,
                    rocof_hz_s: if ramping { rate_hz_s } else { 0.0 },
                }
            }
            Waveform::MagnitudeStep { fraction, t_step } => {
                let k = if t >= t_step { 1.0 + fraction } else { 1.0 };
                nominal(k, 0.0)
            }
            Waveform::PhaseStep { radians, t_step } => {
                let p = if t >= t_step { radians } else { 0.0 };
                nominal(1.0, p)
            }
        }
    }

    /// Instantaneous value of phase `phase_index` (0 = a, 1 = b, 2 = c).
    pub fn value(&self, t: f64, f0: f64, phase_index: usize) -> f64 {
        let shift = PHASE_SHIFT * phase_index as f64;
        let fundamental = self.truth(t, f0);
        let mut x = SQRT_2 * fundamental.rms * (fundamental.total_phase - shift).cos();
        match *self {
            Waveform::Harmonic { order, ratio } => {
                let h = f64::from(order);
                x += SQRT_2 * ratio * (h * (2.0 * PI * f0 * t - shift)).cos();
            }
            Waveform::Interharmonic {
                interference_hz,
                ratio,
                ..
            } => {
                x += SQRT_2 * ratio * (2.0 * PI * interference_hz * t - shift).cos();
            }
            _ => {}
        }
        x
    }

    /// Reference phasor of phase `phase_index` at `t`.
    pub fn reference_phasor(&self, t: f64, f0: f64, phase_index: usize) -> Complex {
        let truth = self.truth(t, f0);
        let shift = PHASE_SHIFT * phase_index as f64;
        let angle = truth.total_phase - 2.0 * PI * (f0 * t).fract() - shift;
        Complex::from_polar(truth.rms, angle)
    }
}
