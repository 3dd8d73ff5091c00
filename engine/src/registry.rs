//! Node and hook types by name.
//!
//! Each node or hook crate registers its types in one place (its `register` function, the
//! engine's built-in hooks in `hooks::register`); the loader looks them up by `type`.

use crate::field::{self, FieldError};
use crate::hook::HookConfig;
use crate::node::NodeConfig;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

type NodeFactory = fn(toml::Table) -> Result<Box<dyn NodeConfig>, FieldError>;
type HookFactory = fn(toml::Table) -> Result<Box<dyn HookConfig>, FieldError>;

/// What a registered type is, for `gridhil` help texts.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// One line saying what the type does.
    pub summary: &'static str,
}

/// All node and hook types known to the program.
#[derive(Default)]
pub struct Registry {
    nodes: BTreeMap<&'static str, (NodeFactory, TypeInfo)>,
    hooks: BTreeMap<&'static str, (HookFactory, TypeInfo)>,
}

fn node_factory<C: NodeConfig + DeserializeOwned + 'static>(
    table: toml::Table,
) -> Result<Box<dyn NodeConfig>, FieldError> {
    let config: C = field::deserialize(toml::Value::Table(table))?;
    Ok(Box::new(config))
}

fn hook_factory<C: HookConfig + DeserializeOwned + 'static>(
    table: toml::Table,
) -> Result<Box<dyn HookConfig>, FieldError> {
    let config: C = field::deserialize(toml::Value::Table(table))?;
    Ok(Box::new(config))
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Registers node type `kind` whose config struct is `C`.
    pub fn add_node<C: NodeConfig + DeserializeOwned + 'static>(
        &mut self,
        kind: &'static str,
        summary: &'static str,
    ) {
        self.nodes
            .insert(kind, (node_factory::<C>, TypeInfo { summary }));
    }

    /// Registers hook type `kind` whose config struct is `C`.
    pub fn add_hook<C: HookConfig + DeserializeOwned + 'static>(
        &mut self,
        kind: &'static str,
        summary: &'static str,
    ) {
        self.hooks
            .insert(kind, (hook_factory::<C>, TypeInfo { summary }));
    }

    /// Builds a node config of type `kind` from its table (without the `type` key).
    pub fn node(
        &self,
        kind: &str,
        table: toml::Table,
    ) -> Option<Result<Box<dyn NodeConfig>, FieldError>> {
        self.nodes.get(kind).map(|(factory, _)| factory(table))
    }

    /// Builds a hook config of type `kind` from its table (without the `type` key).
    pub fn hook(
        &self,
        kind: &str,
        table: toml::Table,
    ) -> Option<Result<Box<dyn HookConfig>, FieldError>> {
        self.hooks.get(kind).map(|(factory, _)| factory(table))
    }

    /// Registered node types with their summaries.
    pub fn node_types(&self) -> impl Iterator<Item = (&'static str, TypeInfo)> + '_ {
        self.nodes.iter().map(|(k, (_, info))| (*k, *info))
    }

    /// Registered hook types with their summaries.
    pub fn hook_types(&self) -> impl Iterator<Item = (&'static str, TypeInfo)> + '_ {
        self.hooks.iter().map(|(k, (_, info))| (*k, *info))
    }
}
