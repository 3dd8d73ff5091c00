//! `gridhil check`: valid configs print the topology; bad ones exit non-zero with an
//! error naming the file, the table, the field and the line — and never panic.

use gridhil_test_support::prelude::{repo, run, text, write_config};

fn check(text_in: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "c.toml", text_in);
    let output = run(&["check", path.to_str().unwrap()]);
    let out = text(&output);
    assert!(!out.contains("panicked"), "panic: {out}");
    (output.status.success(), out)
}

const GOOD: &str =
    "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\n\n[[paths]]\nin = [\"gen\"]\n";

#[test]
fn valid_config_prints_topology() {
    let (ok, out) = check(GOOD);
    assert!(ok, "{out}");
    assert!(out.contains("gen (signal) -> s0:f64, s1:f64"), "{out}");
}

#[test]
fn every_example_passes_check() {
    let mut examples: Vec<_> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 10, "examples found: {examples:?}");
    for example in examples {
        let output = run(&["check", example.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{}: {}",
            example.display(),
            text(&output)
        );
    }
}

#[test]
fn misspelled_field_is_named_with_its_line() {
    let (ok, out) = check("[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\nfrequncy = 50\n\n[[paths]]\nin = [\"gen\"]\n");
    assert!(!ok);
    assert!(out.contains("c.toml:5"), "line: {out}");
    assert!(out.contains("[nodes.gen]"), "table: {out}");
    assert!(out.contains("frequncy"), "field: {out}");
}

#[test]
fn bad_unit_is_named() {
    let (ok, out) = check("[nodes.gen]\ntype = \"signal\"\nrate = \"1 kW\"\nvalues = 2\n\n[[paths]]\nin = [\"gen\"]\n");
    assert!(!ok);
    assert!(out.contains("c.toml:3"), "{out}");
    assert!(out.contains("rate") && out.contains("kW"), "{out}");
    let (ok, out) = check("[engine]\nduration = \"10\"\n");
    assert!(!ok);
    assert!(out.contains("duration") && out.contains("no unit"), "{out}");
}

#[test]
fn topology_errors_are_explained() {
    let cases = [
        ("[[paths]]\nin = [\"nope\"]\n", "no node named `nope`"),
        (
            "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\n[[paths]]\nin = [\"gen.zz\"]\n",
            "has no signal `zz`",
        ),
        ("[nodes.x]\ntype = \"warp-drive\"\n", "unknown node type `warp-drive`"),
        ("[nodes.x]\nrate = 1\n", "missing field `type`"),
        (
            "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\n[[paths]]\nin = [\"gen\"]\nout = [\"gen\"]\n",
            "cannot be written to",
        ),
        (
            "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\n[[paths]]\nin = [\"gen\"]\ntrigger = \"rate\"\n",
            "needs a `rate`",
        ),
        (
            "[nodes.gen]\ntype = \"signal\"\nrate = \"1kHz\"\nvalues = 2\n[[paths]]\nin = [\"gen\"]\nhooks = [{ type = \"scale\", gian = 2 }]\n",
            "gian",
        ),
        ("this is not toml", "c.toml:1"),
    ];
    for (config, expected) in cases {
        let (ok, out) = check(config);
        assert!(!ok, "accepted: {config}");
        assert!(out.contains(expected), "expected `{expected}` in: {out}");
    }
}

#[test]
fn set_overrides_apply_before_validation() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "c.toml", GOOD);
    let output = run(&[
        "check",
        path.to_str().unwrap(),
        "--set",
        "nodes.gen.values=5",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("s4:f64"));
    let output = run(&[
        "check",
        path.to_str().unwrap(),
        "--set",
        "nodes.gen.rate=fast",
    ]);
    assert!(!output.status.success());
    let out = text(&output);
    assert!(
        out.contains("error: --set nodes.gen.rate=fast: [nodes.gen] `rate`: "),
        "reported as the --set, with the field: {out}"
    );
    assert!(!out.contains("c.toml:"), "not as a line of the file: {out}");
}

#[test]
fn set_errors_name_the_set_and_file_errors_keep_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{GOOD}\n[[paths]]\nname = \"second\"\nin = [\"gen\"]\nqueue = 0\n");
    let path = write_config(dir.path(), "c.toml", &config);
    let path = path.to_str().unwrap();
    // A --set that adds a line to [nodes.gen]: the error further down keeps its file line.
    let output = run(&["check", path, "--set", "nodes.gen.limit=10"]);
    let out = text(&output);
    assert!(
        out.contains("c.toml:12: [paths[1] (second)] `queue`: must be at least 1"),
        "{out}"
    );
    // The same mistake made by a --set is the --set's.
    let output = run(&[
        "check",
        path,
        "--set",
        "paths.1.queue=1",
        "--set",
        "paths.0.queue=0",
    ]);
    let out = text(&output);
    assert!(
        out.contains(
            "error: --set paths.0.queue=0: [paths[0] (path0)] `queue`: must be at least 1"
        ),
        "{out}"
    );
    let output = run(&["check", path, "--set", "nodes.gen"]);
    assert!(
        text(&output).contains("error: --set nodes.gen: expected KEY=VALUE"),
        "{}",
        text(&output)
    );
}

#[test]
fn missing_file_is_reported() {
    let output = run(&["check", "/nonexistent/gridhil.toml"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("cannot read"));
}
