//! The GOOSE trip loop: the grid simulator's feeder → sampled values → a libiec61850
//! overcurrent relay (tests/goose/peers/overcurrent_relay.py) → GOOSE trip → gridhil's
//! goose-subscriber → the simulated breaker opens. The fault-to-breaker-open time is read
//! from the run log (the `measure` path: breaker currents, fault current, breaker state at
//! their simulated instants) and printed.

use super::{gridhil, python, repo, text, value, veth_pair};
use gridhil_test_support::runlog::{node_counter, read_path};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[test]
fn fault_sv_relay_goose_breaker_opens() {
    let Some(python) = python() else { return };
    let Some(veth) = veth_pair("t") else { return };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trip.h5");
    let mut relay = Command::new(&python)
        .arg(repo("tests/goose/peers/overcurrent_relay.py"))
        .args([&veth.b, "1000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(relay.stdout.take().unwrap());
    let mut ready = String::new();
    stdout.read_line(&mut ready).unwrap();
    assert_eq!(ready.trim(), "ready", "the relay did not start");
    let run = gridhil()
        .args([
            "run",
            repo("examples/goose-trip-loop.toml").to_str().unwrap(),
        ])
        .args(["--set", &format!("nodes.mu1.interface={}", veth.a)])
        .args(["--set", &format!("nodes.breaker.interface={}", veth.a)])
        .args(["--duration", "1s", "--log", log.to_str().unwrap()])
        .output()
        .unwrap();
    drop(relay.stdin.take());
    let mut verdict = String::new();
    stdout.read_to_string(&mut verdict).unwrap();
    let _ = relay.wait();
    let all = format!("relay: {verdict}\nrun: {}", text(&run));
    assert!(run.status.success(), "{all}");
    let relay: serde_json::Value = serde_json::from_str(verdict.trim()).expect("relay verdict");
    assert_eq!(relay["tripped"], true, "{all}");

    let rows = read_path(&log, "measure");
    let t0 = rows.ts_origin[0];
    let ms = |row: usize| (rows.ts_origin[row] - t0) as f64 / 1e6;
    let fault = (0..rows.values.len())
        .find(|&r| value(&rows, r, "f2.ia").abs() > 1.0)
        .expect("the fault shows");
    let first_pole = (fault..rows.values.len())
        .find(|&r| value(&rows, r, "brk1.closed") < 0.5)
        .unwrap_or_else(|| panic!("the breaker never opened: {all}"));
    let interrupted = (first_pole..rows.values.len())
        .find(|&r| {
            (r..rows.values.len()).all(|k| {
                ["brk1.ia", "brk1.ib", "brk1.ic"]
                    .iter()
                    .all(|s| value(&rows, k, s).abs() < 1.0)
            })
        })
        .unwrap_or_else(|| panic!("the current was never interrupted: {all}"));
    let (to_pole, to_open) = (ms(first_pole) - ms(fault), ms(interrupted) - ms(fault));
    eprintln!(
        "trip loop: fault at {:.2} ms, first pole open after {to_pole:.2} ms, all poles open \
         (current interrupted) after {to_open:.2} ms; relay tripped at smpCnt {}",
        ms(fault),
        relay["smp_cnt"]
    );
    assert!(
        (ms(fault) - 300.0).abs() < 1.0,
        "the model's fault is at 300 ms"
    );
    // Before the fault the breaker carries the load; after the trip nothing flows. A
    // loaded machine runs the simulation late (late_steps), so the bound is generous.
    assert!(to_open > 0.0 && to_open < 400.0, "{all}");
    assert_eq!(node_counter(&log, "breaker", "new_states"), 2, "{all}");
    assert_eq!(node_counter(&log, "breaker", "malformed"), 0);
}
