//! Loading `[nodes.NAME]` tables: the type through the registry, `prepare`, the signals a
//! node produces and the resources it claims. Paths and their wiring are `paths.rs`'s.

use super::{Loader, TableRef};
use crate::config::error::ConfigError;
use crate::config::spec::NodeSpec;
use crate::field::FieldPath;
use crate::node::{ConfigContext, Resource};
use std::collections::{BTreeMap, HashMap, HashSet};

impl Loader<'_> {
    /// Every node, sorted by name; no two may claim the same resource.
    pub(super) fn load_nodes(
        &self,
        tables: BTreeMap<String, toml::Table>,
    ) -> Result<Vec<NodeSpec>, ConfigError> {
        let mut nodes = Vec::with_capacity(tables.len());
        let mut claimed: HashMap<Resource, String> = HashMap::new();
        for (name, table) in tables {
            let node = self.load_node(name, table)?;
            for resource in node.config.resources() {
                if let Some(other) = claimed.insert(resource.clone(), node.name.clone()) {
                    return Err(self.error(
                        &TableRef::node(&node.name),
                        None,
                        format!("{resource:?} is already used by node `{other}`"),
                    ));
                }
            }
            nodes.push(node);
        }
        Ok(nodes)
    }

    /// One node: its name, type, configuration (deserialized and prepared) and signals.
    fn load_node(&self, name: String, mut table: toml::Table) -> Result<NodeSpec, ConfigError> {
        let at = TableRef::node(&name);
        if name.is_empty() || name.contains(['.', ' ']) {
            return Err(self.error(
                &at,
                None,
                "node names may not be empty or contain '.' or spaces",
            ));
        }
        let known = self.registry.node_types().map(|(kind, _)| kind);
        let kind = self.take_type(&at, &mut table, known)?;
        let mut config = match self.registry.node(&kind, table) {
            Some(config) => config.map_err(|e| self.field_error(&at, e))?,
            None => {
                let known: Vec<&str> = self.registry.node_types().map(|(k, _)| k).collect();
                return Err(self.error(
                    &at,
                    Some(FieldPath::root().key("type")),
                    format!("unknown node type `{kind}` (known: {})", known.join(", ")),
                ));
            }
        };
        let ctx = ConfigContext {
            name: name.clone(),
            config_dir: self.dir.to_path_buf(),
        };
        config.prepare(&ctx).map_err(|e| self.field_error(&at, e))?;
        let signals = config.output_signals();
        let mut seen = HashSet::new();
        if let Some(twice) = signals.iter().find(|s| !seen.insert(s.name.as_str())) {
            return Err(self.error(
                &at,
                None,
                format!("signal `{}` is declared twice", twice.name),
            ));
        }
        Ok(NodeSpec {
            line: self.line_of(&at),
            name,
            kind,
            config,
            signals,
        })
    }
}
