//! Bad model files give clear errors naming file, table and field, and the
//! parser never panics on mutated input.

mod common;

use gridhil_gridsim::{ModelError, NetworkModel, SimOptions, Simulator};

const GOOD: &str = r#"
[buses.b1]
voltage = "11kV"
[buses.b2]
voltage = "11kV"
[sources.grid]
bus = "b1"
voltage = "11kV"
r = 0.5
l = "10mH"
[lines.l1]
from = "b1"
to = "b2"
length = "2km"
r_per_km = 0.2
x_per_km = 0.3
[loads.ld]
bus = "b2"
p = "1MW"
"#;

fn err(text: &str) -> ModelError {
    match NetworkModel::from_toml_str(text, "grids/bad.toml") {
        Ok(_) => panic!("model accepted:\n{text}"),
        Err(e) => e,
    }
}

fn assert_mentions(e: &ModelError, parts: &[&str]) {
    let msg = e.to_string();
    println!("{msg}");
    assert!(msg.starts_with("grids/bad.toml"), "file not named: {msg}");
    for p in parts {
        assert!(msg.contains(p), "`{p}` missing in: {msg}");
    }
}

#[test]
fn good_model_is_accepted() {
    let m = NetworkModel::from_toml_str(GOOD, "good.toml").unwrap();
    assert_eq!(m.bus_count(), 2);
    assert!(Simulator::new(&m, SimOptions::default()).is_ok());
}

#[test]
fn unknown_field() {
    let e = err(&GOOD.replace("p = \"1MW\"", "p = \"1MW\"\npower_factor = 0.9"));
    assert!(matches!(e, ModelError::Syntax { .. }));
    assert_mentions(
        &e,
        &["[loads.ld]", "unknown field", "power_factor", "line 20"],
    );
}

#[test]
fn unknown_table() {
    let e = err(&format!("{GOOD}\n[generators.g1]\nbus = \"b1\"\n"));
    assert_mentions(&e, &["unknown field", "generators"]);
}

#[test]
fn dangling_bus_reference() {
    let e = err(&GOOD.replace("to = \"b2\"", "to = \"b9\""));
    assert_mentions(&e, &["[lines.l1]", "`to`", "b9", "not defined"]);
}

#[test]
fn negative_impedance() {
    let e = err(&GOOD.replace("r_per_km = 0.2", "r_per_km = -0.2"));
    assert_mentions(&e, &["[lines.l1]", "`r_per_km`", "negative"]);
    let e = err(&GOOD.replace("l = \"10mH\"", "l = \"-10mH\""));
    assert_mentions(&e, &["[sources.grid]", "`l`", "negative"]);
}

#[test]
fn floating_bus() {
    let text = format!("{GOOD}\n[buses.b3]\nvoltage = \"11kV\"\n");
    let e = err(&text);
    assert!(matches!(e, ModelError::Network { .. }));
    assert_mentions(&e, &["b3", "floating"]);
    // A delta winding with nothing grounding it floats too.
    let text = format!(
        "{GOOD}\n[buses.lv]\nvoltage = \"400V\"\n[transformers.t]\nfrom = \"b2\"\nto = \"lv\"\nvector_group = \"YNd11\"\ns_rated = \"1MVA\"\nv1 = \"11kV\"\nv2 = \"400V\"\nx = 0.06\n"
    );
    assert_mentions(&err(&text), &["lv", "floating"]);
}

#[test]
fn bad_units_and_values() {
    assert_mentions(
        &err(&GOOD.replace("\"11kV\"\nr", "\"11kA\"\nr")),
        &["[sources.grid]", "`voltage`", "11kA"],
    );
    assert_mentions(
        &err(&GOOD.replace("length = \"2km\"", "length = 0")),
        &["[lines.l1]", "`length`", "positive"],
    );
    assert_mentions(
        &err(&GOOD.replace("p = \"1MW\"", "p = \"1MW\"\nphases = \"ax\"")),
        &["[loads.ld]", "`phases`"],
    );
    assert_mentions(
        &err(&GOOD.replace("p = \"1MW\"", "p = \"1MW\"\nmodel = \"zip\"")),
        &["[loads.ld]", "`model`", "zip"],
    );
    assert_mentions(
        &err(&GOOD.replace(
            "voltage = \"11kV\"\n[buses.b2]",
            "voltage = true\n[buses.b2]",
        )),
        &["[buses.b1]", "voltage"],
    );
}

#[test]
fn zero_impedance_branch() {
    let text = format!("{GOOD}\n[branches.z]\nfrom = \"b1\"\nto = \"b2\"\nr = 0\n");
    assert_mentions(&err(&text), &["[branches.z]", "zero impedance"]);
}

#[test]
fn bad_transformer_group() {
    let text = format!(
        "{GOOD}\n[buses.lv]\nvoltage = \"400V\"\n[transformers.t]\nfrom = \"b2\"\nto = \"lv\"\nvector_group = \"Dyn5\"\ns_rated = \"1MVA\"\nv1 = \"11kV\"\nv2 = \"400V\"\nx = 0.06\n"
    );
    assert_mentions(&err(&text), &["[transformers.t]", "`vector_group`", "Dyn5"]);
}

