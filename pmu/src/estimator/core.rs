//! The streaming synchrophasor estimator.

use super::complex::Complex;
use super::config::{ConfigError, EstimatorConfig, PmuClass};
use super::fir::{m_frequency_attenuation_db, FirFilter, GainTable, M_PHASOR_ATTENUATION_DB};
use core::f64::consts::PI;

const NS_PER_S: i64 = 1_000_000_000;

/// Largest ROCOF (Hz/s) the M-class chirp correction believes; beyond it the
/// phase is changing by a step, not a ramp.
const MAX_CHIRP_RATE_HZ_S: f64 = 5.0;

/// One synchrophasor report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Report instant in ns since the Unix epoch (UTC), exactly on the grid
    /// `second + round(k·10⁹/Fs)`.
    pub ts_ns: i64,
    /// One phasor per channel: RMS magnitude, angle in rad relative to a
    /// cosine at nominal frequency referenced to the UTC second.
    pub phasors: Vec<Complex>,
    /// Positive-sequence phasor per three-phase group (RMS).
    pub positive_sequence: Vec<Complex>,
    /// Frequency in Hz (positive sequence of the first group, or channel 0).
    pub freq_hz: f64,
    /// Rate of change of frequency in Hz/s.
    pub rocof_hz_s: f64,
}

/// Ring of demodulated samples written twice, so that every window up to
/// `capacity` samples long is one contiguous slice.
#[derive(Debug, Clone)]
struct Ring {
    data: Vec<Complex>,
    capacity: usize,
}

impl Ring {
    fn new(capacity: usize) -> Self {
        Self {
            data: vec![Complex::ZERO; 2 * capacity],
            capacity,
        }
    }

    fn write(&mut self, index: usize, value: Complex) {
        self.data[index] = value;
        self.data[index + self.capacity] = value;
    }

    /// Filter output centred on the sample `back` steps before the newest
    /// (which is at ring index `newest`).
    fn filter(&self, newest: usize, back: usize, taps: &[f64]) -> Complex {
        let half = taps.len() / 2;
        let Some(start) = (newest + self.capacity).checked_sub(back + half) else {
            return Complex::new(f64::NAN, f64::NAN);
        };
        // Callers keep the window inside the ring; an out-of-range request
        // (a bug) yields NaN rather than a panic on the real-time path.
        let Some(window) = self.data.get(start..start + taps.len()) else {
            return Complex::new(f64::NAN, f64::NAN);
        };
        let (mut re, mut im) = (0.0, 0.0);
        for (z, &w) in window.iter().zip(taps) {
            re += z.re * w;
            im += z.im * w;
        }
        Complex::new(re, im)
    }
}

/// IEEE C37.118.1 P/M-class synchrophasor estimator (quadrature demodulation
/// at f0, symmetric FIR low-pass, frequency-compensated magnitude).
///
/// All memory is allocated in [`Estimator::new`]; [`Estimator::push`] does
/// not allocate.
#[derive(Debug, Clone)]
pub struct Estimator {
    config: EstimatorConfig,
    filter: FirFilter,
    /// Filter of the phase used for frequency and ROCOF (same span).
    freq_filter: FirFilter,
    gains: GainTable,
    /// Sample period in ns (may be fractional).
    period_ns: f64,
    /// Differentiation half-step for frequency and ROCOF, in samples.
    diff_step: usize,
    channel_rings: Vec<Ring>,
    group_rings: Vec<Ring>,
    times: Vec<i64>,
    capacity: usize,
    newest: usize,
    /// Consecutive uniformly spaced samples held (saturates at capacity).
    filled: usize,
    last_ts: Option<i64>,
    next_second: i64,
    next_index: u32,
    report: Report,
    /// Where the last report's window sits: `back` of its sample at the
    /// time it was computed, its interpolation weight, and samples pushed since.
    last_window: Option<(usize, f64)>,
    pushes_since_report: usize,
    rejected_samples: u64,
    resyncs: u64,
}

/// `e^{j2π/3}`.
fn alpha() -> Complex {
    Complex::new(-0.5, 3f64.sqrt() / 2.0)
}

