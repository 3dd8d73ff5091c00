//! `pmu-server` stamps its answers with the run's clock, end to end with the real
//! binary: in virtual time a CFG-2 answer carries virtual wall time (the virtual epoch
//! plus the virtual time), with `engine.realtime.wall_clock = "tai"` it carries TAI —
//! made to differ from UTC for the test by setting the kernel's TAI offset.

use gridhil_engine::clock::VIRTUAL_EPOCH_NS;
use gridhil_pmu::codec::{
    Command, CommandCode, FrameHeader, FrameSplitter, Payload, StreamDecoder,
};
use gridhil_test_support::prelude::{connect_tcp, free_tcp_port, free_udp_port, repo, ChildGuard};
use std::io::{Read, Write};
use std::net::TcpStream;

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Sends "send CFG-2" and returns the answer's time stamp (ns since the Unix epoch).
fn cfg2_time(stream: &mut TcpStream) -> i64 {
    let command = Command::new(CommandCode::SendConfig2);
    let mut buf = vec![0; command.buffer_len()];
    let n = command
        .encode(&FrameHeader::new(1, 0, 0), &mut buf)
        .unwrap();
    stream.write_all(&buf[..n]).unwrap();
    let mut splitter = FrameSplitter::new(65_535);
    let mut decoder = StreamDecoder::new();
    let mut stamp = None;
    let mut bytes = [0u8; 4096];
    while stamp.is_none() {
        let n = stream.read(&mut bytes).expect("CFG-2 answer");
        assert!(n > 0, "the server closed the connection");
        splitter.feed(&bytes[..n], |frame| {
            let repr = decoder.decode(frame).expect("a valid frame");
            if let Payload::Config2(config) = &repr.payload {
                stamp = Some(repr.header.unix_nanos(config.time_base) as i64);
            }
        });
    }
    stamp.unwrap()
}

fn read_clock(id: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    assert_eq!(unsafe { libc::clock_gettime(id, &mut ts) }, 0);
    ts.tv_sec * NANOS_PER_SEC + ts.tv_nsec
}

#[test]
fn in_virtual_time_a_cfg2_answer_carries_virtual_wall_time() {
    // The example in virtual time for far longer than the test takes.
    let tcp = free_tcp_port();
    let server = ChildGuard::gridhil_run(
        &repo("examples/pmu-server.toml"),
        "720h",
        &[
            format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""),
            format!("nodes.pmu.udp=\"127.0.0.1:{}\"", free_udp_port()),
            "engine.virtual_time=true".into(),
        ],
    );
    let mut stream = connect_tcp(tcp);
    let first = cfg2_time(&mut stream);
    let second = cfg2_time(&mut stream);
    // Somewhere in the 30 virtual days of the run, and virtual time goes forward.
    let end = VIRTUAL_EPOCH_NS + 30 * 86_400 * NANOS_PER_SEC;
    assert!(
        (VIRTUAL_EPOCH_NS..end).contains(&first),
        "{first} is not in the run's virtual time ({VIRTUAL_EPOCH_NS}..{end})"
    );
    assert!((first..end).contains(&second), "{first} then {second}");
    let host = read_clock(libc::CLOCK_REALTIME);
    assert!(
        host > end,
        "the host's clock ({host}) is inside the virtual window: nothing to tell apart"
    );
    drop(stream);
    drop(server);
}

/// The kernel's TAI offset (TAI − UTC, s), set for a test and restored on drop.
struct TaiOffset {
    restore: Option<i64>,
}

fn tai_offset() -> i64 {
    // SAFETY: a zeroed timex with modes 0 only reads the kernel's state.
    let mut timex: libc::timex = unsafe { std::mem::zeroed() };
    unsafe { libc::adjtimex(&mut timex) };
    i64::from(timex.tai)
}

fn set_tai_offset(seconds: i64) -> std::io::Result<()> {
    // SAFETY: a zeroed timex with ADJ_TAI sets only the TAI offset (from `constant`).
    let mut timex: libc::timex = unsafe { std::mem::zeroed() };
    timex.modes = libc::ADJ_TAI;
    timex.constant = seconds as _;
    if unsafe { libc::adjtimex(&mut timex) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

impl TaiOffset {
    /// A nonzero TAI offset: the host's, or 37 s set for the test (`None` when the
    /// host keeps 0 and may not be changed).
    fn nonzero() -> Option<TaiOffset> {
        if tai_offset() != 0 {
            return Some(TaiOffset { restore: None });
        }
        match set_tai_offset(37) {
            Ok(()) if tai_offset() == 37 => Some(TaiOffset { restore: Some(0) }),
            _ => None,
        }
    }
}

impl Drop for TaiOffset {
    fn drop(&mut self) {
        if let Some(seconds) = self.restore {
            let _ = set_tai_offset(seconds);
        }
    }
}

#[test]
fn with_wall_clock_tai_a_cfg2_answer_carries_tai() {
    let Some(_offset) = TaiOffset::nonzero() else {
        eprintln!(
            "SKIPPED: CLOCK_TAI equals UTC here (TAI offset 0) and this process may not set \
             it (adjtimex ADJ_TAI needs CAP_SYS_TIME): TAI cannot be told from UTC"
        );
        return;
    };
    let offset = tai_offset() * NANOS_PER_SEC;
    let tcp = free_tcp_port();
    let server = ChildGuard::gridhil_run(
        &repo("examples/pmu-server.toml"),
        "60s",
        &[
            format!("nodes.pmu.tcp=\"127.0.0.1:{tcp}\""),
            format!("nodes.pmu.udp=\"127.0.0.1:{}\"", free_udp_port()),
            "engine.realtime.wall_clock=\"tai\"".into(),
        ],
    );
    let mut stream = connect_tcp(tcp);
    let before = read_clock(libc::CLOCK_TAI);
    let stamp = cfg2_time(&mut stream);
    let after = read_clock(libc::CLOCK_TAI);
    // FRACSEC has µs steps: the stamp is rounded to the nearest µs.
    assert!(
        before - 500 <= stamp && stamp <= after + 500,
        "CFG-2 stamped {stamp}, CLOCK_TAI read {before}..{after}"
    );
    let utc = read_clock(libc::CLOCK_REALTIME);
    assert!(
        (stamp - utc - offset).abs() < NANOS_PER_SEC,
        "the stamp is not TAI − UTC = {offset} ns ahead of UTC: {stamp} vs {utc}"
    );
    drop(stream);
    drop(server);
}
