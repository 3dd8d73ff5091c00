//! Wireshark's dissectors as an independent decoder: run tshark over a capture.

use std::path::Path;
use std::process::Command;

/// Whether tshark can be run; prints why not (the test then skips).
pub fn available() -> bool {
    match Command::new("tshark").arg("-v").output() {
        Ok(out) if out.status.success() => true,
        _ => {
            crate::skip("tshark is not installed (./setup.sh installs it)");
            false
        }
    }
}

/// Runs `tshark -n -r FILE ARGS…` and returns its stdout lines; panics when tshark fails.
pub fn read(file: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// One row of `fields` (tab-separated by tshark, several values of a field joined by `;`)
/// per packet matching `display_filter`, with `decode_as` rules (`-d`) applied.
pub fn fields(
    file: &Path,
    decode_as: &[&str],
    display_filter: &str,
    fields: &[&str],
) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = Vec::new();
    for rule in decode_as {
        args.extend(["-d", rule]);
    }
    args.extend(["-Y", display_filter, "-T", "fields", "-E", "aggregator=;"]);
    for field in fields {
        args.extend(["-e", field]);
    }
    read(file, &args)
        .iter()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}
