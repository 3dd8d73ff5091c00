//! Behaviour of switching and controlled elements: breaker current-zero
//! interruption, plain switches, inverter P/Q tracking, ramps and inputs.

mod common;

use gridhil_gridsim::{Event, EventAction};

const DT: f64 = 50e-6;

const BREAKER: &str = r#"
[buses.b1]
voltage = "400V"
[buses.b2]
voltage = "400V"
[sources.grid]
bus = "b1"
voltage = "400V"
r = "0.1ohm"
l = "0.1mH"
[switches.brk]
kind = "KIND"
from = "b1"
to = "b2"
[loads.ld]
bus = "b2"
p = "100kW"
q = "60kvar"
[[events]]
at = "503ms"
open = "brk"
"#;

#[test]
fn breaker_poles_open_at_current_zero() {
    let mut sim = common::sim(&BREAKER.replace("KIND", "breaker"));
    // Open after the start-up DC offset (τ ≈ 86 ms) has decayed.
    let rows = common::record(
        &mut sim,
        &["brk.ia", "brk.ib", "brk.ic", "brk.closed"],
        12_000,
    );
    let peak = rows[0][9000..10000]
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let open_step = (0.503 / DT) as usize - 1;
    for row in rows.iter().take(3) {
        // First step from which on the pole carries only leakage current.
        let first_open = (open_step..row.len())
            .find(|&k| row[k..].iter().all(|i| i.abs() < 1e-3 * peak))
            .expect("pole never opened");
        assert!(first_open >= open_step);
        // Interruption within half a cycle of the command.
        assert!(
            first_open <= open_step + 200 + 1,
            "opened late: {first_open}"
        );
        // The pole opened in the step after its current changed sign: the
        // interrupted current is at most ω·Δt·peak (1.6 %) from the zero.
        let crossing = (first_open - 1..=first_open)
            .find(|&k| row[k] * row[k - 1] <= 0.0)
            .unwrap_or_else(|| {
                panic!(
                    "no current zero before opening: {:?}",
                    &row[first_open - 3..first_open + 2]
                )
            });
        let interrupted = row[crossing];
        assert!(
            interrupted.abs() < 0.02 * peak,
            "pole opened at {interrupted} A of peak {peak}"
        );
    }
    assert_eq!(rows[3][open_step - 1], 1.0);
    assert_eq!(*rows[3].last().unwrap(), 0.0);
}

#[test]
fn switch_opens_at_once() {
    let mut sim = common::sim(&BREAKER.replace("KIND", "switch"));
    let rows = common::record(&mut sim, &["brk.ia", "brk.ib"], 10_200);
    let open_step = (0.503 / DT) as usize - 1;
    let peak = rows[0][9000..10000]
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for row in rows.iter() {
        assert!(row[open_step - 1].abs() > 1e-3 * peak || row[open_step - 2].abs() > 1e-3 * peak);
        // A few steps later only leakage through r_open flows.
        assert!(row[open_step + 20..].iter().all(|i| i.abs() < 1e-3 * peak));
    }
}

const INVERTER: &str = r#"
[buses.pcc]
voltage = "400V"
measure = ["freq"]
[sources.grid]
bus = "pcc"
voltage = "400V"
r = "5mohm"
l = "0.15mH"
[loads.ld]
bus = "pcc"
p = "150kW"
q = "30kvar"
[inverters.inv]
bus = "pcc"
s_rated = "100kVA"
l = "0.5mH"
r = "5mohm"
p_ref = "50kW"
q_ref = "20kvar"
sync = "SYNC"
[[events]]
at = "400ms"
set = "inv.p_ref"
value = "80kW"
[[events]]
at = "400ms"
set = "inv.q_ref"
value = "-10kvar"
"#;

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn check_inverter(sync: &str) {
    let mut sim = common::sim(&INVERTER.replace("SYNC", sync));
    let rows = common::record(&mut sim, &["inv.p", "inv.q", "inv.freq"], 16_000);
    // One cycle averages before and after the set-point step.
    let (p1, q1) = (mean(&rows[0][7600..8000]), mean(&rows[1][7600..8000]));
    let (p2, q2) = (mean(&rows[0][15600..16000]), mean(&rows[1][15600..16000]));
    println!(
        "{sync}: P {p1:.0} W Q {q1:.0} var -> P {p2:.0} W Q {q2:.0} var, f {:.4} Hz",
        rows[2][15999]
    );
    assert!((p1 - 50e3).abs() < 0.01 * 100e3, "p1 {p1}");
    assert!((q1 - 20e3).abs() < 0.01 * 100e3, "q1 {q1}");
    assert!((p2 - 80e3).abs() < 0.01 * 100e3, "p2 {p2}");
    assert!((q2 + 10e3).abs() < 0.01 * 100e3, "q2 {q2}");
    assert!((rows[2][15999] - 50.0).abs() < 0.01);
}

