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

/// The default steady-state start leaves the example grids periodic until
/// their first event (inverter controllers and constant-power loads
/// included).
#[test]
fn example_grids_start_in_steady_state() {
    for (file, base) in [("feeder10.toml", 20e3), ("feeder40.toml", 20e3)] {
        let model = NetworkModel::from_file(&common::example_grid(file)).unwrap();
        let mut sim = Simulator::new(&model, SimOptions::default()).unwrap();
        let volts: Vec<usize> = (0..sim.output_names().len())
            .filter(|&i| sim.output_names()[i].ends_with(".va"))
            .collect();
        let mut cycles = vec![Vec::new(); 2];
        for cycle in cycles.iter_mut() {
            for _ in 0..400 {
                sim.step().unwrap();
                cycle.push(
                    volts
                        .iter()
                        .map(|&i| sim.outputs()[i])
                        .collect::<Vec<f64>>(),
                );
            }
        }
        let mut worst: f64 = 0.0;
        for (a, b) in cycles[0].iter().zip(&cycles[1]) {
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).abs());
            }
        }
        let pu = worst / (base * (2.0f64 / 3.0).sqrt());
        println!("{file}: cycle-to-cycle difference {pu:.2e} pu");
        assert!(pu < 1e-4, "{file}: {pu}");
    }
}

/// Runs an example for `steps` steps; returns every output of every step as bits.
fn output_bits(name: &str, options: SimOptions, steps: usize) -> (Vec<u64>, Simulator) {
    let model =
        NetworkModel::from_file(&common::example_grid(name)).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = Simulator::new(&model, options).unwrap_or_else(|e| panic!("{e}"));
    let mut bits = Vec::new();
    for _ in 0..steps {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
        bits.extend(sim.outputs().iter().map(|v| v.to_bits()));
    }
    (bits, sim)
}

/// The factorisation cache changes nothing but the cost: the feeder's scenario (fault,
/// breaker opening pole by pole, fault clearing, reclosing into the pre-fault network)
/// gives bit-identical outputs with and without it, and reclosing reuses the pre-fault
/// factorisation instead of computing a new one.
#[test]
fn reclosing_reuses_a_factorisation_with_identical_results() {
    let steps = (0.8 / 50e-6) as usize;
    let (cached, with_cache) = output_bits("feeder10.toml", SimOptions::default(), steps);
    let (fresh, without_cache) = output_bits(
        "feeder10.toml",
        SimOptions {
            factor_cache: 0,
            ..SimOptions::default()
        },
        steps,
    );
    assert!(cached == fresh, "outputs differ with the cache");
    assert_eq!(without_cache.factorisations_reused(), 0);
    assert!(
        with_cache.factorisations_reused() >= 1,
        "reclosing restores a factorisation"
    );
    assert_eq!(
        with_cache.factorisations() + with_cache.factorisations_reused(),
        without_cache.factorisations(),
        "every matrix change is either factorised or restored"
    );
}
