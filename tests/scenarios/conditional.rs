//! Conditional timeline actions: taken at the instant their condition is met in the run log
//! plus their delay, exactly and repeatably in virtual time.

use crate::support::{gridhil_test, json_report, repo, text};
use gridhil_test_support::runlog::read_path;

#[test]
fn a_conditional_action_is_taken_when_the_log_shows_its_condition() {
    let dir = tempfile::tempdir().unwrap();
    let mut instants = Vec::new();
    for k in 0..2 {
        let json = dir.path().join(format!("r{k}.json"));
        let logs = dir.path().join(format!("logs{k}"));
        let output = gridhil_test(&[
            repo("tests/scenarios/cases/protection.toml")
                .to_str()
                .unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--keep-logs",
            "--log-dir",
            logs.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        let report = json_report(&json);
        let scenario = &report["scenarios"][0];
        let taken = scenario["conditional_actions"].as_array().unwrap();
        assert_eq!(taken.len(), 1, "{scenario}");
        assert_eq!(taken[0]["line"], 17, "the entry's line");
        let at = taken[0]["at"].as_f64().unwrap();
        // From the run log: the first row at or after 100 ms with phase a at mv4 ≤ 0.8 pu.
        let log = std::fs::read_dir(&logs)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let feeder = read_path(&log, "feeder");
        let origin = feeder.ts_origin[0];
        let v = feeder.column("mv4.vrms_a");
        let crossing = feeder
            .ts_origin
            .iter()
            .zip(&v)
            .map(|(&t, &v)| ((t - origin) as f64 * 1e-9, v / 11547.0))
            .find(|&(t, v)| t >= 0.1 && v <= 0.8)
            .map(|(t, _)| t)
            .expect("the fault shows in the log");
        assert!(crossing > 0.2 && crossing < 0.25, "{crossing}");
        assert!(
            (at - (crossing + 0.08)).abs() < 1e-9,
            "taken at {at}, crossing {crossing}"
        );
        // And it acted: the voltage at mv4 is back above 0.95 pu soon after.
        let back = feeder
            .ts_origin
            .iter()
            .zip(&v)
            .map(|(&t, &v)| ((t - origin) as f64 * 1e-9, v / 11547.0))
            .find(|&(t, v)| t > at && v >= 0.95)
            .map(|(t, _)| t)
            .expect("the fault is cleared");
        assert!(back - at < 0.05, "cleared at {at}, back at {back}");
        instants.push(at);
    }
    assert_eq!(instants[0], instants[1], "repeatable");
}
