//! Optional cross-check against pandapower (an independent, widely used
//! power-system tool): a balanced 20/0.4 kV network with lines, a
//! transformer, constant-impedance loads and a resistive three-phase fault
//! (as a shunt) in steady state. The Python side is
//! `tests/python/pandapower_crosscheck.py`; it runs with `$GRIDSIM_PYTHON`
//! (or `python3`) and the test prints "skipped" when pandapower is missing.
//!
//! pandapower's transformer is given no phase shift, so its LV angle is
//! compared with gridsim's Dyn11 LV angle minus 30°.

mod common;

use std::process::Command;

const DT: f64 = 50e-6;

const NETWORK: &str = r#"
[buses.b0]
voltage = "20kV"
[buses.b1]
voltage = "20kV"
[buses.b2]
voltage = "20kV"
[buses.b3]
voltage = "400V"
[sources.grid]
bus = "b0"
voltage = "20kV"
[lines.l01]
from = "b0"
to = "b1"
length = "3km"
r_per_km = 0.206
x_per_km = 0.12
c_per_km = "250nF"
[lines.l12]
from = "b1"
to = "b2"
length = "2km"
r_per_km = 0.3
x_per_km = 0.35
c_per_km = "10nF"
[transformers.t1]
from = "b2"
to = "b3"
vector_group = "Dyn11"
s_rated = "630kVA"
v1 = "20kV"
v2 = "400V"
r = 0.01
x = 0.06
[loads.ld1]
bus = "b1"
p = "1MW"
q = "300kvar"
[loads.ld3]
bus = "b3"
p = "200kW"
q = "50kvar"
[faults.f1]
bus = "b1"
r = 20
on = true
"#;

fn reference() -> Option<Vec<(String, f64, f64)>> {
    let python = std::env::var("GRIDSIM_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python/pandapower_crosscheck.py");
    let out = match Command::new(&python).arg(&script).output() {
        Ok(o) => o,
        Err(e) => {
            println!("skipped: cannot run {python}: {e}");
            return None;
        }
    };
    if !out.status.success() {
        println!(
            "skipped: pandapower reference unavailable ({}): {}",
            python,
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let rows = text
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let name = it.next()?.to_string();
            let vm = it.next()?.parse().ok()?;
            let va = it.next()?.parse().ok()?;
            Some((name, vm, va))
        })
        .collect::<Vec<_>>();
    Some(rows)
}

#[test]
fn steady_state_with_fault_matches_pandapower() {
    let Some(reference) = reference() else {
        return;
    };
    assert_eq!(reference.len(), 4, "{reference:?}");
    let mut sim = common::sim_rest(NETWORK);
    let names = ["b0.va", "b1.va", "b2.va", "b3.va", "f1.ia"];
    let steps = 20_000;
    let rows = common::record(&mut sim, &names, steps);
    let window = 4000;
    let t0 = (steps - window + 1) as f64 * DT;
    let mut worst: f64 = 0.0;
    for (k, (name, vm, va)) in reference.iter().enumerate() {
        let nominal = if name == "b3" { 400.0 } else { 20e3 };
        let (amp, ph) = common::phasor(&rows[k][steps - window..], 50.0, t0, DT);
        let shift = if name == "b3" {
            30f64.to_radians()
        } else {
            0.0
        };
        let sim_vm = amp / (nominal * (2.0f64 / 3.0).sqrt());
        let sim_va = common::angle_diff(ph - shift, 0.0);
        // Complex difference in pu.
        let (a, b) = (va.to_radians(), sim_va);
        let err = ((sim_vm * b.cos() - vm * a.cos()).powi(2)
            + (sim_vm * b.sin() - vm * a.sin()).powi(2))
        .sqrt();
        println!(
            "{name}: gridsim {sim_vm:.6} pu ∠{:.4}°, pandapower {vm:.6} pu ∠{va:.4}°, error {err:.2e} pu",
            sim_va.to_degrees()
        );
        worst = worst.max(err);
    }
    assert!(worst < 2e-4, "worst {worst:e} pu");
    // Fault current: |V_b1| / 20 Ω.
    let (amp_f, _) = common::phasor(&rows[4][steps - window..], 50.0, t0, DT);
    let v_b1 = reference[1].1 * 20e3 * (2.0f64 / 3.0).sqrt();
    let err = (amp_f - v_b1 / 20.0).abs() / (v_b1 / 20.0);
    println!(
        "fault current {amp_f:.3} A peak vs {:.3} A, error {err:.2e}",
        v_b1 / 20.0
    );
    assert!(err < 2e-4);
}
