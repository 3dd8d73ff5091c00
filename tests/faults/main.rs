//! Fault injection: every network node's peer vanishes, comes back, floods, sends garbage
//! and stalls; gridhil is stopped with SIGTERM and killed with SIGKILL mid-run; time stamps
//! jump. Each case states what must happen and, for runs that end normally, checks that no
//! sample a node accepted is missing from the HDF5 run log. The table of cases and verdicts
//! is in `docs/reliability.md` ("Fault injection").

mod c37118;
mod clock;
mod iec104;
mod process;
mod raw;
mod udp;

use gridhil_test_support::prelude::{gridhil, read_path, ChildGuard};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a run that must end on its own may take before the test calls it a hang
/// (generous: a loaded 2-core machine must pass; this is no timing assertion).
pub const HANG: Duration = Duration::from_secs(60);

/// `gridhil run CONFIG --duration DURATION --log LOG` with piped output, where CONFIG is
/// `text` written to `dir/NAME.toml` and LOG is `dir/NAME.h5`.
pub fn start(dir: &Path, name: &str, text: &str, duration: &str) -> (ChildGuard, PathBuf) {
    let config = gridhil_test_support::prelude::write_config(dir, &format!("{name}.toml"), text);
    let log = dir.join(format!("{name}.h5"));
    let mut command = gridhil();
    command
        .arg("run")
        .arg(&config)
        .args(["--duration", duration, "--log"])
        .arg(&log);
    (ChildGuard::spawn(&mut command), log)
}

/// Ends a run that stops on its own (its `--duration`): panics if it hangs or fails, and
/// returns its output.
pub fn finish(run: ChildGuard, what: &str) -> String {
    let (success, out) = run.finish_within(HANG);
    assert!(success, "{what}: the run failed or hung:\n{out}");
    out
}

/// Ends a long run (`--duration 60s`) once the case is over: SIGTERM, as a lab's Ctrl-C;
/// panics if it does not exit cleanly. Returns its output. Cases stop their runs this way
/// instead of racing a short `--duration` on a loaded machine.
pub fn stop(run: ChildGuard, what: &str) -> String {
    let (success, out) = run.stop();
    assert!(
        success,
        "{what}: SIGTERM did not end the run cleanly:\n{out}"
    );
    out
}

/// Waits until the UDP socket bound to 127.0.0.1:`port` has read everything queued to it
/// (`rx_queue` 0 in `/proc/net/udp`): what was sent has reached the node.
pub fn udp_drained(port: u16) -> bool {
    let local = format!("0100007F:{port:04X}");
    gridhil_test_support::wait::until_true(HANG, || {
        std::fs::read_to_string("/proc/net/udp")
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                (cols.get(1) == Some(&local.as_str())).then(|| cols.get(4).map(|q| q.to_string()))
            })
            .flatten()
            .all(|queues| queues.ends_with(":00000000"))
    })
}

/// Waits for the next progress line of path `path` (`t=1.0s rx: 1234 in, …`; the time is
/// when the line was printed, which a loaded machine may make `t=1.1s`) and returns the
/// samples the path had taken.
pub fn next_progress(lines: &mut gridhil_test_support::wait::Lines, path: &str) -> u64 {
    let pattern = format!(" {path}: ");
    let line = lines
        .wait_for(&pattern, HANG)
        .unwrap_or_else(|| panic!("no progress line of path {path}: {:?}", lines.seen));
    line.split(&pattern)
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no sample count in {line:?}"))
}

/// Counter `name` of path `path`, from the attributes of `/paths/<path>` in the run log.
pub fn path_counter(log: &Path, path: &str, name: &str) -> u64 {
    let file = hdf5::File::open(log).expect("open run log");
    let group = file.group(&format!("paths/{path}")).expect("path group");
    group
        .attr(name)
        .and_then(|a| a.read_scalar::<u64>())
        .unwrap_or_else(|e| panic!("counter of path {path}: {name}: {e}"))
}

/// "No accepted sample is missing from the log": the rows of path `path` are exactly the
/// samples it received less those the log dropped and counted (none are expected here,
/// and the test says so), and the path received exactly what node `node` counted as
/// accepted in its counter `accepted`. Returns the number of rows.
pub fn every_accepted_sample_logged(log: &Path, path: &str, node: &str, accepted: &str) -> u64 {
    every_accepted_sample_logged_but(log, path, node, accepted, &[])
}

/// [`every_accepted_sample_logged`] for a node whose counter `accepted` also holds samples
/// it then dropped and counted in the counters `counted_drops` (a PDC's rows still queued
/// when the run stopped, an SV subscriber's duplicates).
pub fn every_accepted_sample_logged_but(
    log: &Path,
    path: &str,
    node: &str,
    accepted: &str,
    counted_drops: &[&str],
) -> u64 {
    let rows = read_path(log, path).seq.len() as u64;
    let received = path_counter(log, path, "received");
    let log_dropped = path_counter(log, path, "log_dropped");
    let queue_dropped = path_counter(log, path, "queue_dropped");
    let node_counter = |name| gridhil_test_support::runlog::node_counter(log, node, name);
    let counted =
        node_counter(accepted) - counted_drops.iter().map(|c| node_counter(c)).sum::<u64>();
    assert_eq!(
        log_dropped, 0,
        "{path}: the run log dropped {log_dropped} rows (a slow disk, not the fault under test)"
    );
    assert_eq!(
        rows + queue_dropped,
        received,
        "{path}: {rows} rows logged + {queue_dropped} dropped by the queue, {received} received"
    );
    assert_eq!(
        received, counted,
        "{path}: the path received {received} samples, node {node} counted {counted} as {accepted}"
    );
    rows
}
