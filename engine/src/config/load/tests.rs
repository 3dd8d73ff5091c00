//! The loader's steps, each checked through `load_str` with a test node type: what is
//! accepted, and that every error names its table, its field and the right line or `--set`.

use super::load_str;
use crate::config::{ConfigError, EngineSpec, ErrorOrigin};
use crate::field::{FieldError, FieldPath};
use crate::node::{BuildContext, ConfigContext, NodeConfig, NodeError, NodeIo};
use crate::registry::Registry;
use crate::signal::Signal;
use serde::Deserialize;
use std::path::Path;

/// A node that produces `values` signals and, when `sink`, takes at most `max_inputs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestNode {
    #[serde(default)]
    values: usize,
    #[serde(default)]
    sink: bool,
    #[serde(default = "four")]
    max_inputs: usize,
}

fn four() -> usize {
    4
}

impl NodeConfig for TestNode {
    fn prepare(&mut self, _ctx: &ConfigContext) -> Result<(), FieldError> {
        if self.values > 8 {
            return Err(FieldError::at("values", "must be 8 or fewer"));
        }
        if self.sink && self.values > 0 {
            return Err(FieldError::new(
                "a sink produces nothing: leave out `values`",
            ));
        }
        Ok(())
    }

    fn output_signals(&self) -> Vec<Signal> {
        (0..self.values)
            .map(|i| Signal::f64(format!("s{i}")))
            .collect()
    }

    fn accepts_input(&self) -> bool {
        self.sink
    }

    fn connect_input(&mut self, signals: &[Signal]) -> Result<(), FieldError> {
        if signals.len() > self.max_inputs {
            return Err(FieldError::at(
                "max_inputs",
                format!(
                    "takes {} signals, the path writes {}",
                    self.max_inputs,
                    signals.len()
                ),
            ));
        }
        Ok(())
    }

    fn build(&self, _ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        Err(NodeError::Config("a test node is never built".into()))
    }
}

fn registry() -> Registry {
    let mut registry = Registry::new();
    crate::hooks::register(&mut registry);
    registry.add_node::<TestNode>("test", "a node for the loader's tests");
    registry
}

fn load(text: &str, overrides: &[&str]) -> Result<EngineSpec, ConfigError> {
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    load_str(text, "c.toml", Path::new("/cfg"), &overrides, &registry())
}

fn error(text: &str) -> ConfigError {
    load(text, &[]).expect_err("the configuration should be refused")
}

/// Asserts the error's line, table and field, and returns its text.
fn assert_at(error: &ConfigError, line: usize, table: &str, field: Option<&str>) -> String {
    let shown = error.to_string();
    assert_eq!(error.line(), Some(line), "line of: {shown}");
    assert_eq!(error.table(), &FieldPath::parse(table), "table of: {shown}");
    let field = field.map(FieldPath::parse);
    assert_eq!(error.field(), field.as_ref(), "field of: {shown}");
    shown
}

const GOOD: &str = r#"[engine]
log = { hdf5 = "run.h5" }

[nodes.gen]
type = "test"
values = 2

[nodes.sink]
type = "test"
sink = true

[[paths]]
name = "main"
in = ["gen.s1", "gen.s0"]
out = ["sink"]
hooks = [{ type = "scale", gain = 2.0 }]
"#;

#[test]
fn a_valid_configuration_loads() {
    let spec = load(GOOD, &[]).unwrap();
    let names: Vec<&str> = spec.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["gen", "sink"]);
    assert_eq!(spec.nodes[0].line, Some(4));
    assert_eq!(spec.paths[0].line, Some(12));
    assert_eq!(spec.paths[0].inputs[0].signals, [1, 0]);
    assert_eq!(spec.paths[0].outputs, [1]);
    assert_eq!(spec.paths[0].hooks[0].0, "scale");
    assert_eq!(
        spec.engine.log.hdf5.as_deref(),
        Some(Path::new("/cfg/run.h5"))
    );
    assert_eq!(spec.text, GOOD);
}

#[test]
fn syntax_errors_name_their_line() {
    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = = 2\n");
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().starts_with("c.toml:3: "), "{e}");
}

