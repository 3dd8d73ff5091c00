//! The compliance harness every node and hook type passes (run by `tests/compliance/main.rs`
//! over the whole registry): its registered example configuration loads (what `gridhil
//! check` does), runs in real time without a single allocation on a real-time thread after
//! start and without errors, gives bit-identical run logs in two virtual-time runs, and
//! reports counters with unique `snake_case` names.
//!
//! Not a test by itself: the test binary installs the counting allocator and passes its
//! counter in, because a global allocator must live in the binary.

use gridhil_engine::config::EngineSpec;
use gridhil_engine::registry::TypeInfo;
use gridhil_engine::units::Duration;
use gridhil_engine::{Registry, Run, RunOptions, RunReport};
use gridhil_test_support::net::{free_port, VethPair};
use std::path::{Path, PathBuf};

/// Whether a type is a node or a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// A node type (`[nodes.X] type = "…"`).
    Node,
    /// A hook type (`hooks = [{ type = "…" }]`).
    Hook,
}

/// What the placeholders of an example stand for.
pub struct Environment {
    /// A scratch folder (`{dir}`); run logs go there too.
    pub dir: PathBuf,
    /// The repository (`{repo}`).
    pub repo: PathBuf,
    /// Free ports (`{port0}` … `{port3}`), taken anew for each example.
    pub ports: [u16; 4],
    /// A veth pair (`{iface0}`, `{iface1}`), or why there is none.
    pub veth: Result<VethPair, String>,
}

impl Environment {
    /// Scratch folder `dir`, repository `repo`, and a veth pair when this process may make one.
    pub fn new(dir: &Path, repo: &Path) -> Self {
        Environment {
            dir: dir.to_path_buf(),
            repo: repo.to_path_buf(),
            ports: [0; 4],
            veth: VethPair::create("c"),
        }
    }

    /// Fills in the placeholders; `Err` when the example needs what is missing here.
    pub fn render(&mut self, example: &str) -> Result<String, String> {
        self.ports = [free_port(), free_port(), free_port(), free_port()];
        let mut text = example
            .replace("{dir}", &self.dir.display().to_string())
            .replace("{repo}", &self.repo.display().to_string());
        for (i, port) in self.ports.iter().enumerate() {
            text = text.replace(&format!("{{port{i}}}"), &port.to_string());
        }
        if text.contains("{iface") {
            let veth = self.veth.as_ref().map_err(|why| why.clone())?;
            text = text
                .replace("{iface0}", &veth.a)
                .replace("{iface1}", &veth.b);
        }
        Ok(text)
    }
}

/// The verdict on one type.
#[derive(Debug, Default)]
pub struct Verdict {
    /// What is wrong (empty: compliant).
    pub problems: Vec<String>,
    /// Why it could not be checked here (e.g. raw sockets without root).
    pub skipped: Option<String>,
    /// Allocations on real-time threads after start, in the real-time run.
    pub allocations: u64,
    /// Rows logged per virtual-time run.
    pub rows: usize,
    /// The example with its placeholders filled in.
    pub config: Option<String>,
}

/// How long the example runs: in real time, and in virtual time.
#[derive(Debug, Clone, Copy)]
pub struct Durations {
    /// The real-time run (allocations counted).
    pub real_time: Duration,
    /// Each virtual-time run.
    pub virtual_time: Duration,
}

fn info(registry: &Registry, category: Category, kind: &str) -> Option<TypeInfo> {
    match category {
        Category::Node => registry
            .node_types()
            .find(|(k, _)| *k == kind)
            .map(|(_, i)| i),
        Category::Hook => registry
            .hook_types()
            .find(|(k, _)| *k == kind)
            .map(|(_, i)| i),
    }
}

fn uses_type(spec: &EngineSpec, category: Category, kind: &str) -> bool {
    match category {
        Category::Node => spec.nodes.iter().any(|n| n.kind == kind),
        Category::Hook => spec
            .paths
            .iter()
            .any(|p| p.hooks.iter().any(|(k, _)| k == kind)),
    }
}

fn load(
    registry: &Registry,
    text: &str,
    env: &Environment,
    kind: &str,
) -> Result<EngineSpec, String> {
    gridhil_engine::load_str(text, &format!("{kind}.toml"), &env.dir, &[], registry)
        .map_err(|e| format!("the example does not load (`gridhil check` fails): {e}"))
}

fn run(
    spec: EngineSpec,
    virtual_time: bool,
    duration: Duration,
    log: &Path,
) -> Result<RunReport, String> {
    let options = RunOptions {
        duration: Some(spec.engine.duration.unwrap_or(duration)),
        virtual_time,
        log: Some(log.to_path_buf()),
        ..RunOptions::default()
    };
    let report = Run::new(spec, options)
        .and_then(|run| run.start())
        .and_then(|handle| handle.wait())
        .map_err(|e| format!("the run fails: {e}"))?;
    if !report.errors.is_empty() {
        return Err(format!(
            "the run reports errors: {}",
            report.errors.join("; ")
        ));
    }
    Ok(report)
}

fn counters_are_named_well(report: &RunReport) -> Vec<String> {
    let mut problems = Vec::new();
    for node in &report.nodes {
        let mut seen = std::collections::BTreeSet::new();
        for counter in &node.counters {
            let name = counter.name;
            let snake = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !snake {
                problems.push(format!(
                    "node `{}`: counter `{name}` is not snake_case",
                    node.name
                ));
            }
            if !seen.insert(name) {
                problems.push(format!(
                    "node `{}`: counter `{name}` appears twice",
                    node.name
                ));
            }
        }
    }
    problems
}

