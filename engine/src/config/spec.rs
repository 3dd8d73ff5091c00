//! The validated configuration the engine runs: nodes, paths, their inputs and triggers.
//! Built only by the loader; `describe()` prints it for `gridhil check`.

use crate::hook::Hook;
use crate::impair::ImpairSettings;
use crate::node::NodeConfig;
use crate::queue::OverflowPolicy;
use crate::signal::Signal;
use crate::units::Rate;
use serde::Deserialize;
use std::fmt;

use super::settings::EngineSettings;

/// When a path produces an output sample.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// On every sample from any input.
    #[default]
    Any,
    /// When every input has delivered a new sample.
    All,
    /// At a fixed rate (the `rate` field), with the latest value of every input.
    Rate,
}

/// A node of a validated configuration.
#[derive(Debug)]
pub struct NodeSpec {
    /// Name (the key under `[nodes]`).
    pub name: String,
    /// Type name.
    pub kind: String,
    /// The type's configuration.
    pub config: Box<dyn NodeConfig>,
    /// Signals the node produces.
    pub signals: Vec<Signal>,
    /// Line of the node's table (`None` for a node made by `--set`).
    pub line: Option<usize>,
}

/// One input of a path: which node, and which of its signals (indices), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// Node index.
    pub node: usize,
    /// Indices of the node's signals taken by the path.
    pub signals: Vec<usize>,
}

/// A path of a validated configuration.
pub struct PathSpec {
    /// Name.
    pub name: String,
    /// Inputs.
    pub inputs: Vec<InputSpec>,
    /// Output node indices.
    pub outputs: Vec<usize>,
    /// Built hooks, in order, with their type names.
    pub hooks: Vec<(String, Box<dyn Hook>)>,
    /// Trigger.
    pub trigger: Trigger,
    /// Rate for the rate trigger.
    pub rate: Option<Rate>,
    /// Capacity of each input queue.
    pub queue: usize,
    /// Overflow policy of the input queues.
    pub overflow: OverflowPolicy,
    /// Whether the path is logged to the run log.
    pub log: bool,
    /// Link impairments (`impair` table); `None`: none at the start, and only loss,
    /// duplication and outages may be set by actions.
    pub impair: Option<ImpairSettings>,
    /// Signals after input mapping.
    pub input_signals: Vec<Signal>,
    /// Signals after the hook chain (what outputs and the run log get).
    pub output_signals: Vec<Signal>,
    /// Most values a sample holds anywhere in the path: input, after each hook, output
    /// (a hook may widen the sample and a later one narrow it again; the pool's slots
    /// must hold the widest).
    pub widest_signals: usize,
    /// Line of the path's table.
    pub line: Option<usize>,
}

impl fmt::Debug for PathSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PathSpec")
            .field("name", &self.name)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field(
                "hooks",
                &self.hooks.iter().map(|h| &h.0).collect::<Vec<_>>(),
            )
            .field("trigger", &self.trigger)
            .finish()
    }
}

/// A validated configuration, ready to run.
#[derive(Debug)]
pub struct EngineSpec {
    /// Configuration file name (as given).
    pub file: String,
    /// Configuration text after overrides (stored in the run log).
    pub text: String,
    /// `[engine]` settings.
    pub engine: EngineSettings,
    /// Nodes, sorted by name.
    pub nodes: Vec<NodeSpec>,
    /// Enabled paths, in file order.
    pub paths: Vec<PathSpec>,
}

impl EngineSpec {
    /// Index of the node called `name`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// A human-readable description of the topology (for `gridhil check`).
    pub fn describe(&self) -> String {
        let mut out = format!("nodes ({}):\n", self.nodes.len());
        for node in &self.nodes {
            out.push_str(&format!("  {}\n", node.describe()));
        }
        out.push_str(&format!("paths ({}):\n", self.paths.len()));
        for path in &self.paths {
            out.push_str(&format!("  {}\n", self.describe_path(path)));
        }
        out
    }

    /// One line for a path: inputs, hooks, outputs, trigger, signals out, logging.
    fn describe_path(&self, path: &PathSpec) -> String {
        let inputs: Vec<String> = path
            .inputs
            .iter()
            .map(|input| {
                let node = &self.nodes[input.node];
                if input.signals.len() == node.signals.len() {
                    node.name.clone()
                } else {
                    let names: Vec<&str> = input
                        .signals
                        .iter()
                        .map(|&s| node.signals[s].name.as_str())
                        .collect();
                    format!("{}.{{{}}}", node.name, names.join(","))
                }
            })
            .collect();
        let outputs: Vec<&str> = path
            .outputs
            .iter()
            .map(|&o| self.nodes[o].name.as_str())
            .collect();
        let hooks: Vec<&str> = path.hooks.iter().map(|h| h.0.as_str()).collect();
        let trigger = match (path.trigger, path.rate) {
            (Trigger::Rate, Some(rate)) => format!("rate {rate}"),
            (Trigger::All, _) => "all".to_string(),
            _ => "any".to_string(),
        };
        format!(
            "{}: [{}] -> hooks [{}] -> [{}], trigger {}, {} signals out{}",
            path.name,
            inputs.join(", "),
            hooks.join(", "),
            outputs.join(", "),
            trigger,
            path.output_signals.len(),
            if path.log { ", logged" } else { "" }
        )
    }
}

impl NodeSpec {
    /// One line for a node: name, type and the signals it produces.
    fn describe(&self) -> String {
        let signals: Vec<String> = self
            .signals
            .iter()
            .map(|s| {
                if s.unit.is_empty() {
                    format!("{}:{}", s.name, s.ty)
                } else {
                    format!("{}[{}]:{}", s.name, s.unit, s.ty)
                }
            })
            .collect();
        format!(
            "{} ({}){}{}",
            self.name,
            self.kind,
            if signals.is_empty() { "" } else { " -> " },
            signals.join(", ")
        )
    }
}
