//! Switching instants against closed-form solutions: a fault to ground on one phase of
//! source → RL line → RL load (and the same with a shunt capacitor) at a 50 µs step,
//! compared with matrix-exponential solutions at the switching instants and in steady
//! state; unswitched phases compared with a run without the fault.
//!
//! Tolerances (of the peak of each waveform, see docs/gridsim.md "Switching"):
//! steady state and the sample at the instant 1e-4 (the trapezoid's 50 Hz error is
//! 2e-5), after the instant 1e-3 on the RL network (the first-order error of the
//! damping half steps; 4e-4 measured), 2e-3 on the RLC network (the trapezoid's error
//! on its 225 Hz ringing; 1.2e-3 measured); an unswitched phase 1e-12 of its peak
//! against the run without the fault.

#[path = "../common/mod.rs"]
mod common;
mod dpsim;
mod exact;
mod expm;

use exact::{Network, Params};
use std::f64::consts::TAU;

const DT: f64 = 50e-6;
const V_LL: f64 = 20e3;
const F: f64 = 50.0;

const RL: Params = Params {
    r1: 0.5,
    l1: 10e-3,
    r2: 40.0,
    l2: 50e-3,
    rf: 1.0,
    c: None,
};

/// With a 20 Ω fault the capacitor discharges with RC = 1 ms (20 steps).
const RLC: Params = Params {
    r1: 2.0,
    rf: 20.0,
    c: Some(50e-6),
    ..RL
};

/// The gridsim model of a network with `extra` TOML (events) appended.
fn model(p: Params, extra: &str) -> String {
    let cap =
        p.c.map(|c| format!("[branches.cap]\nfrom = \"b2\"\nto = \"ground\"\nc = {c:e}\n"))
            .unwrap_or_default();
    format!(
        r#"
        [buses.b1]
        voltage = "20kV"
        [buses.b2]
        voltage = "20kV"
        [sources.grid]
        bus = "b1"
        voltage = "20kV"
        [branches.line]
        from = "b1"
        to = "b2"
        r = {r1:e}
        l = {l1:e}
        [branches.load]
        from = "b2"
        to = "ground"
        r = {r2:e}
        l = {l2:e}
        [faults.f]
        bus = "b2"
        phases = "a"
        r = {rf:e}
        {cap}
        {extra}
        "#,
        r1 = p.r1,
        l1 = p.l1,
        r2 = p.r2,
        l2 = p.l2,
        rf = p.rf,
    )
}

/// Fault on at `on`, off at `off` (seconds).
fn fault_events(on: f64, off: f64) -> String {
    format!(
        "[[events]]\nat = {on:e}\nfault_on = \"f\"\n[[events]]\nat = {off:e}\nfault_off = \"f\"\n"
    )
}

/// Outputs compared, per phase a: b2 voltage, line, load and fault currents.
const PHASE_A: [&str; 4] = ["b2.va", "line.ia", "load.ia", "f.ia"];

/// Samples at t = 0, Δt, …, steps·Δt of the named outputs, from the steady state.
fn run(text: &str, names: &[&str], steps: usize) -> Vec<Vec<f64>> {
    record(common::sim(text), names, steps)
}

/// Samples at t = 0, Δt, …, steps·Δt of the named outputs, from rest.
fn run_from_rest(text: &str, names: &[&str], steps: usize) -> Vec<Vec<f64>> {
    record(common::sim_rest(text), names, steps)
}

fn record(mut sim: gridhil_gridsim::Simulator, names: &[&str], steps: usize) -> Vec<Vec<f64>> {
    let idx: Vec<usize> = names.iter().map(|n| common::out(&sim, n)).collect();
    let mut rows: Vec<Vec<f64>> = idx.iter().map(|&i| vec![sim.outputs()[i]]).collect();
    for _ in 0..steps {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
        for (row, &i) in rows.iter_mut().zip(&idx) {
            row.push(sim.outputs()[i]);
        }
    }
    rows
}

/// Worst errors of one waveform, relative to its peak.
#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    /// The samples at the switching instants, against the network before the
    /// switching (the left limit: a sample at T shows the network before T).
    at_instant: f64,
    /// Samples after each switching instant up to 2 ms after it.
    switching: f64,
    /// The rest of the fault and of the recovery (2 ms to 50 ms after clearing).
    transient: f64,
    /// Before the first switching and from 50 ms after the last one.
    steady: f64,
}

