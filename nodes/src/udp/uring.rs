//! Batched datagram I/O over `io_uring`.
//!
//! Receiving uses one multishot `RECVMSG` fed from a ring of provided buffers that is
//! registered once at construction: every arriving datagram completes into one buffer
//! (header, `SO_TIMESTAMPNS` control message and payload), harvesting completions is a
//! read of shared memory with no system call, and the buffers handed out by a harvest go
//! back to the kernel at the start of the next one. Sending queues one linked `SENDMSG`
//! per datagram and submits the batch with a single `io_uring_enter`.
//!
//! Everything is allocated in `new`; nothing allocates per call. Kernels without
//! `io_uring`, provided-buffer rings (5.19) or multishot `RECVMSG` (6.0), and sandboxes
//! that forbid `io_uring_setup`, fail in `new` so the caller can fall back to `mmsg`.

use super::mmsg::Datagram;
use gridhil_engine::units::{Nanos, NANOS_PER_SEC};
use io_uring::types::{BufRingEntry, Fd, SubmitArgs, Timespec};
use io_uring::{cqueue, opcode, squeue, IoUring, Probe};
use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU16, Ordering};

/// `user_data` of the multishot receive.
const RECEIVE_TAG: u64 = 1;
/// `user_data` of the cancellation sent at drop.
const CANCEL_TAG: u64 = 2;
/// Buffer group id of the provided-buffer ring.
const BUFFER_GROUP: u16 = 0;
/// Bytes reserved per buffer for control messages (one `SCM_TIMESTAMPNS` needs 32).
const CONTROL_LEN: usize = 64;
/// Most memory spent on receive buffers, in bytes (but at least 16 buffers).
const BUFFER_MEMORY: usize = 16 << 20;
/// Size of `struct io_uring_recvmsg_out` at the start of every received buffer.
const RECVMSG_OUT_LEN: usize = 16;
/// Header size of a control message (`CMSG_LEN(0)`) on this platform.
const CMSG_HEADER_LEN: usize = size_of::<libc::cmsghdr>();

/// Anonymous, page-aligned memory shared with the kernel (unmapped on drop).
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> io::Result<Self> {
        // SAFETY: anonymous private mapping, no file; the result is checked.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region mapped in `new`.
        unsafe {
            libc::munmap(self.ptr.cast(), self.len);
        }
    }
}

