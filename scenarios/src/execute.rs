//! One engine run of a scenario: loads its configuration, builds the run, schedules the
//! timed actions and the conditional ones whose instant is known, runs it with the recorder
//! tap, and on the wall clock takes conditional actions when the tap sees their condition
//! met. Not the verdicts (`runner.rs`), nor the choice of which conditions are known.

use crate::error::ScenarioError;
use crate::file::{Condition, Scenario};
use crate::record::{Column, Recorder, Recording, Watch};
use gridhil_engine::units::{Duration, Nanos};
use gridhil_engine::{load_file, Action, Registry, Run, RunOptions, RunReport};
use std::path::Path;
use std::sync::mpsc;

/// A conditional timeline entry and the recorded column it watches.
#[derive(Debug, Clone)]
pub struct Conditional {
    /// Index of the entry in the scenario's timeline.
    pub index: usize,
    /// Index of the watched signal among the recorded columns.
    pub column: usize,
    /// The condition.
    pub condition: Condition,
}

impl Conditional {
    /// The delay from the crossing to the action, in ns.
    pub fn delay_ns(&self) -> Nanos {
        (self.condition.delay * 1e9).round() as Nanos
    }
}

/// How a run is made.
pub struct Setup<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Node and hook types.
    pub registry: &'a Registry,
    /// What the tap records.
    pub columns: &'a [Column],
    /// The conditional entries.
    pub conditionals: &'a [Conditional],
    /// Virtual time.
    pub virtual_time: bool,
    /// The run log.
    pub log: &'a Path,
    /// For the run log.
    pub command: &'a str,
    /// For the run log.
    pub version: &'a str,
}

/// What one run gave.
pub struct Executed {
    /// What the tap recorded.
    pub recording: Recording,
    /// The engine's report.
    pub report: RunReport,
    /// Conditional entries taken during the run (real time): (timeline index, instant ns).
    pub taken: Vec<(usize, Nanos)>,
}

/// Runs the scenario once; `known` are conditional entries with their instants (ns of run
/// time) to schedule as timed ones. In real time the others are watched live.
pub fn execute(setup: &Setup<'_>, known: &[(usize, Nanos)]) -> Result<Executed, ScenarioError> {
    let scenario = setup.scenario;
    let file = scenario.file.display().to_string();
    let at = |line: usize, m: String| ScenarioError::at(&file, Some(line), m);
    let spec = load_file(&scenario.config, &scenario.set, setup.registry)
        .map_err(|e| at(scenario.config_line, format!("configuration: {e}")))?;
    let (recorder, recording) = Recorder::new(setup.columns);
    let (tx, rx) = mpsc::channel();
    let recorder = if setup.virtual_time {
        recorder
    } else {
        let watches: Vec<Watch> = setup
            .conditionals
            .iter()
            .map(|c| Watch {
                column: c.column,
                base: c.condition.base,
                edge: c.condition.edge,
                after: (c.condition.after * 1e9).round() as i64,
                id: c.index,
            })
            .collect();
        recorder.watching(&watches, tx)
    };
    let options = RunOptions {
        duration: Some(scenario.duration),
        virtual_time: setup.virtual_time,
        log: Some(setup.log.to_path_buf()),
        command: setup.command.to_string(),
        version: setup.version.to_string(),
        progress: false,
        taps: vec![Box::new(recorder)],
        stop: None,
    };
    let mut run =
        Run::new(spec, options).map_err(|e| at(scenario.config_line, format!("run: {e}")))?;
    for (index, t) in scenario.timeline.iter().enumerate() {
        let action = match (&t.when, known.iter().find(|k| k.0 == index)) {
            (None, _) => t.action.clone(),
            (Some(_), Some(&(_, instant))) => Action {
                at: Some(Duration(instant)),
                kind: t.action.kind.clone(),
            },
            // Not known yet: checked now by scheduling it an hour after the end (a run
            // never gets there); taken when (and if) its condition is met.
            (Some(_), None) => Action {
                at: Some(Duration(scenario.duration.0 + 3_600_000_000_000)),
                kind: t.action.kind.clone(),
            },
        };
        run.schedule(action)
            .map_err(|e| at(t.line, format!("timeline: {e}")))?;
    }
    let handle = run
        .start()
        .map_err(|e| ScenarioError::at(&file, None, format!("run: {e}")))?;
    let mut taken = Vec::new();
    if !setup.virtual_time && !setup.conditionals.is_empty() {
        // Real time: take each conditional action as its condition is seen.
        while !handle.is_finished() {
            if let Ok((index, instant)) = rx.recv_timeout(std::time::Duration::from_millis(5)) {
                if let Some(c) = setup.conditionals.iter().find(|c| c.index == index) {
                    let when = instant + c.delay_ns();
                    let action = Action {
                        at: Some(Duration(when)),
                        kind: scenario.timeline[index].action.kind.clone(),
                    };
                    handle
                        .inject(action)
                        .map_err(|e| at(scenario.timeline[index].line, format!("timeline: {e}")))?;
                    taken.push((index, when));
                }
            }
        }
    }
    let report = handle
        .wait()
        .map_err(|e| ScenarioError::at(&file, None, format!("run: {e}")))?;
    let recording = recording
        .lock()
        .ok()
        .and_then(|mut r| r.take())
        .unwrap_or_default();
    Ok(Executed {
        recording,
        report,
        taken,
    })
}
