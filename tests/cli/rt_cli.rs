//! `gridhil rt check` and `gridhil rt probe` through the real binary: they run on any host
//! (with or without RT privileges), print JSON when asked and refuse bad arguments.

use gridhil_test_support::prelude::{run, text};

#[test]
fn rt_check_prints_every_check_as_json() {
    let output = run(&["rt", "check", "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let checks: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for name in gridhil_rt::CHECK_NAMES {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
}

#[test]
fn rt_probe_measures_every_period() {
    let output = run(&[
        "rt",
        "probe",
        "--period",
        "1ms",
        "--duration",
        "50ms",
        "--json",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["period_ns"], 1_000_000);
    assert_eq!(report["wakeup_latency"]["count"], 50);
    assert!(report["wakeup_latency"]["min_ns"].as_i64().unwrap() >= 0);
    assert_eq!(report["spin_ns"], 50_000_000);
    assert_eq!(report["stalls_over"].as_array().unwrap().len(), 5);

    let output = run(&["rt", "probe", "--period", "1ms", "--duration", "20ms"]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(
        out.contains("20 wake-ups") && out.contains("verdict:"),
        "{out}"
    );

    for bad in [["10ms", "1ms"], ["500ns", "1ms"], ["1ms", "2h"]] {
        let output = run(&["rt", "probe", "--period", bad[0], "--duration", bad[1]]);
        assert!(!output.status.success(), "{bad:?}");
        assert!(text(&output).contains("--duration"), "{}", text(&output));
    }
}
