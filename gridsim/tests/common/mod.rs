//! Helpers shared by the validation tests.
#![allow(dead_code)]

use gridhil_gridsim::{NetworkModel, SimOptions, Simulator, Start};
use std::path::PathBuf;

/// Builds a simulator from inline TOML with the default options (50 µs
/// step, steady-state start).
pub fn sim(text: &str) -> Simulator {
    sim_with(text, Start::SteadyState)
}

/// Builds a simulator that starts from rest (sources switch on at t = 0),
/// so that its steady state comes from time stepping alone.
pub fn sim_rest(text: &str) -> Simulator {
    sim_with(text, Start::Rest)
}

fn sim_with(text: &str, start: Start) -> Simulator {
    let model = NetworkModel::from_toml_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let options = SimOptions {
        start,
        ..SimOptions::default()
    };
    Simulator::new(&model, options).unwrap_or_else(|e| panic!("{e}"))
}

/// Output index by name, panicking with the available names.
pub fn out(sim: &Simulator, name: &str) -> usize {
    sim.output_index(name)
        .unwrap_or_else(|| panic!("no output {name}; have {:?}", sim.output_names()))
}

/// Path of a file under the workspace's `examples/grids`.
pub fn example_grid(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join("grids")
        .join(name)
}

/// Runs `steps` steps and records the given outputs.
pub fn record(sim: &mut Simulator, names: &[&str], steps: usize) -> Vec<Vec<f64>> {
    let idx: Vec<usize> = names.iter().map(|n| out(sim, n)).collect();
    let mut rows = vec![Vec::with_capacity(steps); names.len()];
    for _ in 0..steps {
        sim.step().unwrap_or_else(|e| panic!("{e}"));
        for (row, &i) in rows.iter_mut().zip(&idx) {
            row.push(sim.outputs()[i]);
        }
    }
    rows
}

/// Amplitude and phase (rad, cosine reference) at frequency `f` of samples
/// taken at `t0 + k·dt`, by a single-bin DFT over the whole slice (use an
/// integer number of cycles).
pub fn phasor(samples: &[f64], f: f64, t0: f64, dt: f64) -> (f64, f64) {
    let (mut re, mut im) = (0.0, 0.0);
    for (k, v) in samples.iter().enumerate() {
        let w = 2.0 * std::f64::consts::PI * f * (t0 + k as f64 * dt);
        re += v * w.cos();
        im -= v * w.sin();
    }
    let n = samples.len() as f64;
    let (re, im) = (2.0 * re / n, 2.0 * im / n);
    (re.hypot(im), im.atan2(re))
}

/// Difference of two angles wrapped into (-π, π].
pub fn angle_diff(a: f64, b: f64) -> f64 {
    let mut d = (a - b) % std::f64::consts::TAU;
    if d > std::f64::consts::PI {
        d -= std::f64::consts::TAU;
    }
    if d <= -std::f64::consts::PI {
        d += std::f64::consts::TAU;
    }
    d
}
