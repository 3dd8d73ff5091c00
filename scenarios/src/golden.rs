//! Golden traces: reference run logs (our HDF5 layout, docs/hdf5-layout.md) that selected
//! signals of a run are compared with under per-signal tolerances; reading the reference's
//! signals before the run, comparing after it, and replacing it (`--update-golden`).

use crate::check::{num, secs, Check};
use crate::series::Series;
use std::path::Path;

/// The logged paths of a run log and their signal names.
pub fn signals_of(file: &Path) -> Result<Vec<(String, Vec<String>)>, String> {
    let f = hdf5::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let paths = f
        .group("paths")
        .map_err(|e| format!("{}: not a gridhil run log ({e})", file.display()))?;
    let mut out = Vec::new();
    for name in paths.member_names().map_err(|e| e.to_string())? {
        let values = paths
            .dataset(&format!("{name}/values"))
            .map_err(|e| format!("{}: path {name}: {e}", file.display()))?;
        out.push((name, column_names(&values)?));
    }
    Ok(out)
}

fn column_names(values: &hdf5::Dataset) -> Result<Vec<String>, String> {
    let names: Vec<hdf5::types::VarLenUnicode> = values
        .attr("signals")
        .and_then(|a| a.read_raw())
        .map_err(|e| format!("signal names: {e}"))?;
    Ok(names.iter().map(|s| s.as_str().to_string()).collect())
}

/// Column `signal` of path `path` of a run log, in seconds since its first logged row
/// (the earliest first `ts_origin` of its paths).
pub fn read_series(file: &Path, path: &str, signal: &str) -> Result<Series, String> {
    let f = hdf5::File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let paths = f.group("paths").map_err(|e| e.to_string())?;
    let mut origin = i64::MAX;
    for name in paths.member_names().map_err(|e| e.to_string())? {
        let ts: Vec<i64> = paths
            .dataset(&format!("{name}/ts_origin"))
            .and_then(|d| d.read_raw())
            .map_err(|e| e.to_string())?;
        if let Some(&first) = ts.first() {
            origin = origin.min(first);
        }
    }
    let group = paths
        .group(path)
        .map_err(|_| format!("{}: no path `{path}`", file.display()))?;
    let values = group.dataset("values").map_err(|e| e.to_string())?;
    let column = column_names(&values)?
        .iter()
        .position(|n| n == signal)
        .ok_or_else(|| format!("{}: path `{path}` has no signal `{signal}`", file.display()))?;
    let ts: Vec<i64> = group
        .dataset("ts_origin")
        .and_then(|d| d.read_raw())
        .map_err(|e| e.to_string())?;
    let width = match values.shape().as_slice() {
        [_, cols] => *cols,
        shape => return Err(format!("values has shape {shape:?}, expected 2-D")),
    };
    // Row-major: row r, column c at r·width + c.
    let all: Vec<f64> = values.read_raw().map_err(|e| e.to_string())?;
    let v = all
        .iter()
        .skip(column)
        .step_by(width.max(1))
        .copied()
        .collect();
    let t = ts.iter().map(|&t| (t - origin) as f64 * 1e-9).collect();
    Ok(Series::new(t, v))
}

/// Compares `run` with `golden` at the golden's instants in `[from, to]`: the run's value
/// at golden time + `shift` (linear between its samples) must be within
/// `abs + rel·|golden|`. The measured value is the largest excess of |error| over the
/// allowed error (≤ 0 passes).
pub fn compare(
    run: &Series,
    golden: &Series,
    window: (f64, f64),
    shift: f64,
    abs: f64,
    rel: f64,
) -> Check {
    let golden = golden.window(window.0, window.1);
    let mut worst: Option<(f64, f64, f64, f64)> = None; // excess, t, run, golden
    let mut compared = 0usize;
    for (&t, &g) in golden.t.iter().zip(&golden.v) {
        let Some(r) = run.at(t + shift) else {
            continue;
        };
        compared += 1;
        let excess = (r - g).abs() - (abs + rel * g.abs());
        let excess = if r.is_nan() != g.is_nan() {
            f64::INFINITY
        } else {
            excess
        };
        if worst.is_none_or(|w| excess > w.0) {
            worst = Some((excess, t, r, g));
        }
    }
    let Some((excess, t, r, g)) = worst else {
        return Check {
            passed: false,
            measured: f64::NAN,
            limit: 0.0,
            at: None,
            message: "no instant of the golden trace lies within the run".into(),
        };
    };
    let allowed = abs + rel * g.abs();
    let passed = excess <= 0.0;
    Check {
        passed,
        measured: (r - g).abs(),
        limit: allowed,
        at: Some(t),
        message: format!(
            "{} samples compared; largest error {} at {} (run {}, golden {}) {} the tolerance {}",
            compared,
            num((r - g).abs()),
            secs(t),
            num(r),
            num(g),
            if passed { "is within" } else { "exceeds" },
            num(allowed)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_interpolates_and_applies_both_tolerances() {
        let golden = Series::new(vec![0.0, 1.0, 2.0], vec![100.0, 200.0, 300.0]);
        let run = Series::new(
            vec![0.0, 0.5, 1.0, 1.5, 2.0],
            vec![100.0, 150.0, 201.0, 250.0, 300.0],
        );
        let c = compare(&run, &golden, (0.0, 2.0), 0.0, 0.5, 0.0);
        assert!(!c.passed);
        assert_eq!((c.measured, c.at), (1.0, Some(1.0)));
        // 1 % of 200 is 2: within.
        assert!(compare(&run, &golden, (0.0, 2.0), 0.0, 0.0, 0.01).passed);
        // Shifted by half a second, the run is off by 50 everywhere but the end.
        assert!(!compare(&run, &golden, (0.0, 2.0), 0.5, 1.0, 0.0).passed);
    }
}
