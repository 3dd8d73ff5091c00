//! CSV record → replay round trip through two runs of the real binary.

use gridhil_test_support::prelude::{read_path, run, text, write_config};

#[test]
fn recorded_csv_replays_with_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let record = write_config(
        dir.path(),
        "record.toml",
        r#"
[nodes.gen]
type = "signal"
rate = "2kHz"
signals = [
  { name = "a", waveform = "sine", amplitude = 3.5, frequency = 7 },
  { name = "n", waveform = "noise", amplitude = 1e-3 },
  { name = "k", waveform = "counter", type = "i64" },
]

[nodes.csv]
type = "file"
out = "rec.csv"

[[paths]]
name = "rec"
in = ["gen"]
out = ["csv"]
"#,
    );
    let out = run(&[
        "run",
        record.to_str().unwrap(),
        "--virtual-time",
        "--duration",
        "500ms",
        "--quiet",
        "--log",
        dir.path().join("r.h5").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let replay = write_config(
        dir.path(),
        "replay.toml",
        r#"
[nodes.csv]
type = "file"
in = "rec.csv"
replay = "original"

[[paths]]
name = "replayed"
in = ["csv"]
"#,
    );
    let out = run(&[
        "run",
        replay.to_str().unwrap(),
        "--virtual-time",
        "--quiet",
        "--log",
        dir.path().join("p.h5").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let original = read_path(&dir.path().join("r.h5"), "rec");
    let replayed = read_path(&dir.path().join("p.h5"), "replayed");
    assert_eq!(original.seq.len(), 1000);
    assert_eq!(replayed.seq, original.seq);
    assert_eq!(replayed.signals, ["a", "n", "k"]);
    // Exact: the CSV stores shortest round-trip decimal representations.
    assert_eq!(replayed.values, original.values);
    // Original timing: the replayed spacing equals the recorded spacing.
    let spacing = |ts: &[i64]| ts.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>();
    assert_eq!(spacing(&replayed.ts_origin), spacing(&original.ts_origin));
}

#[test]
fn malformed_csv_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.csv"),
        "seq,ts_origin,ts_received,a\n0,0,0,1.0\n1,100,100,oops\n",
    )
    .unwrap();
    let config = write_config(
        dir.path(),
        "bad.toml",
        "[nodes.csv]\ntype = \"file\"\nin = \"bad.csv\"\n\n[[paths]]\nin = [\"csv\"]\n",
    );
    let out = run(&["run", config.to_str().unwrap(), "--virtual-time", "--quiet"]);
    assert!(!out.status.success());
    let t = text(&out);
    assert!(t.contains("bad.csv:3") && t.contains("oops"), "{t}");
    assert!(!t.contains("panicked"));
}
