//! Batched datagram I/O with `recvmmsg`/`sendmmsg`, kernel receive timestamps
//! (`SO_TIMESTAMPNS`), and buffers preallocated once: nothing here allocates per call.

use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, RawFd};

/// Space for one `SCM_TIMESTAMPNS` control message, in `u64` words (keeps alignment).
const CMSG_WORDS: usize = 8;

/// Receive side: `batch` buffers of `max_datagram` bytes each.
pub struct Receiver {
    fd: RawFd,
    buffers: Vec<u8>,
    max_datagram: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    control: Vec<u64>,
}

// SAFETY: the raw pointers inside `iovecs`/`headers` point into this struct's own heap
// buffers, which move with it and are only used by the thread that owns it.
unsafe impl Send for Receiver {}

/// One received datagram.
pub struct Datagram<'a> {
    /// Payload.
    pub data: &'a [u8],
    /// Kernel receive time (CLOCK_REALTIME ns), when the kernel gave one.
    pub kernel_ts: Option<Nanos>,
    /// The payload did not fit the buffer and was cut.
    pub truncated: bool,
}

impl Receiver {
    /// Prepares to receive up to `batch` datagrams of at most `max_datagram` bytes per call.
    pub fn new(socket: &impl AsRawFd, batch: usize, max_datagram: usize) -> Self {
        let batch = batch.max(1);
        let mut receiver = Receiver {
            fd: socket.as_raw_fd(),
            buffers: vec![0u8; batch * max_datagram],
            max_datagram,
            // SAFETY: iovec and mmsghdr are plain C structs for which all-zero is valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            control: vec![0u64; batch * CMSG_WORDS],
        };
        for i in 0..batch {
            receiver.iovecs[i] = libc::iovec {
                iov_base: receiver.buffers[i * max_datagram..].as_mut_ptr().cast(),
                iov_len: max_datagram,
            };
        }
        receiver
    }

    fn reset_headers(&mut self, count: usize) {
        for i in 0..count {
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = std::ptr::null_mut();
            header.msg_namelen = 0;
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = self.control[i * CMSG_WORDS..].as_mut_ptr().cast();
            header.msg_controllen = (CMSG_WORDS * size_of::<u64>()) as _;
            header.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
    }

    /// Receives up to `max` datagrams without blocking; `Ok(0)` when none is waiting.
    pub fn receive(&mut self, max: usize) -> io::Result<usize> {
        let count = max.min(self.headers.len());
        if count == 0 {
            return Ok(0);
        }
        self.reset_headers(count);
        // SAFETY: `headers[..count]` are initialised and point into live buffers owned by self.
        let n = unsafe {
            libc::recvmmsg(
                self.fd,
                self.headers.as_mut_ptr(),
                count as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            return match error.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                // ICMP errors queued on the socket (e.g. port unreachable): not fatal.
                io::ErrorKind::ConnectionRefused => Ok(0),
                _ => Err(error),
            };
        }
        Ok(n as usize)
    }

    /// The `i`-th datagram of the last `receive`.
    pub fn datagram(&self, i: usize) -> Datagram<'_> {
        let header = &self.headers[i];
        let len = (header.msg_len as usize).min(self.max_datagram);
        let start = i * self.max_datagram;
        Datagram {
            data: &self.buffers[start..start + len],
            kernel_ts: control_timestamp(&header.msg_hdr),
            truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
        }
    }
}

fn control_timestamp(header: &libc::msghdr) -> Option<Nanos> {
    // SAFETY: the control buffer was set up by `reset_headers` and filled by the kernel;
    // the CMSG macros only walk inside `msg_controllen`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                return Some(ts.tv_sec as Nanos * NANOS_PER_SEC + ts.tv_nsec as Nanos);
            }
            cmsg = libc::CMSG_NXTHDR(header, cmsg);
        }
    }
    None
}

/// Waits until the socket is readable or `timeout_ns` passes; `Ok(false)` on timeout.
pub fn wait_readable(socket: &impl AsRawFd, timeout_ns: Nanos) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout_ms = ((timeout_ns + 999_999) / 1_000_000).clamp(0, i32::MAX as Nanos) as libc::c_int;
    // SAFETY: one valid pollfd.
    let rc = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
    if rc < 0 {
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::Interrupted {
            return Ok(false);
        }
        return Err(error);
    }
    Ok(rc > 0)
}

/// Send side: up to `batch` datagrams of at most `max_datagram` bytes per call.
pub struct Sender {
    fd: RawFd,
    buffers: Vec<u8>,
    lengths: Vec<usize>,
    max_datagram: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    address: socket2::SockAddr,
    pending: usize,
}

// SAFETY: as for `Receiver`: self-referential pointers into owned heap buffers.
unsafe impl Send for Sender {}

impl Sender {
    /// Prepares to send to `address`.
    pub fn new(socket: &impl AsRawFd, address: socket2::SockAddr, batch: usize, max_datagram: usize) -> Self {
        let batch = batch.max(1);
        Sender {
            fd: socket.as_raw_fd(),
            buffers: vec![0u8; batch * max_datagram],
            lengths: vec![0; batch],
            max_datagram,
            // SAFETY: all-zero iovec and mmsghdr are valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            address,
            pending: 0,
        }
    }

    /// The buffer of the next datagram, or `None` when the batch is full.
    pub fn next_buffer(&mut self) -> Option<&mut [u8]> {
        if self.pending == self.lengths.len() {
            return None;
        }
        let start = self.pending * self.max_datagram;
        Some(&mut self.buffers[start..start + self.max_datagram])
    }

    /// Commits `len` bytes written into the buffer from `next_buffer`.
    pub fn commit(&mut self, len: usize) {
        if self.pending < self.lengths.len() {
            self.lengths[self.pending] = len.min(self.max_datagram);
            self.pending += 1;
        }
    }

    /// Datagrams waiting to be sent.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Sends every committed datagram; returns how many the kernel took.
    pub fn flush(&mut self) -> io::Result<usize> {
        let count = self.pending;
        if count == 0 {
            return Ok(0);
        }
        for i in 0..count {
            self.iovecs[i] = libc::iovec {
                iov_base: self.buffers[i * self.max_datagram..].as_mut_ptr().cast(),
                iov_len: self.lengths[i],
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = self.address.as_ptr() as *mut libc::c_void;
            header.msg_namelen = self.address.len();
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = std::ptr::null_mut();
            header.msg_controllen = 0;
            header.msg_flags = 0;
        }
        let mut sent = 0;
        while sent < count {
            // SAFETY: headers[sent..count] are initialised and point into owned buffers.
            let n = unsafe {
                libc::sendmmsg(self.fd, self.headers[sent..].as_mut_ptr(), (count - sent) as libc::c_uint, 0)
            };
            if n < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                self.pending = 0;
                return if sent > 0 { Ok(sent) } else { Err(error) };
            }
            sent += n as usize;
        }
        self.pending = 0;
        Ok(sent)
    }
}
