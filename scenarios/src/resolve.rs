//! Where a scenario's names are in its run: each signal an assertion, a golden trace or a
//! condition reads, found among the logged paths of the loaded configuration, and the
//! golden file checked to hold what is compared — all before the run starts, each problem
//! with the scenario file's line. Not the run (`execute.rs`), nor the verdicts.

use crate::error::ScenarioError;
use crate::execute::Conditional;
use crate::file::{AssertKind, Scenario, SignalRef};
use crate::golden;
use crate::record::Column;
use gridhil_engine::config::EngineSpec;

/// Where each signal the scenario reads is in the run: (path index, column) per
/// [`Column`], and which of them each assertion, golden signal and condition reads.
pub struct Plan {
    pub columns: Vec<Column>,
    /// Per assertion: index of its signal (and of its reference for `tracks`).
    pub asserts: Vec<(Option<usize>, Option<usize>)>,
    /// Per golden signal: index of its column, and the path name.
    pub golden: Vec<(usize, String)>,
    /// The conditional timeline entries with the columns they watch.
    pub conditionals: Vec<Conditional>,
}

/// Finds `signal` among the logged paths of `spec`.
pub fn resolve(
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

pub fn plan(scenario: &Scenario, spec: &EngineSpec) -> Result<Plan, ScenarioError> {
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
    let mut conditionals = Vec::new();
    for (index, t) in scenario.timeline.iter().enumerate() {
        if let Some(c) = &t.when {
            conditionals.push(Conditional {
                index,
                column: index_of(resolve(spec, &c.signal, &file)?.0),
                condition: c.clone(),
            });
        }
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
        conditionals,
    })
}

/// Checks that the golden file holds every compared signal (unless it is being rewritten).
pub fn check_golden_file(
    scenario: &Scenario,
    plan: &Plan,
    update_golden: bool,
) -> Result<(), ScenarioError> {
    let Some(g) = &scenario.golden else {
        return Ok(());
    };
    let file = scenario.file.display().to_string();
    if update_golden {
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
