//! gridhil itself stopped mid-run while a peer streams into it: SIGTERM (a lab's Ctrl-C,
//! systemd's stop) and SIGKILL (the OOM killer, a power cut).
//!
//! What must happen: after SIGTERM the run drains and exits 0, and every sample the `udp`
//! node accepted is a row in the log; after SIGKILL the log opens in h5py (SWMR) with the
//! same row count in every dataset of the path and at least every row counted a few flush
//! intervals before the kill.

use crate::udp::{receiver, villas_datagram};
use crate::{every_accepted_sample_logged, next_progress, start, HANG};
use gridhil_test_support::net::free_udp_port;
use gridhil_test_support::prelude::python_with;
use gridhil_test_support::wait::{udp_port_bound, Lines};
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Streams good datagrams to `port` until `stop` is set; returns how many it sent.
fn stream(port: u16, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a sender");
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let datagram = villas_datagram(sent as u32, 1_700_000_000, &[1.0, 2.0, 3.0, 4.0]);
            if socket.send_to(&datagram, ("127.0.0.1", port)).is_ok() {
                sent += 1;
            }
            if sent % 20 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        sent
    })
}

/// A receiver flushing its log every 100 ms.
fn config(port: u16) -> String {
    format!(
        "{}\n[engine.log]\nflush_interval = \"100ms\"\n",
        receiver(port, 8 << 20)
    )
}

#[test]
fn sigterm_mid_stream_keeps_every_accepted_sample() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (mut run, log) = start(dir.path(), "sigterm", &config(port), "60s");
    let mut lines = Lines::read(run.child().stderr.take().expect("piped stderr"));
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let stop = Arc::new(AtomicBool::new(false));
    let sender = stream(port, Arc::clone(&stop));
    next_progress(&mut lines, "rx");
    // SIGTERM while the peer is still sending.
    let (success, out) = run.stop();
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().expect("sender");
    assert!(
        success,
        "SIGTERM ends the run cleanly:\n{out}\n{:?}",
        lines.rest(HANG)
    );
    let rows = every_accepted_sample_logged(&log, "rx", "rx", "samples_received");
    assert!(rows > 0 && rows <= sent, "{rows} rows, {sent} sent");
}

#[test]
fn sigkill_mid_stream_leaves_a_readable_log_up_to_its_last_flush() {
    let Some(python) = python_with(&["h5py"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (mut run, log) = start(dir.path(), "sigkill", &config(port), "60s");
    let mut lines = Lines::read(run.child().stderr.take().expect("piped stderr"));
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let stop = Arc::new(AtomicBool::new(false));
    let sender = stream(port, Arc::clone(&stop));
    next_progress(&mut lines, "rx");
    let counted = next_progress(&mut lines, "rx");
    // Five flush intervals after the progress line, what it counted is on disk.
    std::thread::sleep(Duration::from_millis(500));
    let pid = i32::try_from(run.child().id()).expect("pid");
    // SAFETY: kill only sends a signal to the child this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    let _ = run.child().wait();
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().expect("sender");
    let output =
        gridhil_test_support::python::command(&python, "tests/faults/scripts/path_rows.py")
            .arg(&log)
            .arg("rx")
            .output()
            .expect("run h5py");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "h5py cannot read the killed run's log: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let counts: Vec<u64> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    assert_eq!(counts.len(), 5, "{text}");
    assert!(
        counts.windows(2).all(|w| w[0] == w[1]),
        "datasets of one path disagree: {text}"
    );
    assert!(
        counts[0] >= counted && counts[0] <= sent,
        "{} rows on disk, {counted} counted before the kill, {sent} sent",
        counts[0]
    );
}
