//! The example grids load and run through their scenarios.

mod common;

use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};

fn run_example(name: &str, seconds: f64) -> Simulator {
    let path = common::example_grid(name);
    let model = NetworkModel::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Simulator::new(&model, SimOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let steps = (seconds / 50e-6) as usize;
    for _ in 0..steps {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
        assert!(sim.outputs().iter().all(|v| v.is_finite()));
    }
    sim
}

#[test]
fn feeder10_runs_its_scenario() {
    let sim = run_example("feeder10.toml", 0.8);
    let names = sim.output_names();
    for want in [
        "mv4.va",
        "brk1.ia",
        "lv1.vrms_a",
        "mv4.freq",
        "pv7.p",
        "t1.ia2",
    ] {
        assert!(names.iter().any(|n| n == want), "missing {want}");
    }
    // Breaker reclosed at 0.6 s: the feeder is back near nominal voltage.
    let v = sim.outputs()[common::out(&sim, "mv4.vrms_a")];
    assert!((v / (20e3 / 3f64.sqrt()) - 1.0).abs() < 0.1, "mv4 rms {v}");
    let f = sim.outputs()[common::out(&sim, "mv4.freq")];
    assert!((f - 50.0).abs() < 0.5, "mv4 freq {f}");
    println!("{}", sim.output_names().join(" "));
}

#[test]
fn feeder40_runs_its_scenario() {
    let sim = run_example("feeder40.toml", 0.8);
    assert_eq!(
        sim.output_names()
            .iter()
            .filter(|n| n.ends_with(".va"))
            .count(),
        40
    );
    for bus in ["a10", "b12", "lv7"] {
        let v = sim.outputs()[common::out(&sim, &format!("{bus}.vrms_a"))];
        let nominal = if bus.starts_with("lv") { 400.0 } else { 20e3 } / 3f64.sqrt();
        assert!((v / nominal - 1.0).abs() < 0.12, "{bus} rms {v}");
    }
}
