//! Runs one scenario: loads it and its configuration, checks every name it uses against the
//! built run (before the run starts), schedules its timeline, runs the engine with the
//! recorder tap, then evaluates the assertions and golden traces on what was recorded.
//! Not the suite (discovery, parallel runs: `suite.rs`), not the output (`report/`).
//!
//! The runner measures its own wall time (scenario and evaluation durations for the
//! report); nothing of this reaches a run, whose clock is the engine's.

use crate::check::{self, Check};
use crate::error::ScenarioError;
use crate::file::{self, AssertKind, Assertion, Clock, Scenario, SignalRef};
use crate::golden;
use crate::record::{Column, Recorder, Recording};
use gridhil_engine::config::EngineSpec;
use gridhil_engine::{load_file, Registry, Run, RunOptions, RunReport};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How the suite runs scenarios.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Run every scenario on the wall clock (`--realtime`).
    pub realtime: bool,
    /// Where run logs go (kept for failing scenarios, or all with `keep_logs`).
    pub log_dir: PathBuf,
    /// Keep every run log, not only those of failing scenarios.
    pub keep_logs: bool,
    /// Rewrite golden files from this run instead of comparing.
    pub update_golden: bool,
    /// gridhil version for the run logs.
    pub version: String,
    /// Command line for the run logs.
    pub command: String,
}

/// A scenario's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every assertion holds.
    Passed,
    /// An assertion does not hold.
    Failed,
    /// The scenario could not be judged: bad input, or a run that broke.
    Error,
}

/// The verdict of one assertion.
#[derive(Debug, Clone, Serialize)]
pub struct AssertResult {
    /// Name.
    pub name: String,
    /// Kind (`band`, ..., `golden`).
    pub kind: String,
    /// Line in the scenario file.
    pub line: usize,
    /// Whether it holds.
    pub passed: bool,
    /// The measured value.
    pub measured: f64,
    /// The limit.
    pub limit: f64,
    /// Run time of the measured value (s).
    pub at: Option<f64>,
    /// The measured value against the limit, in words.
    pub message: String,
}

/// What running one scenario gave.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// The scenario file.
    pub file: PathBuf,
    /// Its name.
    pub name: String,
    /// Verdict.
    pub status: Status,
    /// Assertion verdicts (in file order, golden signals last).
    pub asserts: Vec<AssertResult>,
    /// Why it is an error.
    pub error: Option<String>,
    /// The run log, when kept.
    pub log: Option<PathBuf>,
    /// Simulated (run) time (s).
    pub run_s: f64,
    /// Wall time of the whole scenario (s): load, run, evaluation.
    pub wall_s: f64,
    /// Wall time of the assertions: the tap on the log thread plus the evaluation (s).
    pub eval_s: f64,
    /// Golden file rewritten (`--update-golden`).
    pub golden_updated: Option<PathBuf>,
}

impl ScenarioResult {
    fn error(file: &Path, name: String, error: String, wall_s: f64) -> Self {
        ScenarioResult {
            file: file.to_path_buf(),
            name,
            status: Status::Error,
            asserts: Vec::new(),
            error: Some(error),
            log: None,
            run_s: 0.0,
            wall_s,
            eval_s: 0.0,
            golden_updated: None,
        }
    }
}

/// Runs the scenario file at `path`; never panics out (a panic inside is an error result).
pub fn run_scenario(path: &Path, registry: &Registry, settings: &Settings) -> ScenarioResult {
    let started = Instant::now();
    let fallback_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_checked(path, registry, settings, started)
    }));
    match outcome {
        Ok(Ok(result)) => result,
        Ok(Err((name, e))) => ScenarioResult::error(
            path,
            name.unwrap_or(fallback_name),
            e.to_string(),
            started.elapsed().as_secs_f64(),
        ),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            ScenarioResult::error(
                path,
                fallback_name,
                format!("{}: crashed: {what}", path.display()),
                started.elapsed().as_secs_f64(),
            )
        }
    }
}

type Failure = (Option<String>, ScenarioError);

