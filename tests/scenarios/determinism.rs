//! Virtual time: the same scenario gives bit-identical run logs and the same verdicts on
//! every run (here the communication-loss scenario: load step, outage, watchdog, recovery).

use crate::support::{gridhil_test, json_report, repo, text};
use std::path::Path;

/// Every dataset of every path: (path, dataset) → raw bytes of its values.
fn datasets(file: &Path) -> Vec<(String, Vec<u8>)> {
    let f = hdf5::File::open(file).unwrap();
    let paths = f.group("paths").unwrap();
    let mut out = Vec::new();
    for name in paths.member_names().unwrap() {
        for set in ["seq", "ts_origin", "ts_received", "ts_sent", "values"] {
            let d = paths.dataset(&format!("{name}/{set}")).unwrap();
            let bytes: Vec<u8> = match set {
                "seq" => d
                    .read_raw::<u64>()
                    .unwrap()
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
                "values" => d
                    .read_raw::<f64>()
                    .unwrap()
                    .iter()
                    .flat_map(|x| x.to_bits().to_le_bytes())
                    .collect(),
                _ => d
                    .read_raw::<i64>()
                    .unwrap()
                    .iter()
                    .flat_map(|x| x.to_le_bytes())
                    .collect(),
            };
            out.push((format!("{name}/{set}"), bytes));
        }
    }
    out
}

/// The verdicts of a JSON report without the wall times and log paths.
fn verdicts(report: &serde_json::Value) -> Vec<(String, bool, String)> {
    report["scenarios"][0]["asserts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["passed"].as_bool().unwrap(),
                a["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn two_runs_give_bit_identical_logs_and_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for k in 0..2 {
        let logs = dir.path().join(format!("logs{k}"));
        let json = dir.path().join(format!("r{k}.json"));
        let output = gridhil_test(&[
            repo("scenarios/suite/communication-loss.toml")
                .to_str()
                .unwrap(),
            "--keep-logs",
            "--log-dir",
            logs.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        let log = std::fs::read_dir(&logs)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        runs.push((datasets(&log), verdicts(&json_report(&json))));
    }
    let (a, b) = (&runs[0], &runs[1]);
    assert!(!a.0.is_empty());
    assert!(a
        .0
        .iter()
        .any(|(name, bytes)| name.ends_with("values") && bytes.len() > 8000));
    for ((name, x), (_, y)) in a.0.iter().zip(&b.0) {
        assert!(x == y, "{name} differs between two runs");
    }
    assert_eq!(a.1, b.1, "verdicts and their measured values");
}
