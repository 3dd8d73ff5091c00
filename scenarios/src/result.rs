//! What running scenarios gives and how they are run: the settings of a suite, the verdict
//! of each assertion and scenario. Plain data, shared by the runner, the verdicts and the
//! reports.

use serde::Serialize;
use std::path::{Path, PathBuf};

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
    /// Conditional timeline actions taken, with their instants.
    pub conditional_actions: Vec<ConditionalTaken>,
}

/// A conditional timeline action that was taken.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionalTaken {
    /// Line of its timeline entry.
    pub line: usize,
    /// Run time it was taken at (s).
    pub at: f64,
}

impl ScenarioResult {
    /// A scenario that could not be judged.
    pub fn error(file: &Path, name: String, error: String, wall_s: f64) -> Self {
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
            conditional_actions: Vec::new(),
        }
    }
}
