//! The `mmsg` backend of the `udp` node: batched datagram I/O with `recvmmsg`/`sendmmsg`
//! and kernel receive timestamps (`SO_TIMESTAMPNS`), a thin adapter over
//! [`gridhil_netio::mmsg`], which owns the preallocated buffers: nothing here allocates
//! per call.

use gridhil_engine::units::Nanos;
use gridhil_netio::mmsg::{self as netio, SocketAddress};
use std::io;
use std::os::fd::AsRawFd;

pub use gridhil_netio::mmsg::wait_readable;

/// Receive side: `batch` buffers of `max_datagram` bytes each.
pub struct Receiver(netio::Receiver);

/// One received datagram (from either backend).
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
        Receiver(netio::Receiver::new(socket, batch, max_datagram))
    }

    /// Receives up to `max` datagrams without blocking; `Ok(0)` when none is waiting.
    pub fn receive(&mut self, max: usize) -> io::Result<usize> {
        self.0.receive(max)
    }

    /// The `i`-th datagram of the last `receive` (empty when `i` is out of range).
    pub fn datagram(&self, i: usize) -> Datagram<'_> {
        match self.0.message(i) {
            Some(message) => Datagram {
                data: message.data,
                kernel_ts: message.kernel_ts,
                truncated: message.truncated,
            },
            None => Datagram {
                data: &[],
                kernel_ts: None,
                truncated: false,
            },
        }
    }
}

/// Send side: up to `batch` datagrams of at most `max_datagram` bytes per call.
pub struct Sender(netio::Sender);

impl Sender {
    /// Prepares to send to `address`.
    pub fn new(
        socket: &impl AsRawFd,
        address: socket2::SockAddr,
        batch: usize,
        max_datagram: usize,
    ) -> Self {
        let length = address.len();
        let destination = SocketAddress::new(address.as_storage(), length);
        Sender(netio::Sender::to(socket, destination, batch, max_datagram))
    }

    /// The buffer of the next datagram, or `None` when the batch is full.
    pub fn next_buffer(&mut self) -> Option<&mut [u8]> {
        self.0.next_buffer()
    }

    /// Commits `len` bytes written into the buffer from `next_buffer`.
    pub fn commit(&mut self, len: usize) {
        self.0.commit(len);
    }

    /// Datagrams waiting to be sent.
    pub fn pending(&self) -> usize {
        self.0.pending()
    }

    /// Sends every committed datagram; returns how many the kernel took.
    pub fn flush(&mut self) -> io::Result<usize> {
        self.0.flush()
    }
}
