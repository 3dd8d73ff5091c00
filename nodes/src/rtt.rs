//! `rtt`: a node that measures round trips through other nodes.

use gridhil_engine::Registry;

/// Registers the `rtt` node type.
pub fn register(_registry: &mut Registry) {}
