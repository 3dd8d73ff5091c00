//! The sockets of one PMU connection, for each transport: commands out, frames in.

use super::config::{PmuSpec, Transport};
use crate::codec::FrameSplitter;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

/// Where a frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The TCP connection.
    Tcp,
    /// The UDP socket.
    Udp,
}

/// Read timeout of a link used alone.
const POLL: Duration = Duration::from_millis(100);
/// Read timeouts when a TCP connection and a UDP socket are read in turn.
const POLL_TCP_SHARED: Duration = Duration::from_millis(2);
const POLL_UDP_SHARED: Duration = Duration::from_millis(20);
/// Largest C37.118 frame.
const MAX_FRAME: usize = 65_535;

/// The sockets of one PMU connection.
pub enum Link {
    /// One TCP connection.
    Tcp(TcpStream, FrameSplitter),
    /// A UDP socket connected to the PMU.
    Udp(UdpSocket),
    /// TCP for commands and configuration, a local UDP socket for data.
    TcpUdp(TcpStream, FrameSplitter, UdpSocket),
    /// A local UDP socket that only listens; with `connect` given, datagrams from
    /// another IP address are ignored and counted.
    Listen {
        /// The socket.
        socket: UdpSocket,
        /// The only source IP address accepted, if any.
        source: Option<IpAddr>,
        /// Datagrams ignored since the last [`Link::take_foreign`].
        foreign: u64,
    },
}

/// Whether a datagram from `from` is accepted when only `source` is (if any).
fn source_accepted(source: Option<IpAddr>, from: SocketAddr) -> bool {
    source.is_none_or(|ip| ip == from.ip())
}

fn bind_udp(bind: Option<SocketAddr>, remote: Option<SocketAddr>) -> std::io::Result<UdpSocket> {
    let bind = bind.unwrap_or_else(|| match remote {
        Some(SocketAddr::V6(_)) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        _ => (Ipv4Addr::UNSPECIFIED, 0).into(),
    });
    UdpSocket::bind(bind)
}

fn no_connect() -> std::io::Error {
    std::io::Error::new(ErrorKind::InvalidInput, "no `connect` address")
}

impl Link {
    /// A TCP connection to `addr` (2 s connect timeout).
    pub fn open_tcp(addr: SocketAddr) -> std::io::Result<Link> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        let _ = stream.set_nodelay(true);
        stream.set_read_timeout(Some(POLL))?;
        Ok(Link::Tcp(stream, FrameSplitter::new(MAX_FRAME)))
    }

    /// The sockets for `spec`'s transport.
    pub fn open(spec: &PmuSpec) -> std::io::Result<Link> {
        match spec.transport {
            Transport::Tcp => Link::open_tcp(spec.connect.ok_or_else(no_connect)?),
            Transport::Udp => {
                let remote = spec.connect.ok_or_else(no_connect)?;
                let socket = bind_udp(spec.udp_bind, Some(remote))?;
                socket.connect(remote)?;
                socket.set_read_timeout(Some(POLL))?;
                Ok(Link::Udp(socket))
            }
            Transport::TcpUdp => {
                // Bind first, so the PMU's first data frames find the socket.
                let socket = bind_udp(spec.udp_bind, spec.connect)?;
                socket.set_read_timeout(Some(POLL_UDP_SHARED))?;
                let Link::Tcp(stream, splitter) =
                    Link::open_tcp(spec.connect.ok_or_else(no_connect)?)?
                else {
                    return Err(no_connect());
                };
                stream.set_read_timeout(Some(POLL_TCP_SHARED))?;
                Ok(Link::TcpUdp(stream, splitter, socket))
            }
            Transport::UdpListen => {
                let socket = bind_udp(spec.udp_bind, None)?;
                socket.set_read_timeout(Some(POLL))?;
                Ok(Link::Listen {
                    socket,
                    source: spec.connect.map(|c| c.ip()),
                    foreign: 0,
                })
            }
        }
    }

    /// Sends a command frame (nothing to send on a listening socket).
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Link::Tcp(stream, _) | Link::TcpUdp(stream, _, _) => stream.write_all(bytes),
            Link::Udp(socket) => socket.send(bytes).map(|_| ()),
            Link::Listen { .. } => Ok(()),
        }
    }

    /// Waits (up to about 100 ms) for data and appends the complete frames received to
    /// `frames`; `Err` when the connection is gone.
    pub fn receive(&mut self, frames: &mut Vec<(Vec<u8>, Channel)>) -> Result<(), String> {
        let mut buf = [0u8; MAX_FRAME];
        match self {
            Link::Tcp(stream, splitter) => read_tcp(stream, splitter, &mut buf, frames),
            Link::Udp(socket) => read_udp(socket, &mut buf, frames),
            Link::Listen {
                socket,
                source,
                foreign,
            } => match socket.recv_from(&mut buf) {
                Ok((n, from)) if source_accepted(*source, from) => {
                    frames.push((buf.get(..n).unwrap_or(&[]).to_vec(), Channel::Udp));
                    Ok(())
                }
                Ok(_) => {
                    *foreign += 1;
                    Ok(())
                }
                Err(e) if quiet(e.kind()) || e.kind() == ErrorKind::ConnectionRefused => Ok(()),
                Err(e) => Err(format!("receive: {e}")),
            },
            Link::TcpUdp(stream, splitter, socket) => {
                read_tcp(stream, splitter, &mut buf, frames)?;
                read_udp(socket, &mut buf, frames)
            }
        }
    }
}