/// The largest power of two not above `n` (`n` ≥ 1).
fn prev_power_of_two(n: usize) -> usize {
    1 << (usize::BITS - 1 - n.max(1).leading_zeros())
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// Receive side: a multishot `RECVMSG` over a ring of provided buffers.
pub struct Receiver {
    // Field order is drop order: the ring (and with it every request) goes first.
    ring: IoUring,
    fd: RawFd,
    /// The template message header of the multishot receive (name and control lengths).
    template: Box<libc::msghdr>,
    ring_memory: Mapping,
    buffers: Mapping,
    buffer_len: usize,
    buffer_count: u16,
    /// Next tail of the provided-buffer ring (the kernel sees it once published).
    tail: u16,
    /// Buffer id and completion length of each datagram of the last harvest.
    ready: Vec<(u16, usize)>,
    ready_len: usize,
    /// Whether `receive` has handed the datagrams in `ready` out (so they can go back).
    handed_out: bool,
    /// The multishot receive ended and must be submitted again.
    rearm: bool,
}

// SAFETY: the raw pointers point into mappings owned by this struct, which move with it
// and are used only by the thread that owns it.
unsafe impl Send for Receiver {}

impl Receiver {
    /// Prepares to receive datagrams of at most `max_datagram` bytes, up to `batch` per
    /// harvest (receiving starts at the first `receive` or `wait`).
    pub fn new(socket: &impl AsRawFd, batch: usize, max_datagram: usize) -> io::Result<Self> {
        let batch = batch.clamp(1, 1024);
        let buffer_len = (RECVMSG_OUT_LEN + CONTROL_LEN + max_datagram).next_multiple_of(64);
        // 4 buffers per datagram of a batch, a power of two, at least 16, and no more than
        // fit in BUFFER_MEMORY (unless 16 alone need more).
        let affordable = (BUFFER_MEMORY / buffer_len).max(16);
        let wanted = (batch * 4).clamp(16, 4096).next_power_of_two();
        let buffer_count = if wanted <= affordable {
            wanted
        } else {
            prev_power_of_two(affordable)
        };
        let buffer_count_u16 =
            u16::try_from(buffer_count).map_err(|_| invalid("too many buffers"))?;
        let completions =
            u32::try_from(buffer_count * 2).map_err(|_| invalid("too many buffers"))?;
        let ring = IoUring::builder().setup_cqsize(completions).build(8)?;
        // Multishot RECVMSG came with Linux 6.0, as did SEND_ZC, which the probe can see.
        let mut probe = Probe::new();
        ring.submitter().register_probe(&mut probe)?;
        if !probe.is_supported(opcode::SendZc::CODE) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without multishot RECVMSG (kernel older than 6.0)",
            ));
        }
        if !ring.params().is_feature_ext_arg() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "io_uring without IORING_FEAT_EXT_ARG (kernel older than 5.11)",
            ));
        }
        let ring_memory = Mapping::new(buffer_count * size_of::<BufRingEntry>())?;
        let buffers = Mapping::new(buffer_count * buffer_len)?;
        // SAFETY: zeroed msghdr is valid; only the two lengths matter for multishot.
        let mut template: Box<libc::msghdr> = Box::new(unsafe { zeroed() });
        template.msg_namelen = 0;
        template.msg_controllen = CONTROL_LEN as _;
        let mut receiver = Receiver {
            ring,
            fd: socket.as_raw_fd(),
            template,
            ring_memory,
            buffers,
            buffer_len,
            buffer_count: buffer_count_u16,
            tail: 0,
            ready: vec![(0, 0); batch],
            ready_len: 0,
            handed_out: false,
            rearm: true,
        };
        for bid in 0..buffer_count_u16 {
            receiver.provide(bid);
        }
        receiver.publish_tail();
        // SAFETY: the ring memory is page-aligned, holds `buffer_count` entries and lives
        // as long as the ring (declared before it, so dropped after it).
        unsafe {
            receiver.ring.submitter().register_buf_ring_with_flags(
                receiver.ring_memory.ptr as u64,
                buffer_count_u16,
                BUFFER_GROUP,
                0,
            )?;
        }
        // The receive is armed by the first `receive` or `wait`, on the reader's thread:
        // the kernel runs a request's completion work on the thread that submitted it.
        Ok(receiver)
    }

    /// Writes buffer `bid` at the ring's local tail (not yet visible to the kernel).
    fn provide(&mut self, bid: u16) {
        let mask = self.buffer_count - 1;
        let slot = usize::from(self.tail & mask);
        let addr = self.buffers.ptr as u64 + (usize::from(bid) * self.buffer_len) as u64;
        // SAFETY: `slot < buffer_count`, the ring memory holds `buffer_count` entries.
        unsafe {
            let entry = &mut *self.ring_memory.ptr.cast::<BufRingEntry>().add(slot);
            entry.set_addr(addr);
            entry.set_len(self.buffer_len as u32);
            entry.set_bid(bid);
        }
        self.tail = self.tail.wrapping_add(1);
    }

    /// Makes the provided buffers visible to the kernel.
    fn publish_tail(&mut self) {
        // SAFETY: the tail field overlays the first entry's reserved field; the kernel reads
        // it concurrently, so it is written atomically with release ordering.
        unsafe {
            let tail =
                BufRingEntry::tail(self.ring_memory.ptr.cast::<BufRingEntry>()) as *const AtomicU16;
            (*tail).store(self.tail, Ordering::Release);
        }
    }

    /// Queues the multishot receive (submitted by the next `submit`).
    fn arm(&mut self) -> io::Result<()> {
        let entry = opcode::RecvMsgMulti::new(Fd(self.fd), &*self.template, BUFFER_GROUP)
            .build()
            .user_data(RECEIVE_TAG);
        // SAFETY: the template msghdr is boxed and outlives the request.
        unsafe { self.ring.submission().push(&entry) }
            .map_err(|_| io::Error::other("io_uring submission queue full"))?;
        self.rearm = false;
        Ok(())
    }

    /// Takes one completion of the receive; `Ok(true)` when it delivered a datagram.
    fn handle_completion(&mut self, entry: &cqueue::Entry) -> io::Result<bool> {
        if entry.user_data() != RECEIVE_TAG {
            return Ok(false);
        }
        let flags = entry.flags();
        if !cqueue::more(flags) {
            self.rearm = true;
        }
        let result = entry.result();
        if result < 0 {
            let error = io::Error::from_raw_os_error(-result);
            return match -result {
                // Out of buffers (they come back next harvest), interrupted, cancelled, or
                // an ICMP error queued on the socket: receive again.
                libc::ENOBUFS
                | libc::EINTR
                | libc::EAGAIN
                | libc::ECANCELED
                | libc::ECONNREFUSED => Ok(false),
                _ => Err(error),
            };
        }
        let Some(bid) = cqueue::buffer_select(flags) else {
            return Ok(false);
        };
        let len = (result as usize).min(self.buffer_len);
        if let Some(slot) = self.ready.get_mut(self.ready_len) {
            *slot = (bid, len);
            self.ready_len += 1;
            Ok(true)
        } else {
            // Not reachable: harvests stop at the capacity. Give the buffer back.
            self.provide(bid);
            Ok(false)
        }
    }

    /// Gives the buffers of the last harvest back, re-arms the receive if it ended, and
    /// harvests up to `max` datagrams without blocking; `Ok(0)` when none is waiting.
    pub fn receive(&mut self, max: usize) -> io::Result<usize> {
        self.recycle();
        if max == 0 {
            return Ok(0);
        }
        if self.rearm {
            self.arm()?;
            submit_ignoring_interrupts(&self.ring)?;
        }
        let max = max.min(self.ready.len());
        while self.ready_len < max {
            let next = self.ring.completion().next();
            let Some(entry) = next else { break };
            self.handle_completion(&entry)?;
        }
        self.handed_out = true;
        Ok(self.ready_len)
    }

    fn recycle(&mut self) {
        if !self.handed_out {
            return;
        }
        self.handed_out = false;
        for i in 0..self.ready_len {
            if let Some(&(bid, _)) = self.ready.get(i) {
                self.provide(bid);
            }
        }
        self.ready_len = 0;
        self.publish_tail();
    }

    /// Waits until a datagram has completed or `timeout_ns` passes; `Ok(false)` on timeout.
    pub fn wait(&mut self, timeout_ns: Nanos) -> io::Result<bool> {
        if self.rearm {
            self.recycle();
            self.arm()?;
        }
        if !self.ring.completion().is_empty() {
            return Ok(true);
        }
        let timeout = Timespec::new()
            .sec((timeout_ns.max(0) / NANOS_PER_SEC) as u64)
            .nsec((timeout_ns.max(0) % NANOS_PER_SEC) as u32);
        let args = SubmitArgs::new().timespec(&timeout);
        match self.ring.submitter().submit_with_args(1, &args) {
            Ok(_) => Ok(!self.ring.completion().is_empty()),
            Err(error) if error.raw_os_error() == Some(libc::ETIME) => Ok(false),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The `i`-th datagram of the last `receive` (empty when `i` is out of range).
    pub fn datagram(&self, i: usize) -> Datagram<'_> {
        let (bid, len) = self
            .ready
            .get(i)
            .copied()
            .filter(|_| i < self.ready_len)
            .unwrap_or((0, 0));
        let start = usize::from(bid) * self.buffer_len;
        // SAFETY: buffer `bid` lies inside the mapping and belongs to us until `recycle`
        // hands it back; `len` was clamped to the buffer length.
        let buffer = unsafe { std::slice::from_raw_parts(self.buffers.ptr.add(start), len) };
        parse_recvmsg_out(buffer)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Cancel the receive and give the kernel a moment to finish with the buffers.
        let cancel = opcode::AsyncCancel::new(RECEIVE_TAG)
            .build()
            .user_data(CANCEL_TAG);
        // SAFETY: the cancellation carries no pointers.
        if unsafe { self.ring.submission().push(&cancel) }.is_ok() {
            let timeout = Timespec::new().nsec(50_000_000);
            let args = SubmitArgs::new().timespec(&timeout);
            let _ = self.ring.submitter().submit_with_args(1, &args);
        }
    }
}

