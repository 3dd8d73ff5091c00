//! The test catalogue: which waveforms each test sweeps, and how the reports
//! are reduced to the quantities the standard limits.

use super::limits::{Edition, Quantity, Setting, TestFamily};
use super::signal::Waveform;
use super::simulate::{Point, Simulation};
use super::{Mode, Outcome, Row};
use crate::estimator::{ConfigError, PmuClass};
use core::f64::consts::PI;

/// Runs every test of one setting.
pub fn run_setting(setting: Setting, mode: Mode) -> Result<Vec<Outcome>, ConfigError> {
    let ctx = Context::new(setting, mode)?;
    let mut out = vec![
        ctx.frequency_range()?,
        ctx.magnitude_range()?,
        ctx.phase_range()?,
        ctx.harmonics()?,
    ];
    if setting.class == PmuClass::M {
        out.push(ctx.out_of_band()?);
    }
    out.push(ctx.modulation("amplitude modulation", 0.1, 0.0)?);
    out.push(ctx.modulation("phase modulation", 0.0, 0.1)?);
    out.push(ctx.ramp(1.0)?);
    out.push(ctx.ramp(-1.0)?);
    let steps: &[(&str, bool, f64)] = match mode {
        Mode::Fast => &[
            ("magnitude step +10 %", true, 0.1),
            ("phase step +10°", false, 10.0),
        ],
        Mode::Full => &[
            ("magnitude step +10 %", true, 0.1),
            ("magnitude step −10 %", true, -0.1),
            ("phase step +10°", false, 10.0),
            ("phase step −10°", false, -10.0),
        ],
    };
    for &(name, magnitude, size) in steps {
        out.push(ctx.step(name, magnitude, size)?);
    }
    let latency = out.iter().map(|o| o.max_latency_s).fold(0.0_f64, f64::max);
    out.push(Outcome::new(
        "reporting latency",
        TestFamily::Latency,
        setting,
        vec![(Quantity::Latency, [latency, latency])],
        latency,
        "filter half span + 1 ms differentiation step + 1 sample".to_string(),
    ));
    Ok(out)
}