/// Where each signal the scenario reads is in the run: (path index, column) per
/// [`Column`], in the order [`wanted`] lists them.
struct Plan {
    columns: Vec<Column>,
    /// Per assertion: index of its signal (and of its reference for `tracks`).
    asserts: Vec<(Option<usize>, Option<usize>)>,
    /// Per golden signal: index of its column, and the path name.
    golden: Vec<(usize, String)>,
}

/// Finds `signal` among the logged paths of `spec`.
fn resolve(
    spec: &EngineSpec,
    signal: &SignalRef,
    file: &str,
) -> Result<(Column, String), ScenarioError> {
    let mut found = Vec::new();
    for (index, path) in spec.paths.iter().enumerate() {
        if !path.log {
            continue;
        }
        if signal.path.as_ref().is_some_and(|p| *p != path.name) {
            continue;
        }
        if let Some(column) = path
            .output_signals
            .iter()
            .position(|s| s.name == signal.name)
        {
            found.push((
                Column {
                    path: index,
                    column,
                },
                path.name.clone(),
            ));
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let known: Vec<String> = spec
                .paths
                .iter()
                .filter(|p| p.log && signal.path.as_ref().is_none_or(|n| *n == p.name))
                .map(|p| {
                    let names: Vec<&str> =
                        p.output_signals.iter().map(|s| s.name.as_str()).collect();
                    format!("{}: {}", p.name, names.join(", "))
                })
                .collect();
            let place = match &signal.path {
                Some(p) if known.is_empty() => format!("no logged path `{p}`"),
                Some(p) => format!("path `{p}` logs no signal `{}`", signal.name),
                None => format!("no logged path has a signal `{}`", signal.name),
            };
            Err(ScenarioError::at(
                file,
                Some(signal.line),
                format!(
                    "{place} (logged: {})",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join("; ")
                    }
                ),
            ))
        }
        _ => {
            let names: Vec<String> = found.iter().map(|(_, n)| n.clone()).collect();
            Err(ScenarioError::at(
                file,
                Some(signal.line),
                format!(
                    "signal `{}` is logged by several paths ({}): name one with `path`",
                    signal.name,
                    names.join(", ")
                ),
            ))
        }
    }
}

fn plan(scenario: &Scenario, spec: &EngineSpec) -> Result<Plan, ScenarioError> {
    let file = scenario.file.display().to_string();
    let mut columns: Vec<Column> = Vec::new();
    let mut index_of = |c: Column| match columns.iter().position(|x| *x == c) {
        Some(i) => i,
        None => {
            columns.push(c);
            columns.len() - 1
        }
    };
    let mut asserts = Vec::new();
    for a in &scenario.asserts {
        let signal = match &a.signal {
            Some(s) => Some(index_of(resolve(spec, s, &file)?.0)),
            None => None,
        };
        let reference = match &a.kind {
            AssertKind::Tracks { reference, .. } => {
                Some(index_of(resolve(spec, reference, &file)?.0))
            }
            _ => None,
        };
        asserts.push((signal, reference));
    }
    let mut golden = Vec::new();
    if let Some(g) = &scenario.golden {
        for s in &g.signals {
            let (column, path) = resolve(spec, &s.signal, &file)?;
            golden.push((index_of(column), path));
        }
    }
    Ok(Plan {
        columns,
        asserts,
        golden,
    })
}

