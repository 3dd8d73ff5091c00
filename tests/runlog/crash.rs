//! SIGKILL at several moments — at once, during start-up, mid-run a while after a progress
//! line, and right at the end — and every time the file opens in h5py and holds every row
//! accepted up to a flush before the kill, consistent across the path's datasets.

use crate::{read_log, start_signals};
use gridhil_test_support::prelude::python_with;
use gridhil_test_support::wait::Lines;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long after a progress line the rows it counted are surely on disk: five flush
/// intervals (100 ms).
const SETTLE: Duration = Duration::from_millis(500);

/// When the kill comes.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// `delay` after the process started (start-up: the log may not exist yet).
    AfterStart(Duration),
    /// `delay` after the `second`-th progress line, printed about every second (it says how
    /// many rows the path had taken: the file must hold at least those).
    AfterProgress { second: u32, delay: Duration },
}

/// A small generator of the random parts of the moments; the seed is printed so that a
/// failure can be replayed.
struct XorShift(u64);

impl XorShift {
    fn below_ms(&mut self, limit: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(self.0 % limit)
    }
}

/// Rows of path `signals` in a progress line `t=2.0s signals: 20411 in, …`.
fn rows_in(line: &str) -> u64 {
    line.split("signals: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no row count in {line:?}"))
}

/// Runs the signal example for 3 s and kills it at `moment`; returns the rows the path had
/// taken according to the last progress line before the kill (0 if none was awaited).
fn run_and_kill(dir: &Path, log: &Path, moment: Moment) -> u64 {
    let mut run = start_signals(dir, log, "3s", &[]);
    let mut rows = 0;
    match moment {
        Moment::AfterStart(delay) => std::thread::sleep(delay),
        Moment::AfterProgress { second, delay } => {
            let stderr = run.child().stderr.take().expect("piped stderr");
            let mut lines = Lines::read(stderr);
            // The `second`-th progress line of the path (about `t={second}.0s`; a loaded
            // machine may print `t=2.1s`).
            let mut counts = Vec::new();
            for _ in 0..second {
                let line = lines
                    .wait_for(" signals: ", Duration::from_secs(60))
                    .unwrap_or_else(|| panic!("no progress line {second}: {:?}", lines.seen));
                counts.push(rows_in(&line));
            }
            // What must be in the file: the rows of a line at least `SETTLE` (five flush
            // intervals) before the kill — the last line's when the kill waits that long,
            // otherwise the line before it (about a second older).
            rows = if delay >= SETTLE {
                counts.last().copied().unwrap_or(0)
            } else {
                counts.iter().rev().nth(1).copied().unwrap_or(0)
            };
            std::thread::sleep(delay);
        }
    }
    let pid = i32::try_from(run.child().id()).expect("pid");
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = run.child().wait();
    rows
}

#[test]
fn a_killed_run_keeps_every_row_up_to_its_last_flush() {
    let Some(python) = python_with(&["h5py", "numpy"]) else {
        return;
    };
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!("kill moments seeded with {seed}");
    let mut random = XorShift(seed);
    // Mid-run kills come at least 5 flush intervals (100 ms) after the progress line, so
    // the rows it counted were flushed before the kill.
    let settle = SETTLE;
    let moments = [
        Moment::AfterStart(Duration::ZERO),
        Moment::AfterStart(random.below_ms(150)),
        Moment::AfterProgress {
            second: 1,
            delay: settle + random.below_ms(400),
        },
        Moment::AfterProgress {
            second: 2,
            delay: settle + random.below_ms(400),
        },
        // The last progress line comes as the run ends: the kill lands while it closes
        // the log (or just after).
        Moment::AfterProgress {
            second: 3,
            delay: random.below_ms(30),
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    for (index, moment) in moments.iter().enumerate() {
        let log = dir.path().join(format!("killed{index}.h5"));
        let rows_before = run_and_kill(dir.path(), &log, *moment);
        if !log.exists() {
            // Killed before the log was in place: nothing was accepted yet.
            assert!(
                matches!(moment, Moment::AfterStart(_)),
                "{moment:?}: no run log"
            );
            continue;
        }
        let report = read_log(&python, &log);
        let signals = &report["paths"]["signals"];
        let lengths = signals["lengths"].as_object().expect("lengths");
        let counts: Vec<u64> = lengths.values().map(|v| v.as_u64().unwrap()).collect();
        assert!(
            counts.windows(2).all(|w| w[0] == w[1]),
            "{moment:?}: datasets of one path differ in length: {report}"
        );
        let rows = signals["rows"].as_u64().unwrap();
        assert!(
            rows >= rows_before,
            "{moment:?}: {rows} rows in the file, {rows_before} taken before the kill: {report}"
        );
        assert_eq!(signals["seq_consecutive"], true, "{moment:?}: {report}");
        assert_eq!(signals["origin_rising"], true, "{moment:?}: {report}");
        if rows > 0 {
            let error = signals["va_max_error"].as_f64().unwrap();
            assert!(error < 1e-6, "{moment:?}: va differs by {error}: {report}");
        }
        println!("{moment:?}: {rows} rows (at least {rows_before})");
    }
}
