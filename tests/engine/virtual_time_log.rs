//! Virtual time never drops a log row: with a log queue of 16 rows and a log reader slowed
//! down on purpose, the scheduler waits for room and every row reaches the HDF5 file and
//! the tap, in order.

use gridhil_engine::runlog::{LogTap, LoggedPath};
use gridhil_engine::sample::Sample;
use gridhil_engine::units::Duration;
use gridhil_engine::{Registry, Run, RunOptions};
use gridhil_test_support::prelude::read_path;
use std::sync::{Arc, Mutex};

const CONFIG: &str = r#"
[engine]
log = { queue = 16 }

[nodes.gen]
type = "signal"
rate = "10kHz"
signals = [{ name = "k", waveform = "counter" }]

[[paths]]
name = "fast"
in = ["gen"]
"#;

/// Sleeps 1 ms every 100 rows and keeps each row's sequence number.
struct SlowTap {
    seen: Arc<Mutex<Vec<u64>>>,
    opened: Arc<Mutex<Vec<String>>>,
}

impl LogTap for SlowTap {
    fn open(&mut self, paths: &[Option<LoggedPath>]) {
        let names = paths.iter().flatten().map(|p| p.name.clone()).collect();
        *self.opened.lock().unwrap() = names;
    }

    fn row(&mut self, path: usize, sample: &Sample) {
        assert_eq!(path, 0);
        let mut seen = self.seen.lock().unwrap();
        seen.push(sample.seq);
        if seen.len() % 100 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

#[test]
fn a_slow_log_reader_loses_no_row_in_virtual_time() {
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    let dir = tempfile::tempdir().unwrap();
    let spec = gridhil_engine::load_str(CONFIG, "slow.toml", dir.path(), &[], &registry).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let opened = Arc::new(Mutex::new(Vec::new()));
    let log = dir.path().join("slow.h5");
    let options = RunOptions {
        duration: Some(Duration(1_000_000_000)),
        virtual_time: true,
        log: Some(log.clone()),
        taps: vec![Box::new(SlowTap {
            seen: Arc::clone(&seen),
            opened: Arc::clone(&opened),
        })],
        ..RunOptions::default()
    };
    let report = Run::new(spec, options)
        .unwrap()
        .start()
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(report.paths[0].log_dropped, 0, "{report:?}");
    assert_eq!(report.log_rows, 10_000);
    assert_eq!(*opened.lock().unwrap(), vec!["fast".to_string()]);
    let expected: Vec<u64> = (0..10_000).collect();
    assert_eq!(
        *seen.lock().unwrap(),
        expected,
        "the tap saw every row in order"
    );
    assert_eq!(
        read_path(&log, "fast").seq,
        expected,
        "the file holds every row"
    );
}
