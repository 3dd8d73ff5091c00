//! The probe's UDP socket: kernel receive timestamps (`SO_TIMESTAMPNS`) read from
//! `recvmsg` control messages, larger socket buffers, and a short receive timeout so the
//! receiver can notice the end of the run.

use anyhow::{Context, Result};
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use std::io;
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

/// One received datagram.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    /// Bytes written into the buffer.
    pub len: usize,
    /// Whether the datagram was longer than the buffer.
    pub truncated: bool,
    /// The kernel's receive time (`CLOCK_REALTIME` ns), when it sent one.
    pub kernel_ns: Option<Nanos>,
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

    /// Receives one datagram with its kernel timestamp. Blocking mode waits at most
    /// [`RECEIVE_TIMEOUT`]; `nonblocking` returns `WouldBlock` at once when nothing is
    /// queued.
    pub fn recv(&self, buf: &mut [u8], nonblocking: bool) -> io::Result<Received> {
        recv_timestamped(self.socket.as_raw_fd(), buf, nonblocking)
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

/// Control-message space for one `SCM_TIMESTAMPNS` (aligned for `cmsghdr`).
type ControlBuffer = [u64; 16];

/// `recvmsg` into `buf`, picking the `SCM_TIMESTAMPNS` control message if present.
fn recv_timestamped(fd: RawFd, buf: &mut [u8], nonblocking: bool) -> io::Result<Received> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut control: ControlBuffer = [0; 16];
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of::<ControlBuffer>() as _;
    let flags = if nonblocking { libc::MSG_DONTWAIT } else { 0 };
    // SAFETY: `msg` points at `iov` (covering `buf`) and `control`, all alive and writable
    // for the duration of the call; their lengths are the true sizes.
    let n = unsafe { libc::recvmsg(fd, &mut msg, flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Received {
        len: n as usize,
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        kernel_ns: find_timestamp(&msg),
    })
}

/// The `SCM_TIMESTAMPNS` time of a received message header, if any.
fn find_timestamp(msg: &libc::msghdr) -> Option<Nanos> {
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
    fn loopback_datagrams_carry_kernel_timestamps() {
        let probe = ProbeSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let to = probe.local_addr().unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"hello", to).unwrap();
        let mut buf = [0u8; 3];
        let got = probe.recv(&mut buf, false).unwrap();
        assert_eq!(got.len, 3);
        assert!(got.truncated);
        assert_eq!(&buf, b"hel");
        if probe.kernel_timestamps {
            assert!(got.kernel_ns.is_some_and(|t| t > 0));
        }
        let idle = probe.recv(&mut buf, true).unwrap_err();
        assert_eq!(idle.kind(), io::ErrorKind::WouldBlock);
    }
}
