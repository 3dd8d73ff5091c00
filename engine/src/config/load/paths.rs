//! Loading `[[paths]]` tables: their own fields and triggers, then inputs, hooks and
//! outputs in that order (each in its own file). Node tables are `nodes.rs`'s.

use super::{Loader, TableRef};
use crate::config::error::ConfigError;
use crate::config::spec::{NodeSpec, PathSpec, Trigger};
use crate::field::{self, FieldPath};
use crate::impair::ImpairSettings;
use crate::queue::OverflowPolicy;
use crate::signal::Signal;
use crate::units::Rate;
use serde::Deserialize;
use std::collections::HashMap;

/// A `[[paths]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    /// Read from the table before it is deserialized (it labels errors); checked here.
    #[serde(rename = "name")]
    _name: Option<String>,
    #[serde(rename = "in")]
    inputs: Vec<String>,
    #[serde(rename = "out", default)]
    outputs: Vec<String>,
    #[serde(default)]
    hooks: Vec<toml::Table>,
    #[serde(default)]
    trigger: Trigger,
    rate: Option<Rate>,
    #[serde(default = "default_queue")]
    queue: usize,
    #[serde(default)]
    overflow: OverflowPolicy,
    #[serde(default = "yes")]
    log: bool,
    #[serde(default = "yes")]
    enabled: bool,
    impair: Option<ImpairSettings>,
}

fn default_queue() -> usize {
    1024
}

fn yes() -> bool {
    true
}

/// Which path writes to which node (by index): a node takes one writing path.
pub(super) type Writers = HashMap<usize, String>;

impl Loader<'_> {
    /// Every enabled path, in file order.
    pub(super) fn load_paths(
        &self,
        tables: Vec<toml::Table>,
        nodes: &mut [NodeSpec],
    ) -> Result<Vec<PathSpec>, ConfigError> {
        let mut paths: Vec<PathSpec> = Vec::new();
        let mut writers = Writers::new();
        for (index, table) in tables.into_iter().enumerate() {
            let name = match table.get("name").and_then(toml::Value::as_str) {
                Some(name) => name.to_string(),
                None => format!("path{index}"),
            };
            let at = TableRef::path(index, &name);
            let raw: RawPath = field::deserialize(toml::Value::Table(table))
                .map_err(|e| self.field_error(&at, e))?;
            if !raw.enabled {
                continue;
            }
            if paths.iter().any(|p| p.name == name) {
                return Err(self.error(
                    &at,
                    key("name"),
                    format!("another path is called `{name}` too"),
                ));
            }
            let path = self.load_path(&at, name, raw, paths.len(), nodes, &mut writers)?;
            paths.push(path);
        }
        Ok(paths)
    }

    /// One enabled path, the `position`-th of those enabled.
    fn load_path(
        &self,
        at: &TableRef,
        name: String,
        raw: RawPath,
        position: usize,
        nodes: &mut [NodeSpec],
        writers: &mut Writers,
    ) -> Result<PathSpec, ConfigError> {
        self.check_path_fields(at, &raw)?;
        let inputs = self.resolve_inputs(at, &raw.inputs, nodes)?;
        // Signal order in the sample follows input order grouped by node.
        let input_signals: Vec<Signal> = inputs
            .iter()
            .flat_map(|i| i.signals.iter().map(|&s| nodes[i.node].signals[s].clone()))
            .collect();
        let (hooks, output_signals, widest_signals) =
            self.build_hooks(at, raw.hooks, &input_signals, &name, position)?;
        let outputs =
            self.connect_outputs(at, &name, &raw.outputs, &output_signals, nodes, writers)?;
        Ok(PathSpec {
            line: self.line_of(at),
            name,
            inputs,
            outputs,
            hooks,
            trigger: raw.trigger,
            rate: raw.rate,
            queue: raw.queue,
            overflow: raw.overflow,
            log: raw.log,
            impair: raw.impair,
            input_signals,
            output_signals,
            widest_signals,
        })
    }

    /// The path's own fields that must agree: inputs given, trigger and rate, queue size.
    fn check_path_fields(&self, at: &TableRef, raw: &RawPath) -> Result<(), ConfigError> {
        if raw.inputs.is_empty() {
            return Err(self.error(at, key("in"), "needs at least one node or node.signal"));
        }
        if raw.trigger == Trigger::Rate && raw.rate.is_none() {
            return Err(self.error(
                at,
                key("trigger"),
                "\"rate\" needs a `rate`, e.g. rate = \"1kHz\"",
            ));
        }
        if raw.trigger != Trigger::Rate && raw.rate.is_some() {
            return Err(self.error(at, key("rate"), "only used with trigger = \"rate\""));
        }
        if raw.queue == 0 {
            return Err(self.error(at, key("queue"), "must be at least 1"));
        }
        if let Some(impair) = &raw.impair {
            impair
                .check()
                .map_err(|message| self.error(at, key("impair"), message))?;
        }
        Ok(())
    }
}

/// The field `name` of a table.
pub(super) fn key(name: &str) -> Option<FieldPath> {
    Some(FieldPath::root().key(name))
}
