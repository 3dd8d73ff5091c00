//! Fuzz target: `gridhil import`'s reader of VILLASnode configurations (libconfig and
//! JSON). Any text parses or gives an error with a line and column; whatever parses
//! translates without panicking, and the translation is valid TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match gridhil_import::import_str(text) {
        Ok(translation) => {
            let toml_text = translation.to_toml("fuzz");
            assert!(toml_text.parse::<toml::Table>().is_ok(), "{toml_text}");
        }
        Err(error) => assert!(error.line >= 1 && error.column >= 1),
    }
});
