//! Fuzzes the gridsim network-file parser and validator; accepted models
//! are also built and stepped a few times. Nothing may panic.
#![no_main]

use gridhil_gridsim::{NetworkModel, SimOptions, Simulator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(model) = NetworkModel::from_toml_str(&text, "fuzz.toml") {
        if let Ok(mut sim) = Simulator::new(&model, SimOptions::default()) {
            for _ in 0..10 {
                if sim.step().is_err() {
                    break;
                }
            }
        }
    }
});
