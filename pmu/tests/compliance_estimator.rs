//! Behaviour of the estimator's streaming API: grid-aligned reports,
//! accuracy at several sample rates, restart after gaps, refusal of bad
//! configurations, and no allocation in `push`.

use gridhil_pmu::estimator::{Complex, ConfigError, Estimator, EstimatorConfig, PmuClass};
use gridhil_test_support::alloc::{count_on_this_thread, watching, CountingAllocator};
use std::f64::consts::{PI, SQRT_2};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new(watching);

const EPOCH_NS: i64 = 1_700_000_000 * 1_000_000_000;

fn config(class: PmuClass, f0: f64, fs: f64, rate: u32) -> EstimatorConfig {
    EstimatorConfig {
        class,
        nominal_hz: f0,
        sample_rate_hz: fs,
        reporting_rate: rate,
        channels: 6,
        three_phase_groups: vec![[0, 1, 2], [3, 4, 5]],
    }
}

/// Balanced voltages (rms 1, phase φ) and currents (rms 0.5, phase φ − 0.5).
fn sample(t: f64, freq: f64, phi: f64) -> [f64; 6] {
    let mut v = [0.0; 6];
    for p in 0..3 {
        let shift = 2.0 * PI / 3.0 * p as f64;
        let arg = 2.0 * PI * freq * t + phi - shift;
        v[p] = SQRT_2 * arg.cos();
        v[p + 3] = SQRT_2 * 0.5 * (arg - 0.5).cos();
    }
    v
}

fn run(
    cfg: EstimatorConfig,
    freq: f64,
    seconds: f64,
) -> Vec<(i64, Vec<Complex>, Vec<Complex>, f64)> {
    let fs = cfg.sample_rate_hz;
    let mut est = match Estimator::new(cfg) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let mut out = Vec::new();
    for n in 0..(seconds * fs) as i64 {
        let t = n as f64 / fs;
        let ts = EPOCH_NS + (n as f64 * 1e9 / fs).round() as i64;
        if let Some(r) = est.push(ts, &sample(t, freq, 0.7)) {
            out.push((
                r.ts_ns,
                r.phasors.clone(),
                r.positive_sequence.clone(),
                r.freq_hz,
            ));
        }
    }
    out
}

#[test]
fn reports_sit_on_the_utc_grid_and_are_accurate_at_any_sample_rate() {
    for &(class, f0, fs, rate) in &[
        (PmuClass::P, 50.0, 4000.0, 50),
        (PmuClass::P, 60.0, 10_000.0, 60),
        (PmuClass::M, 50.0, 12_800.0, 25),
        (PmuClass::M, 60.0, 10_000.0, 30),
        (PmuClass::P, 60.0, 1_000.0, 12),
    ] {
        let freq = f0 + 0.7;
        let reports = run(config(class, f0, fs, rate), freq, 1.5);
        assert!(
            reports.len() as f64 >= f64::from(rate) * 0.9,
            "{class:?} {fs}: {}",
            reports.len()
        );
        for (ts, phasors, pos, f) in &reports {
            let within = ts.rem_euclid(1_000_000_000);
            let k = (within as f64 * f64::from(rate) / 1e9).round();
            assert_eq!(
                within,
                (k * 1e9 / f64::from(rate)).round() as i64,
                "off-grid {ts}"
            );
            let t = (ts - EPOCH_NS) as f64 * 1e-9;
            let angle = 2.0 * PI * (freq - f0) * t + 0.7;
            let expected_v = Complex::from_polar(1.0, angle);
            let expected_i = Complex::from_polar(0.5, angle - 0.5);
            let tve_v = (phasors[0] - expected_v).abs();
            let tve_i = (pos[1] - expected_i).abs() / 0.5;
            assert!(
                tve_v < 0.01 && tve_i < 0.01,
                "{class:?} fs={fs}: TVE {tve_v} {tve_i}"
            );
            assert!((f - freq).abs() < 0.005, "{class:?} fs={fs}: f {f}");
        }
    }
}

#[test]
fn report_arrives_one_latency_after_its_instant() {
    let cfg = config(PmuClass::P, 50.0, 4000.0, 50);
    let mut est = match Estimator::new(cfg) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let latency = est.latency_ns();
    for n in 0..8000i64 {
        let ts = EPOCH_NS + n * 250_000;
        if let Some(r) = est.push(ts, &sample(n as f64 / 4000.0, 50.0, 0.0)) {
            let lag = ts - r.ts_ns;
            assert!(
                lag >= latency - 250_000 && lag <= latency + 250_000,
                "lag {lag}, latency {latency}"
            );
        }
    }
}

#[test]
fn a_gap_restarts_the_window_and_bad_samples_are_ignored() {
    let cfg = config(PmuClass::M, 60.0, 4800.0, 60);
    let mut est = match Estimator::new(cfg) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let latency = est.latency_ns();
    let period = 1e9 / 4800.0;
    let mut last_report = 0;
    let mut after_gap = Vec::new();
    for n in 0..9600i64 {
        // 100 ms of samples missing at n = 4800.
        let m = if n >= 4800 { n + 480 } else { n };
        let ts = EPOCH_NS + (m as f64 * period).round() as i64;
        assert!(est.push(ts, &[1.0, 2.0]).is_none());
        if let Some(r) = est.push(ts, &sample(m as f64 / 4800.0, 60.0, 0.0)) {
            assert!(r.ts_ns > last_report);
            last_report = r.ts_ns;
            if n >= 4800 {
                after_gap.push(r.ts_ns);
            }
        }
    }
    assert_eq!(est.resyncs(), 1);
    assert_eq!(est.rejected_samples(), 9600);
    let gap_end = EPOCH_NS + (5280.0 * period).round() as i64;
    assert!(!after_gap.is_empty());
    assert!(after_gap[0] >= gap_end + latency - 20_000_000);
}

