//! Replay: a recorded run log played into the controller in virtual time is a regression
//! test of the controller: the same controller passes, a changed one fails.

use crate::support::{gridhil_test, repo, text};

#[test]
fn a_changed_controller_fails_against_its_recording() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(repo("scenarios/suite/replay.toml")).unwrap();
    let config = repo("scenarios/configs/replay-voltvar.toml");
    let same = original.replace(
        "config = \"../configs/replay-voltvar.toml\"",
        &format!("config = \"{}\"", config.display()),
    );
    // The same controller with a 10 % flatter curve.
    let changed = same.replace(
        "duration = \"1s\"",
        "duration = \"1s\"\nset = ['paths.2.hooks.0.curve=[[0.97, 765e3], [0.99, 0], [1.01, 0], [1.03, -765e3]]']",
    );
    std::fs::write(dir.path().join("same.toml"), same).unwrap();
    std::fs::write(dir.path().join("changed.toml"), changed).unwrap();
    let output = gridhil_test(&[
        dir.path().to_str().unwrap(),
        "--log-dir",
        dir.path().join("logs").to_str().unwrap(),
    ]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("PASS  the controller answers"), "{out}");
    assert!(
        out.contains("✗ the set-point tracks the recorded set-point (tracks,"),
        "{out}"
    );
    assert!(out.contains("exceeds the tolerance 1000"), "{out}");
}
