//! Reading a run log (HDF5) in tests: a path's datasets, a node's counters.

use std::path::Path;

/// One path's datasets from a run log.
pub struct PathLog {
    /// Sequence numbers.
    pub seq: Vec<u64>,
    /// Origin time stamps (ns).
    pub ts_origin: Vec<i64>,
    /// Receive time stamps (ns).
    pub ts_received: Vec<i64>,
    /// Send time stamps (ns).
    pub ts_sent: Vec<i64>,
    /// Values, one row per sample.
    pub values: Vec<Vec<f64>>,
    /// Signal names of the value columns.
    pub signals: Vec<String>,
}

impl PathLog {
    /// Index of the column of signal `name`; panics naming the signals when absent.
    pub fn column_index(&self, name: &str) -> usize {
        self.signals
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| panic!("signal {name} not in {:?}", self.signals))
    }

    /// The values of signal `name`, in row order.
    pub fn column(&self, name: &str) -> Vec<f64> {
        let i = self.column_index(name);
        self.values.iter().map(|row| row[i]).collect()
    }
}

/// Reads `/paths/<name>` of a run log; panics with the reason when it cannot.
pub fn read_path(file: &Path, name: &str) -> PathLog {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("paths/{name}")).expect("path group");
    let values_ds = group.dataset("values").expect("values");
    let values = values_ds.read_2d::<f64>().expect("read values");
    let signals: Vec<String> = values_ds
        .attr("signals")
        .and_then(|a| a.read_raw::<hdf5::types::VarLenUnicode>())
        .expect("signals attribute")
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    let u64s = |name: &str| {
        group
            .dataset(name)
            .and_then(|d| d.read_raw::<u64>())
            .unwrap_or_else(|e| panic!("dataset {name}: {e}"))
    };
    let i64s = |name: &str| {
        group
            .dataset(name)
            .and_then(|d| d.read_raw::<i64>())
            .unwrap_or_else(|e| panic!("dataset {name}: {e}"))
    };
    PathLog {
        seq: u64s("seq"),
        ts_origin: i64s("ts_origin"),
        ts_received: i64s("ts_received"),
        ts_sent: i64s("ts_sent"),
        values: values.outer_iter().map(|row| row.to_vec()).collect(),
        signals,
    }
}

/// Counter `name` of node `node` from a run log (`/nodes/<node>` attributes); panics when
/// absent.
pub fn node_counter(file: &Path, node: &str, name: &str) -> u64 {
    let file = hdf5::File::open(file).expect("open run log");
    let group = file.group(&format!("nodes/{node}")).expect("node group");
    group
        .attr(name)
        .and_then(|a| a.read_scalar::<u64>())
        .unwrap_or_else(|e| panic!("counter {node}.{name}: {e}"))
}
