//! Runs one scenario: loads it and its configuration, checks every name it uses against the
//! built run (before the run starts), schedules its timeline, runs the engine with the
//! recorder tap, then evaluates the assertions and golden traces on what was recorded.
//! Not the suite (discovery, parallel runs: `suite.rs`), not the output (`report/`).
//!
//! The runner measures its own wall time (scenario and evaluation durations for the
//! report); nothing of this reaches a run, whose clock is the engine's.

use crate::condition::first_crossing;
use crate::error::ScenarioError;
use crate::execute::{execute, Executed, Setup};
use crate::file::{self, Clock, Scenario};
use crate::golden;
use crate::resolve::{check_golden_file, plan};
use crate::verdict::{evaluate, result_of};

pub use crate::result::{AssertResult, ConditionalTaken, ScenarioResult, Settings, Status};
use gridhil_engine::units::Nanos;
use gridhil_engine::{load_file, Registry};
use std::path::Path;
use std::time::Instant;

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
    check_golden_file(&scenario, &plan, settings.update_golden).map_err(fail)?;
    std::fs::create_dir_all(&settings.log_dir).map_err(|e| {
        fail(ScenarioError::at(
            &file,
            None,
            format!("log folder {}: {e}", settings.log_dir.display()),
        ))
    })?;
    let log = settings.log_dir.join(log_name(&scenario));
    let setup = Setup {
        scenario: &scenario,
        registry,
        columns: &plan.columns,
        conditionals: &plan.conditionals,
        virtual_time: scenario.clock == Clock::Virtual && !settings.realtime,
        log: &log,
        command: &settings.command,
        version: &settings.version,
    };
    let (executed, taken) = run_to_the_end(&setup).map_err(fail)?;
    let Executed {
        recording, report, ..
    } = executed;
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
        conditional_actions: taken
            .iter()
            .map(|&(index, at)| ConditionalTaken {
                line: scenario.timeline[index].line,
                at: at as f64 * 1e-9,
            })
            .collect(),
    })
}

/// Runs the scenario until every conditional action whose condition is met has its
/// instant. Virtual time, pass by pass: a run shows the earliest condition met among those
/// not known yet; the next run takes that action at that instant (+ its delay) and is the
/// same run up to there, so the instant is exact and the result repeatable. One run per
/// action taken, plus one. Real time: one run, the tap watching the conditions live.
fn run_to_the_end(setup: &Setup<'_>) -> Result<(Executed, Vec<(usize, Nanos)>), ScenarioError> {
    let mut known: Vec<(usize, Nanos)> = Vec::new();
    let end = setup.scenario.duration.0;
    loop {
        let executed = execute(setup, &known)?;
        if !setup.virtual_time {
            let taken = executed.taken.clone();
            return Ok((executed, taken));
        }
        let r = &executed.recording;
        let origin = r.origin.unwrap_or(0);
        let next = setup
            .conditionals
            .iter()
            .filter(|c| !known.iter().any(|k| k.0 == c.index))
            .filter_map(|c| {
                let (ts, values) = r.raw(c.column);
                let after = (c.condition.after * 1e9).round() as Nanos;
                first_crossing(
                    ts,
                    values,
                    origin,
                    c.condition.base,
                    c.condition.edge,
                    after,
                )
                .map(|t| (c.index, t + c.delay_ns()))
            })
            .filter(|&(_, at)| at <= end)
            .min_by_key(|&(index, at)| (at, index));
        match next {
            Some(taken) if known.len() < setup.conditionals.len() => known.push(taken),
            _ => {
                known.sort_by_key(|&(index, at)| (at, index));
                return Ok((executed, known));
            }
        }
    }
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
