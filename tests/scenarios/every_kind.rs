//! Every assertion kind passes and fails where it should, with the measured value numpy
//! computes from the same run log (tests/scenarios/scripts/expected.py).

use crate::support::{gridhil_test, json_report, repo, text};
use gridhil_test_support::python;

#[test]
fn every_kind_agrees_with_numpy_on_the_run_log() {
    let Some(python) = python::python_with(&["numpy", "h5py", "tomllib"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scenario = repo("tests/scenarios/cases/every-kind.toml");
    let json = dir.path().join("report.json");
    let logs = dir.path().join("logs");
    let output = gridhil_test(&[
        scenario.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--log-dir",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "half fail on purpose: {}",
        text(&output)
    );
    let report = json_report(&json);
    let result = &report["scenarios"][0];
    let log = result["log"]
        .as_str()
        .expect("a failing scenario keeps its run log");
    let expected = python::run_ok(
        python::command(&python, "tests/scenarios/scripts/expected.py")
            .arg(&scenario)
            .arg(repo(log)),
    );
    let expected: serde_json::Value = serde_json::from_slice(&expected.stdout).unwrap();
    let asserts = result["asserts"].as_array().unwrap();
    assert_eq!(asserts.len(), 18, "nine kinds, twice");
    for a in asserts {
        let name = a["name"].as_str().unwrap();
        let passed = a["passed"].as_bool().unwrap();
        let numpy = &expected[name];
        assert_eq!(passed, name.ends_with("passes"), "{name}: {}", a["message"]);
        assert_eq!(
            passed,
            numpy["passed"].as_bool().unwrap(),
            "{name}: numpy disagrees"
        );
        let ours = a["measured"].as_f64().unwrap();
        let theirs = numpy["measured"].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0),
            "{name}: gridhil measured {ours}, numpy {theirs}"
        );
        if !passed {
            // The failure message carries the measured value (6 significant digits).
            let message = a["message"].as_str().unwrap();
            let numbers = message
                .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
                .filter_map(|w| w.parse::<f64>().ok());
            assert!(
                numbers
                    .into_iter()
                    .any(|x| (x - ours).abs() <= 1e-5 * ours.abs().max(1e-3)),
                "{name}: {message} lacks {ours}"
            );
        }
    }
}
