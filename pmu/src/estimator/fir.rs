//! Low-pass FIR filters of the estimator: design, frequency response and the
//! magnitude-compensation table.
//!
//! Every filter is symmetric (linear phase, zero delay about its centre tap)
//! and normalised to unit DC gain, so the filtered demodulated signal is the
//! phasor itself at nominal frequency.

use super::config::PmuClass;

/// Design parameters of one class/rate combination, kept for documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterSpec {
    /// Class the filter is designed for.
    pub class: PmuClass,
    /// Low-pass cutoff (−6 dB) of the windowed-sinc stage in Hz (M class; 0 for P).
    pub cutoff_hz: f64,
    /// Kaiser β of the windowed-sinc stage (M class; 0 for P).
    pub kaiser_beta: f64,
    /// Duration of the windowed-sinc stage in seconds (M class; 0 for P).
    pub sinc_span_s: f64,
    /// Duration of the boxcar (P: the triangle is two boxcars) in seconds.
    pub boxcar_span_s: f64,
}

/// A symmetric FIR filter `taps[0..=2·half]`, centre tap at index `half`.
#[derive(Debug, Clone, PartialEq)]
pub struct FirFilter {
    taps: Vec<f64>,
    half: usize,
    sample_rate_hz: f64,
    spec: FilterSpec,
}

/// Stopband attenuation of the M-class phasor filter, in dB.
pub const M_PHASOR_ATTENUATION_DB: f64 = 60.0;
/// Stopband attenuation of the M-class frequency/ROCOF filter, in dB, for
/// reporting rate `rate`.
///
/// An interferer left at relative level ε and beat frequency Δ ≈ Fs/2 puts a
/// ripple of 2π·ε·Δ² on the ROCOF, so the attenuation grows with Fs: it is
/// chosen to keep that ripple under 0.05 Hz/s for a 10 % interferer, with
/// 6 dB of margin, within 55..=90 dB (more attenuation widens the transition
/// band and slows the frequency response).
pub fn m_frequency_attenuation_db(rate: f64) -> f64 {
    let beat = rate / 2.0;
    let ripple_per_unit = 2.0 * core::f64::consts::PI * 0.1 * beat * beat;
    (20.0 * (ripple_per_unit / 0.05).log10() + 6.0).clamp(55.0, 90.0)
}

impl FirFilter {
    /// P-class filter (C37.118.1 Annex C): a triangle spanning two nominal
    /// cycles, `w(k) = 1 − |k|/T` with `T = fs/f0` samples. It is the
    /// convolution of two one-cycle boxcars, so it has double zeros at every
    /// harmonic of f0.
    pub fn p_class(sample_rate_hz: f64, nominal_hz: f64) -> Self {
        let cycle = sample_rate_hz / nominal_hz;
        let half = (cycle.ceil() as usize).saturating_sub(1).max(1);
        let taps: Vec<f64> = (0..=2 * half)
            .map(|i| {
                let k = i as f64 - half as f64;
                (1.0 - k.abs() / cycle).max(0.0)
            })
            .collect();
        Self::normalised(
            taps,
            sample_rate_hz,
            FilterSpec {
                class: PmuClass::P,
                cutoff_hz: 0.0,
                kaiser_beta: 0.0,
                sinc_span_s: 0.0,
                boxcar_span_s: 1.0 / nominal_hz,
            },
        )
    }

