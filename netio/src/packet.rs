//! Raw Ethernet through Linux `AF_PACKET` sockets: opening and binding a socket to an
//! interface by name, its options (kernel timestamps, VLAN auxiliary data, multicast
//! membership, buffer sizes) and batched frame I/O ([`FrameReceiver`], [`FrameSender`]).
//!
//! Everything that allocates happens when a socket or a batch is created; receiving
//! and sending never allocate. No protocol lives here: the callers (the sampled-values
//! nodes of `gridhil-hil`) pick the EtherType and read the frames.

use crate::sockopt::set_option;
use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

/// Receive side of batched frame I/O: create it with `FrameReceiver::with_sources` so that
/// [`ReceivedFrame::is_outgoing`] can tell the frames this host sent apart.
pub use crate::mmsg::Receiver as FrameReceiver;

/// One received frame: data, kernel time, stripped 802.1Q TCI, truncation, packet type.
pub use crate::mmsg::Received as ReceivedFrame;

/// Send side of batched frame I/O: `FrameSender::new` sends on the interface the socket
/// is bound to.
pub use crate::mmsg::Sender as FrameSender;

/// Every EtherType (`ETH_P_ALL`): the socket also sees frames this host sends.
pub const ETH_P_ALL: u16 = 0x0003;

/// Error of opening or setting up a packet socket.
#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    /// No network interface has this name.
    #[error("network interface `{0}` not found (see `ip link`)")]
    NoSuchInterface(String),
    /// The interface name cannot be passed to the kernel.
    #[error("interface name `{0}` contains a NUL byte")]
    BadInterfaceName(String),
    /// The kernel gave an interface index that does not fit a `sockaddr_ll`.
    #[error("interface `{name}`: index {index} out of range")]
    IndexOutOfRange {
        /// The interface.
        name: String,
        /// Its index.
        index: u32,
    },
    /// The interface has no Ethernet (MAC) address.
    #[error("interface `{name}` has no Ethernet address ({found})")]
    NoEthernetAddress {
        /// The interface.
        name: String,
        /// What `/sys/class/net/NAME/address` holds.
        found: String,
    },
    /// An operating-system call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl PacketError {
    fn io(context: String, source: io::Error) -> Self {
        PacketError::Io { context, source }
    }
}

/// An `AF_PACKET`/`SOCK_RAW` socket bound to one interface.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
    interface: String,
    ifindex: i32,
}

impl AsRawFd for PacketSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for PacketSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Index of the network interface `name`; the error names it when it does not exist.
pub fn interface_index(name: &str) -> Result<i32, PacketError> {
    let c_name = CString::new(name).map_err(|_| PacketError::BadInterfaceName(name.into()))?;
    // SAFETY: a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
    if index == 0 {
        return Err(PacketError::NoSuchInterface(name.into()));
    }
    i32::try_from(index).map_err(|_| PacketError::IndexOutOfRange {
        name: name.into(),
        index,
    })
}

/// Hardware (MAC) address of interface `name`, from `/sys/class/net/NAME/address`.
pub fn interface_mac(name: &str) -> Result<[u8; 6], PacketError> {
    let path = format!("/sys/class/net/{name}/address");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| PacketError::io(format!("cannot read {path}"), e))?;
    let mut mac = [0u8; 6];
    let mut parts = text.trim().split(':');
    for byte in mac.iter_mut() {
        let part = parts.next().unwrap_or("");
        *byte = u8::from_str_radix(part, 16).map_err(|_| PacketError::NoEthernetAddress {
            name: name.into(),
            found: text.trim().into(),
        })?;
    }
    Ok(mac)
}

