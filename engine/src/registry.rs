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

/// What a registered type is, for `gridhil` help texts and the compliance harness.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// One line saying what the type does.
    pub summary: &'static str,
    /// A complete configuration that uses the type, run by the compliance harness
    /// (`tests/compliance.rs`): `gridhil check` passes, nothing allocates on a real-time
    /// thread after start, two virtual-time runs give bit-identical logs. It may use the
    /// placeholders `{dir}` (a scratch folder), `{repo}` (the repository), `{port0}` …
    /// `{port3}` (free ports) and `{iface0}`/`{iface1}` (the two ends of a veth pair).
    /// A type without one fails the harness.
    pub example: Option<&'static str>,
}

/// A type just registered: give it its compliance example.
pub struct Registration<'a> {
    info: &'a mut TypeInfo,
}

impl Registration<'_> {
    /// The type's example configuration (see [`TypeInfo::example`]).
    pub fn example(self, config: &'static str) {
        self.info.example = Some(config);
    }
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
    ) -> Registration<'_> {
        let info = TypeInfo {
            summary,
            example: None,
        };
        let entry = self
            .nodes
            .entry(kind)
            .and_modify(|e| *e = (node_factory::<C>, info))
            .or_insert((node_factory::<C>, info));
        Registration { info: &mut entry.1 }
    }

    /// Registers hook type `kind` whose config struct is `C`.
    pub fn add_hook<C: HookConfig + DeserializeOwned + 'static>(
        &mut self,
        kind: &'static str,
        summary: &'static str,
    ) -> Registration<'_> {
        let info = TypeInfo {
            summary,
            example: None,
        };
        let entry = self
            .hooks
            .entry(kind)
            .and_modify(|e| *e = (hook_factory::<C>, info))
            .or_insert((hook_factory::<C>, info));
        Registration { info: &mut entry.1 }
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
