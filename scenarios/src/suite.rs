//! A suite: the scenario files found under the given files and folders (`*.toml` with a
//! `[scenario]` table), filtered, run in parallel (one engine each) with results in
//! discovery order. Not the output (`report/`).

use crate::file::is_scenario;
use crate::result::{ScenarioResult, Settings};
use crate::runner::run_scenario;
use gridhil_engine::Registry;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The scenario files under `roots` (files as given; folders searched recursively, sorted),
/// whose path or name contains `filter` when one is given. A named file that is not a
/// scenario is returned too (its run reports why).
pub fn discover(roots: &[PathBuf], filter: Option<&str>) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    for root in roots {
        if root.is_dir() {
            walk(root, &mut found).map_err(|e| format!("{}: {e}", root.display()))?;
        } else if root.exists() {
            found.push(root.clone());
        } else {
            return Err(format!("{}: no such file or folder", root.display()));
        }
    }
    if let Some(filter) = filter {
        found.retain(|p| p.to_string_lossy().contains(filter));
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "toml")
            && std::fs::read_to_string(&path).is_ok_and(|t| is_scenario(&t))
        {
            found.push(path);
        }
    }
    Ok(())
}

/// Runs `files` on up to `jobs` threads; `done` is called (from the worker threads, one at a
/// time) as each finishes, with the number finished so far. Results in the order of `files`.
pub fn run_all(
    files: &[PathBuf],
    registry: &Registry,
    settings: &Settings,
    jobs: usize,
    done: &(dyn Fn(usize, &ScenarioResult) + Sync),
) -> Vec<ScenarioResult> {
    let next = AtomicUsize::new(0);
    let finished = Mutex::new(0usize);
    let results: Mutex<Vec<Option<ScenarioResult>>> = Mutex::new(vec![None; files.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, files.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else {
                    break;
                };
                let result = run_scenario(file, registry, settings);
                if let Ok(mut count) = finished.lock() {
                    *count += 1;
                    done(*count, &result);
                }
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}