/// Checks that the golden file holds every compared signal (unless it is being rewritten).
fn check_golden_file(
    scenario: &Scenario,
    plan: &Plan,
    settings: &Settings,
) -> Result<(), ScenarioError> {
    let Some(g) = &scenario.golden else {
        return Ok(());
    };
    let file = scenario.file.display().to_string();
    if settings.update_golden {
        return Ok(());
    }
    if !g.file.exists() {
        return Err(ScenarioError::at(
            &file,
            Some(g.line),
            format!(
                "golden file {} does not exist (write it with `gridhil test --update-golden`)",
                g.file.display()
            ),
        ));
    }
    let held =
        golden::signals_of(&g.file).map_err(|m| ScenarioError::at(&file, Some(g.line), m))?;
    for (s, (_, path)) in g.signals.iter().zip(&plan.golden) {
        let ok = held
            .iter()
            .any(|(p, names)| p == path && names.contains(&s.signal.name));
        if !ok {
            let listing: Vec<String> = held
                .iter()
                .map(|(p, names)| format!("{p}: {}", names.join(", ")))
                .collect();
            return Err(ScenarioError::at(
                &file,
                Some(s.signal.line),
                format!(
                    "golden file {} has no signal `{}` in path `{path}` (it has: {}); \
                     if the change is right, rewrite it with `gridhil test --update-golden`",
                    g.file.display(),
                    s.signal.name,
                    listing.join("; ")
                ),
            ));
        }
    }
    Ok(())
}

fn run_checked(
    path: &Path,
    registry: &Registry,
    settings: &Settings,
    started: Instant,
) -> Result<ScenarioResult, Failure> {
    let scenario = file::load(path).map_err(|e| (None, e))?;
    let name = Some(scenario.name.clone());
    let fail = |e: ScenarioError| (name.clone(), e);
    let file = scenario.file.display().to_string();
    let spec = load_file(&scenario.config, &scenario.set, registry).map_err(|e| {
        fail(ScenarioError::at(
            &file,
            Some(scenario.config_line),
            format!("configuration: {e}"),
        ))
    })?;
    let plan = plan(&scenario, &spec).map_err(fail)?;
    check_golden_file(&scenario, &plan, settings).map_err(fail)?;
    std::fs::create_dir_all(&settings.log_dir).map_err(|e| {
        fail(ScenarioError::at(
            &file,
            None,
            format!("log folder {}: {e}", settings.log_dir.display()),
        ))
    })?;
    let log = settings.log_dir.join(log_name(&scenario));
    let (recorder, recording) = Recorder::new(&plan.columns);
    let virtual_time = scenario.clock == Clock::Virtual && !settings.realtime;
    let options = RunOptions {
        duration: Some(scenario.duration),
        virtual_time,
        log: Some(log.clone()),
        command: settings.command.clone(),
        version: settings.version.clone(),
        progress: false,
        taps: vec![Box::new(recorder)],
        stop: None,
    };
    let mut run = Run::new(spec, options).map_err(|e| {
        fail(ScenarioError::at(
            &file,
            Some(scenario.config_line),
            format!("run: {e}"),
        ))
    })?;
    for t in &scenario.timeline {
        run.schedule(t.action.clone()).map_err(|e| {
            fail(ScenarioError::at(
                &file,
                Some(t.line),
                format!("timeline: {e}"),
            ))
        })?;
    }
    let handle = run
        .start()
        .map_err(|e| fail(ScenarioError::at(&file, None, format!("run: {e}"))))?;
    let report = handle
        .wait()
        .map_err(|e| fail(ScenarioError::at(&file, None, format!("run: {e}"))))?;
    let recording = recording
        .lock()
        .ok()
        .and_then(|mut r| r.take())
        .unwrap_or_default();
    if !report.errors.is_empty() {
        let mut result = ScenarioResult::error(
            path,
            scenario.name.clone(),
            format!("{file}: the run failed: {}", report.errors.join("; ")),
            started.elapsed().as_secs_f64(),
        );
        result.log = Some(log);
        return Ok(result);
    }
    let evaluating = Instant::now();
    let mut asserts: Vec<AssertResult> = scenario
        .asserts
        .iter()
        .zip(&plan.asserts)
        .map(|(a, &(signal, reference))| evaluate(a, signal, reference, &recording, &report))
        .collect();
    let mut golden_updated = None;
    if let Some(g) = &scenario.golden {
        if settings.update_golden {
            if let Some(dir) = g.file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            std::fs::copy(&log, &g.file).map_err(|e| {
                fail(ScenarioError::at(
                    &file,
                    Some(g.line),
                    format!("writing golden file {}: {e}", g.file.display()),
                ))
            })?;
            golden_updated = Some(g.file.clone());
        } else {
            for (s, (k, path)) in g.signals.iter().zip(&plan.golden) {
                let reference = golden::read_series(&g.file, path, &s.signal.name)
                    .map_err(|m| fail(ScenarioError::at(&file, Some(s.signal.line), m)))?;
                let c = golden::compare(
                    &recording.series(*k),
                    &reference,
                    g.window,
                    g.shift,
                    s.abs,
                    s.rel,
                );
                asserts.push(result_of(
                    format!("golden {}", s.signal),
                    "golden",
                    s.signal.line,
                    c,
                ));
            }
        }
    }
    let eval_s = evaluating.elapsed().as_secs_f64() + recording.cost.as_secs_f64();
    let status = if asserts.iter().all(|a| a.passed) {
        Status::Passed
    } else {
        Status::Failed
    };
    let keep = settings.keep_logs || status != Status::Passed;
    let log = if keep {
        Some(log)
    } else {
        let _ = std::fs::remove_file(&log);
        None
    };
    Ok(ScenarioResult {
        file: path.to_path_buf(),
        name: scenario.name.clone(),
        status,
        asserts,
        error: None,
        log,
        run_s: report.elapsed_s,
        wall_s: started.elapsed().as_secs_f64(),
        eval_s,
        golden_updated,
    })
}

