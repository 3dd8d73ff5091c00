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
