//! Fuzz target: the scenario file parser (`gridhil_scenarios::file::parse`) on arbitrary
//! text must return a scenario or an error with file:line, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = gridhil_scenarios::file::is_scenario(text);
        let _ = gridhil_scenarios::file::parse(Path::new("fuzz/scenario.toml"), text);
    }
});