fn wrap(angle: f64) -> f64 {
    let mut a = angle % (2.0 * PI);
    if a > PI {
        a -= 2.0 * PI;
    } else if a <= -PI {
        a += 2.0 * PI;
    }
    a
}

impl Estimator {
    /// Validates `config`, designs the filter and allocates every buffer.
    pub fn new(config: EstimatorConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let fs = config.sample_rate_hz;
        let f0 = config.nominal_hz;
        let rate = config.filter_design_rate();
        let diff_step = ((fs * 0.001).round() as usize).max(1);
        let (filter, freq_filter, max_offset) = match config.class {
            PmuClass::P => {
                let f = FirFilter::p_class(fs, f0);
                (f.clone(), f, f0 / 4.0)
            }
            PmuClass::M => {
                // Total latency (half span + differentiation + 1 sample)
                // within 90 % of the 5/Fs limit.
                let budget = (4.5 / rate * fs).floor() as usize;
                let half_budget = budget.saturating_sub(diff_step + 1);
                (
                    FirFilter::m_class(fs, f0, rate, half_budget, M_PHASOR_ATTENUATION_DB),
                    FirFilter::m_class(fs, f0, rate, half_budget, m_frequency_attenuation_db(rate)),
                    (rate / 2.0).min(f0 / 2.0),
                )
            }
        };
        if filter.half() < 4 {
            return Err(ConfigError::FilterTooShort {
                sample_rate: fs,
                reporting_rate: config.reporting_rate,
            });
        }
        let gains = GainTable::new(&filter, max_offset);
        let reach = filter.half().max(freq_filter.half());
        let capacity = 2 * reach + 2 * diff_step + 4;
        let report = Report {
            ts_ns: 0,
            phasors: vec![Complex::ZERO; config.channels],
            positive_sequence: vec![Complex::ZERO; config.three_phase_groups.len()],
            freq_hz: f0,
            rocof_hz_s: 0.0,
        };
        Ok(Self {
            channel_rings: (0..config.channels).map(|_| Ring::new(capacity)).collect(),
            group_rings: (0..config.three_phase_groups.len())
                .map(|_| Ring::new(capacity))
                .collect(),
            times: vec![0; capacity],
            period_ns: 1e9 / fs,
            diff_step,
            filter,
            freq_filter,
            gains,
            capacity,
            newest: 0,
            filled: 0,
            last_ts: None,
            next_second: 0,
            next_index: 0,
            report,
            last_window: None,
            pushes_since_report: 0,
            rejected_samples: 0,
            resyncs: 0,
            config,
        })
    }

    /// The configuration the estimator was built from.
    pub fn config(&self) -> &EstimatorConfig {
        &self.config
    }

    /// The low-pass filter of the phasors.
    pub fn filter(&self) -> &FirFilter {
        &self.filter
    }

    /// The low-pass filter of the phase that frequency and ROCOF come from.
    pub fn frequency_filter(&self) -> &FirFilter {
        &self.freq_filter
    }

    fn reach(&self) -> usize {
        self.filter.half().max(self.freq_filter.half()) + self.diff_step
    }

    /// Delay between a report instant and the sample that completes it:
    /// half the filter span plus the differentiation step plus one sample.
    pub fn latency_ns(&self) -> i64 {
        ((self.reach() + 1) as f64 * self.period_ns).ceil() as i64
    }

    /// Samples ignored because they had the wrong number of values.
    pub fn rejected_samples(&self) -> u64 {
        self.rejected_samples
    }

    /// Times the sample stream was not uniform (gap, duplicate, going back)
    /// and the estimator restarted its window.
    pub fn resyncs(&self) -> u64 {
        self.resyncs
    }

    /// The last report computed.
    pub fn last_report(&self) -> &Report {
        &self.report
    }

    fn report_instant(&self) -> i64 {
        let frac =
            (i64::from(self.next_index) * NS_PER_S) as f64 / f64::from(self.config.reporting_rate);
        self.next_second
            .saturating_mul(NS_PER_S)
            .saturating_add(frac.round() as i64)
    }

    fn advance_report(&mut self) {
        self.next_index += 1;
        if self.next_index >= self.config.reporting_rate {
            self.next_index = 0;
            self.next_second += 1;
        }
    }