fn submit_ignoring_interrupts(ring: &IoUring) -> io::Result<()> {
    loop {
        match ring.submit() {
            Ok(_) => return Ok(()),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
}

/// Splits a multishot `RECVMSG` buffer (`io_uring_recvmsg_out`, name, control, payload).
fn parse_recvmsg_out(buffer: &[u8]) -> Datagram<'_> {
    let word = |at: usize| -> usize {
        buffer
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_ne_bytes)
            .unwrap_or(0) as usize
    };
    // struct io_uring_recvmsg_out { u32 namelen; u32 controllen; u32 payloadlen; u32 flags; }
    let control_len = word(4).min(CONTROL_LEN);
    let payload_len = word(8);
    let flags = word(12) as libc::c_int;
    let control = buffer
        .get(RECVMSG_OUT_LEN..RECVMSG_OUT_LEN + control_len)
        .unwrap_or(&[]);
    let payload_start = RECVMSG_OUT_LEN + CONTROL_LEN;
    let payload_end = payload_start.saturating_add(payload_len).min(buffer.len());
    Datagram {
        data: buffer.get(payload_start..payload_end).unwrap_or(&[]),
        kernel_ts: control_timestamp(control),
        truncated: flags & libc::MSG_TRUNC != 0 || payload_end < payload_start + payload_len,
    }
}

