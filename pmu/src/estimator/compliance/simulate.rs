//! Runs the estimator on a synthetic waveform and compares every report with
//! the reference values.

use super::limits::Setting;
use super::signal::Waveform;
use crate::estimator::{Complex, ConfigError, Estimator, EstimatorConfig};

/// The UTC second the simulations start from (any whole second works).
const EPOCH_S: i64 = 1_700_000_000;
const NS_PER_S: i64 = 1_000_000_000;

/// One report compared with the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Report instant, s from the start of the simulation.
    pub t: f64,
    /// Largest TVE over the three phases and the positive sequence, %.
    pub tve_pct: f64,
    /// |frequency error|, Hz.
    pub fe_hz: f64,
    /// |ROCOF error|, Hz/s.
    pub rfe_hz_s: f64,
    /// Estimated positive-sequence phasor.
    pub positive_sequence: Complex,
    /// Time from the report instant to the sample that completed it, s.
    pub latency_s: f64,
}

/// A simulation: waveform, class/rate setting and sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulation {
    /// Class, nominal frequency and reporting rate.
    pub setting: Setting,
    /// Waveform sample rate, Hz.
    pub sample_rate_hz: f64,
    /// The test waveform.
    pub waveform: Waveform,
}

impl Simulation {
    /// Estimator configuration used by every test: three voltages, one group.
    pub fn estimator_config(&self) -> EstimatorConfig {
        EstimatorConfig {
            class: self.setting.class,
            nominal_hz: self.setting.f0,
            sample_rate_hz: self.sample_rate_hz,
            reporting_rate: self.setting.fs,
            channels: 3,
            three_phase_groups: vec![[0, 1, 2]],
        }
    }

    /// Reporting latency of the estimator this simulation builds, s.
    pub fn latency_s(&self) -> Result<f64, ConfigError> {
        Ok(Estimator::new(self.estimator_config())?.latency_ns() as f64 * 1e-9)
    }

    /// Feeds samples for `t_begin ..= t_end` (s) and returns every report.
    pub fn run(&self, t_begin: f64, t_end: f64) -> Result<Vec<Point>, ConfigError> {
        let mut estimator = Estimator::new(self.estimator_config())?;
        let fs = self.sample_rate_hz;
        let f0 = self.setting.f0;
        let first = (t_begin * fs).ceil() as i64;
        let last = (t_end * fs).floor() as i64;
        let mut points = Vec::new();
        let mut values = [0.0; 3];
        for n in first..=last {
            let t = n as f64 / fs;
            for (p, v) in values.iter_mut().enumerate() {
                *v = self.waveform.value(t, f0, p);
            }
            let ts_ns = EPOCH_S * NS_PER_S + (n as f64 * 1e9 / fs).round() as i64;
            if let Some(report) = estimator.push(ts_ns, &values) {
                let t_r = (report.ts_ns - EPOCH_S * NS_PER_S) as f64 * 1e-9;
                let truth = self.waveform.truth(t_r, f0);
                let mut tve: f64 = 0.0;
                for (p, est) in report.phasors.iter().enumerate() {
                    let reference = self.waveform.reference_phasor(t_r, f0, p);
                    tve = tve.max((*est - reference).abs() / reference.abs());
                }
                let reference = self.waveform.reference_phasor(t_r, f0, 0);
                let positive_sequence = report
                    .positive_sequence
                    .first()
                    .copied()
                    .unwrap_or_default();
                tve = tve.max((positive_sequence - reference).abs() / reference.abs());
                points.push(Point {
                    t: t_r,
                    tve_pct: 100.0 * tve,
                    fe_hz: (report.freq_hz - truth.freq_hz).abs(),
                    rfe_hz_s: (report.rocof_hz_s - truth.rocof_hz_s).abs(),
                    positive_sequence,
                    latency_s: (ts_ns - report.ts_ns) as f64 * 1e-9,
                });
            }
        }
        Ok(points)
    }
}
