//! Reading what a run logged: one path's rows and one node's counters from the HDF5 run log
//! (shared by the test groups that need it; not every group reads every field).
#![allow(dead_code)]

use std::path::Path;

/// The rows of one logged path.
pub struct PathLog {
    /// Column names.
    pub signals: Vec<String>,
    /// `ts_origin` per row.
    pub ts_origin: Vec<i64>,
    /// `ts_received` per row.
    pub ts_received: Vec<i64>,
    /// Values per row.
    pub values: Vec<Vec<f64>>,
}

impl PathLog {
    /// The column of `signal` in row `row`.
    pub fn value(&self, row: usize, signal: &str) -> f64 {
        let column = self
            .signals
            .iter()
            .position(|s| s == signal)
            .unwrap_or_else(|| panic!("no signal {signal} in {:?}", self.signals));
        self.values[row][column]
    }
}

/// Reads path `name` of the run log `file`.
pub fn read_path(file: &Path, name: &str) -> PathLog {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("paths/{name}")).expect("path group");
    let values = group.dataset("values").expect("values");
    let rows = values.read_2d::<f64>().expect("read values");
    let signals = values
        .attr("signals")
        .and_then(|a| a.read_raw::<hdf5::types::VarLenUnicode>())
        .expect("signals attribute")
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let times = |name: &str| {
        group
            .dataset(name)
            .and_then(|d| d.read_raw::<i64>())
            .expect("time stamps")
    };
    PathLog {
        signals,
        ts_origin: times("ts_origin"),
        ts_received: times("ts_received"),
        values: rows.outer_iter().map(|row| row.to_vec()).collect(),
    }
}

/// Counter `name` of node `node` in the run log `file`.
pub fn node_counter(file: &Path, node: &str, name: &str) -> u64 {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("nodes/{node}")).expect("node group");
    group
        .attr(name)
        .and_then(|a| a.read_scalar::<u64>())
        .unwrap_or_else(|e| panic!("counter {node}.{name}: {e}"))
}
