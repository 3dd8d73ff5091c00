//! Connecting a path's `out` list: each output node must exist, accept input, have no other
//! writing path, and accept the signals the path writes. Building writers is the run's job.

use super::paths::Writers;
use super::{Loader, TableRef};
use crate::config::error::ConfigError;
use crate::config::spec::NodeSpec;
use crate::field::FieldPath;
use crate::signal::Signal;

impl Loader<'_> {
    /// The output node indices of the path at `at` (called `path_name`), which writes
    /// `signals`; records the path as their writer.
    pub(super) fn connect_outputs(
        &self,
        at: &TableRef,
        path_name: &str,
        outputs: &[String],
        signals: &[Signal],
        nodes: &mut [NodeSpec],
        writers: &mut Writers,
    ) -> Result<Vec<usize>, ConfigError> {
        let mut connected = Vec::with_capacity(outputs.len());
        for (position, output) in outputs.iter().enumerate() {
            let field = || Some(FieldPath::root().key("out").index(position));
            let index = nodes
                .iter()
                .position(|n| &n.name == output)
                .ok_or_else(|| self.error(at, field(), format!("no node named `{output}`")))?;
            let node = &mut nodes[index];
            if !node.config.accepts_input() {
                return Err(self.error(
                    at,
                    field(),
                    format!("node `{output}` ({}) cannot be written to", node.kind),
                ));
            }
            if let Some(owner) = writers.insert(index, path_name.to_string()) {
                return Err(self.error(
                    at,
                    field(),
                    format!(
                        "node `{output}` is already written by path `{owner}`; a node takes one writing path"
                    ),
                ));
            }
            if let Err(error) = node.config.connect_input(signals) {
                // About a field of the node: point there; else at this output.
                return Err(match error.field {
                    Some(node_field) => self.error(
                        &TableRef::node(output),
                        Some(node_field),
                        format!("written by path `{path_name}`: {}", error.message),
                    ),
                    None => self.error(at, field(), format!("node `{output}`: {}", error.message)),
                });
            }
            connected.push(index);
        }
        Ok(connected)
    }
}
