//! Prints the time per `Simulator::step` for the example grids (run with
//! `cargo run --release -p gridhil-gridsim --example step_timing [FILE...]`).
//! Informational only; no test asserts on timing.

use std::path::PathBuf;
use std::time::Instant;

use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};

fn main() {
    let mut files: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        let grids = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/grids");
        files = vec![grids.join("feeder10.toml"), grids.join("feeder40.toml")];
    }
    for file in files {
        let model = match NetworkModel::from_file(&file) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let mut sim = match Simulator::new(&model, SimOptions::default()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                std::process::exit(1);
            }
        };
        let steps = 20_000; // 1 s of simulated time, all scenario events
        let mut worst = 0u128;
        let mut switching = Vec::new();
        let mut reused = Vec::new();
        let mut hist = [0u64; 8]; // <10, <20, <30, <50, <100, <200, <500, >=500 µs
        let start = Instant::now();
        for _ in 0..steps {
            let before = (sim.factorisations(), sim.factorisations_reused());
            let t0 = Instant::now();
            if let Err(e) = sim.step() {
                eprintln!("{}: {e}", file.display());
                std::process::exit(1);
            }
            let ns = t0.elapsed().as_nanos();
            if sim.factorisations() != before.0 {
                switching.push(ns / 1000);
            } else if sim.factorisations_reused() != before.1 {
                reused.push(ns / 1000);
            }
            worst = worst.max(ns);
            let us = ns / 1000;
            let bin = [10, 20, 30, 50, 100, 200, 500]
                .iter()
                .position(|&b| us < b)
                .unwrap_or(7);
            hist[bin] += 1;
        }
        let total = start.elapsed();
        println!(
            "{}: {} unknowns, {:?} factor non-zeros, {} factorisations, mean {:.2} µs/step, worst {:.1} µs (refactorisations included), \
             histogram <10/<20/<30/<50/<100/<200/<500/>=500 µs: {:?}, switching steps (µs): factorised {:?}, restored from the cache {:?}",
            file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            sim.unknown_count(),
            sim.factor_nonzeros(),
            sim.factorisations(),
            total.as_secs_f64() * 1e6 / steps as f64,
            worst as f64 / 1000.0,
            hist,
            switching,
            reused
        );
    }
}