impl PacketSocket {
    /// Opens a raw packet socket on `interface` receiving frames of EtherType
    /// `protocol` (host order; 0 receives nothing, for a sender only).
    ///
    /// Errors name the interface, and say when root or `CAP_NET_RAW` is missing.
    pub fn open(interface: &str, protocol: u16) -> Result<PacketSocket, PacketError> {
        let ifindex = interface_index(interface)?;
        let proto_be = protocol.to_be();
        // Protocol 0 at creation: the socket receives nothing until `bind` names both
        // the EtherType and the interface, so no frame of another interface slips in.
        // SAFETY: plain socket(2) call.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            let error = io::Error::last_os_error();
            let context = if error.kind() == io::ErrorKind::PermissionDenied {
                format!("cannot open a raw packet socket for interface `{interface}` (needs root or CAP_NET_RAW)")
            } else {
                format!("cannot open a raw packet socket for interface `{interface}`")
            };
            return Err(PacketError::io(context, error));
        }
        // SAFETY: `raw` is a fresh descriptor owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: all-zero is a valid sockaddr_ll.
        let mut address: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        address.sll_family = libc::AF_PACKET as u16;
        address.sll_protocol = proto_be;
        address.sll_ifindex = ifindex;
        // SAFETY: a valid sockaddr_ll of the size given.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&address as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(PacketError::io(
                format!("cannot bind a packet socket to interface `{interface}`"),
                io::Error::last_os_error(),
            ));
        }
        Ok(PacketSocket {
            fd,
            interface: interface.to_owned(),
            ifindex,
        })
    }

    /// The interface name.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The interface index.
    pub fn ifindex(&self) -> i32 {
        self.ifindex
    }

    fn set_option<T: Copy>(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: &T,
        what: &str,
    ) -> Result<(), PacketError> {
        set_option(&self.fd, level, name, value)
            .map_err(|e| PacketError::io(format!("{what} on interface `{}`", self.interface), e))
    }

    /// Asks for kernel receive timestamps (`SO_TIMESTAMPNS`, CLOCK_REALTIME).
    pub fn enable_timestamps(&self) -> Result<(), PacketError> {
        self.set_option(
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            &1 as &libc::c_int,
            "SO_TIMESTAMPNS",
        )
    }

    /// Asks for `PACKET_AUXDATA`: the 802.1Q tag the kernel stripped from a frame.
    pub fn enable_auxdata(&self) -> Result<(), PacketError> {
        self.set_option(
            libc::SOL_PACKET,
            libc::PACKET_AUXDATA,
            &1 as &libc::c_int,
            "PACKET_AUXDATA",
        )
    }

    /// Receives every multicast frame (`PACKET_MR_ALLMULTI`) or every frame
    /// (`PACKET_MR_PROMISC`) while the socket is open.
    pub fn join(&self, promiscuous: bool) -> Result<(), PacketError> {
        // SAFETY: all-zero is a valid packet_mreq.
        let mut request: libc::packet_mreq = unsafe { std::mem::zeroed() };
        request.mr_ifindex = self.ifindex;
        request.mr_type = if promiscuous {
            libc::PACKET_MR_PROMISC
        } else {
            libc::PACKET_MR_ALLMULTI
        } as u16;
        self.set_option(
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &request,
            "PACKET_ADD_MEMBERSHIP",
        )
    }

    /// Sets `SO_RCVBUF` (with `SO_RCVBUFFORCE` when the kernel caps it and we may).
    pub fn set_receive_buffer(&self, bytes: usize) -> Result<(), PacketError> {
        let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        if self
            .set_option(
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                &value,
                "SO_RCVBUFFORCE",
            )
            .is_ok()
        {
            return Ok(());
        }
        self.set_option(libc::SOL_SOCKET, libc::SO_RCVBUF, &value, "SO_RCVBUF")
    }

    /// Sets `SO_SNDBUF`.
    pub fn set_send_buffer(&self, bytes: usize) -> Result<(), PacketError> {
        let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        if self
            .set_option(
                libc::SOL_SOCKET,
                libc::SO_SNDBUFFORCE,
                &value,
                "SO_SNDBUFFORCE",
            )
            .is_ok()
        {
            return Ok(());
        }
        self.set_option(libc::SOL_SOCKET, libc::SO_SNDBUF, &value, "SO_SNDBUF")
    }

    /// Sets `SO_PRIORITY` (the queueing discipline's priority of sent frames).
    pub fn set_priority(&self, priority: u8) -> Result<(), PacketError> {
        self.set_option(
            libc::SOL_SOCKET,
            libc::SO_PRIORITY,
            &libc::c_int::from(priority),
            "SO_PRIORITY",
        )
    }

    /// Waits until a frame is waiting or `timeout_ns` passes; `Ok(false)` on timeout.
    pub fn wait_readable(&self, timeout_ns: i64) -> io::Result<bool> {
        crate::mmsg::wait_readable(&self.fd, timeout_ns)
    }
}
