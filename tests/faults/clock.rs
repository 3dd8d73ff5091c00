//! Clock jumps, without stepping the host's clock (that cannot be done safely on a CI host
//! and would disturb every other process on it; `docs/reliability.md` says what a real
//! `CLOCK_REALTIME` step does): a virtual-time run whose source's time stamps jump back
//! and forward, and a UDP peer whose time stamps jump.
//!
//! What must happen: every sample is kept with the time stamp it carried (gridhil never
//! rewrites a peer's `ts_origin`), nothing is held back for the length of a forward jump
//! in virtual time, a backward jump replays at once, and the virtual-time run is
//! bit-identical when repeated.

use crate::udp::{receiver, villas_datagram};
use crate::{every_accepted_sample_logged, start, stop, udp_drained};
use gridhil_test_support::net::free_udp_port;
use gridhil_test_support::prelude::{gridhil, read_path, text, write_config};
use gridhil_test_support::wait::udp_port_bound;
use std::net::UdpSocket;
use std::time::Duration;

const SECOND: i64 = 1_000_000_000;

/// Time stamps of a 1 kHz source at 2023-11-14 that jumps back 10 s after 200 samples,
/// forward one hour after 400 and back to the Unix epoch's first second after 600.
fn jumping_stamps() -> Vec<i64> {
    let base = 1_700_000_000 * SECOND;
    (0..800i64)
        .map(|i| {
            let t = base + i * 1_000_000;
            match i {
                0..=199 => t,
                200..=399 => t - 10 * SECOND,
                400..=599 => t + 3600 * SECOND,
                _ => SECOND + i * 1_000_000,
            }
        })
        .collect()
}

#[test]
fn virtual_time_replay_with_jumping_stamps_keeps_every_sample_and_repeats_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let stamps = jumping_stamps();
    let mut csv = String::from("seq,ts_origin,ts_received,a\n");
    for (i, t) in stamps.iter().enumerate() {
        csv.push_str(&format!("{i},{t},{t},{}\n", i as f64 * 0.5));
    }
    let input = dir.path().join("jumps.csv");
    std::fs::write(&input, csv).unwrap();
    let config = write_config(
        dir.path(),
        "replay.toml",
        &format!(
            "[nodes.replay]\ntype = \"file\"\nin = \"{}\"\ntimestamps = \"recorded\"\n\n\
             [[paths]]\nname = \"replay\"\nin = [\"replay\"]\n",
            input.display()
        ),
    );
    let run = |name: &str| {
        let log = dir.path().join(name);
        let output = gridhil()
            .arg("run")
            .arg(&config)
            .args(["--virtual-time", "--quiet", "--log"])
            .arg(&log)
            .output()
            .expect("start gridhil");
        assert!(output.status.success(), "{}", text(&output));
        read_path(&log, "replay")
    };
    let first = run("a.h5");
    assert_eq!(
        first.seq.len(),
        stamps.len(),
        "every sample of the jumping source is logged"
    );
    assert_eq!(
        first.ts_origin, stamps,
        "time stamps kept as the source carried them"
    );
    assert_eq!(first.seq, (0..stamps.len() as u64).collect::<Vec<_>>());
    let second = run("b.h5");
    assert_eq!(
        first.ts_origin, second.ts_origin,
        "repeated virtual-time run differs"
    );
    assert_eq!(
        first.ts_received, second.ts_received,
        "repeated virtual-time run differs"
    );
    assert_eq!(
        first.values, second.values,
        "repeated virtual-time run differs"
    );
}

#[test]
fn udp_peer_whose_clock_jumps_is_logged_with_its_own_stamps() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp_port();
    let (run, log) = start(dir.path(), "udp-jumps", &receiver(port, 8 << 20), "60s");
    assert!(udp_port_bound(port), "the receiver never bound {port}");
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Seconds: now-ish, back one day, forward ten years, the epoch, u32::MAX (2106).
    let seconds = [1_700_000_000u32, 1_699_913_600, 2_015_000_000, 0, u32::MAX];
    for (i, s) in seconds.iter().cycle().take(500).enumerate() {
        let datagram = villas_datagram(i as u32, *s, &[1.0, 2.0, 3.0, 4.0]);
        socket.send_to(&datagram, ("127.0.0.1", port)).unwrap();
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(udp_drained(port), "the node never read what was sent");
    let out = stop(run, "udp with jumping stamps");
    assert_eq!(
        every_accepted_sample_logged(&log, "rx", "rx", "samples_received"),
        500,
        "{out}"
    );
    let logged = read_path(&log, "rx");
    for (i, ts) in logged.ts_origin.iter().enumerate() {
        let expected = i64::from(seconds[i % seconds.len()]) * SECOND + 500;
        assert_eq!(
            *ts, expected,
            "row {i}: the peer's stamp is logged unchanged"
        );
    }
}
