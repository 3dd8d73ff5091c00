//! Engine nodes for IEC 61850-8-1 GOOSE over raw Ethernet:
//! [`publisher::GoosePublisherConfig`] (`goose-publisher`) and
//! [`subscriber::GooseSubscriberConfig`] (`goose-subscriber`), on `AF_PACKET` sockets from
//! `gridhil_netio::packet`, with the dataset description of [`dataset`]. See
//! `docs/goose.md`.

pub mod dataset;
pub mod publisher;
pub mod subscriber;

use crate::sv_nodes::node_error;