#[test]
fn duplicate_and_reserved_names() {
    let text = format!("{GOOD}\n[loads.b1]\nbus = \"b1\"\np = 1\n");
    assert_mentions(&err(&text), &["b1", "already used"]);
    let text = GOOD.replace("[loads.ld]", "[loads.\"a.b\"]");
    assert_mentions(&err(&text), &["invalid name"]);
}

#[test]
fn bad_events() {
    let e = err(&format!("{GOOD}\n[[events]]\nat = \"1s\"\nopen = \"ld\"\n"));
    assert_mentions(&e, &["[events[0]]", "`open`", "not a switch"]);
    let e = err(&format!(
        "{GOOD}\n[[events]]\nat = \"1s\"\nset = \"ld.x\"\nvalue = 1\n"
    ));
    assert_mentions(&e, &["no input `ld.x`"]);
    let e = err(&format!(
        "{GOOD}\n[[events]]\nat = \"1s\"\nramp = \"ld.p\"\nto = 1\nduration = \"1s\"\n"
    ));
    assert_mentions(&e, &["cannot be ramped"]);
    let e = err(&format!("{GOOD}\n[[events]]\nat = \"1s\"\nset = \"grid.voltage\"\nvalue = \"10kV\"\nramp = \"grid.voltage\"\n"));
    assert_mentions(&e, &["exactly one action"]);
    let e = err(&format!(
        "{GOOD}\n[[events]]\nat = \"1s\"\nset = \"grid.voltage\"\nvalue = \"10MW\"\n"
    ));
    assert_mentions(&e, &["`value`", "10MW"]);
}

#[test]
fn missing_file_is_an_error() {
    let e = NetworkModel::from_file(std::path::Path::new("/nonexistent/grid.toml")).unwrap_err();
    assert!(matches!(e, ModelError::Io { .. }));
}

/// Deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutated and truncated model files never panic, neither in the parser
/// nor in building and stepping the simulator.
#[test]
fn mutated_models_never_panic() {
    let feeder = std::fs::read_to_string(common::example_grid("feeder10.toml")).unwrap();
    let seeds = [GOOD.to_string(), feeder];
    let tokens = [
        "-",
        "0",
        "1e308",
        "\"\"",
        "\"x\"",
        "[",
        "]",
        "=",
        "\n",
        "ground",
        "\"-1ohm\"",
        "nan",
        "inf",
        "\"0Hz\"",
        "true",
        "{",
        "}",
        ".",
        "\"µ\"",
        "\"1e-300F\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for round in 0..1500 {
        let seed = &seeds[round % seeds.len()];
        let mut bytes = seed.clone().into_bytes();
        for _ in 0..1 + rng.below(4) {
            let pos = rng.below(bytes.len());
            match rng.below(4) {
                0 => {
                    if pos < bytes.len() {
                        bytes.remove(pos);
                    }
                }
                1 => {
                    let t = tokens[rng.below(tokens.len())];
                    for (k, b) in t.bytes().enumerate() {
                        bytes.insert(pos + k, b);
                    }
                }
                2 => {
                    if let Some(b) = bytes.get_mut(pos) {
                        *b = (rng.next() & 0x7f) as u8;
                    }
                }
                _ => bytes.truncate(pos),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(model) = NetworkModel::from_toml_str(&text, "fuzz.toml") {
            accepted += 1;
            if let Ok(mut sim) = Simulator::new(&model, SimOptions::default()) {
                for _ in 0..20 {
                    if sim.step().is_err() {
                        break;
                    }
                }
            }
        }
    }
    // All truncations of the small model.
    for cut in 0..GOOD.len() {
        let _ = NetworkModel::from_toml_str(&GOOD[..cut], "cut.toml");
    }
    println!("{accepted} mutated models accepted");
}

/// Two ideal sources on one bus pass the topology check but make the
/// nodal matrix singular: a clear error, not a panic or NaNs.
#[test]
fn parallel_ideal_sources_are_singular() {
    let text = "[buses.b1]\nvoltage = \"400V\"\n[sources.s1]\nbus = \"b1\"\nvoltage = \"400V\"\n[sources.s2]\nbus = \"b1\"\nvoltage = \"400V\"\n";
    let model = NetworkModel::from_toml_str(text, "two.toml").unwrap();
    let e = Simulator::new(&model, SimOptions::default()).unwrap_err();
    println!("{e}");
    assert!(matches!(e, gridhil_gridsim::SimError::Singular { .. }));
    assert!(e.to_string().contains("singular"));
}

#[test]
fn bad_options_are_rejected() {
    let model = NetworkModel::from_toml_str(GOOD, "good.toml").unwrap();
    for step_ns in [0, -5, 1] {
        let options = SimOptions {
            step_ns,
            ..SimOptions::default()
        };
        let e = Simulator::new(&model, options).unwrap_err();
        assert!(matches!(e, gridhil_gridsim::SimError::Options(_)), "{e}");
    }
}
