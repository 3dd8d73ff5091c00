//! Lab hardware interfaces for gridhil: the IEC 61850-9-2 sampled-values codec
//! ([`sv`]) and its publisher and subscriber nodes ([`sv_nodes`]) on raw Ethernet
//! ([`packet`]).
//!
//! Unsafe code is denied except in the modules that call the kernel's socket API.
#![deny(unsafe_code)]

pub mod packet;
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
}