#[test]
fn unknown_fields_name_their_line_once() {
    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 2\nvaleus = 3\n");
    let shown = assert_at(&e, 4, "nodes.gen", Some("nodes.gen.valeus"));
    assert_eq!(shown.matches("valeus").count(), 1, "said once: {shown}");
    assert!(
        shown.starts_with("c.toml:4: [nodes.gen]: unknown field `valeus`"),
        "{shown}"
    );

    let e = error("[engine]\nrealtime = { priority = 50, cpu = [1] }\n");
    assert_at(&e, 2, "engine", Some("engine.realtime.cpu"));

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 1\n[[paths]]\nin = [\"gen\"]\n\n[[paths]]\nin = [\"gen\"]\ntriger = \"all\"\n");
    assert_at(&e, 9, "paths[1]", Some("paths[1].triger"));

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 1\n[[paths]]\nin = [\"gen\"]\nhooks = [\n  { type = \"stats\" },\n  { type = \"scale\", gian = 2 },\n]\n");
    let shown = assert_at(&e, 8, "paths[0].hooks[1]", Some("paths[0].hooks[1].gian"));
    assert!(shown.contains("[paths[0].hooks[1] (path0)]"), "{shown}");

    let e = error("nodez = 1\n");
    assert_at(&e, 1, "", Some("nodez"));
}

#[test]
fn wrong_types_and_values_name_the_field() {
    let e = error("[engine]\nduration = 10\n");
    let shown = assert_at(&e, 2, "engine", Some("engine.duration"));
    assert!(shown.contains("[engine] `duration`: "), "{shown}");

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = \"two\"\n");
    assert_at(&e, 3, "nodes.gen", Some("nodes.gen.values"));

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 9\n");
    let shown = assert_at(&e, 3, "nodes.gen", Some("nodes.gen.values"));
    assert!(
        shown.ends_with("[nodes.gen] `values`: must be 8 or fewer"),
        "{shown}"
    );

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 1\nsink = true\n");
    assert_at(&e, 1, "nodes.gen", None);

    let e =
        error("[nodes.gen]\ntype = \"test\"\nvalues = 1\n[[paths]]\nin = [\"gen\"]\nqueue = 0\n");
    let shown = assert_at(&e, 6, "paths[0]", Some("paths[0].queue"));
    assert!(
        shown.ends_with("[paths[0] (path0)] `queue`: must be at least 1"),
        "{shown}"
    );
}

#[test]
fn unknown_types_name_the_type_line() {
    let e = error("[nodes.gen]\nvalues = 1\ntype = \"warp\"\n");
    let shown = assert_at(&e, 3, "nodes.gen", Some("nodes.gen.type"));
    assert!(
        shown.contains("unknown node type `warp` (known: test)"),
        "{shown}"
    );

    let e = error("[nodes.gen]\nvalues = 1\n");
    let shown = assert_at(&e, 1, "nodes.gen", None);
    assert!(
        shown.contains("missing field `type` (one of: test)"),
        "{shown}"
    );

    let e = error("[nodes.gen]\ntype = \"test\"\nvalues = 1\n[[paths]]\nin = [\"gen\"]\nhooks = [\n  { type = \"scale\" },\n  { type = \"sclae\" },\n]\n");
    let shown = assert_at(&e, 8, "paths[0].hooks[1]", Some("paths[0].hooks[1].type"));
    assert!(shown.contains("unknown hook type `sclae`"), "{shown}");
}

#[test]
fn unknown_nodes_and_signals_name_the_input() {
    let text = "[nodes.gen]\ntype = \"test\"\nvalues = 2\n[[paths]]\nin = [\n  \"gen\",\n  \"gen.s7\",\n]\n";
    let e = error(text);
    let shown = assert_at(&e, 7, "paths[0]", Some("paths[0].in[1]"));
    assert!(
        shown.contains("`in[1]`: node `gen` has no signal `s7` (it has: s0, s1)"),
        "{shown}"
    );

    let e = error("[[paths]]\nin = [\"nope\"]\n");
    let shown = assert_at(&e, 2, "paths[0]", Some("paths[0].in[0]"));
    assert!(shown.contains("no node named `nope`"), "{shown}");

    let e = error(
        "[nodes.sink]\ntype = \"test\"\nsink = true\nvalues = 0\n[[paths]]\nin = [\"sink\"]\n",
    );
    assert!(e.to_string().contains("produces no samples"), "{e}");
}