/// Sweep points: `n` evenly spaced values on `lo ..= hi`.
fn sweep(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

/// Worst values over a set of reports, with a label for the worst case.
#[derive(Debug, Default)]
struct Worst {
    tve: f64,
    fe: f64,
    rfe: f64,
    latency: f64,
    tve_case: String,
}

impl Worst {
    fn add(&mut self, points: &[Point], filter: impl Fn(&Point) -> bool, case: &str) {
        for p in points.iter().filter(|p| filter(p)) {
            if p.tve_pct > self.tve {
                self.tve = p.tve_pct;
                self.tve_case = case.to_string();
            }
            self.fe = self.fe.max(p.fe_hz);
            self.rfe = self.rfe.max(p.rfe_hz_s);
        }
        for p in points {
            self.latency = self.latency.max(p.latency_s);
        }
    }

    fn rows(&self) -> Vec<(Quantity, [f64; 2])> {
        vec![
            (Quantity::MaxTve, [self.tve; 2]),
            (Quantity::MaxFe, [self.fe; 2]),
            (Quantity::MaxRfe, [self.rfe; 2]),
        ]
    }
}

struct Context {
    setting: Setting,
    mode: Mode,
    sample_rate_hz: f64,
    /// Reporting latency of the estimator, s.
    latency_s: f64,
    /// Run-in before the first report (fills the window), s.
    lead_s: f64,
}

impl Context {
    fn new(setting: Setting, mode: Mode) -> Result<Self, ConfigError> {
        let sample_rate_hz = match mode {
            Mode::Fast => 80.0 * setting.f0,
            Mode::Full => 256.0 * setting.f0,
        };
        let probe = Simulation {
            setting,
            sample_rate_hz,
            waveform: Waveform::Harmonic {
                order: 2,
                ratio: 0.0,
            },
        };
        let latency_s = probe.latency_s()?;
        let lead_s = latency_s + 1.0 / f64::from(setting.fs);
        Ok(Self {
            setting,
            mode,
            sample_rate_hz,
            latency_s,
            lead_s,
        })
    }

    fn fast(&self) -> bool {
        self.mode == Mode::Fast
    }

    fn sim(&self, waveform: Waveform) -> Simulation {
        Simulation {
            setting: self.setting,
            sample_rate_hz: self.sample_rate_hz,
            waveform,
        }
    }

    /// Steady run of `duration` s after the filter is full (halved in fast
    /// mode, but at least five reports).
    fn steady(&self, waveform: Waveform, duration: f64) -> Result<Vec<Point>, ConfigError> {
        let duration = match self.mode {
            Mode::Fast => (duration / 2.0).max(5.0 / f64::from(self.setting.fs)),
            Mode::Full => duration,
        };
        self.sim(waveform).run(0.0, self.lead_s + duration)
    }

    fn outcome(&self, name: &str, family: TestFamily, worst: &Worst, note: String) -> Outcome {
        Outcome::new(
            name,
            family,
            self.setting,
            worst.rows(),
            worst.latency,
            note,
        )
    }

    fn frequency_range(&self) -> Result<Outcome, ConfigError> {
        let r = self.setting.frequency_range_hz();
        let f0 = self.setting.f0;
        let (n, dur) = if self.fast() {
            (5, 1.0)
        } else {
            (4 * (2.0 * r) as usize + 1, 2.0)
        };
        let mut worst = Worst::default();
        for f in sweep(f0 - r, f0 + r, n) {
            let w = Waveform::Steady {
                rms: 1.0,
                freq_hz: f,
                phase: 0.3,
            };
            worst.add(&self.steady(w, dur)?, |_| true, &format!("f = {f:.2} Hz"));
        }
        let note = format!(
            "f0 ± {r} Hz, {n} points of {dur} s; worst TVE at {}",
            worst.tve_case
        );
        Ok(self.outcome("frequency range", TestFamily::SteadyState, &worst, note))
    }

    fn magnitude_range(&self) -> Result<Outcome, ConfigError> {
        let levels = if self.fast() {
            vec![0.1, 0.8, 1.2, 2.0]
        } else {
            sweep(0.1, 2.0, 20)
        };
        let mut worst = Worst::default();
        for &m in &levels {
            let w = Waveform::Steady {
                rms: m,
                freq_hz: self.setting.f0,
                phase: 0.3,
            };
            worst.add(
                &self.steady(w, 1.0)?,
                |_| true,
                &format!("{:.0} %", m * 100.0),
            );
        }
        let note = format!("10 %–200 % of nominal, {} levels", levels.len());
        Ok(self.outcome("magnitude range", TestFamily::MagnitudeRange, &worst, note))
    }

    fn phase_range(&self) -> Result<Outcome, ConfigError> {
        let n = if self.fast() { 4 } else { 24 };
        let mut worst = Worst::default();
        for phase in sweep(-PI, PI, n + 1).into_iter().skip(1) {
            let w = Waveform::Steady {
                rms: 1.0,
                freq_hz: self.setting.f0,
                phase,
            };
            worst.add(&self.steady(w, 0.5)?, |_| true, &format!("{phase:.2} rad"));
        }
        let note = format!("−π..π, {n} angles");
        Ok(self.outcome("phase angle", TestFamily::SteadyState, &worst, note))
    }

    fn harmonics(&self) -> Result<Outcome, ConfigError> {
        let orders: Vec<u32> = if self.fast() {
            vec![2, 3, 5, 7, 13, 50]
        } else {
            (2..=50).collect()
        };
        let ratio = self.setting.harmonic_ratio();
        let mut worst = Worst::default();
        for &order in &orders {
            let w = Waveform::Harmonic { order, ratio };
            worst.add(&self.steady(w, 1.0)?, |_| true, &format!("h{order}"));
        }
        let note = format!(
            "{} % of each harmonic, orders {:?}",
            ratio * 100.0,
            if self.fast() {
                orders.clone()
            } else {
                vec![2, 50]
            }
        );
        Ok(self.outcome("harmonic distortion", TestFamily::Harmonics, &worst, note))
    }

    fn out_of_band(&self) -> Result<Outcome, ConfigError> {
        let f0 = self.setting.f0;
        let rate = f64::from(self.setting.fs);
        let below = f0 - rate / 2.0;
        let above = f0 + rate / 2.0;
        let interferers: Vec<f64> = if self.fast() {
            vec![10.0, below, above, 2.0 * f0]
        } else {
            let mut v = sweep(10.0, below, 8);
            v.extend(sweep(above, 2.0 * f0, 8));
            v
        };
        let fundamentals = [f0 - 0.05 * rate, f0, f0 + 0.05 * rate];
        let mut worst = Worst::default();
        for &fundamental_hz in &fundamentals {
            for &interference_hz in &interferers {
                let w = Waveform::Interharmonic {
                    fundamental_hz,
                    interference_hz,
                    ratio: 0.1,
                };
                let case = format!("f = {fundamental_hz:.1} Hz, fi = {interference_hz:.1} Hz");
                worst.add(&self.steady(w, 1.0)?, |_| true, &case);
            }
        }
        let note = format!(
            "10 % interharmonic on 10..{below} Hz and {above}..{} Hz, fundamental at f0 and f0 ± 0.1·Fs/2; worst TVE at {}",
            2.0 * f0,
            worst.tve_case
        );
        Ok(self.outcome(
            "out-of-band interference",
            TestFamily::OutOfBand,
            &worst,
            note,
        ))
    }

    fn modulation(&self, name: &str, kx: f64, ka: f64) -> Result<Outcome, ConfigError> {
        let fm_max = self.setting.max_modulation_hz();
        let fms = if self.fast() {
            vec![fm_max / 2.0, fm_max]
        } else {
            let mut v = vec![0.1, 0.2];
            let mut f = 0.5;
            while f < fm_max {
                v.push(f);
                f += 0.5;
            }
            v.push(fm_max);
            v
        };
        let mut worst = Worst::default();
        for &fm_hz in &fms {
            let w = Waveform::Modulated { fm_hz, kx, ka };
            // A whole modulation period, also in fast mode.
            let duration = (1.0 / fm_hz).max(1.0);
            let points = self.sim(w).run(0.0, self.lead_s + duration)?;
            worst.add(&points, |_| true, &format!("fm = {fm_hz:.2} Hz"));
        }
        let note = format!(
            "kx = {kx}, ka = {ka} rad, fm = {:.1}..{fm_max} Hz ({} points); worst TVE at {}",
            fms[0],
            fms.len(),
            worst.tve_case
        );
        Ok(self.outcome(name, TestFamily::Modulation, &worst, note))
    }

    fn ramp(&self, rate_hz_s: f64) -> Result<Outcome, ConfigError> {
        let r = self.setting.ramp_range_hz();
        let f0 = self.setting.f0;
        let start_hz = f0 - r * rate_hz_s.signum();
        let t_start = self.lead_s + 0.1;
        let t_end = t_start + 2.0 * r / rate_hz_s.abs();
        let w = Waveform::Ramp {
            start_hz,
            rate_hz_s,
            t_start,
            t_end,
        };
        let points = self.sim(w).run(0.0, t_end + self.lead_s)?;
        let mut rows = Vec::new();
        let mut per_edition = [Worst::default(), Worst::default()];
        for (worst, edition) in per_edition.iter_mut().zip(Edition::ALL) {
            let excl = self.setting.ramp_exclusion_s(edition);
            worst.add(
                &points,
                |p| p.t >= t_start + excl && p.t <= t_end - excl,
                "",
            );
        }
        let [a, b] = &per_edition;
        rows.push((Quantity::MaxTve, [a.tve, b.tve]));
        rows.push((Quantity::MaxFe, [a.fe, b.fe]));
        rows.push((Quantity::MaxRfe, [a.rfe, b.rfe]));
        let name = if rate_hz_s > 0.0 {
            "frequency ramp +1 Hz/s"
        } else {
            "frequency ramp −1 Hz/s"
        };
        let note = format!(
            "{start_hz} Hz → {} Hz; exclusion 2011 {:.3} s, 2014 {:.3} s",
            start_hz + 2.0 * r * rate_hz_s.signum(),
            self.setting.ramp_exclusion_s(Edition::Ieee2011),
            self.setting.ramp_exclusion_s(Edition::Ieee2014)
        );
        Ok(Outcome::new(
            name,
            TestFamily::Ramp,
            self.setting,
            rows,
            a.latency,
            note,
        ))
    }

    /// Step test with the equivalent-time-sampling technique: the step is
    /// moved by `1/(n·Fs)` between runs and all reports are merged on the
    /// time axis relative to the step.
    fn step(&self, name: &str, magnitude: bool, size: f64) -> Result<Outcome, ConfigError> {
        let rate = f64::from(self.setting.fs);
        let resolution = match (self.setting.class, self.mode) {
            (PmuClass::P, Mode::Fast) => 2e-3,
            (PmuClass::P, Mode::Full) => 2e-4,
            (PmuClass::M, Mode::Fast) => 0.25 / rate,
            (PmuClass::M, Mode::Full) => 0.02 / rate,
        };
        let runs = ((1.0 / rate) / resolution).ceil().max(1.0) as usize;
        let horizon = Edition::ALL
            .iter()
            .flat_map(|&e| {
                [
                    Quantity::TveResponse,
                    Quantity::FeResponse,
                    Quantity::RfeResponse,
                ]
                .map(|q| self.setting.limit(e, TestFamily::Step, q).unwrap_or(0.0))
            })
            .fold(0.0_f64, f64::max);
        let run_in = 2.0 * self.latency_s + 2.0 / rate;
        let t_base = ((run_in + 1.0 / rate) * rate).ceil() / rate;
        let mut all: Vec<(f64, Point)> = Vec::new();
        let mut latency: f64 = 0.0;
        for i in 0..runs {
            let t_step = t_base + i as f64 / (runs as f64 * rate);
            let w = if magnitude {
                Waveform::MagnitudeStep {
                    fraction: size,
                    t_step,
                }
            } else {
                Waveform::PhaseStep {
                    radians: size.to_radians(),
                    t_step,
                }
            };
            // One latency to fill the window, one more for the reports
            // whose window already reaches the step.
            let t_begin = t_step - run_in;
            let t_end = t_step + horizon + self.latency_s + 1.0 / rate;
            let points = self.sim(w).run(t_begin, t_end)?;
            for p in points {
                latency = latency.max(p.latency_s);
                all.push((p.t - t_step, p));
            }
        }
        all.sort_by(|a, b| a.0.total_cmp(&b.0));
        let step_size = if magnitude { size } else { size.to_radians() };
        let normalised = |p: &Point| -> f64 {
            if magnitude {
                (p.positive_sequence.abs() - 1.0) / step_size
            } else {
                p.positive_sequence.arg() / step_size
            }
        };
        let response = |value: &dyn Fn(&Point) -> f64, threshold: f64| -> f64 {
            let over: Vec<f64> = all
                .iter()
                .filter(|(_, p)| value(p) > threshold)
                .map(|(t, _)| *t)
                .collect();
            match (over.first(), over.last()) {
                (Some(a), Some(b)) => b - a + resolution,
                _ => 0.0,
            }
        };
        let mut rows = Vec::new();
        let tve = response(&|p| p.tve_pct, 1.0);
        rows.push((Quantity::TveResponse, [tve, tve]));
        let fe = response(&|p| p.fe_hz, 0.005);
        rows.push((Quantity::FeResponse, [fe, fe]));
        let rfe = Edition::ALL.map(|e| response(&|p| p.rfe_hz_s, self.setting.steady_rfe(e)));
        rows.push((Quantity::RfeResponse, rfe));
        // Delay: first crossing of 50 % of the step, linearly interpolated.
        let mut delay = f64::NAN;
        for pair in all.windows(2) {
            let (t1, p1) = &pair[0];
            let (t2, p2) = &pair[1];
            let (y1, y2) = (normalised(p1), normalised(p2));
            if y1 < 0.5 && y2 >= 0.5 {
                delay = t1 + (0.5 - y1) / (y2 - y1) * (t2 - t1);
                break;
            }
        }
        rows.push((Quantity::DelayTime, [delay.abs(); 2]));
        let overshoot = all
            .iter()
            .map(|(t, p)| {
                let y = normalised(p);
                if *t < 0.0 {
                    -y
                } else {
                    y - 1.0
                }
            })
            .fold(0.0_f64, f64::max)
            * 100.0;
        rows.push((Quantity::Overshoot, [overshoot; 2]));
        let note = format!(
            "{runs} runs (equivalent-time resolution {:.2} ms), signed delay {:+.3} ms",
            resolution * 1e3,
            delay * 1e3
        );
        Ok(Outcome::new(
            name,
            TestFamily::Step,
            self.setting,
            rows,
            latency,
            note,
        ))
    }
}

/// Every limit row of an outcome, against both editions.
pub fn rows_for(outcome: &Outcome) -> Vec<Row> {
    let mut rows = Vec::new();
    for &(quantity, measured) in &outcome.measured {
        for (i, edition) in Edition::ALL.into_iter().enumerate() {
            rows.push(Row {
                quantity,
                edition,
                measured: measured[i],
                limit: outcome.setting.limit(edition, outcome.family, quantity),
            });
        }
    }
    rows
}
