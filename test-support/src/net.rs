//! Network fixtures for tests: free local ports and veth pairs (created as root, removed
//! when dropped).

use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// A free local TCP port (the kernel's choice, released again).
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a TCP port");
    listener.local_addr().expect("local address").port()
}

/// A free local UDP port (the kernel's choice, released again).
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a UDP port");
    socket.local_addr().expect("local address").port()
}

/// A port free for both TCP and UDP on 127.0.0.1.
pub fn free_port() -> u16 {
    loop {
        let port = free_tcp_port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return port;
        }
    }
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// veth pairs are used one at a time in a process: veth receive goes through the per-CPU
/// backlog, so parallel streams on other pairs would make a pair's capture drop frames.
static VETH_IN_USE: Mutex<()> = Mutex::new(());

/// Two connected virtual Ethernet interfaces, up; both are removed when dropped.
pub struct VethPair {
    /// One end.
    pub a: String,
    /// The other end.
    pub b: String,
    _serial: MutexGuard<'static, ()>,
}

impl VethPair {
    /// Creates and raises `gs<pid><tag>a` ↔ `gs<pid><tag>b`; `Err` says why it cannot
    /// (not root, no `ip`, the kernel refused).
    pub fn create(tag: &str) -> Result<VethPair, String> {
        if !is_root() {
            return Err("creating veth interfaces and raw sockets needs root".into());
        }
        let serial = VETH_IN_USE.lock().unwrap_or_else(|e| e.into_inner());
        let id = std::process::id() % 100_000;
        let pair = VethPair {
            a: format!("gs{id}{tag}a"),
            b: format!("gs{id}{tag}b"),
            _serial: serial,
        };
        let ip = |args: &[&str]| Command::new("ip").args(args).output();
        let _ = ip(&["link", "del", &pair.a]);
        match ip(&[
            "link", "add", &pair.a, "type", "veth", "peer", "name", &pair.b,
        ]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                return Err(format!(
                    "cannot create a veth pair: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
            Err(e) => return Err(format!("`ip` cannot be run: {e}")),
        }
        for name in [&pair.a, &pair.b] {
            match ip(&["link", "set", name, "up"]) {
                Ok(out) if out.status.success() => {}
                _ => return Err(format!("cannot set {name} up")),
            }
        }
        Ok(pair)
    }
}

impl Drop for VethPair {
    fn drop(&mut self) {
        // Deleting one end removes both.
        let _ = Command::new("ip").args(["link", "del", &self.a]).output();
    }
}
