//! Runs the C37.118.1 compliance harness (fast sweeps) for both classes at
//! every reporting rate the standard lists, and fails on any exceeded limit
//! of either edition.

use gridhil_pmu::estimator::compliance::{run_suite, standard_settings, Edition, Mode};

#[test]
fn estimator_meets_every_limit_of_both_editions() {
    let settings = standard_settings();
    let outcomes = match run_suite(&settings, Mode::Fast, 2) {
        Ok(o) => o,
        Err(e) => panic!("harness could not build an estimator: {e}"),
    };
    // Every setting ran every test family it should.
    assert_eq!(settings.len(), 18);
    for s in &settings {
        let n = outcomes.iter().filter(|o| o.setting == *s).count();
        assert!(n >= 11, "{s:?} ran only {n} tests");
    }
    let mut failures = Vec::new();
    for o in &outcomes {
        for edition in Edition::ALL {
            for row in o.failures(edition) {
                failures.push(format!(
                    "{} class f0={} Fs={}: {} — {} = {} > {:?} ({})",
                    o.setting.class.name(),
                    o.setting.f0,
                    o.setting.fs,
                    o.test,
                    row.quantity.label(),
                    row.measured,
                    row.limit,
                    edition.label()
                ));
            }
        }
        // A NaN would silently pass a `<=` check the other way round; make
        // sure every limited value was actually measured.
        for row in o.rows() {
            if row.limit.is_some() {
                assert!(
                    row.measured.is_finite(),
                    "{}: {:?} not measured",
                    o.test,
                    row.quantity
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "limits exceeded:\n{}",
        failures.join("\n")
    );
}

/// The harness must be able to fail: a P-class estimator (no anti-alias
/// filtering) run through the M-class out-of-band test exceeds 1.3 % TVE,
/// while the M-class estimator stays far below it.
#[test]
fn harness_flags_an_estimator_without_out_of_band_rejection() {
    use gridhil_pmu::estimator::compliance::signal::Waveform;
    use gridhil_pmu::estimator::compliance::simulate::Simulation;
    use gridhil_pmu::estimator::compliance::{Quantity, Setting, TestFamily};
    use gridhil_pmu::estimator::PmuClass;

    let p_class = Setting {
        class: PmuClass::P,
        f0: 50.0,
        fs: 50,
    };
    let m_class = Setting {
        class: PmuClass::M,
        ..p_class
    };
    let waveform = Waveform::Interharmonic {
        fundamental_hz: 50.0,
        interference_hz: 75.0,
        ratio: 0.1,
    };
    let limit = match m_class.limit(
        gridhil_pmu::estimator::compliance::Edition::Ieee2014,
        TestFamily::OutOfBand,
        Quantity::MaxTve,
    ) {
        Some(l) => l,
        None => panic!("no out-of-band TVE limit"),
    };
    let worst = |setting: Setting| -> f64 {
        let sim = Simulation {
            setting,
            sample_rate_hz: 4000.0,
            waveform,
        };
        match sim.run(0.0, 1.5) {
            Ok(points) => points.iter().map(|p| p.tve_pct).fold(0.0, f64::max),
            Err(e) => panic!("{e}"),
        }
    };
    let p_tve = worst(p_class);
    let m_tve = worst(m_class);
    assert!(p_tve > limit, "P class passed the M-class test: {p_tve} %");
    assert!(m_tve < limit / 10.0, "M class: {m_tve} %");
}

/// The 2014/2018 limits against NIST's specification files
/// (`usnistgov/PMUCalPostProcessing`, `Specifications/spec_<F0>F0_<Fs>Fs_<P|M>.csv`,
/// commit e0f583b784ddc6d09a136b77e8d089143e954c20), transcribed below as
/// `class f0 Fs ROW,` followed by the file's row (`Inf` = no requirement).
/// Columns: FreqRng, MagRng, Harm, OOB, PhaseMod, AmplMod, RampPos, RampNeg,
/// PhaseStepRespTime, PhaseStepDelayTime, PhaseStepOvershoot,
/// MagStepResponseTime, MagStepDelayTime, MagStepOvershoot.
const NIST_SPECIFICATIONS: &str = "\
M 50 10 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.700000,0.025000,0.100000,0.700000,0.025000,Inf
M 50 10 FE,0.005000,Inf,0.005000,0.010000,0.120000,0.120000,0.010000,0.010000,1.400000,Inf,Inf,1.400000,Inf,Inf
M 50 10 RFE,0.100000,Inf,Inf,Inf,2.300000,2.300000,0.200000,0.200000,1.400000,Inf,Inf,1.400000,Inf,Inf
P 50 10 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.040000,0.025000,0.050000,0.040000,0.025000,Inf
P 50 10 FE,0.005000,Inf,0.005000,Inf,0.030000,0.030000,0.010000,0.010000,0.090000,Inf,Inf,0.090000,Inf,Inf
P 50 10 RFE,0.400000,Inf,0.400000,Inf,0.600000,0.600000,0.400000,0.400000,0.120000,Inf,Inf,0.120000,Inf,Inf
M 50 25 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.280000,0.010000,0.100000,0.280000,0.010000,Inf
M 50 25 FE,0.005000,Inf,0.025000,0.010000,0.300000,0.300000,0.010000,0.010000,0.560000,Inf,Inf,0.560000,Inf,Inf
M 50 25 RFE,0.100000,Inf,Inf,Inf,14.000000,14.000000,0.200000,0.200000,0.560000,Inf,Inf,0.560000,Inf,Inf
P 50 25 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.040000,0.010000,0.050000,0.040000,0.010000,Inf
P 50 25 FE,0.005000,Inf,0.005000,Inf,0.060000,0.060000,0.010000,0.010000,0.090000,Inf,Inf,0.090000,Inf,Inf
P 50 25 RFE,0.400000,Inf,0.400000,Inf,2.300000,2.300000,0.400000,0.400000,0.120000,Inf,Inf,0.120000,Inf,Inf
M 50 50 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.140000,0.005000,0.100000,0.140000,0.005000,Inf
M 50 50 FE,0.005000,Inf,0.025000,0.010000,0.300000,0.300000,0.010000,0.010000,0.280000,Inf,Inf,0.280000,Inf,Inf
M 50 50 RFE,0.100000,Inf,Inf,Inf,14.000000,14.000000,0.200000,0.200000,0.280000,Inf,Inf,0.280000,Inf,Inf
P 50 50 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.040000,0.005000,0.050000,0.040000,0.005000,Inf
P 50 50 FE,0.005000,Inf,0.005000,Inf,0.060000,0.060000,0.010000,0.010000,0.090000,Inf,Inf,0.090000,Inf,Inf
P 50 50 RFE,0.400000,Inf,0.400000,Inf,2.300000,2.300000,0.400000,0.400000,0.120000,Inf,Inf,0.120000,Inf,Inf
M 60 10 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.700000,0.025000,0.100000,0.700000,0.025000,Inf
M 60 10 FE,0.005000,Inf,0.005000,0.010000,0.120000,0.120000,0.010000,0.010000,1.400000,Inf,Inf,1.400000,Inf,Inf
M 60 10 RFE,0.100000,Inf,Inf,Inf,2.300000,2.300000,0.200000,0.200000,1.400000,Inf,Inf,1.400000,Inf,Inf
P 60 10 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.025000,0.050000,0.033333,0.025000,Inf
P 60 10 FE,0.005000,Inf,0.005000,Inf,0.030000,0.030000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 10 RFE,0.400000,Inf,0.400000,Inf,0.600000,0.600000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
M 60 12 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.583333,0.020833,0.100000,0.583333,0.020833,Inf
M 60 12 FE,0.005000,Inf,0.005000,0.010000,0.140000,0.140000,0.010000,0.010000,1.166667,Inf,Inf,1.166667,Inf,Inf
M 60 12 RFE,0.100000,Inf,Inf,Inf,3.300000,3.300000,0.200000,0.200000,1.166667,Inf,Inf,1.166667,Inf,Inf
P 60 12 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.020833,0.050000,0.033333,0.020833,Inf
P 60 12 FE,0.005000,Inf,0.005000,Inf,0.040000,0.040000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 12 RFE,0.400000,Inf,0.400000,Inf,0.800000,0.800000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
M 60 15 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.466667,0.016667,0.100000,0.466667,0.016667,Inf
M 60 15 FE,0.005000,Inf,0.005000,0.010000,0.180000,0.180000,0.010000,0.010000,0.933333,Inf,Inf,0.933333,Inf,Inf
M 60 15 RFE,0.100000,Inf,Inf,Inf,5.100000,5.100000,0.200000,0.200000,0.933333,Inf,Inf,0.933333,Inf,Inf
P 60 15 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.016667,0.050000,0.033333,0.016667,Inf
P 60 15 FE,0.005000,Inf,0.005000,Inf,0.050000,0.050000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 15 RFE,0.400000,Inf,0.400000,Inf,1.300000,1.300000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
M 60 20 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.350000,0.012500,0.100000,0.350000,0.012500,Inf
M 60 20 FE,0.005000,Inf,0.005000,0.010000,0.240000,0.240000,0.010000,0.010000,0.700000,Inf,Inf,0.700000,Inf,Inf
M 60 20 RFE,0.100000,Inf,Inf,Inf,9.000000,9.000000,0.200000,0.200000,0.700000,Inf,Inf,0.700000,Inf,Inf
P 60 20 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.012500,0.050000,0.033333,0.012500,Inf
P 60 20 FE,0.005000,Inf,0.005000,Inf,0.060000,0.060000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 20 RFE,0.400000,Inf,0.400000,Inf,2.300000,2.300000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
M 60 30 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.233333,0.008333,0.100000,0.233333,0.008333,Inf
M 60 30 FE,0.005000,Inf,0.025000,0.010000,0.300000,0.300000,0.010000,0.010000,0.466667,Inf,Inf,0.466667,Inf,Inf
M 60 30 RFE,0.100000,Inf,Inf,Inf,14.000000,14.000000,0.200000,0.200000,0.466667,Inf,Inf,0.466667,Inf,Inf
P 60 30 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.008333,0.050000,0.033333,0.008333,Inf
P 60 30 FE,0.005000,Inf,0.005000,Inf,0.060000,0.060000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 30 RFE,0.400000,Inf,0.400000,Inf,2.300000,2.300000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
M 60 60 TVE,1.000000,1.000000,1.000000,1.300000,3.000000,3.000000,1.000000,1.000000,0.116667,0.004167,0.100000,0.116667,0.004167,Inf
M 60 60 FE,0.005000,Inf,0.025000,0.010000,0.300000,0.300000,0.010000,0.010000,0.233333,Inf,Inf,0.233333,Inf,Inf
M 60 60 RFE,0.100000,Inf,Inf,Inf,14.000000,14.000000,0.200000,0.200000,0.233333,Inf,Inf,0.233333,Inf,Inf
P 60 60 TVE,1.000000,1.000000,1.000000,Inf,3.000000,3.000000,1.000000,1.000000,0.033333,0.004167,0.050000,0.033333,0.004167,Inf
P 60 60 FE,0.005000,Inf,0.005000,Inf,0.060000,0.060000,0.010000,0.010000,0.075000,Inf,Inf,0.075000,Inf,Inf
P 60 60 RFE,0.400000,Inf,0.400000,Inf,2.300000,2.300000,0.400000,0.400000,0.100000,Inf,Inf,0.100000,Inf,Inf
";

#[test]
fn limits_2014_equal_the_nist_specification_files() {
    use gridhil_pmu::estimator::compliance::{Quantity, Setting, TestFamily};
    use gridhil_pmu::estimator::PmuClass;
    use Quantity::*;
    use TestFamily::*;

    // Column → (family, quantity for the TVE / FE / RFE rows). `None`: the
    // column is not compared for that row (see the notes in the match).
    type Map = [Option<(TestFamily, Quantity)>; 3];
    let same = |f: TestFamily| -> Map { [Some((f, MaxTve)), Some((f, MaxFe)), Some((f, MaxRfe))] };
    let response: Map = [
        Some((Step, TveResponse)),
        Some((Step, FeResponse)),
        Some((Step, RfeResponse)),
    ];
    let delay: Map = [Some((Step, DelayTime)), None, None];
    let overshoot: Map = [Some((Step, Overshoot)), None, None];
    let columns: [Map; 14] = [
        same(SteadyState),
        same(MagnitudeRange),
        same(Harmonics),
        same(OutOfBand),
        same(Modulation),
        same(Modulation),
        same(Ramp),
        same(Ramp),
        response,
        delay,
        overshoot,
        response,
        delay,
        // `MagStepOvershoot` is `Inf` in every file, yet the tool's own
        // overshoot analysis (plotStepOsUs.m) applies 5 % / 10 % to the
        // magnitude step: we keep the limit, so this column is not compared.
        [None, None, None],
    ];
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for line in NIST_SPECIFICATIONS.lines() {
        let (head, values) = match line.split_once(',') {
            Some(x) => x,
            None => panic!("bad line {line:?}"),
        };
        let head: Vec<&str> = head.split_whitespace().collect();
        let [class, f0, fs, row] = head[..] else {
            panic!("bad line {line:?}")
        };
        let setting = Setting {
            class: if class == "P" {
                PmuClass::P
            } else {
                PmuClass::M
            },
            f0: f0.parse().unwrap_or(f64::NAN),
            fs: fs.parse().unwrap_or(0),
        };
        let row = match row {
            "TVE" => 0,
            "FE" => 1,
            "RFE" => 2,
            _ => panic!("bad row {row}"),
        };
        let values: Vec<&str> = values.split(',').collect();
        assert_eq!(values.len(), columns.len(), "{line}");
        for (value, map) in values.iter().zip(&columns) {
            let Some((family, quantity)) = map[row] else {
                continue;
            };
            // No P-class out-of-band test is run (the files say `Inf`).
            if family == OutOfBand && setting.class == PmuClass::P {
                assert_eq!(*value, "Inf");
                continue;
            }
            let expected = match *value {
                "Inf" => None,
                v => v.parse::<f64>().ok().map(|x| {
                    // The files give overshoot as a fraction, we use %.
                    if quantity == Overshoot {
                        x * 100.0
                    } else {
                        x
                    }
                }),
            };
            let ours = setting.limit(Edition::Ieee2014, family, quantity);
            compared += 1;
            let equal = match (expected, ours) {
                (None, None) => true,
                // Six decimals in the files (e.g. 0.033333 for 2/60).
                (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                _ => false,
            };
            if !equal {
                mismatches.push(format!(
                    "{class} f0={f0} Fs={fs} {family:?} {quantity:?}: NIST {value}, ours {ours:?}"
                ));
            }
        }
    }
    assert_eq!(compared, 18 * 33 - 9 * 3, "lines or columns skipped");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