/// The `SCM_TIMESTAMPNS` time in a control-message area, if there is one.
fn control_timestamp(control: &[u8]) -> Option<Nanos> {
    let align = size_of::<usize>();
    let mut at = 0;
    while let Some(header) = control.get(at..at + CMSG_HEADER_LEN) {
        // SAFETY: `header` holds CMSG_HEADER_LEN bytes; read unaligned.
        let cmsg: libc::cmsghdr = unsafe { std::ptr::read_unaligned(header.as_ptr().cast()) };
        let len = cmsg.cmsg_len as usize;
        if len < CMSG_HEADER_LEN {
            return None;
        }
        if cmsg.cmsg_level == libc::SOL_SOCKET && cmsg.cmsg_type == libc::SCM_TIMESTAMPNS {
            let data = control
                .get(at + CMSG_HEADER_LEN..at + CMSG_HEADER_LEN + size_of::<libc::timespec>())?;
            // SAFETY: `data` holds a whole timespec; read unaligned.
            let ts: libc::timespec = unsafe { std::ptr::read_unaligned(data.as_ptr().cast()) };
            return Some(ts.tv_sec as Nanos * NANOS_PER_SEC + ts.tv_nsec as Nanos);
        }
        at += len.next_multiple_of(align);
    }
    None
}

/// Send side: up to `batch` datagrams of at most `max_datagram` bytes per flush, sent as
/// linked `SENDMSG` requests with one `io_uring_enter`.
pub struct Sender {
    // Field order is drop order: the ring goes before the buffers it may point into.
    ring: IoUring,
    fd: RawFd,
    buffers: Vec<u8>,
    lengths: Vec<usize>,
    max_datagram: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::msghdr>,
    address: socket2::SockAddr,
    pending: usize,
    /// Requests submitted but not yet completed (after an error in `flush`).
    in_flight: usize,
}

// SAFETY: as for `Receiver`: pointers into heap buffers owned by this struct.
unsafe impl Send for Sender {}

impl Sender {
    /// Prepares to send to `address`.
    pub fn new(
        socket: &impl AsRawFd,
        address: socket2::SockAddr,
        batch: usize,
        max_datagram: usize,
    ) -> io::Result<Self> {
        let batch = batch.clamp(1, 1024);
        let entries =
            u32::try_from(batch.next_power_of_two()).map_err(|_| invalid("batch too large"))?;
        let ring = IoUring::builder()
            .setup_cqsize(entries * 2)
            .build(entries)?;
        Ok(Sender {
            ring,
            fd: socket.as_raw_fd(),
            buffers: vec![0u8; batch * max_datagram],
            lengths: vec![0; batch],
            max_datagram,
            // SAFETY: all-zero iovec and msghdr are valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            address,
            pending: 0,
            in_flight: 0,
        })
    }

    /// The buffer of the next datagram, or `None` when the batch is full.
    pub fn next_buffer(&mut self) -> Option<&mut [u8]> {
        if self.pending == self.lengths.len() {
            return None;
        }
        let start = self.pending * self.max_datagram;
        self.buffers.get_mut(start..start + self.max_datagram)
    }

    /// Commits `len` bytes written into the buffer from `next_buffer`.
    pub fn commit(&mut self, len: usize) {
        if let Some(slot) = self.lengths.get_mut(self.pending) {
            *slot = len.min(self.max_datagram);
            self.pending += 1;
        }
    }

