//! Cross-check with DPsim (PyPI `dpsim`, EMT domain, three-phase): the RL and RLC
//! networks of the closed-form tests with the phase-a fault from 0.1 s to 0.2 s, run by
//! `gridsim/tests/python/dpsim_fault.py` with `$GRIDSIM_PYTHON` (default: the
//! workspace's `.venv/bin/python`). Skips with a message when dpsim is not installed
//! (`./setup.sh` installs it into `.venv`), and fails then under
//! `GRIDHIL_STRICT_TESTS=1`.
//!
//! Both are trapezoidal EMT solvers, so where nothing switches they must agree to
//! round-off; at the switchings they differ on purpose, and there the closed form
//! decides: DPsim solves the step that ends at the instant with the new network
//! (events placed half a step early, as its float time needs) and rings undamped at
//! the Nyquist frequency after the clearing forces the load current to jump; gridsim
//! switches at the instant and damps. DPsim's currents point the other way.

use super::exact::{Network, Params};
use super::{fault_events, model, run_from_rest, DT, F, RL, RLC, V_LL};
use std::f64::consts::TAU;
use std::path::PathBuf;
use std::process::Command;

const STEPS: usize = 6000;
const T_ON: f64 = 0.1;
const T_OFF: f64 = 0.2;

/// `$GRIDSIM_PYTHON`, or the workspace's `.venv` Python if it imports dpsimpy;
/// otherwise `None` after a skip message (a failure under `GRIDHIL_STRICT_TESTS=1`).
fn python() -> Option<PathBuf> {
    match std::env::var_os("GRIDSIM_PYTHON") {
        Some(p) => Some(PathBuf::from(p)),
        None => gridhil_test_support::python::python_with(&["dpsimpy"]),
    }
}

/// DPsim's rows (k = 1..=STEPS): v2 a, b, c, line current a, b, load current a, in
/// gridsim's sign convention; `None` when dpsim is not available.
fn dpsim_rows(p: Params) -> Option<Vec<[f64; 6]>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/dpsim_fault.py");
    // DPsim writes a `logs` folder into its working directory.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gridsim-dpsim");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let c = p.c.unwrap_or(0.0);
    let args = [p.r1, p.l1, p.r2, p.l2, p.rf, c, T_ON, T_OFF].map(|v| format!("{v:e}"));
    let python = python()?;
    let out = match Command::new(&python)
        .arg(&script)
        .args(&args)
        .arg(STEPS.to_string())
        .current_dir(&dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            gridhil_test_support::skip(&format!("cannot run {}: {e}", python.display()));
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        gridhil_test_support::skip(stderr.trim());
        return None;
    }
    assert!(out.status.success(), "dpsim_fault.py failed: {stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().skip_while(|l| !l.starts_with("k,v2a"));
    assert!(lines.next().is_some(), "no CSV header in: {text}");
    let rows: Vec<[f64; 6]> = lines
        .map(|line| {
            let v: Vec<f64> = line
                .split(',')
                .skip(1)
                .map(|x| x.parse().unwrap_or_else(|e| panic!("{line}: {e}")))
                .collect();
            assert_eq!(v.len(), 6, "{line}");
            // Currents: DPsim's i_intf points from the second terminal to the first.
            [v[0], v[1], v[2], -v[3], -v[4], -v[5]]
        })
        .collect();
    assert_eq!(rows.len(), STEPS, "DPsim rows");
    Some(rows)
}

/// Largest |a − b| over samples `k` (1-based step numbers) in `range`.
fn worst(a: impl Fn(usize) -> f64, b: impl Fn(usize) -> f64, range: std::ops::Range<usize>) -> f64 {
    range.map(|k| (a(k) - b(k)).abs()).fold(0.0, f64::max)
}

#[test]
fn dpsim_agrees_where_nothing_switches_and_the_closed_form_decides_at_switchings() {
    compare("RL", Network::rl(RL), RL, 1e-3);
}

#[test]
fn dpsim_rlc_agrees_where_nothing_switches_and_the_closed_form_decides_at_switchings() {
    compare("RLC", Network::rlc(RLC), RLC, 3e-3);
}

