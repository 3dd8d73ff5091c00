//! One compliance test over the whole registry: every node and hook type of this build runs
//! its registered example through the harness (`harness.rs`): it loads (and `gridhil check`
//! accepts it), runs in real time without allocating on a real-time thread after start,
//! gives bit-identical logs in two virtual-time runs, and names its counters well. A new
//! type fails here until it registers an example that passes.
//!
//! The test also shows the harness failing: a deliberately bad node type that allocates on
//! its reader thread must be caught.

mod harness;

use gridhil_engine::is_rt_thread;
use gridhil_engine::node::{
    Batch, BuildContext, Due, NodeConfig, NodeError, NodeIo, NodeReader, ReadContext,
};
use gridhil_engine::signal::{Signal, Value};
use gridhil_engine::units::{Duration, Nanos};
use gridhil_test_support::alloc::{allocations, CountingAllocator};
use harness::{check_type, Category, Durations, Environment, Verdict};
use serde::Deserialize;
use std::path::Path;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::new(is_rt_thread);

/// A node that allocates on its reader thread at every read: what the harness must catch.
#[derive(Debug, Deserialize)]
struct LeakyConfig {}

struct LeakyReader {
    start: Nanos,
    next: i64,
    kept: Vec<Vec<u8>>,
}

impl NodeConfig for LeakyConfig {
    fn output_signals(&self) -> Vec<Signal> {
        vec![Signal::f64("x")]
    }
    fn accepts_input(&self) -> bool {
        false
    }
    fn build(&self, ctx: &BuildContext) -> Result<NodeIo, NodeError> {
        Ok(NodeIo {
            reader: Some(Box::new(LeakyReader {
                start: ctx.start,
                next: 0,
                kept: Vec::new(),
            })),
            ..NodeIo::default()
        })
    }
}

impl NodeReader for LeakyReader {
    fn due(&self) -> Due {
        Due::At(self.start + self.next * 1_000_000)
    }
    fn read(&mut self, ctx: &mut ReadContext<'_>, out: &mut Batch) -> Result<(), NodeError> {
        while self.start + self.next * 1_000_000 <= ctx.now && !out.is_full() {
            self.kept.push(vec![0u8; 64]); // the bug
            let Some(mut sample) = ctx.pool.alloc() else {
                break;
            };
            sample.seq = self.next as u64;
            let _ = sample.push(Value::F64(self.next as f64));
            self.next += 1;
            let _ = out.push(sample);
        }
        Ok(())
    }
}

const LEAKY_EXAMPLE: &str = r#"
[nodes.leak]
type = "leaky"

[[paths]]
name = "leaked"
in = ["leak"]
"#;

/// Types whose known gap is being closed (removed as each lands; none at present).
const KNOWN_GAPS: &[&str] = &[];

const DURATIONS: Durations = Durations {
    real_time: Duration(500_000_000),
    virtual_time: Duration(500_000_000),
};

/// `gridhil check` (the real binary) on the rendered example.
fn binary_check(dir: &Path, kind: &str, config: &str) -> Option<String> {
    let file = dir.join(format!("{kind}-check.toml"));
    std::fs::write(&file, config).ok()?;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gridhil"))
        .args(["check", file.to_str()?])
        .output()
        .ok()?;
    (!output.status.success()).then(|| {
        format!(
            "`gridhil check` fails: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })
}

/// One test, so that nothing else runs in this process while allocations are counted.
#[test]
fn every_node_and_hook_type_is_compliant() {
    let registry = gridhil::registry::build();
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut env = Environment::new(dir.path(), repo);
    let types: Vec<(Category, &str)> = registry
        .node_types()
        .map(|(k, _)| (Category::Node, k))
        .chain(registry.hook_types().map(|(k, _)| (Category::Hook, k)))
        .collect();
    assert!(
        types.len() >= 17,
        "the registry lists every type: {types:?}"
    );

    let mut failures = Vec::new();
    let mut table = Vec::new();
    for (category, kind) in types {
        let mut verdict: Verdict =
            check_type(&registry, category, kind, &mut env, allocations, DURATIONS);
        if let Some(config) = &verdict.config {
            verdict
                .problems
                .extend(binary_check(dir.path(), kind, config));
        }
        let status = match (&verdict.skipped, verdict.problems.is_empty()) {
            (Some(why), _) => format!("skipped ({why})"),
            (None, true) => "ok".to_string(),
            (None, false) => "FAIL".to_string(),
        };
        table.push(format!(
            "{category:?} {kind:<14} {status:<8} rows {:>6}  rt allocations {}",
            verdict.rows, verdict.allocations
        ));
        if KNOWN_GAPS.contains(&kind) {
            continue;
        }
        for problem in &verdict.problems {
            failures.push(format!("{category:?} `{kind}`: {problem}"));
        }
    }
    eprintln!("compliance:\n  {}", table.join("\n  "));
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The harness itself fails a node that allocates after start.
    let mut bad = gridhil::registry::build();
    bad.add_node::<LeakyConfig>("leaky", "allocates on its reader thread (test only)")
        .example(LEAKY_EXAMPLE);
    let verdict = check_type(
        &bad,
        Category::Node,
        "leaky",
        &mut env,
        allocations,
        DURATIONS,
    );
    assert!(
        verdict
            .problems
            .iter()
            .any(|p| p.contains("allocations on real-time threads after start")),
        "the harness must catch the allocating node: {verdict:?}"
    );
    assert!(
        verdict.allocations >= 400,
        "one per sample: {}",
        verdict.allocations
    );

    // And a type without an example.
    bad.add_node::<LeakyConfig>("unexampled", "registers no example (test only)");
    let verdict = check_type(
        &bad,
        Category::Node,
        "unexampled",
        &mut env,
        allocations,
        DURATIONS,
    );
    assert!(
        verdict.problems.iter().any(|p| p.contains("no example")),
        "{verdict:?}"
    );
}
