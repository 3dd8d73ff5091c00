//! Errors the real binary prints when a run cannot start: each thing said once, and the node
//! named. A UDP port already bound and a network interface that does not exist.

use gridhil_test_support::prelude::{run, text, write_config};
use std::net::UdpSocket;

/// Runs `config` and returns its one `error:` line (the run must fail).
fn run_error(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "c.toml", config);
    let output = run(&["run", path.to_str().unwrap(), "--duration", "1s", "-q"]);
    let out = text(&output);
    assert!(!output.status.success(), "the run should fail: {out}");
    assert!(!out.contains("panicked"), "panic: {out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {out}");
    errors[0].to_string()
}

/// Asserts that no `: `-separated part of an `error: ` line appears twice in it (alone or
/// inside another part).
fn assert_said_once(line: &str) {
    let message = line.strip_prefix("error: ").unwrap_or(line);
    let parts: Vec<&str> = message.split(": ").collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(
            !parts[i + 1..]
                .iter()
                .any(|later| later.contains(part) || part.contains(later)),
            "`{part}` is said twice in: {line}"
        );
    }
}

#[test]
fn a_port_in_use_is_said_once_with_the_node() {
    let holder = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = holder.local_addr().unwrap();
    let config = format!(
        "[nodes.rx]\ntype = \"udp\"\nlocal = \"{address}\"\nformat = \"villas.binary\"\nvalues = 1\n\n[[paths]]\nin = [\"rx\"]\n"
    );
    let line = run_error(&config);
    assert!(line.contains("node `rx`"), "names the node: {line}");
    assert!(line.contains(&format!("cannot bind {address}")), "{line}");
    assert!(line.contains("Address already in use"), "{line}");
    assert_eq!(line.matches("Address already in use").count(), 1, "{line}");
    assert_said_once(&line);
    drop(holder);
}

#[test]
fn a_missing_interface_is_said_once_with_the_node() {
    let config =
        "[nodes.sub]\ntype = \"sv-subscriber\"\ninterface = \"nonexistent0\"\n\n[[paths]]\nin = [\"sub\"]\n";
    let line = run_error(config);
    assert!(line.contains("node `sub`"), "names the node: {line}");
    assert_eq!(line.matches("`nonexistent0`").count(), 1, "{line}");
    assert!(line.contains("not found"), "{line}");
    assert_said_once(&line);
}

#[test]
fn the_check_for_repeats_catches_the_old_message() {
    let old =
        "error: node `rx`: cannot bind 127.0.0.1:12002: Address already in use (os error 98): \
               cannot bind 127.0.0.1:12002: Address already in use (os error 98): Address already \
               in use (os error 98)";
    assert!(std::panic::catch_unwind(|| assert_said_once(old)).is_err());
}