    /// M-class filter: a Kaiser-windowed sinc low-pass whose stopband starts
    /// at Fs/2 (the out-of-band limit), convolved with a one-cycle boxcar
    /// (exact zeros at every harmonic of f0). `half_budget` is the largest
    /// half length in samples the latency allows; `attenuation_db` sets the
    /// Kaiser window (more attenuation, wider transition).
    pub fn m_class(
        sample_rate_hz: f64,
        nominal_hz: f64,
        reporting_rate: f64,
        half_budget: usize,
        attenuation_db: f64,
    ) -> Self {
        let boxcar = boxcar_taps(sample_rate_hz / nominal_hz);
        let box_half = boxcar.len() / 2;
        let sinc_half = half_budget.saturating_sub(box_half).max(2);
        let span_s = 2.0 * sinc_half as f64 / sample_rate_hz;
        let a = attenuation_db;
        let beta = kaiser_beta(a);
        // Kaiser's estimate of the transition width for this length.
        let transition_hz = (a - 7.95) / (14.36 * span_s);
        let cutoff_hz = (reporting_rate / 2.0 - transition_hz / 2.0).max(reporting_rate / 10.0);
        let i0_beta = bessel_i0(beta);
        let sinc: Vec<f64> = (0..=2 * sinc_half)
            .map(|i| {
                let n = i as f64 - sinc_half as f64;
                let x = n / sinc_half as f64;
                let window = bessel_i0(beta * (1.0 - x * x).max(0.0).sqrt()) / i0_beta;
                let wc = 2.0 * core::f64::consts::PI * cutoff_hz / sample_rate_hz;
                let ideal = if n == 0.0 {
                    wc / core::f64::consts::PI
                } else {
                    (wc * n).sin() / (core::f64::consts::PI * n)
                };
                ideal * window
            })
            .collect();
        let taps = convolve(&sinc, &boxcar);
        Self::normalised(
            taps,
            sample_rate_hz,
            FilterSpec {
                class: PmuClass::M,
                cutoff_hz,
                kaiser_beta: beta,
                sinc_span_s: span_s,
                boxcar_span_s: 1.0 / nominal_hz,
            },
        )
    }

    fn normalised(mut taps: Vec<f64>, sample_rate_hz: f64, spec: FilterSpec) -> Self {
        let sum: f64 = taps.iter().sum();
        for t in &mut taps {
            *t /= sum;
        }
        let half = taps.len() / 2;
        Self {
            taps,
            half,
            sample_rate_hz,
            spec,
        }
    }

    /// The coefficients, centre tap at index [`half`](Self::half).
    pub fn taps(&self) -> &[f64] {
        &self.taps
    }

    /// Half length: the filter spans `2·half + 1` samples.
    pub fn half(&self) -> usize {
        self.half
    }

    /// Design parameters.
    pub fn spec(&self) -> FilterSpec {
        self.spec
    }

    /// Group delay in seconds (half the span).
    pub fn group_delay_s(&self) -> f64 {
        self.half as f64 / self.sample_rate_hz
    }

    /// Real frequency response at `offset_hz` from the demodulation frequency
    /// (the filter is symmetric, so the response is real).
    pub fn response(&self, offset_hz: f64) -> f64 {
        self.moment_response(offset_hz, 0)
    }

    /// `Σ w(τ)·τ^order·cos(2π·offset·τ)` with τ in seconds (`order` 0 is
    /// [`response`](Self::response); order 2 gives the chirp term).
    pub fn moment_response(&self, offset_hz: f64, order: i32) -> f64 {
        let theta = 2.0 * core::f64::consts::PI * offset_hz / self.sample_rate_hz;
        let period = 1.0 / self.sample_rate_hz;
        let weight = |k: usize| -> f64 {
            if order == 0 {
                1.0
            } else {
                (k as f64 * period).powi(order)
            }
        };
        // cos(kθ) by the Chebyshev recurrence: cheap and accurate enough for
        // tens of thousands of taps.
        let two_cos = 2.0 * theta.cos();
        let (mut c_prev, mut c) = (theta.cos(), 1.0);
        let mut acc = self.taps[self.half] * weight(0);
        for k in 1..=self.half {
            let c_next = two_cos * c - c_prev;
            c_prev = c;
            c = c_next;
            acc += c * weight(k) * (self.taps[self.half + k] + self.taps[self.half - k]);
        }
        acc
    }
}

/// Boxcar of `width` samples (fractional widths allowed) sampled with cell
/// overlap, centred, odd length. An integer width gives exact zeros at every
/// multiple of `fs/width`.
fn boxcar_taps(width: f64) -> Vec<f64> {
    let edge = width / 2.0;
    let half = (edge - 0.5).ceil().max(0.0) as usize;
    (0..=2 * half)
        .map(|i| {
            let k = i as f64 - half as f64;
            let lo = (k - 0.5).max(-edge);
            let hi = (k + 0.5).min(edge);
            (hi - lo).max(0.0)
        })
        .collect()
}

