//! The probe's UDP socket: kernel receive timestamps (`SO_TIMESTAMPNS`, read from the
//! control messages of each received datagram), larger socket buffers, and a short receive
//! timeout so the receiver can notice the end of the run.

use anyhow::{Context, Result};
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
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
    pub fn bind(bind: SocketAddr) -> Result<Self> {
        let socket = UdpSocket::bind(bind)
            .with_context(|| format!("--bind {bind}: binding the UDP socket"))?;
        socket
            .set_read_timeout(Some(RECEIVE_TIMEOUT))
            .context("setting the receive timeout")?;
        let fd = socket.as_raw_fd();
        let kernel_timestamps = set_int_option(fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1);
        // Best effort: a small buffer only costs loss at high rates, which is reported.
        set_int_option(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, SOCKET_BUFFER_BYTES);
        set_int_option(fd, libc::SOL_SOCKET, libc::SO_SNDBUF, SOCKET_BUFFER_BYTES);
        Ok(ProbeSocket {
            socket,
            kernel_timestamps,
        })
    }

    /// The bound address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket
            .local_addr()
            .context("reading the bound address")
    }

    /// A second handle to the same socket, for the sender thread.
    pub fn try_clone(&self) -> Result<UdpSocket> {
        self.socket.try_clone().context("duplicating the socket")
    }

    /// The socket's file descriptor (for `recvmmsg`/`sendmmsg`).
    pub fn raw_fd(&self) -> RawFd {
        self.socket.as_raw_fd()
    }
}

/// Sets an integer socket option; whether the kernel accepted it.
fn set_int_option(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> bool {
    // SAFETY: `value` is a live c_int and its exact size is passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    rc == 0
}

/// The `SCM_TIMESTAMPNS` time of a received message header, if any.
pub fn find_timestamp(msg: &libc::msghdr) -> Option<Nanos> {
    // SAFETY: `msg` was filled by recvmsg; the CMSG_* macros stay inside its control
    // buffer (msg_controllen was set by the kernel) and return null at its end.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(msg) };
    while !cmsg.is_null() {
        // SAFETY: non-null pointers from CMSG_FIRSTHDR/NXTHDR point at a complete header.
        let header = unsafe { &*cmsg };
        if header.cmsg_level == libc::SOL_SOCKET && header.cmsg_type == libc::SCM_TIMESTAMPNS {
            let expected = std::mem::size_of::<libc::timespec>();
            // SAFETY: CMSG_LEN only computes a length.
            let full = unsafe { libc::CMSG_LEN(expected as u32) } as usize;
            if header.cmsg_len as usize >= full {
                // SAFETY: the payload holds a timespec (length checked above); it may be
                // unaligned, so it is read unaligned.
                let ts: libc::timespec =
                    unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast()) };
                return Some(ts.tv_sec as Nanos * NANOS_PER_SEC + ts.tv_nsec as Nanos);
            }
        }
        // SAFETY: as above.
        cmsg = unsafe { libc::CMSG_NXTHDR(msg, cmsg) };
    }
    None
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
