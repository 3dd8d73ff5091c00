//! A scenario that fails on purpose (the voltage regulation without its controller): exit
//! code 1, JUnit failure entries naming the assertion with the measured value, run log kept.

use crate::support::{gridhil_test, repo, text};
use gridhil_test_support::python;

#[test]
fn a_failing_scenario_fails_the_run_with_measured_values_in_junit() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let logs = dir.path().join("logs");
    let output = gridhil_test(&[
        repo("tests/scenarios/cases/controller-off.toml")
            .to_str()
            .unwrap(),
        repo("scenarios/suite/voltage-regulation.toml")
            .to_str()
            .unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--log-dir",
        logs.to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  without its controller"), "{out}");
    assert!(
        out.contains("PASS  volt-var keeps the PV bus voltage in band"),
        "{out}"
    );
    // The failed settle assertion, with the voltage it measured (0.9745 pu) and the limit.
    assert!(
        out.contains("never settles into [0.978, 1.03]: 0.9745"),
        "measured value in the line: {out}"
    );
    assert!(out.contains("1 passed, 1 failed, 0 errors"), "{out}");

    let xml = std::fs::read_to_string(&junit).expect("JUnit file written");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(
        xml.contains("<testsuites name=\"gridhil test\" tests=\"12\" failures=\"3\" errors=\"0\""),
        "{xml}"
    );
    let failure = xml
        .split("<testcase")
        .find(|case| {
            case.contains("name=\"PV bus voltage settles into band after the step\"")
                && case.contains("<failure")
        })
        .unwrap_or_else(|| panic!("failure entry of the settle assertion: {xml}"));
    assert!(failure.contains("type=\"settle\""), "{failure}");
    assert!(
        failure.contains("0.9745"),
        "measured value in the failure: {failure}"
    );
    assert!(
        failure.contains("controller-off.toml:43"),
        "file:line: {failure}"
    );
    assert!(failure.contains("run log: "), "kept log named: {failure}");
    // The failing scenario's run log is kept, the passing one's is not.
    let kept: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].to_string_lossy().contains("controller-off"),
        "{kept:?}"
    );
    // Well-formed for an independent XML parser, with the counts CI tools read.
    let Some(python) = python::python_with(&["xml.etree.ElementTree"]) else {
        return;
    };
    let parsed = std::process::Command::new(python)
        .arg("-c")
        .arg("import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(r.tag, r.get('tests'), r.get('failures'), len(r.findall('.//failure')))")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&parsed.stdout).trim(),
        "testsuites 12 3 3",
        "{}",
        text(&parsed)
    );
}
