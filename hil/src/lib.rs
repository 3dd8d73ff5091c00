//! Field-device protocols for gridhil, one codec and its nodes per protocol: the
//! IEC 61850-9-2 sampled-values codec ([`sv`]) and its publisher and subscriber nodes
//! ([`sv_nodes`]); the IEC 61850-8-1 GOOSE codec ([`goose`]) and its nodes
//! ([`goose_nodes`]); the IEC 60870-5-104 codec and link layer ([`iec104`]) and its server
//! and client nodes ([`iec104_nodes`]). Modbus is to land here next.
//!
//! Sockets are `gridhil-netio`'s (`AF_PACKET` for sampled values). Unsafe code is denied
//! except where a node asks the kernel for its clock state.
#![deny(unsafe_code)]

pub mod goose;
pub mod goose_nodes;
pub mod iec104;
pub mod iec104_nodes;
pub mod sv;
pub mod sv_nodes;

/// Registers the node types of this crate.
pub fn register(registry: &mut gridhil_engine::Registry) {
    registry.add_node::<sv_nodes::publisher::SvPublisherConfig>(
        "sv-publisher",
        "publishes samples as an IEC 61850-9-2 sampled-values stream on a raw Ethernet interface",
    )
    .example(include_str!("../compliance/sv-publisher.toml"));
    registry
        .add_node::<sv_nodes::subscriber::SvSubscriberConfig>(
            "sv-subscriber",
            "receives an IEC 61850-9-2 sampled-values stream from a raw Ethernet interface",
        )
        .example(include_str!("../compliance/sv-subscriber.toml"));
    registry
        .add_node::<goose_nodes::publisher::GoosePublisherConfig>(
            "goose-publisher",
            "publishes samples as an IEC 61850-8-1 GOOSE control block (state changes, retransmission curve) on a raw Ethernet interface",
        )
        .example(include_str!("../compliance/goose-publisher.toml"));
    registry
        .add_node::<goose_nodes::subscriber::GooseSubscriberConfig>(
            "goose-subscriber",
            "receives one IEC 61850-8-1 GOOSE control block from a raw Ethernet interface, checking sequence, time allowed to live, confRev and dataset",
        )
        .example(include_str!("../compliance/goose-subscriber.toml"));
    registry
        .add_node::<iec104_nodes::server::Iec104ServerConfig>(
            "iec104-server",
            "gridhil as an IEC 60870-5-104 outstation: signals become points (spontaneous with deadbands, interrogation), commands become samples",
        )
        .example(include_str!("../compliance/iec104-server.toml"));
    registry
        .add_node::<iec104_nodes::client::Iec104ClientConfig>(
            "iec104-client",
            "gridhil as an IEC 60870-5-104 master: points of an outstation become samples, changed inputs become commands",
        )
        .example(include_str!("../compliance/iec104-client.toml"));
}
