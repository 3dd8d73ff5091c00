//! Runs a network file and prints selected outputs as CSV:
//! `cargo run -p gridhil-gridsim --example run_grid -- FILE SECONDS EVERY_N OUTPUT...`
//! (no OUTPUT names: list the available outputs and inputs).

use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};

fn main() {
    if let Err(e) = run() {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, seconds, every, names @ ..] = args.as_slice() else {
        return Err("usage: run_grid FILE SECONDS EVERY_N [OUTPUT...]".to_string());
    };
    let model = NetworkModel::from_file(std::path::Path::new(file)).map_err(|e| e.to_string())?;
    let mut sim = Simulator::new(&model, SimOptions::default()).map_err(|e| e.to_string())?;
    if names.is_empty() {
        println!("outputs: {}", sim.output_names().join(" "));
        println!("inputs: {}", sim.input_names().join(" "));
        return Ok(());
    }
    let idx = names
        .iter()
        .map(|n| sim.output_index(n).ok_or_else(|| format!("no output {n}")))
        .collect::<Result<Vec<_>, _>>()?;
    let seconds: f64 = seconds.parse().map_err(|_| "SECONDS is not a number")?;
    let every: usize = every.parse().map_err(|_| "EVERY_N is not an integer")?;
    let steps = (seconds * 1e9 / sim.step_ns() as f64) as usize;
    println!("t,{}", names.join(","));
    for k in 1..=steps {
        sim.step().map_err(|e| e.to_string())?;
        if k % every.max(1) == 0 {
            let values: Vec<String> = idx
                .iter()
                .map(|&i| format!("{:.6}", sim.outputs()[i]))
                .collect();
            println!("{:.6},{}", sim.time_ns() as f64 * 1e-9, values.join(","));
        }
    }
    // The network changes and the instants the solver made them at (on stderr, so
    // that stdout stays CSV).
    for s in sim.switchings() {
        let pole = s
            .pole
            .map(|k| format!(" pole {}", ["a", "b", "c"][usize::from(k)]));
        eprintln!(
            "switching: {}{} at {} ns (asked for {} ns)",
            sim.input_names()[s.input],
            pole.unwrap_or_default(),
            s.instant_ns,
            s.requested_ns
        );
    }
    Ok(())
}
