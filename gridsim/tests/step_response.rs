//! RL and RC step responses against their closed-form solutions, and the
//! resistive three-phase fault current against the analytic Thevenin value
//! (transient with DC offset and steady state).

mod common;

use std::f64::consts::TAU;

const DT: f64 = 50e-6;

/// EMF of phase a of a 0 Hz source with line-to-line "RMS" 1 kV: a DC step
/// of √(2/3)·1 kV at t = 0.
fn e_dc() -> f64 {
    1000.0 * (2.0f64 / 3.0).sqrt()
}

#[test]
fn rl_step_matches_closed_form() {
    let mut sim = common::sim_rest(
        r#"
        [buses.b1]
        voltage = "1kV"
        [sources.dc]
        bus = "b1"
        voltage = "1kV"
        frequency = "0Hz"
        [branches.z]
        from = "b1"
        to = "ground"
        r = "2ohm"
        l = "20mH"
        "#,
    );
    let (r, l) = (2.0, 20e-3);
    let i_final = e_dc() / r;
    let rows = common::record(&mut sim, &["z.ia", "z.ib"], 4000);
    let mut worst: f64 = 0.0;
    for (k, i) in rows[0].iter().enumerate() {
        let t = (k + 1) as f64 * DT;
        let exact = i_final * (1.0 - (-t * r / l).exp());
        worst = worst.max((i - exact).abs() / i_final);
    }
    println!("RL worst relative error {worst:e}");
    assert!(worst < 0.01, "transient error {worst}");
    let last = rows[0].last().copied().unwrap_or(0.0);
    assert!(
        (last - i_final).abs() / i_final < 1e-4,
        "steady {last} vs {i_final}"
    );
    // Phase b sees cos(-120°) = -1/2 of the DC step.
    let last_b = rows[1].last().copied().unwrap_or(0.0);
    assert!((last_b + 0.5 * i_final).abs() / i_final < 1e-4);
}

#[test]
fn rc_step_matches_closed_form() {
    let mut sim = common::sim_rest(
        r#"
        [buses.b1]
        voltage = "1kV"
        [buses.b2]
        voltage = "1kV"
        [sources.dc]
        bus = "b1"
        voltage = "1kV"
        frequency = 0
        [branches.r]
        from = "b1"
        to = "b2"
        r = 100
        [branches.c]
        from = "b2"
        to = "ground"
        c = "100uF"
        "#,
    );
    let tau = 100.0 * 100e-6;
    let e = e_dc();
    let rows = common::record(&mut sim, &["b2.va", "r.ia"], 4000);
    let mut worst: f64 = 0.0;
    for (k, (v, i)) in rows[0].iter().zip(&rows[1]).enumerate() {
        let t = (k + 1) as f64 * DT;
        let v_exact = e * (1.0 - (-t / tau).exp());
        let i_exact = e / 100.0 * (-t / tau).exp();
        worst = worst.max((v - v_exact).abs() / e);
        worst = worst.max((i - i_exact).abs() / (e / 100.0));
    }
    println!("RC worst relative error {worst:e}");
    assert!(worst < 0.01, "transient error {worst}");
    let last = rows[0].last().copied().unwrap_or(0.0);
    assert!((last - e).abs() / e < 1e-4);
}

/// Three-phase resistive fault at the terminals of an 11 kV Thevenin
/// source, applied at t0 = 100 ms on an unloaded bus.
///
/// Closed form for phase k: i(t) = Î [cos(ωt + φk − θz) − cos(ωts + φk − θz)
/// e^{−(t−ts)/τ}] with Î = Ê/|Z|, Z = R + jωL, τ = L/R. A switching event at
/// t0 acts from t0 (the step from t0 is solved with two backward-Euler half
/// steps), so the discontinuity is at ts = t0.
#[test]
fn three_phase_fault_current_matches_thevenin() {
    let (rs, ls, rf): (f64, f64, f64) = (0.4, 15.9e-3, 0.6);
    let text = format!(
        r#"
        [buses.b1]
        voltage = "11kV"
        [sources.grid]
        bus = "b1"
        voltage = "11kV"
        phase = "20deg"
        r = {rs}
        l = {ls}
        [faults.f1]
        bus = "b1"
        phases = "abc"
        r = {rf}
        [[events]]
        at = "100ms"
        fault_on = "f1"
        "#
    );
    let mut sim = common::sim_rest(&text);
    let rows = common::record(&mut sim, &["f1.ia", "f1.ib", "f1.ic", "grid.ia"], 8000);
    let w = TAU * 50.0;
    let (r, l) = (rs + rf, ls);
    let zmag = r.hypot(w * l);
    let thz = (w * l).atan2(r);
    let e_pk = 11e3 * (2.0f64 / 3.0).sqrt();
    let i_pk = e_pk / zmag;
    let ts = 0.1;
    let mut worst: f64 = 0.0;
    for (k, row) in rows.iter().take(3).enumerate() {
        let phi = 20f64.to_radians() - k as f64 * TAU / 3.0;
        for (n, i) in row.iter().enumerate() {
            let t = (n + 1) as f64 * DT;
            let exact = if t <= ts {
                0.0
            } else {
                i_pk * ((w * t + phi - thz).cos()
                    - (w * ts + phi - thz).cos() * (-(t - ts) * r / l).exp())
            };
            worst = worst.max((i - exact).abs() / i_pk);
        }
    }
    println!("fault worst error {worst:e} of peak {i_pk:.1} A");
    assert!(worst < 0.01, "transient error {worst}");
    // Steady state (DC offset decayed, τ = 26.5 ms) over the last 5 cycles:
    // RMS against E/|Z|.
    let tail = &rows[0][8000 - 2000..];
    let (amp, _) = common::phasor(tail, 50.0, (6000 + 1) as f64 * DT, DT);
    assert!((amp - i_pk).abs() / i_pk < 1e-4, "{amp} vs {i_pk}");
    // The source delivers the fault current.
    let src_last = rows[3].last().copied().unwrap_or(0.0);
    let f_last = rows[0].last().copied().unwrap_or(0.0);
    assert!((src_last - f_last).abs() < 1e-6 * i_pk);
}