    /// Sets the next report instant to the first grid instant not before `t`.
    fn schedule_from(&mut self, t: i64) {
        self.next_second = t.div_euclid(NS_PER_S);
        let within = t.rem_euclid(NS_PER_S);
        let rate = i64::from(self.config.reporting_rate);
        let mut k = (within * rate) / NS_PER_S;
        self.next_index = k as u32;
        while self.report_instant() < t {
            k += 1;
            self.next_index = k as u32;
            if k >= rate {
                self.next_index = 0;
                self.next_second += 1;
                break;
            }
        }
    }

    /// Pushes one time step: `values[i]` is channel `i` sampled at `ts_ns`
    /// (UTC ns). Returns a report when a report instant's window is complete.
    /// A sample with the wrong number of values is ignored; a non-uniform
    /// time step restarts the window (reports resume one latency later).
    pub fn push(&mut self, ts_ns: i64, values: &[f64]) -> Option<&Report> {
        if values.len() != self.config.channels {
            self.rejected_samples += 1;
            return None;
        }
        if let Some(last) = self.last_ts {
            let step = (i128::from(ts_ns) - i128::from(last)) as f64;
            if (step - self.period_ns).abs() > 0.5 * self.period_ns {
                self.filled = 0;
                self.last_window = None;
                self.resyncs += 1;
            }
        }
        self.last_ts = Some(ts_ns);
        self.store(ts_ns, values);
        self.pushes_since_report = self.pushes_since_report.saturating_add(1);
        if self.filled == 1 {
            let lead = (self.reach() + 1) as f64 * self.period_ns;
            self.schedule_from(ts_ns.saturating_add(lead.ceil() as i64));
        }
        self.try_report(ts_ns)
    }

    fn store(&mut self, ts_ns: i64, values: &[f64]) {
        self.newest = (self.newest + 1) % self.capacity;
        self.filled = (self.filled + 1).min(self.capacity);
        self.times[self.newest] = ts_ns;
        let within_s = ts_ns.rem_euclid(NS_PER_S) as f64 * 1e-9;
        let turns = (self.config.nominal_hz * within_s).fract();
        let (s, c) = (2.0 * PI * turns).sin_cos();
        let rot = Complex::new(c, -s).scale(core::f64::consts::SQRT_2);
        for (ring, &x) in self.channel_rings.iter_mut().zip(values) {
            ring.write(self.newest, rot.scale(x));
        }
        let a = alpha();
        let a2 = a * a;
        for (g, ring) in self
            .config
            .three_phase_groups
            .iter()
            .zip(&mut self.group_rings)
        {
            let [ia, ib, ic] = *g;
            let za = rot.scale(values[ia]);
            let zb = rot.scale(values[ib]);
            let zc = rot.scale(values[ic]);
            ring.write(self.newest, (za + a * zb + a2 * zc).scale(1.0 / 3.0));
        }
    }

    fn time_back(&self, back: usize) -> i64 {
        self.times[(self.newest + self.capacity - back) % self.capacity]
    }