/// Checks one type by its registered example; `allocations` reads the test binary's count
/// of allocations on real-time threads.
pub fn check_type(
    registry: &Registry,
    category: Category,
    kind: &str,
    env: &mut Environment,
    allocations: fn() -> u64,
    durations: Durations,
) -> Verdict {
    let mut verdict = Verdict::default();
    let Some(example) = info(registry, category, kind).and_then(|i| i.example) else {
        verdict
            .problems
            .push("registers no example configuration (`.example(…)` at registration)".into());
        return verdict;
    };
    let text = match env.render(example) {
        Ok(text) => text,
        Err(why) => {
            verdict.skipped = Some(why);
            return verdict;
        }
    };
    verdict.config = Some(text.clone());
    let spec = match load(registry, &text, env, kind) {
        Ok(spec) => spec,
        Err(problem) => {
            verdict.problems.push(problem);
            return verdict;
        }
    };
    if !uses_type(&spec, category, kind) {
        verdict
            .problems
            .push(format!("the example does not use `{kind}`"));
    }
    // Real time: nothing may allocate on a real-time thread after start.
    let before = allocations();
    match run(
        spec,
        false,
        durations.real_time,
        &env.dir.join(format!("{kind}-rt.h5")),
    ) {
        Ok(report) => verdict.problems.extend(counters_are_named_well(&report)),
        Err(problem) => verdict.problems.push(format!("real time: {problem}")),
    }
    verdict.allocations = allocations() - before;
    if verdict.allocations > 0 {
        verdict.problems.push(format!(
            "{} allocations on real-time threads after start",
            verdict.allocations
        ));
    }
    // Virtual time, twice: the logs must be bit-identical.
    let mut logs = Vec::new();
    for round in 0..2 {
        let log = env.dir.join(format!("{kind}-virtual{round}.h5"));
        let spec = match load(registry, &text, env, kind) {
            Ok(spec) => spec,
            Err(problem) => {
                verdict.problems.push(problem);
                return verdict;
            }
        };
        if let Err(problem) = run(spec, true, durations.virtual_time, &log) {
            verdict.problems.push(format!("virtual time: {problem}"));
            return verdict;
        }
        logs.push(log);
    }
    match (read_log(&logs[0]), read_log(&logs[1])) {
        (Ok(a), Ok(b)) => {
            verdict.rows = a.rows();
            for path in a.empty_paths() {
                verdict.problems.push(format!(
                    "path `{path}` logs no row in virtual time: nothing to compare"
                ));
            }
            if let Some(difference) = a.first_difference(&b) {
                verdict
                    .problems
                    .push(format!("two virtual-time runs differ: {difference}"));
            }
        }
        (Err(e), _) | (_, Err(e)) => verdict.problems.push(format!("run log: {e}")),
    }
    verdict
}

/// The rows of every path of a run log, bit for bit.
#[derive(Debug, PartialEq)]
struct LogRows {
    /// (path, dataset, raw bits of each element).
    datasets: Vec<(String, String, Vec<u64>)>,
}

impl LogRows {
    fn rows(&self) -> usize {
        self.datasets
            .iter()
            .filter(|(_, name, _)| name == "seq")
            .map(|(_, _, v)| v.len())
            .sum()
    }

    fn empty_paths(&self) -> Vec<&str> {
        self.datasets
            .iter()
            .filter(|(_, name, v)| name == "seq" && v.is_empty())
            .map(|(path, _, _)| path.as_str())
            .collect()
    }

    fn first_difference(&self, other: &LogRows) -> Option<String> {
        for (a, b) in self.datasets.iter().zip(&other.datasets) {
            if a.0 != b.0 || a.1 != b.1 {
                return Some(format!(
                    "the logs hold different datasets ({}/{} vs {}/{})",
                    a.0, a.1, b.0, b.1
                ));
            }
            if a.2.len() != b.2.len() {
                return Some(format!(
                    "path `{}`: `{}` has {} elements, then {}",
                    a.0,
                    a.1,
                    a.2.len(),
                    b.2.len()
                ));
            }
            if let Some(i) = a.2.iter().zip(&b.2).position(|(x, y)| x != y) {
                return Some(format!("path `{}`: `{}` differs at element {i}", a.0, a.1));
            }
        }
        (self.datasets.len() != other.datasets.len())
            .then(|| "the logs hold different paths".to_string())
    }
}

fn read_log(file: &Path) -> Result<LogRows, String> {
    let err = |e: hdf5::Error| format!("{}: {e}", file.display());
    let h5 = hdf5::File::open(file).map_err(err)?;
    let mut datasets = Vec::new();
    let paths = h5.group("paths").map_err(err)?;
    let mut names = paths.member_names().map_err(err)?;
    names.sort();
    for path in names {
        let group = paths.group(&path).map_err(err)?;
        let seq: Vec<u64> = group
            .dataset("seq")
            .and_then(|d| d.read_raw())
            .map_err(err)?;
        datasets.push((path.clone(), "seq".to_string(), seq));
        for name in ["ts_origin", "ts_received", "ts_sent"] {
            let v: Vec<i64> = group
                .dataset(name)
                .and_then(|d| d.read_raw())
                .map_err(err)?;
            datasets.push((
                path.clone(),
                name.to_string(),
                v.iter().map(|x| *x as u64).collect(),
            ));
        }
        let values: Vec<f64> = group
            .dataset("values")
            .and_then(|d| d.read_raw())
            .map_err(err)?;
        datasets.push((
            path.clone(),
            "values".to_string(),
            values.iter().map(|x| x.to_bits()).collect(),
        ));
    }
    Ok(LogRows { datasets })
}