#[test]
fn bad_configurations_are_refused() {
    let good = config(PmuClass::P, 50.0, 4000.0, 50);
    let mut c = good.clone();
    c.nominal_hz = 55.0;
    assert_eq!(
        Estimator::new(c).err(),
        Some(ConfigError::NominalFrequency(55.0))
    );
    let mut c = good.clone();
    c.sample_rate_hz = 500.0;
    assert!(matches!(Estimator::new(c), Err(ConfigError::SampleRate(_))));
    let mut c = good.clone();
    c.sample_rate_hz = f64::NAN;
    assert!(matches!(Estimator::new(c), Err(ConfigError::SampleRate(_))));
    let mut c = good.clone();
    c.reporting_rate = 0;
    assert!(matches!(
        Estimator::new(c),
        Err(ConfigError::ReportingRate { .. })
    ));
    let mut c = good.clone();
    c.channels = 0;
    c.three_phase_groups.clear();
    assert_eq!(Estimator::new(c).err(), Some(ConfigError::NoChannel));
    let mut c = good;
    c.three_phase_groups.push([0, 1, 6]);
    assert!(matches!(
        Estimator::new(c),
        Err(ConfigError::GroupChannel { channel: 6, .. })
    ));
}

#[test]
fn push_does_not_allocate() {
    for class in [PmuClass::P, PmuClass::M] {
        let mut est = match Estimator::new(config(class, 50.0, 4000.0, 50)) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        let (reports, allocations) = count_on_this_thread(|| {
            let mut reports = 0;
            for n in 0..8000i64 {
                let ts = EPOCH_NS + n * 250_000;
                let values = sample(n as f64 / 4000.0, 50.3, 0.1);
                if est.push(ts, &values).is_some() {
                    reports += 1;
                }
            }
            reports
        });
        assert!(reports > 80);
        assert_eq!(allocations, 0, "{class:?}: push allocated");
    }
}

#[test]
fn recomputing_the_last_report_gives_the_same_report() {
    let mut est = match Estimator::new(config(PmuClass::M, 50.0, 4000.0, 25)) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    assert!(est.recompute_last_report().is_none());
    let mut last = None;
    for n in 0..4000i64 {
        let ts = EPOCH_NS + n * 250_000;
        if let Some(r) = est.push(ts, &sample(n as f64 / 4000.0, 50.2, 0.3)) {
            last = Some(r.clone());
            if n > 2000 {
                break;
            }
        }
    }
    let last = match last {
        Some(r) => r,
        None => panic!("no report"),
    };
    match est.recompute_last_report() {
        Some(again) => assert_eq!(*again, last),
        None => panic!("window left the buffer"),
    }
}

/// Deterministic xorshift64* generator.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn hostile_time_stamps_and_values_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for class in [PmuClass::P, PmuClass::M] {
        let mut est = match Estimator::new(config(class, 60.0, 4800.0, 60)) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        let period = 1e9 / 4800.0;
        let mut ts = EPOCH_NS as f64;
        let mut last_report = i64::MIN;
        for n in 0..40_000 {
            let r = rng.unit();
            ts += if r < 0.001 {
                -period * 10.0 // clock goes back
            } else if r < 0.002 {
                period * 1000.0 // gap
            } else if r < 0.003 {
                0.0 // duplicate
            } else {
                period * (1.0 + 0.98 * (rng.unit() - 0.5)) // heavy jitter
            };
            let mut values = sample(n as f64 / 4800.0, 60.0, 0.0);
            if rng.unit() < 0.001 {
                values[0] = f64::NAN;
            }
            if rng.unit() < 0.001 {
                values[1] = f64::INFINITY;
            }
            let len = if rng.unit() < 0.001 { 5 } else { 6 };
            if let Some(report) = est.push(ts as i64, &values[..len]) {
                assert_eq!(report.phasors.len(), 6);
                last_report = report.ts_ns;
            }
        }
        assert!(last_report > EPOCH_NS);
        // Extreme time stamps.
        for ts in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            let _ = est.push(ts, &[0.0; 6]);
        }
    }
}

#[test]
fn single_channel_without_group_measures_frequency_from_channel_0() {
    let cfg = EstimatorConfig {
        class: PmuClass::P,
        nominal_hz: 50.0,
        sample_rate_hz: 4000.0,
        reporting_rate: 50,
        channels: 1,
        three_phase_groups: Vec::new(),
    };
    let mut est = match Estimator::new(cfg) {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let mut reports = 0;
    for n in 0..4000i64 {
        let t = n as f64 / 4000.0;
        let x = 230.0 * SQRT_2 * (2.0 * PI * 50.0 * t - 1.0).cos();
        if let Some(r) = est.push(EPOCH_NS + n * 250_000, &[x]) {
            reports += 1;
            assert!(r.positive_sequence.is_empty());
            assert!((r.phasors[0] - Complex::from_polar(230.0, -1.0)).abs() < 1e-6);
            assert!((r.freq_hz - 50.0).abs() < 1e-6 && r.rocof_hz_s.abs() < 1e-3);
        }
    }
    assert!(reports >= 45, "{reports}");
}