fn convolve(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

/// Kaiser's β for a stopband attenuation in dB.
fn kaiser_beta(attenuation_db: f64) -> f64 {
    if attenuation_db > 50.0 {
        0.1102 * (attenuation_db - 8.7)
    } else if attenuation_db >= 21.0 {
        0.5842 * (attenuation_db - 21.0).powf(0.4) + 0.07886 * (attenuation_db - 21.0)
    } else {
        0.0
    }
}

/// Modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..200 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Tabulated filter response `H(Δf)` and chirp term `Σw·τ²·cos(2πΔf·τ)`
/// for magnitude (and ramp) compensation at off-nominal frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct GainTable {
    step_hz: f64,
    gains: Vec<f64>,
    chirp: Vec<f64>,
}

/// Number of points of the compensation table.
const GAIN_POINTS: usize = 256;

impl GainTable {
    /// Tabulates the response of `filter` on `0 ..= max_offset_hz`.
    pub fn new(filter: &FirFilter, max_offset_hz: f64) -> Self {
        let step_hz = max_offset_hz / (GAIN_POINTS - 1) as f64;
        let gains = (0..GAIN_POINTS)
            .map(|i| filter.response(i as f64 * step_hz))
            .collect();
        let chirp = (0..GAIN_POINTS)
            .map(|i| filter.moment_response(i as f64 * step_hz, 2))
            .collect();
        Self {
            step_hz,
            gains,
            chirp,
        }
    }

    /// Largest offset tabulated; beyond it the gain is held.
    pub fn max_offset_hz(&self) -> f64 {
        self.step_hz * (GAIN_POINTS - 1) as f64
    }

    /// Filter response at `offset_hz` (cubic interpolation, even in the offset).
    pub fn gain(&self, offset_hz: f64) -> f64 {
        self.interpolate(&self.gains, offset_hz)
    }

    /// `Σw·τ²·cos(2π·offset·τ)` (s²): a chirp of rate R adds `jπR` times this
    /// to the response.
    pub fn chirp_term(&self, offset_hz: f64) -> f64 {
        self.interpolate(&self.chirp, offset_hz)
    }

    fn interpolate(&self, table: &[f64], offset_hz: f64) -> f64 {
        let x = if offset_hz.is_finite() {
            (offset_hz.abs() / self.step_hz).min((GAIN_POINTS - 1) as f64)
        } else {
            0.0
        };
        let i = (x.floor() as usize).min(GAIN_POINTS - 2);
        let t = x - i as f64;
        let at = |j: isize| -> f64 {
            // Even symmetry about 0; hold beyond the end.
            let j = j.unsigned_abs().min(GAIN_POINTS - 1);
            table[j]
        };
        let (p0, p1, p2, p3) = (
            at(i as isize - 1),
            at(i as isize),
            at(i as isize + 1),
            at(i as isize + 2),
        );
        // Catmull-Rom.
        p1 + 0.5
            * t
            * (p2 - p0
                + t * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + t * (3.0 * (p1 - p2) + p3 - p0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_class_nulls_harmonics() {
        let f = FirFilter::p_class(4000.0, 50.0);
        assert_eq!(f.taps().len(), 159);
        assert!((f.response(0.0) - 1.0).abs() < 1e-12);
        for h in 1..=10 {
            assert!(f.response(50.0 * h as f64).abs() < 1e-12, "h={h}");
        }
    }

    #[test]
    fn m_class_rejects_out_of_band() {
        let fs = 4800.0;
        let budget = (4.5 / 60.0 * fs) as usize;
        let f = FirFilter::m_class(fs, 60.0, 60.0, budget, M_PHASOR_ATTENUATION_DB);
        assert!(f.half() <= budget);
        assert!((f.response(0.0) - 1.0).abs() < 1e-12);
        assert!(f.response(5.0) > 0.95);
        for k in 0..300 {
            let off = 30.0 + k as f64 * 0.1;
            assert!(f.response(off).abs() < 0.01, "offset {off}");
        }
        assert!(f.response(60.0).abs() < 1e-9);
    }

    #[test]
    fn gain_table_interpolates() {
        let f = FirFilter::m_class(4000.0, 50.0, 10.0, 1800, M_PHASOR_ATTENUATION_DB);
        let t = GainTable::new(&f, 5.0);
        for k in 0..50 {
            let off = k as f64 * 0.0913;
            assert!((t.gain(off) - f.response(off)).abs() < 1e-6);
            assert!((t.gain(-off) - f.response(off)).abs() < 1e-6);
        }
    }
}