impl Link {
    /// Datagrams ignored for their source address since the last call (`udp-listen`
    /// with `connect`); `None` for other links.
    pub fn take_foreign(&mut self) -> Option<u64> {
        match self {
            Link::Listen { foreign, .. } => Some(std::mem::take(foreign)),
            _ => None,
        }
    }
}

fn quiet(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

fn read_tcp(
    stream: &mut TcpStream,
    splitter: &mut FrameSplitter,
    buf: &mut [u8],
    frames: &mut Vec<(Vec<u8>, Channel)>,
) -> Result<(), String> {
    match stream.read(buf) {
        Ok(0) => Err("closed by the PMU".into()),
        Ok(n) => {
            splitter.feed(buf.get(..n).unwrap_or(&[]), |f| {
                frames.push((f.to_vec(), Channel::Tcp))
            });
            Ok(())
        }
        Err(e) if quiet(e.kind()) => Ok(()),
        Err(e) => Err(format!("read: {e}")),
    }
}

fn read_udp(
    socket: &UdpSocket,
    buf: &mut [u8],
    frames: &mut Vec<(Vec<u8>, Channel)>,
) -> Result<(), String> {
    match socket.recv(buf) {
        // One frame per datagram: a damaged datagram cannot corrupt the next one.
        Ok(n) => {
            frames.push((buf.get(..n).unwrap_or(&[]).to_vec(), Channel::Udp));
            Ok(())
        }
        // ICMP port unreachable: the PMU is not (yet) there; the request is retried.
        Err(e) if quiet(e.kind()) || e.kind() == ErrorKind::ConnectionRefused => Ok(()),
        Err(e) => Err(format!("receive: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_connect_address_is_heard_when_given() {
        let pmu: SocketAddr = "192.0.2.7:4713".parse().unwrap();
        let other: SocketAddr = "192.0.2.8:4713".parse().unwrap();
        assert!(source_accepted(None, other));
        assert!(source_accepted(
            Some(pmu.ip()),
            "192.0.2.7:9".parse().unwrap()
        ));
        assert!(!source_accepted(Some(pmu.ip()), other));
    }

    #[test]
    fn a_listener_with_connect_ignores_other_sources() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(POLL)).unwrap();
        let addr = socket.local_addr().unwrap();
        let mut link = Link::Listen {
            socket,
            // Nothing on this machine sends from 192.0.2.1 (TEST-NET-1).
            source: Some("192.0.2.1".parse().unwrap()),
            foreign: 0,
        };
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"frame", addr).unwrap();
        let mut frames = Vec::new();
        // The datagram is on loopback: it arrives within the read timeouts.
        for _ in 0..50 {
            link.receive(&mut frames).unwrap();
            if link.take_foreign() == Some(1) {
                assert!(frames.is_empty());
                return;
            }
        }
        panic!("the datagram was not counted as foreign");
    }
}
