//! Helpers shared by gridhil's tests (a dev-only crate, never published).
//!
//! One set of helpers for every test binary of the workspace:
//! - [`process`]: the real `gridhil` binary, run to completion or as a [`process::ChildGuard`]
//!   that kills its child when dropped; repository paths; config files in temporary folders;
//! - [`wait`]: readiness waits (poll a condition until a deadline; wait for a line of a
//!   child's output; a TCP server that accepts; a bound UDP or packet socket);
//! - [`net`]: free local ports and veth pairs;
//! - [`pcap`]: writing pcap files of loopback TCP/UDP exchanges for tshark;
//! - [`tshark`]: running Wireshark's dissectors over a capture;
//! - [`python`]: the Python of the test peers' virtual environment and the peer scripts;
//! - [`runlog`]: reading a run log's paths and counters;
//! - [`alloc`]: the counting global allocator that the "does not allocate" tests install.

pub mod alloc;
pub mod net;
pub mod pcap;
pub mod process;
pub mod python;
pub mod runlog;
pub mod tshark;
pub mod wait;

/// What most end-to-end tests use, in one import.
pub mod prelude {
    pub use crate::net::{free_port, free_tcp_port, free_udp_port, is_root, VethPair};
    pub use crate::process::{gridhil, repo, run, text, write_config, ChildGuard};
    pub use crate::python::{python_with, venv_python};
    pub use crate::runlog::{node_counter, read_path, PathLog};
    pub use crate::wait::connect_tcp;
}

/// Environment variable that turns a skipped test into a failed one: `.ci/run` sets it, so
/// that CI (root, everything installed by `setup.sh`) never passes by skipping.
pub const STRICT_ENV: &str = "GRIDHIL_STRICT_TESTS";

/// Says why a test is skipped (a peer, a tool or root is missing); under
/// [`STRICT_ENV`]`=1` it fails the test instead.
pub fn skip(why: &str) {
    if std::env::var(STRICT_ENV).is_ok_and(|v| v == "1") {
        panic!("{STRICT_ENV}=1 and this test cannot run: {why}");
    }
    eprintln!("skipped: {why}");
}
