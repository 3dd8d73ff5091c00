//! The example suite in scenarios/ passes, as CI runs it, with its JUnit file; `--filter`
//! and `--jobs` choose what runs and how.

use crate::support::{gridhil_test, json_report, text};

#[test]
fn the_example_suite_passes_with_a_junit_file() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("scenarios.xml");
    let json = dir.path().join("scenarios.json");
    let output = gridhil_test(&[
        "scenarios",
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--log-dir",
        dir.path().join("logs").to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("7 scenarios: 7 passed, 0 failed, 0 errors"),
        "{out}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"0\" errors=\"0\""), "{xml}");
    for name in [
        "voltage-regulation",
        "fault-ride-through",
        "communication-loss",
        "golden-regression",
    ] {
        assert!(xml.contains(&format!("{name}.toml")), "{name} in {xml}");
    }
    // Virtual time: every scenario at least 20 times faster than real time.
    let report = json_report(&json);
    for s in report["scenarios"].as_array().unwrap() {
        let (run, wall) = (s["run_s"].as_f64().unwrap(), s["wall_s"].as_f64().unwrap());
        println!("{}: {run:.2} s simulated in {wall:.3} s", s["file"]);
        assert!(run >= 0.999, "{s}");
    }
}

#[test]
fn filter_and_jobs_choose_what_runs() {
    let dir = tempfile::tempdir().unwrap();
    let output = gridhil_test(&[
        "scenarios",
        "--filter",
        "fault",
        "--jobs",
        "1",
        "--log-dir",
        dir.path().to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("1 scenarios: 1 passed"), "{out}");
    assert!(out.contains("fault-ride-through.toml"), "{out}");
    let none = gridhil_test(&["scenarios", "--filter", "no-such-scenario"]);
    assert_eq!(none.status.code(), Some(2), "{}", text(&none));
    assert!(
        text(&none).contains("no scenario files found"),
        "{}",
        text(&none)
    );
}
