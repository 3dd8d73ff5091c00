//! Transformer ratio and phase shift against theory: for each vector group
//! the loaded LV phase voltage must equal (V2/V1)·V_HV·∠shift ·
//! Z_load/(Z_load + Z_T), with Z_T = (r + jx)·V2²/S the leakage impedance
//! referred to the LV side (Y-equivalent) and shift +30° for clock 11,
//! −30° for clock 1, 0 for clock 0.

mod common;

const DT: f64 = 50e-6;

/// Runs HV ideal source → transformer → resistive LV load and returns
/// (simulated LV phase-a phasor, expected) as (amp, angle) pairs.
fn run(group: &str, tap: f64, load_w: f64) -> ((f64, f64), (f64, f64)) {
    let text = format!(
        r#"
        [buses.hv]
        voltage = "20kV"
        [buses.lv]
        voltage = "400V"
        [sources.grid]
        bus = "hv"
        voltage = "20kV"
        phase = "5deg"
        [transformers.t1]
        from = "hv"
        to = "lv"
        vector_group = "{group}"
        s_rated = "630kVA"
        v1 = "20kV"
        v2 = "400V"
        r = 0.01
        x = 0.06
        tap = {tap}
        [loads.ld]
        bus = "lv"
        p = {load_w}
        "#
    );
    let mut sim = common::sim_rest(&text);
    let steps = 10_000;
    let rows = common::record(&mut sim, &["lv.va", "hv.va"], steps);
    let window = 2000;
    let t0 = (steps - window + 1) as f64 * DT;
    let lv = common::phasor(&rows[0][steps - window..], 50.0, t0, DT);
    let hv = common::phasor(&rows[1][steps - window..], 50.0, t0, DT);

    let shift: f64 = if group.ends_with("11") {
        30.0
    } else if group.ends_with('1') {
        -30.0
    } else {
        0.0
    };
    // Expected, computed with complex numbers written out (re, im).
    let ratio = 400.0 / 20e3 / tap;
    let v_open = hv.0 * ratio;
    let ang = hv.1 + shift.to_radians();
    let v2 = 400.0;
    // Z_T with the tap: the winding-2 referred leakage does not change.
    let zt = (0.01 * v2 * v2 / 630e3, 0.06 * v2 * v2 / 630e3);
    let rl = (v2 * v2 / 3.0) / (load_w / 3.0);
    // Z_load / (Z_load + Z_T)
    let den = (rl + zt.0, zt.1);
    let den_abs2 = den.0 * den.0 + den.1 * den.1;
    let f = (rl * den.0 / den_abs2, -rl * den.1 / den_abs2);
    let f_abs = f.0.hypot(f.1);
    let f_arg = f.1.atan2(f.0);
    (lv, (v_open * f_abs, ang + f_arg))
}

fn check(group: &str, tap: f64, load_w: f64) {
    let ((amp, ph), (want_amp, want_ph)) = run(group, tap, load_w);
    let base = 400.0 * (2.0f64 / 3.0).sqrt();
    let d_ang = common::angle_diff(ph, want_ph);
    // Complex difference in pu of the LV base.
    let dx = amp * ph.cos() - want_amp * want_ph.cos();
    let dy = amp * ph.sin() - want_amp * want_ph.sin();
    let err = dx.hypot(dy) / base;
    println!(
        "{group} tap {tap}: LV {amp:.4} V ∠{:.4}°, theory {want_amp:.4} V ∠{:.4}° (Δ {:.2e} rad), error {err:.2e} pu",
        ph.to_degrees(),
        want_ph.to_degrees(),
        d_ang
    );
    assert!(err < 1e-4, "{group}: error {err:e} pu");
}

#[test]
fn dyn11_leads_by_30_degrees() {
    check("Dyn11", 1.0, 100e3);
}

#[test]
fn dyn1_lags_by_30_degrees() {
    check("Dyn1", 1.0, 100e3);
}

#[test]
fn ynd1_and_ynd11() {
    check("YNd1", 1.0, 200e3);
    check("YNd11", 1.0, 200e3);
}

#[test]
fn yy0_and_dd0_have_no_shift() {
    check("YNyn0", 1.0, 300e3);
    check("Dd0", 1.0, 300e3);
}

#[test]
fn off_nominal_tap_scales_the_ratio() {
    check("Dyn11", 1.05, 100e3);
    check("YNyn0", 0.95, 100e3);
}

#[test]
fn no_load_ratio_is_exact() {
    let ((amp, ph), (want_amp, want_ph)) = run("Dyn11", 1.0, 1.0);
    assert!((amp / want_amp - 1.0).abs() < 1e-4);
    assert!(common::angle_diff(ph, want_ph).abs() < 1e-4);
}
