//! The `digest` hook as a regression fingerprint, through the real binary in virtual time
//! (`examples/villas-hooks.toml`, path `guard`: expr → limit_value → skip_first → digest):
//! two runs give the same digest, a changed limit another one, and
//! `scripts/check_digest.py` recomputes the FNV-1a hash of every logged row independently
//! (and checks expr, limit_value and skip_first on the way).

use gridhil_test_support::process::{repo, run, text};
use gridhil_test_support::python;
use std::path::Path;

/// Runs the example for 200 ms of virtual time; returns the digest summary line.
fn digest_of_run(log: &Path, sets: &[&str]) -> String {
    let example = repo("examples/villas-hooks.toml");
    let mut args = vec![
        "run",
        "--virtual-time",
        "--duration",
        "200ms",
        "--log",
        log.to_str().unwrap(),
        example.to_str().unwrap(),
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    let out = run(&args);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
        .lines()
        .find_map(|l| l.trim().strip_prefix("digest: ").map(str::to_string))
        .unwrap_or_else(|| panic!("no digest in the report:\n{}", text(&out)))
}

#[test]
fn digest_fingerprints_a_run_and_numpy_agrees() {
    let dir = tempfile::tempdir().unwrap();
    let first = digest_of_run(&dir.path().join("a.h5"), &[]);
    let again = digest_of_run(&dir.path().join("b.h5"), &[]);
    assert_eq!(first, again, "the same run, the same fingerprint");
    assert!(first.ends_with("after 1800 samples"), "{first}");
    let changed = digest_of_run(&dir.path().join("c.h5"), &["paths.2.hooks.1.max=5000"]);
    assert_ne!(first, changed, "a changed limit changes the fingerprint");
    let Some(python) = python::python_with(&["h5py", "numpy"]) else {
        return;
    };
    let out = python::run_ok(
        python::command(&python, "tests/hooks/scripts/check_digest.py")
            .arg(dir.path().join("a.h5")),
    );
    let report = text(&out);
    let hash = first.split(' ').next().unwrap();
    assert!(
        report.contains(&format!("ok digest: 1800 rows, final {hash}")),
        "{report}"
    );
}
