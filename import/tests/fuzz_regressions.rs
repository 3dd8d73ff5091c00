//! Inputs the fuzz target `villas_config` found crashing, kept as regression tests: the
//! translation of whatever parses must be valid TOML.

/// A node type with NULs and a form feed in it: the note naming it went into a TOML comment
/// as it was, and TOML refuses control characters in comments.
#[test]
fn control_characters_in_names_leave_the_translation_valid_toml() {
    let input = include_str!("../../fuzz/corpus/villas_config/regression-control-chars-in-names");
    let translation = gridhil_import::import_str(input).expect("the configuration parses");
    let text = translation.to_toml("fuzz");
    assert!(
        text.parse::<toml::Table>().is_ok(),
        "not valid TOML:\n{text}"
    );
    assert!(text.contains("\\u{0}"), "the NUL is shown escaped:\n{text}");
}
