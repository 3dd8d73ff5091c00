//! Batched message I/O with `recvmmsg`/`sendmmsg` on any datagram or packet socket
//! (UDP, `AF_PACKET`): buffers, iovecs and `mmsghdr` arrays are allocated once, so a call
//! moves a whole batch without allocating. From each received message's control messages
//! come the kernel receive time (`SCM_TIMESTAMPNS`, enabled with `SO_TIMESTAMPNS`) and,
//! on packet sockets, the 802.1Q tag the kernel stripped (`PACKET_AUXDATA`); optionally
//! the source address (`sockaddr_storage`) is kept too, which on a packet socket is a
//! `sockaddr_ll` whose `sll_pkttype` tells outgoing frames apart ([`Received::packet_type`]).

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};

/// Nanoseconds in a second.
const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Space for the control messages of one message, in `u64` words (keeps alignment):
/// a timespec (32 bytes with header) and a `tpacket_auxdata` (40 bytes with header).
const CMSG_WORDS: usize = 16;

/// Receive side: `batch` buffers of `max_message` bytes each.
pub struct Receiver {
    fd: RawFd,
    buffers: Vec<u8>,
    max_message: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    control: Vec<u64>,
    /// Source address of each message; empty when sources are not kept.
    sources: Vec<libc::sockaddr_storage>,
}

// SAFETY: the raw pointers inside `iovecs`/`headers` point into this struct's own heap
// buffers, which move with it and are only used by the thread that owns it.
unsafe impl Send for Receiver {}

/// One received message (a UDP datagram or an Ethernet frame).
#[derive(Clone, Copy)]
pub struct Received<'a> {
    /// Payload (on a packet socket: the frame from the destination MAC on, with an
    /// 802.1Q tag possibly stripped, see `vlan_tci`).
    pub data: &'a [u8],
    /// Kernel receive time (CLOCK_REALTIME ns), when the kernel gave one.
    pub kernel_ts: Option<i64>,
    /// The message did not fit the buffer and was cut.
    pub truncated: bool,
    /// The 802.1Q TCI the kernel stripped from the frame, if any (`PACKET_AUXDATA`).
    pub vlan_tci: Option<u16>,
    /// Where the message came from, when the receiver keeps sources and the kernel gave one.
    pub source: Option<&'a libc::sockaddr_storage>,
}

impl std::fmt::Debug for Received<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Received")
            .field("len", &self.data.len())
            .field("kernel_ts", &self.kernel_ts)
            .field("truncated", &self.truncated)
            .field("vlan_tci", &self.vlan_tci)
            .field("source_family", &self.source.map(|s| s.ss_family))
            .finish()
    }
}

impl Received<'_> {
    /// The `sll_pkttype` of an `AF_PACKET` source address (`PACKET_HOST`,
    /// `PACKET_OUTGOING`, ...); `None` for other families or without a source.
    pub fn packet_type(&self) -> Option<u8> {
        let source = self.source?;
        if libc::c_int::from(source.ss_family) != libc::AF_PACKET {
            return None;
        }
        // SAFETY: the kernel wrote a sockaddr_ll (family AF_PACKET) into this storage,
        // which is larger than and at least as aligned as sockaddr_ll.
        let link: libc::sockaddr_ll =
            unsafe { std::ptr::read((source as *const libc::sockaddr_storage).cast()) };
        Some(link.sll_pkttype)
    }

    /// A frame this host sent (seen by an `ETH_P_ALL` packet socket), not a received one.
    pub fn is_outgoing(&self) -> bool {
        self.packet_type() == Some(libc::PACKET_OUTGOING)
    }

    /// The source as an IP socket address (`AF_INET`/`AF_INET6` sources only).
    pub fn source_ip(&self) -> Option<SocketAddr> {
        SocketAddress::from_storage(*self.source?).to_std()
    }
}

impl Receiver {
    /// Prepares to receive up to `batch` messages of at most `max_message` bytes per call,
    /// without keeping source addresses.
    pub fn new(socket: &impl AsRawFd, batch: usize, max_message: usize) -> Self {
        Self::build(socket.as_raw_fd(), batch, max_message, false)
    }

    /// Like [`Receiver::new`], and keeps each message's source address
    /// ([`Received::source`], [`Received::packet_type`]).
    pub fn with_sources(socket: &impl AsRawFd, batch: usize, max_message: usize) -> Self {
        Self::build(socket.as_raw_fd(), batch, max_message, true)
    }

