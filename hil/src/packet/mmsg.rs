//! Batched frame I/O on a packet socket with `recvmmsg`/`sendmmsg`: buffers and
//! message headers are allocated once; kernel receive timestamps (`SCM_TIMESTAMPNS`)
//! and stripped 802.1Q tags (`PACKET_AUXDATA`) are read from the control messages.

use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, RawFd};

/// Space for the control messages of one frame, in `u64` words (keeps alignment):
/// a timespec (32 bytes with header) and a tpacket_auxdata (40 bytes with header).
const CMSG_WORDS: usize = 16;

/// Receive side: `batch` buffers of `max_frame` bytes each.
pub struct FrameReceiver {
    fd: RawFd,
    buffers: Vec<u8>,
    max_frame: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    control: Vec<u64>,
    /// Link-level source of each frame (`sll_pkttype` tells outgoing frames apart).
    names: Vec<libc::sockaddr_ll>,
}

// SAFETY: the raw pointers inside `iovecs`/`headers` point into this struct's own heap
// buffers, which move with it and are only used by the thread that owns it.
unsafe impl Send for FrameReceiver {}

/// One received frame.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedFrame<'a> {
    /// The frame from the destination MAC on (an 802.1Q tag may have been stripped).
    pub data: &'a [u8],
    /// Kernel receive time (CLOCK_REALTIME ns), when the kernel gave one.
    pub kernel_ts: Option<Nanos>,
    /// The 802.1Q TCI the kernel stripped from the frame, if any (`PACKET_AUXDATA`).
    pub vlan_tci: Option<u16>,
    /// The frame did not fit the buffer and was cut.
    pub truncated: bool,
    /// A frame this host sent (seen by an `ETH_P_ALL` socket), not a received one.
    pub outgoing: bool,
}

impl FrameReceiver {
    /// Prepares to receive up to `batch` frames of at most `max_frame` bytes per call.
    pub fn new(socket: &impl AsRawFd, batch: usize, max_frame: usize) -> Self {
        let batch = batch.max(1);
        let mut receiver = FrameReceiver {
            fd: socket.as_raw_fd(),
            buffers: vec![0u8; batch * max_frame],
            max_frame,
            // SAFETY: iovec and mmsghdr are plain C structs for which all-zero is valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            control: vec![0u64; batch * CMSG_WORDS],
            // SAFETY: all-zero is a valid sockaddr_ll.
            names: vec![unsafe { zeroed() }; batch],
        };
        for i in 0..batch {
            receiver.iovecs[i] = libc::iovec {
                iov_base: receiver.buffers[i * max_frame..].as_mut_ptr().cast(),
                iov_len: max_frame,
            };
        }
        receiver
    }

    /// Most frames one call receives.
    pub fn batch(&self) -> usize {
        self.headers.len()
    }

    fn reset_headers(&mut self, count: usize) {
        for i in 0..count {
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = (&mut self.names[i] as *mut libc::sockaddr_ll).cast();
            header.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = self.control[i * CMSG_WORDS..].as_mut_ptr().cast();
            header.msg_controllen = (CMSG_WORDS * size_of::<u64>()) as _;
            header.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
    }

    /// Receives up to `max` frames without blocking; `Ok(0)` when none is waiting.
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
                _ => Err(error),
            };
        }
        Ok(n as usize)
    }

    /// The `i`-th frame of the last `receive` (`None` past the batch).
    pub fn frame(&self, i: usize) -> Option<ReceivedFrame<'_>> {
        let header = self.headers.get(i)?;
        let len = (header.msg_len as usize).min(self.max_frame);
        let start = i * self.max_frame;
        let (kernel_ts, vlan_tci) = control_messages(&header.msg_hdr);
        Some(ReceivedFrame {
            data: self.buffers.get(start..start + len)?,
            kernel_ts,
            vlan_tci,
            truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
            outgoing: self
                .names
                .get(i)
                .is_some_and(|name| name.sll_pkttype == libc::PACKET_OUTGOING),
        })
    }
}

fn control_messages(header: &libc::msghdr) -> (Option<Nanos>, Option<u16>) {
    let mut ts = None;
    let mut vlan = None;
    // SAFETY: the control buffer was set up by `reset_headers` and filled by the kernel;
    // the CMSG macros only walk inside `msg_controllen`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            let level = (*cmsg).cmsg_level;
            let kind = (*cmsg).cmsg_type;
            if level == libc::SOL_SOCKET && kind == libc::SCM_TIMESTAMPNS {
                let t: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                ts = Some(t.tv_sec as Nanos * NANOS_PER_SEC + t.tv_nsec as Nanos);
            } else if level == libc::SOL_PACKET && kind == libc::PACKET_AUXDATA {
                let aux: libc::tpacket_auxdata =
                    std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                if aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0 {
                    vlan = Some(aux.tp_vlan_tci);
                }
            }
            cmsg = libc::CMSG_NXTHDR(header, cmsg);
        }
    }
    (ts, vlan)
}

/// Send side: up to `batch` frames of at most `max_frame` bytes per `sendmmsg`, to the
/// interface the socket is bound to.
pub struct FrameSender {
    fd: RawFd,
    buffers: Vec<u8>,
    lengths: Vec<usize>,
    max_frame: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    pending: usize,
}

// SAFETY: as for `FrameReceiver`: self-referential pointers into owned heap buffers.
unsafe impl Send for FrameSender {}

impl FrameSender {
    /// Prepares to send batches of up to `batch` frames.
    pub fn new(socket: &impl AsRawFd, batch: usize, max_frame: usize) -> Self {
        let batch = batch.max(1);
        FrameSender {
            fd: socket.as_raw_fd(),
            buffers: vec![0u8; batch * max_frame],
            lengths: vec![0; batch],
            max_frame,
            // SAFETY: all-zero iovec and mmsghdr are valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            pending: 0,
        }
    }

    /// The buffer of the next frame, or `None` when the batch is full.
    pub fn next_buffer(&mut self) -> Option<&mut [u8]> {
        if self.pending == self.lengths.len() {
            return None;
        }
        let start = self.pending * self.max_frame;
        self.buffers.get_mut(start..start + self.max_frame)
    }

    /// Commits `len` bytes written into the buffer from `next_buffer`.
    pub fn commit(&mut self, len: usize) {
        if self.pending < self.lengths.len() {
            self.lengths[self.pending] = len.min(self.max_frame);
            self.pending += 1;
        }
    }

    /// Frames waiting to be sent.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Sends every committed frame (one `sendmmsg`, or `send` for a single frame);
    /// returns how many the kernel took.
    pub fn flush(&mut self) -> io::Result<usize> {
        let count = self.pending;
        self.pending = 0;
        if count == 0 {
            return Ok(0);
        }
        if count == 1 {
            // SAFETY: the first buffer holds `lengths[0]` initialised bytes.
            let n =
                unsafe { libc::send(self.fd, self.buffers.as_ptr().cast(), self.lengths[0], 0) };
            return if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(1)
            };
        }
        for i in 0..count {
            self.iovecs[i] = libc::iovec {
                iov_base: self.buffers[i * self.max_frame..].as_mut_ptr().cast(),
                iov_len: self.lengths[i],
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = std::ptr::null_mut();
            header.msg_namelen = 0;
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
                libc::sendmmsg(
                    self.fd,
                    self.headers[sent..].as_mut_ptr(),
                    (count - sent) as libc::c_uint,
                    0,
                )
            };
            if n < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return if sent > 0 { Ok(sent) } else { Err(error) };
            }
            if n == 0 {
                break;
            }
            sent += n as usize;
        }
        Ok(sent)
    }
}
