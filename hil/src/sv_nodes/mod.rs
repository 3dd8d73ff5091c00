//! Engine nodes for IEC 61850-9-2 sampled values over raw Ethernet:
//! [`publisher::SvPublisherConfig`] (`sv-publisher`) and
//! [`subscriber::SvSubscriberConfig`] (`sv-subscriber`), on `AF_PACKET` sockets from
//! `gridhil_netio::packet`. See `docs/sv-nodes.md`.

pub mod config;
pub mod publisher;
pub mod subscriber;

use gridhil_engine::node::NodeError;
use gridhil_netio::packet::PacketError;

/// A packet-socket error as a node error: OS errors keep their context and cause, the
/// rest (no such interface, no Ethernet address, …) are configuration errors.
pub(crate) fn node_error(error: PacketError) -> NodeError {
    match error {
        PacketError::Io { context, source } => NodeError::io(context, source),
        other => NodeError::Config(other.to_string()),
    }
}
