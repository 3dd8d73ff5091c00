//! The Python of the test peers (`.venv`, made by `setup.sh` with the pinned PyPI peers) and
//! the peer scripts, which live as `.py` files beside the tests that run them.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::process::repo;

/// The virtual environment's Python, if `setup.sh` made it.
pub fn venv_python() -> Option<PathBuf> {
    let python = repo(".venv/bin/python");
    python.exists().then_some(python)
}

/// The virtual environment's Python if it can import every module of `modules`; otherwise
/// `None`, with the reason printed (the test then skips).
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let Some(python) = venv_python() else {
        crate::skip(".venv is missing (./setup.sh makes it)");
        return None;
    };
    let imports = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let ok = Command::new(&python)
        .args(["-c", &imports])
        .output()
        .is_ok_and(|out| out.status.success());
    if ok {
        Some(python)
    } else {
        crate::skip(&format!(
            "{} cannot import {modules:?} (./setup.sh installs them)",
            python.display()
        ));
        None
    }
}

/// Path of a peer script in the repository (e.g. `tests/pmu/peers/pypmu_pdc.py`).
pub fn script(path: &str) -> PathBuf {
    let script = repo(path);
    assert!(
        script.exists(),
        "peer script {} is missing",
        script.display()
    );
    script
}

/// A command that runs `script` with `python` (unbuffered output).
pub fn command(python: &PathBuf, script_path: &str) -> Command {
    let mut command = Command::new(python);
    command.arg("-u").arg(script(script_path));
    command
}

/// Runs a command to completion and panics with its output when it fails.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
