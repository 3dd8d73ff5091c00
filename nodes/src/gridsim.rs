//! `gridsim`: the built-in EMT grid simulator as an engine node.

use gridhil_engine::Registry;

/// Registers the `gridsim` node type.
pub fn register(_registry: &mut Registry) {}
