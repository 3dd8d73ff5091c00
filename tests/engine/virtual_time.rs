//! Virtual time: two runs of the same configuration give bit-identical run logs, and
//! the trigger modes produce what they promise.

use gridhil_test_support::prelude::{read_path, repo, run, text, write_config};

fn run_virtual(config: &std::path::Path, log: &std::path::Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        config.to_str().unwrap(),
        "--virtual-time",
        "--log",
        log.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn two_virtual_runs_are_identical() {
    let dir = tempfile::tempdir().unwrap();
    let csv = format!("nodes.csv.out={}", dir.path().join("x.csv").display());
    let (a, b) = (dir.path().join("a.h5"), dir.path().join("b.h5"));
    let demo = repo("examples/signals.toml");
    run_virtual(&demo, &a, &["--duration", "2s", "--set", &csv]);
    run_virtual(&demo, &b, &["--duration", "2s", "--set", &csv]);
    let (pa, pb) = (read_path(&a, "signals"), read_path(&b, "signals"));
    assert_eq!(
        pa.seq.len(),
        20_000,
        "virtual time gives exactly rate x duration samples"
    );
    assert_eq!(pa.seq, pb.seq);
    assert_eq!(pa.ts_origin, pb.ts_origin);
    assert_eq!(pa.ts_received, pb.ts_received);
    assert_eq!(pa.ts_sent, pb.ts_sent);
    let bits = |v: &Vec<Vec<f64>>| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&pa.values), bits(&pb.values));
}

const TRIGGERS: &str = r#"
[nodes.fast]
type = "signal"
rate = "1kHz"
signals = [{ name = "k", waveform = "counter" }]

[nodes.slow]
type = "signal"
rate = "250Hz"
signals = [{ name = "m", waveform = "counter", amplitude = 10 }]

[nodes.lb]
type = "loopback"
values = 1

[[paths]]
name = "any"
in = ["fast", "slow"]

[[paths]]
name = "all"
in = ["fast.k", "slow.m"]
trigger = "all"

[[paths]]
name = "rate"
in = ["slow"]
trigger = "rate"
rate = "100Hz"

[[paths]]
name = "to_loop"
in = ["fast"]
out = ["lb"]
hooks = [{ type = "decimate", ratio = 10 }]

[[paths]]
name = "from_loop"
in = ["lb"]
hooks = [{ type = "scale", gain = 2.0, offset = 1.0 }]
"#;

#[test]
fn triggers_and_chained_paths() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "t.toml", TRIGGERS);
    let log = dir.path().join("t.h5");
    run_virtual(&config, &log, &["--duration", "1s"]);

    // any: every sample of either input makes an output (1000 + 250).
    let any = read_path(&log, "any");
    assert_eq!(any.seq.len(), 1250);
    assert_eq!(any.signals, ["k", "m"]);

    // all: an output when both delivered a new sample: once per slow sample.
    let all = read_path(&log, "all");
    assert_eq!(all.seq.len(), 250);
    for row in &all.values {
        // slow sample j (value 10j) comes at fast sample 4j (value 4j).
        assert_eq!(row[1], 2.5 * row[0], "inputs aligned: {row:?}");
    }

    // rate: 100 outputs per second with the latest slow value.
    let rate = read_path(&log, "rate");
    assert_eq!(rate.seq.len(), 100);
    assert!(rate.ts_origin.windows(2).all(|w| w[1] - w[0] == 10_000_000));

    // decimate 10 into the loopback, scaled on the way out: 2k + 1 for k = 0, 10, 20...
    let looped = read_path(&log, "from_loop");
    assert_eq!(looped.seq.len(), 100);
    for (i, row) in looped.values.iter().enumerate() {
        assert_eq!(row[0], 2.0 * (10 * i) as f64 + 1.0);
    }
}
