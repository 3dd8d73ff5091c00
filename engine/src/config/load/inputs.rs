//! Resolving a path's `in` list (`node` or `node.signal`) to node and signal indices.
//! Consecutive signals of one node merge into one input; nothing here builds anything.

use super::{Loader, TableRef};
use crate::config::error::ConfigError;
use crate::config::spec::{InputSpec, NodeSpec};
use crate::field::FieldPath;

impl Loader<'_> {
    /// The inputs of the path at `at`, grouped by node in order of first mention.
    pub(super) fn resolve_inputs(
        &self,
        at: &TableRef,
        references: &[String],
        nodes: &[NodeSpec],
    ) -> Result<Vec<InputSpec>, ConfigError> {
        let mut inputs: Vec<InputSpec> = Vec::new();
        for (position, reference) in references.iter().enumerate() {
            let field = Some(FieldPath::root().key("in").index(position));
            let (node, picked) = resolve_input(reference, nodes)
                .map_err(|message| self.error(at, field, message))?;
            match inputs.iter_mut().find(|i| i.node == node) {
                Some(existing) => existing.signals.extend(picked),
                None => inputs.push(InputSpec {
                    node,
                    signals: picked,
                }),
            }
        }
        Ok(inputs)
    }
}

/// One reference: the node's index and the indices of the signals it takes.
fn resolve_input(reference: &str, nodes: &[NodeSpec]) -> Result<(usize, Vec<usize>), String> {
    let (node_name, signal_name) = match reference.split_once('.') {
        Some((node, signal)) => (node, Some(signal)),
        None => (reference, None),
    };
    let index = nodes
        .iter()
        .position(|n| n.name == node_name)
        .ok_or_else(|| format!("no node named `{node_name}`"))?;
    let node = &nodes[index];
    if node.signals.is_empty() {
        return Err(format!(
            "node `{node_name}` ({}) produces no samples",
            node.kind
        ));
    }
    let Some(signal) = signal_name else {
        return Ok((index, (0..node.signals.len()).collect()));
    };
    match node.signals.iter().position(|s| s.name == signal) {
        Some(picked) => Ok((index, vec![picked])),
        None => {
            let names: Vec<&str> = node.signals.iter().map(|s| s.name.as_str()).collect();
            Err(format!(
                "node `{node_name}` has no signal `{signal}` (it has: {})",
                names.join(", ")
            ))
        }
    }
}