    fn try_report(&mut self, newest_ts: i64) -> Option<&Report> {
        let t_r = self.report_instant();
        let x = (i128::from(newest_ts) - i128::from(t_r)) as f64 / self.period_ns;
        let reach = self.reach();
        if x < (reach + 1) as f64 - 1e-6 {
            return None;
        }
        // Sample s: latest sample not after t_r, `back` steps before newest.
        let mut back = (x - 1e-6).ceil().max(1.0) as usize;
        if back + reach >= self.filled {
            // The window reaches before the first uniform sample (start-up
            // or after a gap): skip this instant.
            self.advance_report();
            return None;
        }
        while back > 1 && self.time_back(back - 1) <= t_r {
            back -= 1;
        }
        while back + 1 + reach < self.filled && self.time_back(back) > t_r {
            back += 1;
        }
        if back < reach + 1 {
            // Jittered time stamps put the report instant too close to the
            // newest sample: wait for the next one.
            return None;
        }
        let t_s = self.time_back(back);
        let t_s1 = self.time_back(back - 1);
        let alpha = if t_s1 > t_s {
            let num = (i128::from(t_r) - i128::from(t_s)) as f64;
            let den = (i128::from(t_s1) - i128::from(t_s)) as f64;
            (num / den).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.compute(back, alpha, t_r);
        self.last_window = Some((back, alpha));
        self.pushes_since_report = 0;
        self.advance_report();
        Some(&self.report)
    }

    /// Computes the last report again from the samples still buffered: the
    /// whole per-report cost (all channels and groups, frequency, ROCOF),
    /// without pushing samples. Meant for benchmarks: cost per report per
    /// channel ≈ time / (channels + 3·groups). `None` before the first
    /// report or once its window has left the buffer.
    pub fn recompute_last_report(&mut self) -> Option<&Report> {
        let (back, alpha) = self.last_window?;
        let back = back.checked_add(self.pushes_since_report)?;
        if back + self.reach() >= self.filled {
            return None;
        }
        let t_r = self.report.ts_ns;
        self.compute(back, alpha, t_r);
        Some(&self.report)
    }

    /// Frequency and ROCOF at the sample `back` steps before the newest.
    fn freq_at(&self, ring: &Ring, back: usize) -> (f64, f64) {
        let taps = self.freq_filter.taps();
        let d = self.diff_step;
        let older = ring.filter(self.newest, back + d, taps).arg();
        let centre = ring.filter(self.newest, back, taps).arg();
        let newer = ring.filter(self.newest, back - d, taps).arg();
        let delta_s = d as f64 * self.period_ns * 1e-9;
        let d1 = wrap(newer - centre);
        let d0 = wrap(centre - older);
        let freq = self.config.nominal_hz + (d1 + d0) / (4.0 * PI * delta_s);
        let rocof = (d1 - d0) / (2.0 * PI * delta_s * delta_s);
        (freq, rocof)
    }

    fn compute(&mut self, back: usize, alpha: f64, t_r: i64) {
        let freq_ring = self.group_rings.first().unwrap_or(&self.channel_rings[0]);
        let (f_s, r_s) = self.freq_at(freq_ring, back);
        let (f_s1, r_s1) = self.freq_at(freq_ring, back - 1);
        let freq = f_s + alpha * (f_s1 - f_s);
        let rocof = r_s + alpha * (r_s1 - r_s);
        let offset = freq - self.config.nominal_hz;
        // Response to a tone at `offset` drifting at `rocof`: H + jπR·M2.
        let gain = self.gains.gain(offset);
        let gain = if gain > 0.05 { gain } else { 1.0 };
        // Only the M class has windows long enough for the chirp term to
        // matter (P class: < 0.02 % TVE at 1 Hz/s).
        let chirp_rate = match self.config.class {
            PmuClass::P => 0.0,
            PmuClass::M => rocof.clamp(-MAX_CHIRP_RATE_HZ_S, MAX_CHIRP_RATE_HZ_S),
        };
        let response = Complex::new(gain, PI * chirp_rate * self.gains.chirp_term(offset));
        let inverse = response
            .conj()
            .scale(1.0 / (response.re * response.re + response.im * response.im));
        let period_s = self.period_ns * 1e-9;
        let rot_s = Complex::cis(2.0 * PI * offset * alpha * period_s);
        let rot_s1 = Complex::cis(-2.0 * PI * offset * (1.0 - alpha) * period_s);
        let taps = self.filter.taps();
        let newest = self.newest;
        let estimate = |ring: &Ring| -> Complex {
            let x0 = ring.filter(newest, back, taps) * rot_s;
            let x1 = ring.filter(newest, back - 1, taps) * rot_s1;
            (x0.scale(1.0 - alpha) + x1.scale(alpha)) * inverse
        };
        for (out, ring) in self.report.phasors.iter_mut().zip(&self.channel_rings) {
            *out = estimate(ring);
        }
        for (out, ring) in self
            .report
            .positive_sequence
            .iter_mut()
            .zip(&self.group_rings)
        {
            *out = estimate(ring);
        }
        self.report.freq_hz = freq;
        self.report.rocof_hz_s = rocof;
        self.report.ts_ns = t_r;
    }
}
