//! Socket options through `setsockopt(2)`: the one place gridhil's sockets (UDP, packet, the
//! rtt probe) set an option the standard library and `socket2` do not cover.
//!
//! Options are plain values (an `int`, a `packet_mreq`); nothing here reads options back.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// Sets option `name` at `level` to `value` on `socket`.
///
/// `T` is the option's C type (`libc::c_int` for most, a `libc::packet_mreq` for packet
/// membership); its size is what the kernel is told.
pub fn set_option<T: Copy>(
    socket: &impl AsFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: `value` is a live `T` and exactly its size is passed; the descriptor is
    // borrowed from a live socket.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_fd().as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Sets an integer option (`SO_TIMESTAMPNS`, `SO_RCVBUFFORCE`, …).
pub fn set_int_option(
    socket: &impl AsFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    set_option(socket, level, name, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    #[test]
    fn an_option_set_is_the_option_read_back() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        set_int_option(&socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1).unwrap();
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: a c_int buffer of the size given.
        let rc = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!((rc, value), (0, 1));
        let error = set_int_option(&socket, libc::SOL_SOCKET, -1, 1).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENOPROTOOPT));
    }
}
