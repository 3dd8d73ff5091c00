//! Helpers shared by the integration tests: capture files, shared/ and tshark.

#![allow(dead_code)]

pub mod capture;

use std::path::PathBuf;
use std::process::Command;

/// `<workspace root>/../shared`, or `None` (the test skips, saying why).
pub fn shared_dir() -> Option<PathBuf> {
    gridhil_test_support::process::shared_dir()
}

/// Whether tshark can be run (otherwise the test skips, saying why).
pub fn tshark_available() -> bool {
    gridhil_test_support::tshark::available()
}

/// Runs tshark on `file` with the SV PhsMeas decoding on; returns stdout lines.
pub fn tshark(file: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(file)
        .args(["-o", "sv.decode_data_as_phsmeas:TRUE"])
        .args(extra)
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

/// tshark fields compared with the codec, in this order.
pub const SV_FIELDS: [&str; 17] = [
    "frame.number",
    "eth.dst",
    "vlan.priority",
    "vlan.id",
    "sv.appid",
    "sv.length",
    "sv.reserve1.s_bit",
    "sv.noASDU",
    "sv.svID",
    "sv.datSet",
    "sv.smpCnt",
    "sv.confRev",
    "sv.smpSynch",
    "sv.smpRate",
    "sv.smpMod",
    "sv.meas_value",
    "sv.meas_quality",
];

/// One line per frame of `file` with [`SV_FIELDS`], '|'-separated, ';'-aggregated.
pub fn tshark_sv_fields(file: &std::path::Path) -> Vec<Vec<String>> {
    let mut args = vec!["-T", "fields", "-E", "separator=|", "-E", "aggregator=;"];
    for f in SV_FIELDS {
        args.push("-e");
        args.push(f);
    }
    tshark(file, &args)
        .into_iter()
        .map(|line| line.split('|').map(str::to_owned).collect())
        .collect()
}

/// Frames tshark marks malformed or with an expert error.
pub fn tshark_error_frames(file: &std::path::Path) -> Vec<String> {
    tshark(
        file,
        &["-Y", "_ws.malformed || _ws.expert.severity >= error"],
    )
}
