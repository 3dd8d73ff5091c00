//! `gridhil import` with the real binary: VILLASnode's own example configurations
//! (`villas-examples/`, Apache-2.0, see its README) and a JSON configuration. Every
//! translation that is not refused as a whole passes `gridhil check`; the counts of
//! fully, partly and not translated files are the ones docs/import.md reports.

use gridhil_test_support::process::repo;
use std::path::{Path, PathBuf};
use std::process::Output;

fn gridhil(args: &[&std::ffi::OsStr]) -> Output {
    gridhil_test_support::process::gridhil()
        .args(args)
        .output()
        .expect("the gridhil binary runs")
}

fn conf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            conf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "conf") {
            out.push(path);
        }
    }
}

/// Imports `file` into `out`; returns the exit code and the verdict line.
fn import(file: &Path, out: &Path) -> (i32, String) {
    let output = gridhil(&[
        "import".as_ref(),
        file.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    let code = output.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&output.stderr).trim().to_string(),
    )
}

#[test]
fn villas_examples_translate_and_pass_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo("tests/import/villas-examples");
    let mut files = Vec::new();
    conf_files(&root, &mut files);
    assert!(files.len() >= 80, "the fixtures are there: {}", files.len());
    let (mut full, mut partly, mut none) = (Vec::new(), Vec::new(), Vec::new());
    let mut failures = Vec::new();
    for file in &files {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        let out = dir
            .path()
            .join(name.replace('/', "_"))
            .with_extension("toml");
        let (code, verdict) = import(file, &out);
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if !text.starts_with("# Translated from the VILLASnode configuration") {
            failures.push(format!("{name}: the output does not say what it is"));
        }
        match code {
            0 => {
                let check = gridhil(&["check".as_ref(), out.as_os_str()]);
                if !check.status.success() {
                    failures.push(format!(
                        "{name}: gridhil check refuses the translation: {}",
                        String::from_utf8_lossy(&check.stderr)
                    ));
                }
                if verdict.contains("fully translated") {
                    full.push(name);
                } else if verdict.contains("partly translated") {
                    partly.push(name);
                } else {
                    failures.push(format!("{name}: exit 0 but verdict {verdict:?}"));
                }
            }
            2 if verdict.contains("not translated") => none.push(name),
            other => failures.push(format!("{name}: exit code {other}: {verdict}")),
        }
    }
    println!("fully translated ({}): {}", full.len(), full.join(", "));
    println!(
        "partly translated ({}): {}",
        partly.len(),
        partly.join(", ")
    );
    println!("not translated ({}): {}", none.len(), none.join(", "));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The numbers docs/import.md reports (update both together).
    assert_eq!(
        (full.len(), partly.len(), none.len()),
        (FULL, PARTLY, NONE),
        "fully / partly / not translated"
    );
}

const FULL: usize = 2;
const PARTLY: usize = 60;
const NONE: usize = 28;

#[test]
fn translations_keep_what_they_translate() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo("tests/import/villas-examples");
    let read = |name: &str| -> toml::Table {
        let out = dir
            .path()
            .join(name.replace('/', "_"))
            .with_extension("toml");
        let (code, verdict) = import(&root.join(name), &out);
        assert_eq!(code, 0, "{name}: {verdict}");
        toml::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
    };
    let socket = read("nodes/socket.conf");
    let udp = &socket["nodes"]["udp_node"];
    assert_eq!(udp["type"].as_str(), Some("udp"));
    assert_eq!(udp["local"].as_str(), Some("127.0.0.1:12001"));
    assert_eq!(udp["remote"].as_str(), Some("127.0.0.1:12000"));
    assert_eq!(udp["format"].as_str(), Some("gtnet"));
    assert_eq!(udp["samples_per_datagram"].as_integer(), Some(30));

    let rms = read("hooks/rms.conf");
    let hook = &rms["paths"][0]["hooks"][0];
    assert_eq!(hook["type"].as_str(), Some("rms"));
    assert!(hook["window_size"].as_integer().is_some(), "{hook:?}");

    let global = read("example.conf");
    assert!(
        global["engine"].get("realtime").is_some()
            || global["engine"].get("stats_interval").is_some(),
        "{global:?}"
    );

    let lua = read("hooks/lua.conf");
    let hooks = lua["paths"][0]["hooks"].as_array().unwrap();
    let expr = hooks
        .iter()
        .find(|h| h["type"].as_str() == Some("expr"))
        .expect("the Lua expressions that are arithmetic become expr");
    assert_eq!(expr["signals"][0]["expr"].as_str(), Some("square * 10"));
}

#[test]
fn a_json_configuration_translates_fully_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.toml");
    let (code, verdict) = import(&repo("tests/import/json-example.json"), &out);
    assert_eq!(code, 0, "{verdict}");
    assert!(
        verdict.contains("fully translated"),
        "{verdict}\n{}",
        std::fs::read_to_string(&out).unwrap_or_default()
    );
    let run = gridhil(&[
        "run".as_ref(),
        "--virtual-time".as_ref(),
        "--duration".as_ref(),
        "200ms".as_ref(),
        "--quiet".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("imported.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("active") && header.contains("cos_phi") && !header.contains("reactive"),
        "{header}"
    );
    assert!(
        csv.lines().count() > 150,
        "about 200 rows at 1 kHz: {}",
        csv.lines().count()
    );
}

#[test]
fn broken_input_is_an_error_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.conf");
    std::fs::write(&bad, "nodes = {\n  a = { type = \"signal\" rate = }\n}\n").unwrap();
    let out = gridhil(&["import".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2, column"), "{err}");
}
