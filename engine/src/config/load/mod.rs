//! Reads and checks a configuration: text and `--set`s in, a validated [`EngineSpec`] out.
//! The steps (nodes, paths, inputs, hooks, outputs) each have a file beside this one.

mod hooks;
mod inputs;
mod nodes;
mod outputs;
mod paths;

use super::error::{ConfigError, ErrorOrigin, ErrorPlace};
use super::locate::FieldLocator;
use super::overrides::{apply_overrides, override_of, Override};
use super::settings::EngineSettings;
use super::spec::EngineSpec;
use crate::field::{self, FieldError, FieldPath};
use crate::registry::Registry;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads and validates a configuration file with overrides (`KEY=VALUE`, as `--set`).
pub fn load_file(
    path: &Path,
    overrides: &[String],
    registry: &Registry,
) -> Result<EngineSpec, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::file(&file, format!("cannot read: {e}")))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    load_str(&text, &file, &dir, overrides, registry)
}

/// Reads and validates configuration text; `file` names it in errors and `dir` resolves
/// relative paths in it.
pub fn load_str(
    text: &str,
    file: &str,
    dir: &Path,
    overrides: &[String],
    registry: &Registry,
) -> Result<EngineSpec, ConfigError> {
    let locator = FieldLocator::parse(text).map_err(|error| {
        let origin = error.line.map_or(ErrorOrigin::File, ErrorOrigin::Line);
        ConfigError::at(file, origin, error.message)
    })?;
    let (text, overrides) = if overrides.is_empty() {
        (text.to_string(), Vec::new())
    } else {
        let mut document = locator.document().clone().into_mut();
        let applied = apply_overrides(&mut document, overrides).map_err(|error| {
            ConfigError::at(file, ErrorOrigin::Set(error.assignment), error.message)
        })?;
        (document.to_string(), applied)
    };
    let loader = Loader {
        file,
        dir,
        locator,
        overrides,
        registry,
    };
    let raw = loader.top_level(&text)?;
    let engine = loader.load_engine(raw.engine)?;
    let mut nodes = loader.load_nodes(raw.nodes)?;
    let paths = loader.load_paths(raw.paths, &mut nodes)?;
    Ok(EngineSpec {
        file: file.to_string(),
        text,
        engine,
        nodes,
        paths,
    })
}

/// The top level of a configuration, each part still a table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    engine: Option<toml::Table>,
    #[serde(default)]
    nodes: BTreeMap<String, toml::Table>,
    #[serde(default)]
    paths: Vec<toml::Table>,
}

/// A table of the configuration as errors name it: its path and, for a path table, the
/// path's name.
#[derive(Debug, Clone)]
struct TableRef {
    path: FieldPath,
    label: Option<String>,
}

impl TableRef {
    fn top() -> Self {
        TableRef {
            path: FieldPath::root(),
            label: None,
        }
    }

    fn engine() -> Self {
        TableRef {
            path: FieldPath::root().key("engine"),
            label: None,
        }
    }

    fn node(name: &str) -> Self {
        TableRef {
            path: FieldPath::root().key("nodes").key(name),
            label: None,
        }
    }

    fn path(index: usize, name: &str) -> Self {
        TableRef {
            path: FieldPath::root().key("paths").index(index),
            label: Some(name.to_string()),
        }
    }

    fn hook(&self, index: usize) -> Self {
        TableRef {
            path: self.path.key("hooks").index(index),
            label: self.label.clone(),
        }
    }
}

/// What every loading step needs: where errors go and how files resolve.
struct Loader<'a> {
    file: &'a str,
    dir: &'a Path,
    locator: FieldLocator,
    overrides: Vec<Override>,
    registry: &'a Registry,
}

impl Loader<'_> {
    /// An error in `table`, about `field` (relative to the table) when given.
    fn error(
        &self,
        table: &TableRef,
        field: Option<FieldPath>,
        message: impl Into<String>,
    ) -> ConfigError {
        let field = field.map(|field| table.path.join(&field));
        let place = field.as_ref().unwrap_or(&table.path);
        ConfigError {
            file: self.file.to_string(),
            place: Box::new(ErrorPlace {
                origin: self.origin_of(place, &table.path),
                table: table.path.clone(),
                label: table.label.clone(),
                field,
            }),
            message: message.into(),
        }
    }

    /// An error a node or hook type gave about its table.
    fn field_error(&self, table: &TableRef, error: FieldError) -> ConfigError {
        self.error(table, error.field, error.message)
    }

    /// The `--set` that gave the value at `place`, else its line in the file. A table only
    /// an override wrote is that override's.
    fn origin_of(&self, place: &FieldPath, table: &FieldPath) -> ErrorOrigin {
        if let Some(applied) = override_of(&self.overrides, place) {
            return ErrorOrigin::Set(applied.assignment.clone());
        }
        if self.locator.line_of_written(table).is_none() {
            let inside = self
                .overrides
                .iter()
                .rev()
                .find(|o| o.field.starts_with(table));
            if let Some(applied) = inside {
                return ErrorOrigin::Set(applied.assignment.clone());
            }
        }
        self.locator
            .line_of(place)
            .map_or(ErrorOrigin::File, ErrorOrigin::Line)
    }

    /// Line of a table as written (`None` for one made by `--set`).
    fn line_of(&self, table: &TableRef) -> Option<usize> {
        self.locator.line_of_written(&table.path)
    }

    /// Splits the document into `[engine]`, `[nodes.*]` and `[[paths]]`.
    fn top_level(&self, text: &str) -> Result<RawConfig, ConfigError> {
        let top = TableRef::top();
        // The text parsed once already; only an override can make it fail here.
        let root: toml::Table =
            toml::from_str(text).map_err(|e| self.error(&top, None, e.message().trim()))?;
        field::deserialize(toml::Value::Table(root)).map_err(|e| self.field_error(&top, e))
    }

    /// The `[engine]` table, with a relative run-log path resolved from the file's folder.
    fn load_engine(&self, table: Option<toml::Table>) -> Result<EngineSettings, ConfigError> {
        let Some(table) = table else {
            return Ok(EngineSettings::default());
        };
        let mut engine: EngineSettings = field::deserialize(toml::Value::Table(table))
            .map_err(|e| self.field_error(&TableRef::engine(), e))?;
        if let Some(hdf5) = &engine.log.hdf5 {
            if hdf5.is_relative() {
                engine.log.hdf5 = Some(self.dir.join(hdf5));
            }
        }
        Ok(engine)
    }

    /// Removes and returns the `type` of a node or hook table.
    fn take_type<'k>(
        &self,
        table_ref: &TableRef,
        table: &mut toml::Table,
        known: impl Iterator<Item = &'k str>,
    ) -> Result<String, ConfigError> {
        match table.remove("type") {
            Some(toml::Value::String(kind)) => Ok(kind),
            other => {
                let known: Vec<&str> = known.collect();
                let what = if other.is_some() {
                    "must be a string"
                } else {
                    "missing field `type`"
                };
                let field = other.is_some().then(|| FieldPath::root().key("type"));
                Err(self.error(
                    table_ref,
                    field,
                    format!("{what} (one of: {})", known.join(", ")),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests;