    fn build(fd: RawFd, batch: usize, max_message: usize, keep_sources: bool) -> Self {
        let batch = batch.max(1);
        let mut receiver = Receiver {
            fd,
            buffers: vec![0u8; batch * max_message],
            max_message,
            // SAFETY: iovec and mmsghdr are plain C structs for which all-zero is valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            control: vec![0u64; batch * CMSG_WORDS],
            // SAFETY: all-zero is a valid sockaddr_storage.
            sources: vec![unsafe { zeroed() }; if keep_sources { batch } else { 0 }],
        };
        for (i, iovec) in receiver.iovecs.iter_mut().enumerate() {
            *iovec = libc::iovec {
                iov_base: receiver.buffers[i * max_message..].as_mut_ptr().cast(),
                iov_len: max_message,
            };
        }
        receiver
    }

    /// Most messages one call receives.
    pub fn batch(&self) -> usize {
        self.headers.len()
    }

    fn reset_headers(&mut self, count: usize) {
        for i in 0..count {
            let header = &mut self.headers[i].msg_hdr;
            match self.sources.get_mut(i) {
                Some(source) => {
                    header.msg_name = (source as *mut libc::sockaddr_storage).cast();
                    header.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                }
                None => {
                    header.msg_name = std::ptr::null_mut();
                    header.msg_namelen = 0;
                }
            }
            header.msg_iov = &mut self.iovecs[i];
            header.msg_iovlen = 1;
            header.msg_control = self.control[i * CMSG_WORDS..].as_mut_ptr().cast();
            header.msg_controllen = (CMSG_WORDS * size_of::<u64>()) as _;
            header.msg_flags = 0;
            self.headers[i].msg_len = 0;
        }
    }