#[test]
fn a_second_writer_is_refused_at_its_output() {
    let text = format!("{GOOD}\n[[paths]]\nname = \"second\"\nin = [\"gen\"]\nout = [\"sink\"]\n");
    let e = error(&text);
    let shown = assert_at(&e, 21, "paths[1]", Some("paths[1].out[0]"));
    assert!(shown.contains("already written by path `main`"), "{shown}");
    assert!(shown.contains("[paths[1] (second)]"), "{shown}");
}

#[test]
fn outputs_that_cannot_take_the_signals() {
    let text = GOOD.replace("sink = true", "sink = true\nmax_inputs = 1");
    let e = error(&text);
    let shown = assert_at(&e, 11, "nodes.sink", Some("nodes.sink.max_inputs"));
    assert!(
        shown.contains("written by path `main`: takes 1 signals"),
        "{shown}"
    );

    let e = error(&GOOD.replace("out = [\"sink\"]", "out = [\"gen\"]"));
    let shown = assert_at(&e, 15, "paths[0]", Some("paths[0].out[0]"));
    assert!(
        shown.contains("node `gen` (test) cannot be written to"),
        "{shown}"
    );
}

#[test]
fn hook_errors_name_the_hook_field() {
    let e = error(&GOOD.replace("gain = 2.0", "signals = [\"s0\", \"x\"]"));
    let shown = assert_at(
        &e,
        16,
        "paths[0].hooks[0]",
        Some("paths[0].hooks[0].signals[1]"),
    );
    assert!(shown.contains("no signal `x` in this path"), "{shown}");
}

#[test]
fn set_values_are_reported_as_their_set() {
    let e = load(GOOD, &["nodes.gen.values=9"]).unwrap_err();
    assert_eq!(*e.origin(), ErrorOrigin::Set("nodes.gen.values=9".into()));
    assert_eq!(e.field(), Some(&FieldPath::parse("nodes.gen.values")));
    assert_eq!(
        e.to_string(),
        "--set nodes.gen.values=9: [nodes.gen] `values`: must be 8 or fewer"
    );

    let e = load(GOOD, &["paths.0.hooks.0.gain=loud"]).unwrap_err();
    assert_eq!(
        *e.origin(),
        ErrorOrigin::Set("paths.0.hooks.0.gain=loud".into())
    );
    assert_eq!(e.field(), Some(&FieldPath::parse("paths[0].hooks[0].gain")));

    let e = load(GOOD, &["nodes.gen.valeus=3"]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("--set nodes.gen.valeus=3: [nodes.gen]: unknown field"),
        "{e}"
    );

    // A table only `--set`s wrote: an error about it as a whole names the last of them.
    let extra = [
        "nodes.extra.type=test",
        "nodes.extra.sink=true",
        "nodes.extra.values=1",
    ];
    let e = load(GOOD, &extra).unwrap_err();
    assert_eq!(
        *e.origin(),
        ErrorOrigin::Set("nodes.extra.values=1".into()),
        "{e}"
    );
    assert_eq!(e.field(), None);
    assert!(e.to_string().contains("a sink produces nothing"), "{e}");

    let e = load(GOOD, &["novalue"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--set novalue: expected KEY=VALUE, e.g. nodes.mu1.interface=eth1"
    );
}

#[test]
fn set_values_leave_the_file_lines_true() {
    // The override adds a line to [nodes.gen]; errors further down keep the file's lines.
    let text = format!("{GOOD}\n[[paths]]\nin = [\"gen\"]\nqueue = 0\n");
    let e = load(&text, &["nodes.gen.max_inputs=2"]).unwrap_err();
    assert_at(&e, 20, "paths[1]", Some("paths[1].queue"));
    let spec = load(
        GOOD,
        &["nodes.gen.max_inputs=2", "engine.log.hdf5=other.h5"],
    )
    .unwrap();
    assert!(spec.text.contains("max_inputs = 2"), "{}", spec.text);
    assert_eq!(
        spec.engine.log.hdf5.as_deref(),
        Some(Path::new("/cfg/other.h5"))
    );
}

#[test]
fn duplicate_path_names_and_bad_node_names() {
    let e = error(&format!(
        "{GOOD}\n[[paths]]\nname = \"main\"\nin = [\"gen\"]\n"
    ));
    let shown = assert_at(&e, 19, "paths[1]", Some("paths[1].name"));
    assert!(
        shown.contains("another path is called `main` too"),
        "{shown}"
    );

    let e = error("[nodes.\"a b\"]\ntype = \"test\"\nvalues = 1\n");
    assert_at(&e, 1, "nodes.a b", None);
}