fn figures(sim: &[f64], exact: &[f64], switch_at: &[f64]) -> Figures {
    let peak = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut f = Figures::default();
    for (k, (s, e)) in sim.iter().zip(exact).enumerate() {
        let t = k as f64 * DT;
        let err = (s - e).abs() / peak;
        let at = switch_at.iter().any(|&ts| (t - ts).abs() < DT * 1e-6);
        let near = switch_at
            .iter()
            .any(|&ts| t > ts + DT * 1e-6 && t <= ts + 2e-3);
        let steady = switch_at
            .first()
            .is_some_and(|&first| t < first - DT * 1.000_001)
            || switch_at.last().is_some_and(|&last| t >= last + 0.05);
        if at {
            f.at_instant = f.at_instant.max(err);
        } else if near {
            f.switching = f.switching.max(err);
        } else if steady {
            f.steady = f.steady.max(err);
        } else {
            f.transient = f.transient.max(err);
        }
    }
    f
}

/// Runs gridsim and the closed form for phase a and returns the figures per output.
fn compare(net: &Network, p: Params, switch_at: [f64; 2], steps: usize) -> Vec<Figures> {
    let text = model(p, &fault_events(switch_at[0], switch_at[1]));
    let sim = run(&text, &PHASE_A, steps);
    let amp = V_LL * (2.0f64 / 3.0).sqrt();
    let exact = net.solve(amp, TAU * F, 0.0, DT, steps, &switch_at);
    let mut out = Vec::new();
    for (j, name) in PHASE_A.iter().enumerate() {
        let e: Vec<f64> = exact.iter().map(|row| row[j]).collect();
        let f = figures(&sim[j], &e, &switch_at);
        println!(
            "{name:8} ({:7}) at T {:.3e}  after T {:.3e}  transient {:.3e}  steady {:.3e}",
            exact::OUTPUTS[j],
            f.at_instant,
            f.switching,
            f.transient,
            f.steady
        );
        out.push(f);
    }
    out
}

#[test]
fn rl_fault_on_the_step_grid_matches_closed_form() {
    println!("RL, fault 0.1 s - 0.2 s:");
    let figs = compare(&Network::rl(RL), RL, [0.1, 0.2], 6000);
    check(&figs, 1e-3);
}

#[test]
fn rlc_fault_on_the_step_grid_matches_closed_form() {
    println!("RLC, fault 0.1 s - 0.2 s:");
    let figs = compare(&Network::rlc(RLC), RLC, [0.1, 0.2], 6000);
    check(&figs, 2e-3);
}

/// Steady state within 1e-4 of the peak, the sample at a switching instant (the
/// network before it) within 1e-4, the 2 ms after it and the rest of the
/// transients within `switching`.
fn check(figs: &[Figures], switching: f64) {
    for (f, name) in figs.iter().zip(PHASE_A) {
        assert!(f.steady < 1e-4, "{name}: steady-state error {:e}", f.steady);
        assert!(
            f.at_instant < 1e-4,
            "{name}: error at the switching instant {:e} (switched early?)",
            f.at_instant
        );
        assert!(
            f.transient < switching,
            "{name}: error in the transient {:e}",
            f.transient
        );
        assert!(
            f.switching < switching,
            "{name}: error near switching {:e}",
            f.switching
        );
    }
}

/// Phase a faulted, phases b and c untouched: they must not notice (phases are not
/// coupled in this network: ideal source, solidly grounded load, no mutual terms).
#[test]
fn unswitched_phases_see_no_blip() {
    let names = ["b2.vb", "b2.vc", "line.ib", "line.ic", "load.ib"];
    for (p, events) in [
        (RL, fault_events(0.1, 0.2)),
        (RLC, fault_events(0.1, 0.2)),
        (RL, fault_events(0.100_017_3, 0.200_031)),
    ] {
        let with = run(&model(p, &events), &names, 5000);
        let without = run(&model(p, ""), &names, 5000);
        for (j, name) in names.iter().enumerate() {
            let peak = without[j].iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let worst = with[j]
                .iter()
                .zip(&without[j])
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            println!(
                "{name}: largest difference {:.3e} of the peak",
                worst / peak
            );
            assert!(
                worst <= 1e-12 * peak,
                "{name}: unswitched phase moved by {:e} of its peak",
                worst / peak
            );
        }
    }
}

/// Fault on and off at instants between step boundaries (a fault at a phase angle):
/// interpolated to the instant, so the result follows the closed form switched at
/// that instant, and the record says so.
#[test]
fn off_grid_instants_match_closed_form() {
    for (label, net, p, tol) in [
        ("RL", Network::rl(RL), RL, 1e-3),
        ("RLC", Network::rlc(RLC), RLC, 3e-3),
    ] {
        for at in [[0.100_017_3, 0.200_031], [0.100_042, 0.200_005]] {
            println!("{label}, fault {} s - {} s:", at[0], at[1]);
            let figs = compare(&net, p, at, 6000);
            check(&figs, tol);
        }
    }
    let mut sim = common::sim(&model(RL, &fault_events(0.100_017_3, 0.200_031)));
    for _ in 0..5000 {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
    }
    let f = sim.input_index("f.on").unwrap_or_else(|| panic!("no f.on"));
    let instants: Vec<(usize, i64, i64)> = sim
        .switchings()
        .iter()
        .map(|s| (s.input, s.requested_ns, s.instant_ns))
        .collect();
    assert_eq!(
        instants,
        [(f, 100_017_300, 100_017_300), (f, 200_031_000, 200_031_000)]
    );
}