    /// Datagrams waiting to be sent.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Waits for requests of an earlier, failed flush; returns how many succeeded.
    fn drain(&mut self) -> io::Result<usize> {
        let mut sent = 0;
        while self.in_flight > 0 {
            let mut completion = self.ring.completion();
            let mut taken = 0;
            for entry in &mut completion {
                taken += 1;
                if entry.result() >= 0 {
                    sent += 1;
                }
            }
            drop(completion);
            self.in_flight = self.in_flight.saturating_sub(taken);
            if self.in_flight == 0 {
                break;
            }
            match self.ring.submit_and_wait(1) {
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(sent)
    }

    /// Sends every committed datagram; returns how many the kernel took.
    pub fn flush(&mut self) -> io::Result<usize> {
        self.drain()?;
        let count = self.pending;
        if count == 0 {
            return Ok(0);
        }
        self.pending = 0;
        let mut queued = 0;
        for i in 0..count {
            let (Some(iovec), Some(&len), Some(buffer)) = (
                self.iovecs.get_mut(i),
                self.lengths.get(i),
                self.buffers.get_mut(i * self.max_datagram..),
            ) else {
                break;
            };
            *iovec = libc::iovec {
                iov_base: buffer.as_mut_ptr().cast(),
                iov_len: len,
            };
            let iovec: *mut libc::iovec = iovec;
            let Some(header) = self.headers.get_mut(i) else {
                break;
            };
            header.msg_name = self.address.as_ptr() as *mut libc::c_void;
            header.msg_namelen = self.address.len();
            header.msg_iov = iovec;
            header.msg_iovlen = 1;
            header.msg_control = std::ptr::null_mut();
            header.msg_controllen = 0;
            header.msg_flags = 0;
            let mut entry = opcode::SendMsg::new(Fd(self.fd), header)
                .build()
                .user_data(i as u64);
            if i + 1 < count {
                // Linked: sent in order, like sendmmsg.
                entry = entry.flags(squeue::Flags::IO_LINK);
            }
            // SAFETY: header, iovec, buffer and address live in self until the request
            // completes (`flush` and `drain` wait for every submitted request).
            if unsafe { self.ring.submission().push(&entry) }.is_err() {
                break;
            }
            queued += 1;
        }
        self.in_flight = queued;
        let mut sent = 0;
        let mut first_error = None;
        while self.in_flight > 0 {
            match self.ring.submit_and_wait(self.in_flight) {
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    // Requests may still be in flight: `drain` waits for them next time.
                    return if sent > 0 { Ok(sent) } else { Err(error) };
                }
            }
            let mut completion = self.ring.completion();
            let mut taken = 0;
            for entry in &mut completion {
                taken += 1;
                if entry.result() >= 0 {
                    sent += 1;
                } else if first_error.is_none() && entry.result() != -libc::ECANCELED {
                    first_error = Some(io::Error::from_raw_os_error(-entry.result()));
                }
            }
            drop(completion);
            self.in_flight = self.in_flight.saturating_sub(taken);
        }
        match first_error {
            Some(error) if sent == 0 => Err(error),
            _ => Ok(sent),
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = self.drain();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_payload_and_timestamp() {
        let mut buffer = vec![0u8; RECVMSG_OUT_LEN + CONTROL_LEN + 8];
        let cmsg_len = CMSG_HEADER_LEN + size_of::<libc::timespec>();
        buffer[4..8].copy_from_slice(&(cmsg_len as u32).to_ne_bytes());
        buffer[8..12].copy_from_slice(&5u32.to_ne_bytes());
        // SAFETY: zeroed cmsghdr is valid.
        let mut cmsg: libc::cmsghdr = unsafe { zeroed() };
        cmsg.cmsg_len = cmsg_len as _;
        cmsg.cmsg_level = libc::SOL_SOCKET;
        cmsg.cmsg_type = libc::SCM_TIMESTAMPNS;
        let ts = libc::timespec {
            tv_sec: 7,
            tv_nsec: 9,
        };
        // SAFETY: the writes stay inside `buffer`.
        unsafe {
            std::ptr::write_unaligned(buffer.as_mut_ptr().add(RECVMSG_OUT_LEN).cast(), cmsg);
            std::ptr::write_unaligned(
                buffer
                    .as_mut_ptr()
                    .add(RECVMSG_OUT_LEN + CMSG_HEADER_LEN)
                    .cast(),
                ts,
            );
        }
        let payload = RECVMSG_OUT_LEN + CONTROL_LEN;
        buffer[payload..payload + 5].copy_from_slice(b"hello");
        let datagram = parse_recvmsg_out(&buffer);
        assert_eq!(datagram.data, b"hello");
        assert_eq!(datagram.kernel_ts, Some(7 * NANOS_PER_SEC + 9));
        assert!(!datagram.truncated);
    }

    #[test]
    fn power_of_two_below() {
        assert_eq!(prev_power_of_two(1), 1);
        assert_eq!(prev_power_of_two(255), 128);
        assert_eq!(prev_power_of_two(256), 256);
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..200 {
            let buffer: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let _ = parse_recvmsg_out(&buffer);
            let _ = control_timestamp(&buffer);
        }
    }
}
