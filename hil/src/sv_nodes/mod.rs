//! Engine nodes for IEC 61850-9-2 sampled values over raw Ethernet:
//! [`publisher::SvPublisherConfig`] (`sv-publisher`) and
//! [`subscriber::SvSubscriberConfig`] (`sv-subscriber`). See `docs/sv-nodes.md`.

pub mod config;
pub mod publisher;
pub mod subscriber;
