//! Fuzz target: the configuration loader (`gridhil_engine::load_str`) with the engine's
//! hooks and the common nodes registered. Any text gives a spec or an error with file and
//! line; nothing panics. Run with `cargo +nightly fuzz run config_toml` in `fuzz/` (or
//! `fuzz/run.sh`).
#![no_main]

use gridhil_engine::Registry;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = Registry::new();
        gridhil_engine::hooks::register(&mut registry);
        gridhil_nodes::register(&mut registry);
        registry
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = gridhil_engine::load_str(text, "fuzz.toml", Path::new("/nonexistent"), &[], registry());
    }
});
