//! The one place where every node and hook type of this build is registered.

use gridhil_engine::Registry;

/// All node and hook types.
pub fn build() -> Registry {
    let mut registry = Registry::new();
    gridhil_engine::hooks::register(&mut registry);
    gridhil_hooks::register(&mut registry);
    gridhil_nodes::register(&mut registry);
    gridhil_hil::register(&mut registry);
    gridhil_pmu::register(&mut registry);
    registry
}