    /// Receives up to `max` messages without blocking; `Ok(0)` when none is waiting.
    pub fn receive(&mut self, max: usize) -> io::Result<usize> {
        match self.receive_raw(max, false) {
            Ok(n) => Ok(n),
            Err(error) => match error.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                // ICMP errors queued on a UDP socket (e.g. port unreachable): not fatal.
                io::ErrorKind::ConnectionRefused => Ok(0),
                _ => Err(error),
            },
        }
    }

    /// Receives up to `max` messages with one `recvmmsg` and returns every failure as the
    /// kernel reported it: nothing waiting is a `WouldBlock` error, a queued ICMP error a
    /// `ConnectionRefused` one, a signal `Interrupted` ([`Receiver::receive`] turns these
    /// into `Ok(0)`). With `wait_for_first` (`MSG_WAITFORONE`) a blocking socket waits for
    /// the first message, at most its receive timeout (`SO_RCVTIMEO`), then takes whatever
    /// else is queued; otherwise the call never blocks (`MSG_DONTWAIT`). `Ok(0)` only for
    /// `max == 0`.
    pub fn receive_raw(&mut self, max: usize, wait_for_first: bool) -> io::Result<usize> {
        let count = max.min(self.headers.len());
        if count == 0 {
            return Ok(0);
        }
        self.reset_headers(count);
        let flags = if wait_for_first {
            libc::MSG_WAITFORONE
        } else {
            libc::MSG_DONTWAIT
        };
        // SAFETY: `headers[..count]` are initialised and point into live buffers owned by
        // self; a null timeout is allowed.
        let n = unsafe {
            libc::recvmmsg(
                self.fd,
                self.headers.as_mut_ptr(),
                count as libc::c_uint,
                flags as _,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// The `i`-th message of the last `receive` (`None` past the batch).
    pub fn message(&self, i: usize) -> Option<Received<'_>> {
        let header = self.headers.get(i)?;
        let len = (header.msg_len as usize).min(self.max_message);
        let start = i * self.max_message;
        let (kernel_ts, vlan_tci) = control_messages(&header.msg_hdr);
        let source = self
            .sources
            .get(i)
            .filter(|_| header.msg_hdr.msg_namelen > 0);
        Some(Received {
            data: self.buffers.get(start..start + len)?,
            kernel_ts,
            truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
            vlan_tci,
            source,
        })
    }
}

/// The receive time (`SCM_TIMESTAMPNS`) and stripped 802.1Q TCI (`PACKET_AUXDATA`) in a
/// received message's control messages.
fn control_messages(header: &libc::msghdr) -> (Option<i64>, Option<u16>) {
    let mut ts = None;
    let mut vlan = None;
    if header.msg_control.is_null() {
        return (ts, vlan);
    }
    // SAFETY: the control buffer was set up by `reset_headers` and filled by the kernel;
    // the CMSG macros only walk inside `msg_controllen`.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            let level = (*cmsg).cmsg_level;
            let kind = (*cmsg).cmsg_type;
            if level == libc::SOL_SOCKET && kind == libc::SCM_TIMESTAMPNS {
                let t: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                ts = Some(t.tv_sec as i64 * NANOS_PER_SEC + t.tv_nsec as i64);
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

/// Waits until the socket is readable or `timeout_ns` passes; `Ok(false)` on timeout or
/// when a signal interrupts the wait.
pub fn wait_readable(socket: &impl AsRawFd, timeout_ns: i64) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: socket.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let timeout_ms =
        (timeout_ns.saturating_add(999_999) / 1_000_000).clamp(0, i32::MAX as i64) as libc::c_int;
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

/// A socket address in the kernel's `sockaddr_storage` form (for [`Sender::to`]).
#[derive(Clone, Copy)]
pub struct SocketAddress {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl std::fmt::Debug for SocketAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketAddress")
            .field("family", &self.storage.ss_family)
            .field("len", &self.len)
            .finish()
    }
}

impl SocketAddress {
    /// Wraps an address of `len` bytes in `storage` (`len` is clamped to the storage size;
    /// the kernel checks the contents when the address is used).
    pub fn new(storage: libc::sockaddr_storage, len: libc::socklen_t) -> Self {
        let len = len.min(size_of::<libc::sockaddr_storage>() as libc::socklen_t);
        SocketAddress { storage, len }
    }

    /// Wraps a whole storage, with the length its family implies.
    fn from_storage(storage: libc::sockaddr_storage) -> Self {
        let len = match libc::c_int::from(storage.ss_family) {
            libc::AF_INET => size_of::<libc::sockaddr_in>(),
            libc::AF_INET6 => size_of::<libc::sockaddr_in6>(),
            libc::AF_PACKET => size_of::<libc::sockaddr_ll>(),
            _ => size_of::<libc::sockaddr_storage>(),
        };
        Self::new(storage, len as libc::socklen_t)
    }

    /// The address length in bytes.
    pub fn len(&self) -> libc::socklen_t {
        self.len
    }

    /// `true` for an empty (zero-length) address.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The IP socket address this is, for `AF_INET`/`AF_INET6`.
    pub fn to_std(&self) -> Option<SocketAddr> {
        let pointer = (&self.storage as *const libc::sockaddr_storage).cast::<u8>();
        match libc::c_int::from(self.storage.ss_family) {
            libc::AF_INET => {
                // SAFETY: the family says the storage holds a sockaddr_in; storage is larger
                // and at least as aligned.
                let v4: libc::sockaddr_in = unsafe { std::ptr::read(pointer.cast()) };
                Some(SocketAddr::from((
                    u32::from_be(v4.sin_addr.s_addr).to_be_bytes(),
                    u16::from_be(v4.sin_port),
                )))
            }
            libc::AF_INET6 => {
                // SAFETY: as above, for sockaddr_in6.
                let v6: libc::sockaddr_in6 = unsafe { std::ptr::read(pointer.cast()) };
                Some(SocketAddr::V6(std::net::SocketAddrV6::new(
                    v6.sin6_addr.s6_addr.into(),
                    u16::from_be(v6.sin6_port),
                    v6.sin6_flowinfo,
                    v6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }
}

impl From<SocketAddr> for SocketAddress {
    fn from(address: SocketAddr) -> Self {
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
        let pointer = (&mut storage as *mut libc::sockaddr_storage).cast::<u8>();
        let len = match address {
            SocketAddr::V4(v4) => {
                let raw = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: v4.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(v4.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and as aligned as sockaddr_in.
                unsafe { std::ptr::write(pointer.cast(), raw) };
                size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(v6) => {
                let raw = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: v6.port().to_be(),
                    sin6_flowinfo: v6.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: v6.ip().octets(),
                    },
                    sin6_scope_id: v6.scope_id(),
                };
                // SAFETY: as above, for sockaddr_in6.
                unsafe { std::ptr::write(pointer.cast(), raw) };
                size_of::<libc::sockaddr_in6>()
            }
        };
        SocketAddress::new(storage, len as libc::socklen_t)
    }
}

/// Send side: up to `batch` messages of at most `max_message` bytes per `sendmmsg`, either
/// to one destination address ([`Sender::to`]) or on a connected or bound socket
/// ([`Sender::new`]: packet sockets send on the interface they are bound to).
pub struct Sender {
    fd: RawFd,
    buffers: Vec<u8>,
    lengths: Vec<usize>,
    max_message: usize,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    destination: Option<SocketAddress>,
    pending: usize,
}

// SAFETY: as for `Receiver`: self-referential pointers into owned heap buffers.
unsafe impl Send for Sender {}

impl Sender {
    /// Prepares to send batches of up to `batch` messages on a connected or bound socket.
    pub fn new(socket: &impl AsRawFd, batch: usize, max_message: usize) -> Self {
        Self::build(socket.as_raw_fd(), None, batch, max_message)
    }

    /// Prepares to send batches of up to `batch` messages, each to `destination`.
    pub fn to(
        socket: &impl AsRawFd,
        destination: SocketAddress,
        batch: usize,
        max_message: usize,
    ) -> Self {
        Self::build(socket.as_raw_fd(), Some(destination), batch, max_message)
    }

    fn build(
        fd: RawFd,
        destination: Option<SocketAddress>,
        batch: usize,
        max_message: usize,
    ) -> Self {
        let batch = batch.max(1);
        Sender {
            fd,
            buffers: vec![0u8; batch * max_message],
            lengths: vec![0; batch],
            max_message,
            // SAFETY: all-zero iovec and mmsghdr are valid.
            iovecs: vec![unsafe { zeroed() }; batch],
            headers: vec![unsafe { zeroed() }; batch],
            destination,
            pending: 0,
        }
    }

    /// The buffer of the next message, or `None` when the batch is full.
    pub fn next_buffer(&mut self) -> Option<&mut [u8]> {
        if self.pending == self.lengths.len() {
            return None;
        }
        let start = self.pending * self.max_message;
        self.buffers.get_mut(start..start + self.max_message)
    }

    /// Commits `len` bytes written into the buffer from `next_buffer`.
    pub fn commit(&mut self, len: usize) {
        if let Some(length) = self.lengths.get_mut(self.pending) {
            *length = len.min(self.max_message);
            self.pending += 1;
        }
    }

    /// Messages waiting to be sent.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// The destination pointer and length for a message header (null, 0 without one).
    fn destination_raw(&mut self) -> (*mut libc::c_void, libc::socklen_t) {
        match self.destination.as_mut() {
            Some(address) => (
                (&mut address.storage as *mut libc::sockaddr_storage).cast(),
                address.len,
            ),
            None => (std::ptr::null_mut(), 0),
        }
    }

    /// Sends every committed message (one `sendmmsg`, or `sendto` for a single message;
    /// more calls when the kernel takes fewer); returns how many the kernel took. The
    /// batch is emptied either way: an error after some messages went out returns their
    /// count, an error before any did returns the error.
    pub fn flush(&mut self) -> io::Result<usize> {
        match self.flush_with_error() {
            (0, Some(error)) => Err(error),
            (sent, _) => Ok(sent),
        }
    }

    /// Like [`Sender::flush`], and also returns the error that stopped the batch, even
    /// after some of its messages went out: `(sent, None)` with `sent` below the batch
    /// only when the kernel took no more without reporting an error.
    pub fn flush_with_error(&mut self) -> (usize, Option<io::Error>) {
        let count = self.pending;
        self.pending = 0;
        if count == 0 {
            return (0, None);
        }
        let (name, name_len) = self.destination_raw();
        if count == 1 {
            loop {
                // SAFETY: the first buffer holds `lengths[0]` initialised bytes; `name` is
                // null or points at `name_len` bytes of an address owned by self.
                let n = unsafe {
                    libc::sendto(
                        self.fd,
                        self.buffers.as_ptr().cast(),
                        self.lengths[0],
                        0,
                        name.cast_const().cast(),
                        name_len,
                    )
                };
                if n >= 0 {
                    return (1, None);
                }
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return (0, Some(error));
                }
            }
        }
        for i in 0..count {
            self.iovecs[i] = libc::iovec {
                iov_base: self.buffers[i * self.max_message..].as_mut_ptr().cast(),
                iov_len: self.lengths[i],
            };
            let header = &mut self.headers[i].msg_hdr;
            header.msg_name = name;
            header.msg_namelen = name_len;
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
                return (sent, Some(error));
            }
            if n == 0 {
                break;
            }
            sent += n as usize;
        }
        (sent, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv6Addr, UdpSocket};

    /// Waits (generously: no timing is asserted) and receives until `want` messages came.
    fn receive_all(socket: &UdpSocket, receiver: &mut Receiver, want: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        for _ in 0..100 {
            if got.len() >= want {
                break;
            }
            wait_readable(socket, 100_000_000).expect("poll");
            let n = receiver.receive(want - got.len()).expect("recvmmsg");
            for i in 0..n {
                let message = receiver.message(i).expect("inside the batch");
                got.push(message.data.to_vec());
            }
        }
        got
    }

    fn enable_timestamps(socket: &UdpSocket) {
        let on: libc::c_int = 1;
        // SAFETY: a valid socket and option value.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "SO_TIMESTAMPNS");
    }

    #[test]
    fn udp_batch_round_trip_keeps_order_sources_and_timestamps() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        enable_timestamps(&rx);
        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let destination = SocketAddress::from(rx.local_addr().expect("address"));
        let mut sender = Sender::to(&tx, destination, 4, 64);
        for k in 0..4u8 {
            let buffer = sender.next_buffer().expect("room in the batch");
            buffer[..3].copy_from_slice(&[k, k + 1, k + 2]);
            sender.commit(3);
        }
        assert!(sender.next_buffer().is_none(), "batch of 4 is full");
        assert_eq!(sender.pending(), 4);
        assert_eq!(sender.flush().expect("sendmmsg"), 4);
        assert_eq!(sender.pending(), 0);

        let mut receiver = Receiver::with_sources(&rx, 8, 64);
        assert_eq!(receiver.batch(), 8);
        wait_readable(&rx, 1_000_000_000).expect("poll");
        let n = receiver.receive(8).expect("recvmmsg");
        assert!(n >= 1);
        let first = receiver.message(0).expect("first");
        assert_eq!(first.data, &[0, 1, 2]);
        assert!(!first.truncated);
        assert!(first.kernel_ts.is_some_and(|ts| ts > 0));
        assert_eq!(first.vlan_tci, None);
        assert_eq!(first.packet_type(), None);
        assert!(!first.is_outgoing());
        assert_eq!(first.source_ip(), tx.local_addr().ok());
        let mut all: Vec<Vec<u8>> = (0..n)
            .map(|i| receiver.message(i).expect("inside").data.to_vec())
            .collect();
        all.extend(receive_all(&rx, &mut receiver, 4 - n));
        let expected: Vec<Vec<u8>> = (0..4u8).map(|k| vec![k, k + 1, k + 2]).collect();
        assert_eq!(all, expected);
        assert!(receiver.message(8).is_none(), "past the batch");
    }

    #[test]
    fn single_message_on_a_connected_socket_and_truncation() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        tx.connect(rx.local_addr().expect("address"))
            .expect("connect");
        let mut sender = Sender::new(&tx, 2, 16);
        let buffer = sender.next_buffer().expect("room");
        buffer.copy_from_slice(&[7; 16]);
        sender.commit(100); // clamped to the buffer
        assert_eq!(sender.flush().expect("sendto"), 1);
        assert_eq!(sender.flush().expect("nothing pending"), 0);

        let mut receiver = Receiver::new(&rx, 1, 10);
        let got = receive_all(&rx, &mut receiver, 1);
        assert_eq!(got, vec![vec![7u8; 10]]);
        let message = receiver.message(0).expect("first");
        assert!(message.truncated, "16 bytes into a 10-byte buffer");
        assert!(message.source.is_none(), "sources not kept");
        assert_eq!(message.kernel_ts, None, "timestamps not enabled");
    }

    #[test]
    fn nothing_waiting_is_zero_and_wait_times_out() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let mut receiver = Receiver::new(&rx, 4, 32);
        assert_eq!(receiver.receive(4).expect("no error"), 0);
        assert_eq!(receiver.receive(0).expect("no error"), 0);
        assert!(!wait_readable(&rx, 0).expect("poll"));
    }

    #[test]
    fn receive_raw_reports_what_receive_hides_and_can_wait_for_the_first() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        rx.set_read_timeout(Some(std::time::Duration::from_millis(1)))
            .expect("SO_RCVTIMEO");
        let mut receiver = Receiver::new(&rx, 4, 32);
        for wait_for_first in [false, true] {
            let error = receiver
                .receive_raw(4, wait_for_first)
                .expect_err("nothing is waiting");
            assert_eq!(error.kind(), io::ErrorKind::WouldBlock, "{wait_for_first}");
        }
        assert_eq!(receiver.receive_raw(0, true).expect("nothing asked"), 0);

        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        for k in 0..3u8 {
            tx.send_to(&[k], rx.local_addr().expect("address"))
                .expect("send");
        }
        let mut got = Vec::new();
        for _ in 0..100 {
            if got.len() >= 3 {
                break;
            }
            let Ok(n) = receiver.receive_raw(4, true) else {
                continue;
            };
            got.extend((0..n).map(|i| receiver.message(i).expect("inside").data.to_vec()));
        }
        assert_eq!(got, vec![vec![0u8], vec![1], vec![2]]);

        // An ICMP port unreachable queued on a connected socket: an error for
        // `receive_raw`, nothing for `receive`.
        let closed = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let closed_address = closed.local_addr().expect("address");
        drop(closed);
        let refused = UdpSocket::bind("127.0.0.1:0").expect("bind");
        refused.connect(closed_address).expect("connect");
        refused
            .set_read_timeout(Some(std::time::Duration::from_millis(10)))
            .expect("SO_RCVTIMEO");
        let mut receiver = Receiver::new(&refused, 1, 32);
        let mut kinds = Vec::new();
        for _ in 0..50 {
            refused.send(&[1]).expect("send");
            kinds.push(receiver.receive_raw(1, true).map_err(|e| e.kind()));
            if kinds.contains(&Err(io::ErrorKind::ConnectionRefused)) {
                break;
            }
        }
        assert!(
            kinds.contains(&Err(io::ErrorKind::ConnectionRefused)),
            "{kinds:?}"
        );
        for _ in 0..3 {
            refused.send(&[1]).expect("send");
            assert_eq!(receiver.receive(1).expect("refusal hidden"), 0);
        }
    }

    #[test]
    fn flush_with_error_returns_the_error_flush_returns() {
        // No destination on an unconnected socket: sendto and sendmmsg both fail.
        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        for batch in [1, 3] {
            let mut sender = Sender::new(&tx, batch, 8);
            for _ in 0..batch {
                sender.next_buffer().expect("room")[0] = 1;
                sender.commit(1);
            }
            let (sent, error) = sender.flush_with_error();
            assert_eq!(sent, 0, "batch of {batch}");
            assert!(error.is_some(), "batch of {batch}");
            assert_eq!(sender.pending(), 0, "the batch is emptied");
            sender.next_buffer().expect("room")[0] = 1;
            sender.commit(1);
            assert!(sender.flush().is_err(), "batch of {batch}");
        }
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let destination = SocketAddress::from(rx.local_addr().expect("address"));
        let mut sender = Sender::to(&tx, destination, 2, 8);
        for _ in 0..2 {
            sender.next_buffer().expect("room")[0] = 2;
            sender.commit(1);
        }
        let (sent, error) = sender.flush_with_error();
        assert_eq!(sent, 2);
        assert!(error.is_none(), "{error:?}");
    }

    #[test]
    fn socket_addresses_convert_both_ways() {
        for address in [
            SocketAddr::from(([192, 0, 2, 7], 4712)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, 12001)),
        ] {
            let raw = SocketAddress::from(address);
            assert!(!raw.is_empty());
            assert_eq!(raw.to_std(), Some(address));
        }
        // SAFETY: all-zero is a valid sockaddr_storage.
        let zero: libc::sockaddr_storage = unsafe { zeroed() };
        let clamped = SocketAddress::new(zero, 100_000);
        assert_eq!(clamped.len() as usize, size_of::<libc::sockaddr_storage>());
        assert_eq!(clamped.to_std(), None);
    }

    #[test]
    fn packet_type_reads_sockaddr_ll() {
        // SAFETY: all-zero is valid for both structs.
        let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
        let mut link: libc::sockaddr_ll = unsafe { zeroed() };
        link.sll_family = libc::AF_PACKET as u16;
        link.sll_pkttype = libc::PACKET_OUTGOING;
        // SAFETY: sockaddr_storage is larger than and as aligned as sockaddr_ll.
        unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), link) };
        let frame = Received {
            data: &[],
            kernel_ts: None,
            truncated: false,
            vlan_tci: Some(0x2005),
            source: Some(&storage),
        };
        assert_eq!(frame.packet_type(), Some(libc::PACKET_OUTGOING));
        assert!(frame.is_outgoing());
        assert_eq!(frame.source_ip(), None);
    }
}
