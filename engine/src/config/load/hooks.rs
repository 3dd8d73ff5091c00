//! Building a path's hook chain: each hook table's type through the registry, then the
//! hook for the signals the hook before it passes on. Running hooks is the path's job.

use super::{Loader, TableRef};
use crate::config::error::ConfigError;
use crate::field::FieldPath;
use crate::hook::{Hook, HookBuildContext};
use crate::signal::Signal;

/// The hooks of a path, in order, with their type names.
type HookChain = Vec<(String, Box<dyn Hook>)>;

impl Loader<'_> {
    /// Builds the hooks of the path at `at` (the `position`-th enabled path, called
    /// `path_name`) for samples carrying `input`; returns them with the signals they pass on.
    pub(super) fn build_hooks(
        &self,
        at: &TableRef,
        tables: Vec<toml::Table>,
        input: &[Signal],
        path_name: &str,
        position: usize,
    ) -> Result<(HookChain, Vec<Signal>, usize), ConfigError> {
        let ctx = HookBuildContext {
            path_name: path_name.to_string(),
            path_index: position,
        };
        let mut signals = input.to_vec();
        let mut hooks = Vec::with_capacity(tables.len());
        let mut widest = signals.len();
        for (index, mut table) in tables.into_iter().enumerate() {
            let hook_at = at.hook(index);
            let known = self.registry.hook_types().map(|(kind, _)| kind);
            let kind = self.take_type(&hook_at, &mut table, known)?;
            let config = match self.registry.hook(&kind, table) {
                Some(config) => config.map_err(|e| self.field_error(&hook_at, e))?,
                None => {
                    let known: Vec<&str> = self.registry.hook_types().map(|(k, _)| k).collect();
                    return Err(self.error(
                        &hook_at,
                        Some(FieldPath::root().key("type")),
                        format!("unknown hook type `{kind}` (known: {})", known.join(", ")),
                    ));
                }
            };
            let (hook, out) = config
                .build(&signals, &ctx)
                .map_err(|e| self.field_error(&hook_at, e))?;
            signals = out;
            widest = widest.max(signals.len());
            hooks.push((kind, hook));
        }
        Ok((hooks, signals, widest))
    }
}
