//! Batched UDP I/O for the probe: `recvmmsg` with one kernel time stamp per datagram, and
//! `sendmmsg` of several datagrams to one address. Buffers and message headers are
//! allocated once, before the run.

use super::socket::find_timestamp;
use gridhil_engine::units::Nanos;
use std::io;
use std::net::SocketAddr;
use std::os::fd::RawFd;

/// Control-message space for one `SCM_TIMESTAMPNS` (aligned for `cmsghdr`).
type ControlBuffer = [u64; 8];

/// One datagram of a received batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Datagram {
    /// Bytes written into its buffer.
    pub len: usize,
    /// Whether it was longer than its buffer.
    pub truncated: bool,
    /// The kernel's receive time (`CLOCK_REALTIME` ns), when it sent one.
    pub kernel_ns: Option<Nanos>,
}

/// Receive buffers for up to `slots` datagrams per `recvmmsg` call.
pub struct BatchReceiver {
    slot_len: usize,
    buffers: Vec<u8>,
    controls: Vec<ControlBuffer>,
    datagrams: Vec<Datagram>,
}

impl BatchReceiver {
    /// Buffers for `slots` (at most [`CHUNK`]) datagrams of at most `slot_len` bytes.
    pub fn new(slots: usize, slot_len: usize) -> Self {
        let slots = slots.clamp(1, CHUNK);
        BatchReceiver {
            slot_len,
            buffers: vec![0; slots * slot_len],
            controls: vec![[0; 8]; slots],
            datagrams: vec![Datagram::default(); slots],
        }
    }

    /// Receives up to one batch with one `recvmmsg`: waits (at most the socket's receive
    /// timeout) for the first datagram unless `nonblocking`, then takes whatever else is
    /// queued. Returns how many; read them with [`BatchReceiver::get`].
    pub fn receive(&mut self, fd: RawFd, nonblocking: bool) -> io::Result<usize> {
        // SAFETY: iovec and mmsghdr are plain data; all-zero is valid.
        let mut iovecs: [libc::iovec; CHUNK] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut headers: [libc::mmsghdr; CHUNK] = unsafe { std::mem::zeroed() };
        let slots = self.datagrams.len();
        for (((iov, header), buffer), control) in iovecs
            .iter_mut()
            .zip(headers.iter_mut())
            .zip(self.buffers.chunks_exact_mut(self.slot_len))
            .zip(self.controls.iter_mut())
        {
            iov.iov_base = buffer.as_mut_ptr().cast();
            iov.iov_len = buffer.len();
            header.msg_hdr.msg_iov = iov;
            header.msg_hdr.msg_iovlen = 1;
            header.msg_hdr.msg_control = control.as_mut_ptr().cast();
            header.msg_hdr.msg_controllen = std::mem::size_of::<ControlBuffer>() as _;
        }
        let flags = if nonblocking {
            libc::MSG_DONTWAIT
        } else {
            libc::MSG_WAITFORONE
        };
        // SAFETY: the first `slots` headers point at live, writable buffers of their stated
        // lengths (slices of `self.buffers` and `self.controls`); a null timeout is allowed.
        let got = unsafe {
            libc::recvmmsg(
                fd,
                headers.as_mut_ptr(),
                slots as libc::c_uint,
                flags as _,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            return Err(io::Error::last_os_error());
        }
        let got = got as usize;
        for (header, datagram) in headers.iter().zip(self.datagrams.iter_mut()).take(got) {
            *datagram = Datagram {
                len: header.msg_len as usize,
                truncated: header.msg_hdr.msg_flags & libc::MSG_TRUNC != 0,
                kernel_ns: find_timestamp(&header.msg_hdr),
            };
        }
        Ok(got)
    }

    /// Datagram `i` of the last batch and its bytes.
    pub fn get(&self, i: usize) -> Option<(Datagram, &[u8])> {
        let datagram = *self.datagrams.get(i)?;
        let start = i.checked_mul(self.slot_len)?;
        let bytes = self
            .buffers
            .get(start..start + datagram.len.min(self.slot_len))?;
        Some((datagram, bytes))
    }
}

/// Datagrams per `recvmmsg`/`sendmmsg` call (headers live on the stack).
pub const CHUNK: usize = 64;

/// The socket address of `addr` for the C socket calls.
pub fn raw_address(addr: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all-zero is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(v4.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: v6.flowinfo().to_be(),
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// Sends `datagrams` (at most [`CHUNK`]) to `to` with one `sendmmsg`; returns how many
/// left (the first ones).
pub fn send_batch(
    fd: RawFd,
    to: &(libc::sockaddr_storage, libc::socklen_t),
    datagrams: &[&[u8]],
) -> io::Result<usize> {
    let n = datagrams.len().min(CHUNK);
    // SAFETY: iovec and mmsghdr are plain data; all-zero is valid.
    let mut iovecs: [libc::iovec; CHUNK] = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut headers: [libc::mmsghdr; CHUNK] = unsafe { std::mem::zeroed() };
    for ((iov, header), datagram) in iovecs.iter_mut().zip(headers.iter_mut()).zip(datagrams) {
        iov.iov_base = datagram.as_ptr() as *mut libc::c_void;
        iov.iov_len = datagram.len();
        header.msg_hdr.msg_iov = iov;
        header.msg_hdr.msg_iovlen = 1;
        header.msg_hdr.msg_name =
            (&to.0 as *const libc::sockaddr_storage as *mut libc::sockaddr_storage).cast();
        header.msg_hdr.msg_namelen = to.1;
    }
    // SAFETY: the first `n` headers point at the caller's datagrams (only read) and at the
    // address, all alive for the call.
    let sent = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), n as libc::c_uint, 0) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_batch_goes_out_and_comes_in_with_time_stamps() {
        let rx = super::super::socket::ProbeSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let to = rx.local_addr().unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let payloads: Vec<Vec<u8>> = (0..70u8).map(|i| vec![i; 1 + i as usize]).collect();
        let slices: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
        let address = raw_address(to);
        let mut sent = 0;
        while sent < slices.len() {
            sent += send_batch(tx.as_raw_fd(), &address, &slices[sent..]).unwrap();
        }
        let mut batch = BatchReceiver::new(100, 32);
        assert_eq!(batch.datagrams.len(), CHUNK, "slots capped");
        let mut seen = Vec::new();
        while seen.len() < 70 {
            let n = batch.receive(rx.raw_fd(), false).unwrap();
            for i in 0..n {
                let (datagram, bytes) = batch.get(i).unwrap();
                let full_len = 1 + bytes[0] as usize;
                assert_eq!(bytes.len(), full_len.min(32));
                assert_eq!(datagram.truncated, full_len > 32);
                if rx.kernel_timestamps {
                    assert!(datagram.kernel_ns.is_some());
                }
                seen.push(bytes[0]);
            }
        }
        assert_eq!(seen, (0..70u8).collect::<Vec<_>>());
        assert!(batch.get(CHUNK).is_none());
    }

    #[test]
    fn ipv6_addresses_convert() {
        let (storage, len) = raw_address("[::1]:12002".parse().unwrap());
        assert_eq!(storage.ss_family, libc::AF_INET6 as libc::sa_family_t);
        assert_eq!(len as usize, std::mem::size_of::<libc::sockaddr_in6>());
    }
}
