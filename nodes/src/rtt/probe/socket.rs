//! The probe's UDP socket: kernel receive timestamps (`SO_TIMESTAMPNS`, which
//! `gridhil_netio::mmsg::Receiver` reads from each received datagram's control messages),
//! larger socket buffers, and a short receive timeout so the receiver can notice the end of
//! the run.

use super::ProbeError;
use gridhil_netio::sockopt::set_int_option;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

/// Socket buffer size asked for (the kernel caps it at `net.core.[rw]mem_max`).
const SOCKET_BUFFER_BYTES: libc::c_int = 4 << 20;

/// How long a blocking receive waits before the receiver checks whether to stop.
pub const RECEIVE_TIMEOUT: Duration = Duration::from_millis(20);

/// A bound UDP socket set up for the probe.
pub struct ProbeSocket {
    socket: UdpSocket,
    /// Whether the kernel agreed to stamp received datagrams.
    pub kernel_timestamps: bool,
}

impl ProbeSocket {
    /// Binds `bind`, enables kernel timestamps and enlarges the buffers (best effort).
    pub fn bind(bind: SocketAddr) -> Result<Self, ProbeError> {
        let socket = UdpSocket::bind(bind)
            .map_err(|e| ProbeError::io(format!("--bind {bind}: binding the UDP socket"), e))?;
        socket
            .set_read_timeout(Some(RECEIVE_TIMEOUT))
            .map_err(|e| ProbeError::io("setting the receive timeout", e))?;
        let kernel_timestamps =
            set_int_option(&socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1).is_ok();
        // Best effort: a small buffer only costs loss at high rates, which is reported.
        let _ = set_int_option(
            &socket,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            SOCKET_BUFFER_BYTES,
        );
        let _ = set_int_option(
            &socket,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            SOCKET_BUFFER_BYTES,
        );
        Ok(ProbeSocket {
            socket,
            kernel_timestamps,
        })
    }

    /// The bound address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ProbeError> {
        self.socket
            .local_addr()
            .map_err(|e| ProbeError::io("reading the bound address", e))
    }

    /// A second handle to the same socket, for the sender thread.
    pub fn try_clone(&self) -> Result<UdpSocket, ProbeError> {
        self.socket
            .try_clone()
            .map_err(|e| ProbeError::io("duplicating the socket", e))
    }
}

impl AsRawFd for ProbeSocket {
    /// The socket's file descriptor (for `recvmmsg`).
    fn as_raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_with_kernel_timestamps_on_loopback() {
        let probe = ProbeSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(
            probe.kernel_timestamps,
            "SO_TIMESTAMPNS refused on loopback"
        );
        assert_ne!(probe.local_addr().unwrap().port(), 0);
        assert!(probe.try_clone().is_ok());
    }
}
