//! Receive options shared by every socket node's configuration.

use serde::Deserialize;

/// Where a received sample's `ts_received` comes from.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReceiveTimestamps {
    /// The kernel's receive time (`SO_TIMESTAMPNS`), falling back to the engine clock.
    #[default]
    Kernel,
    /// The engine clock when the reader handles the datagram or frame.
    Engine,
}