/// A breaker pole opens at its current zero, found by interpolation inside the step:
/// the recorded instant is within 0.1 µs of the exact zero of the steady-state current
/// (the step is 50 µs; before, a pole opened at the sample after its zero).
#[test]
fn breaker_poles_open_at_the_interpolated_current_zero() {
    let text = r#"
        [buses.b1]
        voltage = "20kV"
        [buses.b2]
        voltage = "20kV"
        [buses.b3]
        voltage = "20kV"
        [sources.grid]
        bus = "b1"
        voltage = "20kV"
        [branches.line]
        from = "b1"
        to = "b2"
        r = 0.5
        l = "10mH"
        [switches.brk]
        from = "b2"
        to = "b3"
        kind = "breaker"
        [branches.load]
        from = "b3"
        to = "ground"
        r = 40
        l = "50mH"
        [[events]]
        at = "100ms"
        open = "brk"
    "#;
    let mut sim = common::sim(text);
    for _ in 0..3000 {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
    }
    // Steady-state current of phase k: Re(E/Z·e^{jωt}), Z = R + jωL of the whole
    // series path (line, closed pole 1 mΩ, load); its zeros are where
    // ωt + φk − arg Z = π/2 (mod π).
    let (r, l) = (0.5 + 1e-3 + 40.0, 60e-3);
    let w = TAU * F;
    let arg_z = (w * l).atan2(r);
    let recorded = sim.switchings().to_vec();
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    for s in &recorded {
        let k = usize::from(s.pole.unwrap_or_else(|| panic!("{s:?} is not a pole")));
        let phi = -(k as f64) * TAU / 3.0;
        let t = s.instant_ns as f64 * 1e-9;
        // Distance of ωt + φ − arg Z − π/2 from a multiple of π, in time.
        let x = (w * t + phi - arg_z - 0.5 * std::f64::consts::PI).rem_euclid(std::f64::consts::PI);
        let off = x.min(std::f64::consts::PI - x) / w;
        println!(
            "pole {k} opened at {} ns, {:.1} ns from the exact zero",
            s.instant_ns,
            off * 1e9
        );
        assert!(off < 1e-7, "pole {k}: {off:e} s from its current zero");
        assert!(s.instant_ns >= 100_000_000 && s.instant_ns < 110_000_000);
        assert_eq!(s.instant_ns, s.requested_ns);
    }
    let i = common::out(&sim, "brk.ia");
    assert!(
        sim.outputs()[i].abs() < 0.05,
        "leakage {}",
        sim.outputs()[i]
    );
}

/// A network change asked for late (an event scheduled in the past, or `set_input`)
/// is made at the start of the next step, and the record says both times.
#[test]
fn late_requests_are_made_at_the_next_step_start_and_recorded() {
    let mut sim = common::sim(&model(RL, ""));
    for _ in 0..10 {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
    }
    let f = sim.input_index("f.on").unwrap_or_else(|| panic!("no f.on"));
    let event = gridhil_gridsim::Event {
        time_ns: 120_000,
        input: f,
        action: gridhil_gridsim::EventAction::Set(1.0),
    };
    sim.schedule(event).unwrap_or_else(|e| panic!("{e}"));
    sim.step().unwrap_or_else(|e| panic!("{e}"));
    sim.set_input(f, 0.0).unwrap_or_else(|e| panic!("{e}"));
    sim.step().unwrap_or_else(|e| panic!("{e}"));
    let got: Vec<(i64, i64)> = sim
        .switchings()
        .iter()
        .map(|s| (s.requested_ns, s.instant_ns))
        .collect();
    assert_eq!(got, [(120_000, 500_000), (550_000, 550_000)]);
    sim.clear_switchings();
    assert!(sim.switchings().is_empty());
    assert_eq!(sim.switchings_dropped(), 0);
    // A clone keeps the reserved room (recording never allocates, nothing dropped).
    let mut copy = sim.clone();
    copy.set_input(f, 1.0).unwrap_or_else(|e| panic!("{e}"));
    copy.step().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(copy.switchings().len(), 1);
    assert_eq!(copy.switchings_dropped(), 0);
}