/// The run log's file name: the scenario file's path made flat (unique within a suite).
fn log_name(scenario: &Scenario) -> String {
    let flat: String = scenario
        .file
        .with_extension("")
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.h5", flat.trim_start_matches('_'))
}

fn result_of(name: String, kind: &str, line: usize, c: Check) -> AssertResult {
    AssertResult {
        name,
        kind: kind.to_string(),
        line,
        passed: c.passed,
        measured: c.measured,
        limit: c.limit,
        at: c.at,
        message: c.message,
    }
}

/// Evaluates one assertion on the recording (its signal cut to the window and scaled).
pub fn evaluate(
    a: &Assertion,
    signal: Option<usize>,
    reference: Option<usize>,
    recording: &Recording,
    report: &RunReport,
) -> AssertResult {
    let (from, to) = a.window;
    let series = |k: Option<usize>| {
        k.map(|k| recording.series(k).window(from, to).scaled(a.base))
            .unwrap_or_default()
    };
    let s = series(signal);
    let c = match &a.kind {
        AssertKind::Band { min, max } => check::band(&s, *min, *max),
        AssertKind::Settle { min, max, within } => check::settle(&s, from, *min, *max, *within),
        AssertKind::Step {
            initial,
            target,
            band,
            limits,
        } => check::step(&s, from, *initial, *target, *band, limits),
        AssertKind::Envelope {
            origin,
            lower,
            upper,
        } => check::envelope(&s, *origin, lower.as_ref(), upper.as_ref()),
        AssertKind::Nadir { min } => check::nadir(&s, *min),
        AssertKind::Rocof { over, max } => check::rocof(&s, *over, *max),
        AssertKind::Tracks {
            tolerance, delay, ..
        } => {
            // The reference from `delay` before the window on, so a lag at its start counts.
            let r = reference
                .map(|k| recording.series(k).window(from - delay, to).scaled(a.base))
                .unwrap_or_default();
            check::tracks(&s, &r, *tolerance, *delay)
        }
        AssertKind::Event { edge, before } => check::event_before(&s, *edge, *before),
        AssertKind::NoProblems { allow } => {
            let problems = check::problem_counters(report, allow);
            let message = if problems.is_empty() {
                "no drops, no late steps, no counter in problem state".to_string()
            } else {
                let list: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{} {} = {}", p.owner, p.counter, p.value))
                    .collect();
                format!("problem counters above 0: {}", list.join(", "))
            };
            Check {
                passed: problems.is_empty(),
                measured: problems.iter().map(|p| p.value as f64).sum(),
                limit: 0.0,
                at: None,
                message,
            }
        }
    };
    result_of(a.name.clone(), &a.kind_name, a.line, c)
}
