//! Socket I/O shared by gridhil's UDP node (`gridhil-nodes`), its raw Ethernet
//! interfaces (`gridhil-hil`) and the rtt probe: one `recvmmsg`/`sendmmsg`
//! implementation for `AF_INET`, `AF_INET6` and `AF_PACKET` sockets ([`mmsg`]), `AF_PACKET`
//! sockets bound to an interface ([`packet`]) and socket options ([`sockopt`]).
//!
//! Buffers, iovecs, message headers, source-address and control-message areas are allocated
//! once when a [`mmsg::Receiver`] or [`mmsg::Sender`] is created; receiving and sending
//! never allocate.

pub mod mmsg;
pub mod options;
pub mod packet;
pub mod sockopt;

pub use options::ReceiveTimestamps;