/// Compares gridsim with DPsim and both with the closed form; `tol` bounds gridsim's
/// error over the 2 ms after each switching.
fn compare(label: &str, net: Network, p: Params, tol: f64) {
    let Some(dp) = dpsim_rows(p) else {
        return;
    };
    println!("{label}:");
    let names = ["b2.va", "b2.vb", "b2.vc", "line.ia", "line.ib", "load.ia"];
    // All three start from rest (DPsim's start), so the start-up transients agree too.
    let gs = run_from_rest(&model(p, &fault_events(T_ON, T_OFF)), &names, STEPS);
    let amp = V_LL * (2.0f64 / 3.0).sqrt();
    let exact = net.solve_from_rest(amp, TAU * F, 0.0, DT, STEPS, &[T_ON, T_OFF]);
    let (gs, dp, exact) = (&gs, &dp, &exact);
    let ex = |j: usize| move |k: usize| exact[k][j];
    let peak = |j: usize| gs[j].iter().take(1999).fold(0.0f64, |m, v| m.max(v.abs()));
    let (v_pk, i_pk) = (peak(0), peak(3));
    let on = (T_ON / DT).round() as usize;
    let off = (T_OFF / DT).round() as usize;
    let g = |j: usize| move |k: usize| gs[j][k];
    let d = |j: usize| move |k: usize| dp[k - 1][j];

    // Nothing switches: before the fault, start-up included, and phases b and c all
    // the time.
    for (j, pk) in [
        (0, v_pk),
        (1, v_pk),
        (2, v_pk),
        (3, i_pk),
        (4, i_pk),
        (5, i_pk),
    ] {
        let e = worst(g(j), d(j), 1..on) / pk;
        println!(
            "{}: gridsim - DPsim before the fault {e:.2e} of the peak",
            names[j]
        );
        assert!(e < 1e-7, "{}: {e:e}", names[j]);
    }
    for (j, pk) in [(1, v_pk), (2, v_pk), (4, i_pk)] {
        let e = worst(g(j), d(j), 1..STEPS + 1) / pk;
        println!(
            "{}: gridsim - DPsim whole run {e:.2e} of the peak",
            names[j]
        );
        assert!(e < 1e-7, "{}: {e:e}", names[j]);
    }
    // The fault's steady state, once the offsets and the ringing have decayed
    // (τ ≈ 7 ms and 10 ms).
    for (j, pk) in [(0, v_pk), (3, i_pk), (5, i_pk)] {
        let e = worst(g(j), d(j), on + 1600..off) / pk;
        println!(
            "{}: gridsim - DPsim 80-100 ms into the fault {e:.2e}",
            names[j]
        );
        assert!(e < 1e-4, "{}: {e:e}", names[j]);
    }
    // At the switchings: both against the closed form over the 2 ms after each
    // instant (the sample at the instant is two-valued and left out).
    for (j, pk, exact_j) in [(0, v_pk, 0), (3, i_pk, 1), (5, i_pk, 2)] {
        for (label, t) in [("on", on), ("off", off)] {
            let r = t + 1..t + 41;
            let eg = worst(g(j), ex(exact_j), r.clone()) / pk;
            let ed = worst(d(j), ex(exact_j), r) / pk;
            println!(
                "{} after fault {label}: gridsim {eg:.2e}, DPsim {ed:.2e} of the peak from the closed form",
                names[j]
            );
            assert!(eg < tol, "{}: {eg:e}", names[j]);
        }
    }
    // After the clearing of the RL network the load bus voltage has an impulse (the
    // load current is forced to the line's); DPsim's trapezoid turns it into an
    // undamped Nyquist-frequency oscillation, gridsim's damped step does not. (With
    // the capacitor nothing jumps.)
    let dp_max = (off + 1..STEPS + 1)
        .map(|k| dp[k - 1][0].abs())
        .fold(0.0, f64::max);
    let gs_max = (off + 1..STEPS + 1)
        .map(|k| gs[0][k].abs())
        .fold(0.0, f64::max);
    let ex_max = (off + 1..STEPS + 1)
        .map(|k| exact[k][0].abs())
        .fold(0.0, f64::max);
    println!(
        "load bus after clearing: |v| up to {:.0} V in DPsim, {:.0} V in gridsim, {:.0} V exact",
        dp_max, gs_max, ex_max
    );
    assert!(
        gs_max < ex_max * 1.001,
        "gridsim {gs_max} vs exact {ex_max}"
    );
}
