//! Readiness waits: tests synchronise on what they wait for (a socket that accepts, a line
//! a process prints, a socket bound in the kernel's tables), never on a fixed sleep. Each
//! wait polls briefly and gives up at a generous deadline, so a loaded machine is slow,
//! not failing.

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long readiness waits wait by default: far beyond what a healthy start takes.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Polls `ready` every few milliseconds until it returns `Some` or `timeout` passes.
pub fn until<T>(timeout: Duration, mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = ready() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `ready` became true within `timeout`.
pub fn until_true(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    until(timeout, || ready().then_some(())).is_some()
}

/// A TCP connection to a local port, tried again until a server accepts (at most
/// [`READY_TIMEOUT`]), with a 10 s read timeout; panics when none accepts.
pub fn connect_tcp(port: u16) -> TcpStream {
    let stream = until(READY_TIMEOUT, || {
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()
    })
    .unwrap_or_else(|| panic!("nothing accepts TCP connections on port {port}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream
}

/// Whether a UDP socket is bound to local `port` (from `/proc/net/udp` and `udp6`).
pub fn udp_bound(port: u16) -> bool {
    let wanted = format!(":{port:04X}");
    ["/proc/net/udp", "/proc/net/udp6"].iter().any(|table| {
        std::fs::read_to_string(table)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .any(|line| {
                line.split_whitespace()
                    .nth(1)
                    .is_some_and(|local| local.ends_with(&wanted))
            })
    })
}

/// Waits until a UDP socket is bound to local `port`.
pub fn udp_port_bound(port: u16) -> bool {
    until_true(READY_TIMEOUT, || udp_bound(port))
}

/// Whether a TCP socket listens on local `port` (from `/proc/net/tcp` and `tcp6`, state
/// `0A`), found without connecting to it.
pub fn tcp_listening(port: u16) -> bool {
    let wanted = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        std::fs::read_to_string(table)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .any(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                cols.get(1).is_some_and(|local| local.ends_with(&wanted))
                    && cols.get(3) == Some(&"0A")
            })
    })
}

/// Waits until a TCP server listens on local `port`.
pub fn tcp_port_listening(port: u16) -> bool {
    until_true(READY_TIMEOUT, || tcp_listening(port))
}

/// The packet sockets bound to `interface` (for `ethertype` if given) as rows of
/// `/proc/net/packet`: `sk RefCnt Type Proto Iface R Rmem User Inode`.
fn packet_sockets(interface: &str, ethertype: Option<u16>) -> Vec<Vec<String>> {
    let index = std::fs::read_to_string(format!("/sys/class/net/{interface}/ifindex"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let proto = ethertype.map(|t| format!("{t:x}"));
    std::fs::read_to_string("/proc/net/packet")
        .unwrap_or_default()
        .lines()
        .skip(1)
        .map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|cols| {
            let proto_ok = match &proto {
                Some(p) => cols.get(3).is_some_and(|c| c.eq_ignore_ascii_case(p)),
                None => true,
            };
            proto_ok && cols.get(4) == Some(&index)
        })
        .collect()
}

/// Waits until at least `count` packet sockets are bound to `interface`.
pub fn packet_sockets_bound(interface: &str, count: usize) -> bool {
    until_true(READY_TIMEOUT, || {
        packet_sockets(interface, None).len() >= count
    })
}

/// Waits until every packet socket bound to `interface` for `ethertype` has read all it
/// received (its receive queue, `Rmem`, is empty): what was sent has reached the reader.
pub fn packet_sockets_drained(interface: &str, ethertype: Option<u16>) -> bool {
    until_true(READY_TIMEOUT, || {
        packet_sockets(interface, ethertype)
            .iter()
            .all(|cols| cols.get(6).is_some_and(|rmem| rmem == "0"))
    })
}

/// Whether a packet (raw Ethernet) socket is bound to `interface`, for `ethertype` if given
/// (from `/proc/net/packet`: `sk RefCnt Type Proto Iface ...`, Proto in hex).
pub fn packet_socket_bound(interface: &str, ethertype: Option<u16>) -> bool {
    !packet_sockets(interface, ethertype).is_empty()
}

/// Waits until a packet socket is bound to `interface` (for `ethertype` if given).
pub fn packet_socket(interface: &str, ethertype: Option<u16>) -> bool {
    until_true(READY_TIMEOUT, || packet_socket_bound(interface, ethertype))
}

/// Lines of a child's output, read on a thread of their own so that a test can wait for
/// one line with a deadline.
pub struct Lines {
    lines: mpsc::Receiver<String>,
    /// Every line seen so far.
    pub seen: Vec<String>,
}

impl Lines {
    /// Starts reading `source` (e.g. a child's stdout) line by line.
    pub fn read(source: impl Read + Send + 'static) -> Lines {
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(source).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most `timeout`) for a line containing `pattern` and returns it.
    pub fn wait_for(&mut self, pattern: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let line = self.lines.recv_timeout(left).ok()?;
            self.seen.push(line.clone());
            if line.contains(pattern) {
                return Some(line);
            }
        }
    }

    /// Every remaining line, up to the end of the output or `timeout`.
    pub fn rest(&mut self, timeout: Duration) -> &[String] {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => break,
            }
        }
        &self.seen
    }
}