#[test]
fn inverter_tracks_pq_with_pll() {
    check_inverter("pll");
}

#[test]
fn inverter_tracks_pq_with_ideal_sync() {
    check_inverter("ideal");
}

#[test]
fn ramp_and_scheduled_events() {
    let mut sim = common::sim(
        r#"
        [buses.b1]
        voltage = "1kV"
        [sources.s]
        bus = "b1"
        voltage = "1kV"
        r = 1
        [loads.ld]
        bus = "b1"
        p = "10kW"
        "#,
    );
    let f = sim.input_index("s.frequency").unwrap();
    let v = sim.input_index("s.voltage").unwrap();
    sim.schedule(Event {
        time_ns: 10_000_000,
        input: f,
        action: EventAction::Ramp {
            to: 49.0,
            duration_ns: 100_000_000,
        },
    })
    .unwrap();
    sim.schedule(Event {
        time_ns: 5_000_000,
        input: v,
        action: EventAction::Set(900.0),
    })
    .unwrap();
    // Ramping a matrix input is refused.
    let p = sim.input_index("ld.p").unwrap();
    assert!(sim
        .schedule(Event {
            time_ns: 0,
            input: p,
            action: EventAction::Ramp {
                to: 1.0,
                duration_ns: 1
            }
        })
        .is_err());
    assert!(sim.set_input(99, 1.0).is_err());
    assert!(sim.set_input(v, f64::NAN).is_err());
    let fi = common::out(&sim, "s.freq");
    let mut seen = Vec::new();
    for _ in 0..3000 {
        sim.step().unwrap();
        seen.push(sim.outputs()[fi]);
    }
    assert_eq!(sim.input_value(v), Some(900.0));
    // Halfway through the ramp (t = 60 ms): 49.5 Hz.
    let mid = seen[(0.06 / DT) as usize - 1];
    assert!((mid - 49.5).abs() < 1e-9, "{mid}");
    assert!((seen[2999] - 49.0).abs() < 1e-12);
    assert_eq!(sim.time_ns(), 3000 * 50_000);
}

/// The engine moves simulators and models to worker threads.
#[test]
fn simulator_and_model_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<gridhil_gridsim::Simulator>();
    assert_send_sync::<gridhil_gridsim::NetworkModel>();
}

#[test]
fn units_follow_names() {
    let sim = common::sim(&INVERTER.replace("SYNC", "pll"));
    let units: Vec<&str> = sim.output_units().collect();
    assert_eq!(units.len(), sim.output_names().len());
    for (name, unit) in sim.output_names().iter().zip(&units) {
        let want = match name.rsplit('.').next().unwrap_or("") {
            "va" | "vb" | "vc" => "V",
            "ia" | "ib" | "ic" => "A",
            "p" => "W",
            "q" => "var",
            "freq" => "Hz",
            other => panic!("unexpected output {name} ({other})"),
        };
        assert_eq!(*unit, want, "{name}");
    }
    let inputs: Vec<(&String, &str)> = sim.input_names().iter().zip(sim.input_units()).collect();
    assert!(inputs.contains(&(&"inv.p_ref".to_string(), "W")));
    assert!(inputs.contains(&(&"grid.voltage".to_string(), "V")));
    assert!(inputs.contains(&(&"grid.phase".to_string(), "deg")));
}
