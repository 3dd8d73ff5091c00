//! Raw Ethernet through Linux `AF_PACKET` sockets: opening and binding a socket to an
//! interface by name, its options (kernel timestamps, VLAN auxiliary data, multicast
//! membership, buffer sizes) and batched frame I/O ([`FrameReceiver`], [`FrameSender`]).
//!
//! Everything that allocates happens when a socket or a batch is created; receiving
//! and sending never allocate.
#![allow(unsafe_code)]

mod mmsg;

pub use mmsg::{FrameReceiver, FrameSender, ReceivedFrame};

use gridhil_engine::node::NodeError;
use gridhil_engine::units::Nanos;
use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// EtherType of IEC 61850-9-2 sampled values.
pub const ETH_P_SV: u16 = 0x88ba;
/// Every EtherType (`ETH_P_ALL`): the socket also sees frames this host sends.
pub const ETH_P_ALL: u16 = 0x0003;

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

/// Index of the network interface `name`; the error names it when it does not exist.
pub fn interface_index(name: &str) -> Result<i32, NodeError> {
    let c_name = CString::new(name)
        .map_err(|_| NodeError::Config(format!("interface name `{name}` contains a NUL byte")))?;
    // SAFETY: a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
    if index == 0 {
        return Err(NodeError::Config(format!(
            "network interface `{name}` not found (see `ip link`)"
        )));
    }
    i32::try_from(index)
        .map_err(|_| NodeError::Config(format!("interface `{name}`: index {index} out of range")))
}

/// Hardware (MAC) address of interface `name`, from `/sys/class/net/NAME/address`.
pub fn interface_mac(name: &str) -> Result<[u8; 6], NodeError> {
    let path = format!("/sys/class/net/{name}/address");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| NodeError::io(format!("cannot read {path}"), e))?;
    let mut mac = [0u8; 6];
    let mut parts = text.trim().split(':');
    for byte in mac.iter_mut() {
        let part = parts.next().unwrap_or("");
        *byte = u8::from_str_radix(part, 16).map_err(|_| {
            NodeError::Config(format!(
                "interface `{name}` has no Ethernet address ({})",
                text.trim()
            ))
        })?;
    }
    Ok(mac)
}

impl PacketSocket {
    /// Opens a raw packet socket on `interface` receiving frames of EtherType
    /// `protocol` (host order; 0 receives nothing, for a sender only).
    ///
    /// Errors name the interface, and say when root or `CAP_NET_RAW` is missing.
    pub fn open(interface: &str, protocol: u16) -> Result<PacketSocket, NodeError> {
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
            return Err(NodeError::io(context, error));
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
            return Err(NodeError::io(
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

    fn set_option<T>(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: &T,
        what: &str,
    ) -> Result<(), NodeError> {
        // SAFETY: `value` is a live `T` of the size given.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                level,
                name,
                (value as *const T).cast(),
                size_of::<T>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(NodeError::io(
                format!("{what} on interface `{}`", self.interface),
                io::Error::last_os_error(),
            ));
        }
        Ok(())
    }

    /// Asks for kernel receive timestamps (`SO_TIMESTAMPNS`, CLOCK_REALTIME).
    pub fn enable_timestamps(&self) -> Result<(), NodeError> {
        self.set_option(
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            &1 as &libc::c_int,
            "SO_TIMESTAMPNS",
        )
    }

    /// Asks for `PACKET_AUXDATA`: the 802.1Q tag the kernel stripped from a frame.
    pub fn enable_auxdata(&self) -> Result<(), NodeError> {
        self.set_option(
            libc::SOL_PACKET,
            libc::PACKET_AUXDATA,
            &1 as &libc::c_int,
            "PACKET_AUXDATA",
        )
    }

    /// Receives every multicast frame (`PACKET_MR_ALLMULTI`) or every frame
    /// (`PACKET_MR_PROMISC`) while the socket is open.
    pub fn join(&self, promiscuous: bool) -> Result<(), NodeError> {
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
    pub fn set_receive_buffer(&self, bytes: usize) -> Result<(), NodeError> {
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
    pub fn set_send_buffer(&self, bytes: usize) -> Result<(), NodeError> {
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
    pub fn set_priority(&self, priority: u8) -> Result<(), NodeError> {
        self.set_option(
            libc::SOL_SOCKET,
            libc::SO_PRIORITY,
            &libc::c_int::from(priority),
            "SO_PRIORITY",
        )
    }

    /// Waits until a frame is waiting or `timeout_ns` passes; `Ok(false)` on timeout.
    pub fn wait_readable(&self, timeout_ns: Nanos) -> io::Result<bool> {
        gridhil_netio::mmsg::wait_readable(&self.fd, timeout_ns)
    }
}
