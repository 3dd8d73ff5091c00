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
