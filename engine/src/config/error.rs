//! The error of loading a configuration: which file, where in it (or which `--set`), which
//! table and field, and what is wrong. Placing an error is the loader's job, not this file's.

use crate::field::{FieldError, FieldPath};
use std::fmt;

/// Where the value an error is about came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorOrigin {
    /// A line of the configuration file (1-based).
    Line(usize),
    /// A `--set KEY=VALUE` override (the assignment as given).
    Set(String),
    /// The file as a whole (it could not be read), or a place that cannot be told.
    File,
}

/// A configuration error: the file, where in it the offending value is and came from, and
/// what is wrong.
///
/// Shown as `FILE:LINE: [TABLE] FIELD: MESSAGE`, or `--set KEY=VALUE: [TABLE] FIELD:
/// MESSAGE` when an override gave the value. The field is shown relative to its table
/// and left out when the message already names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The configuration file.
    pub file: String,
    /// Where the error is (boxed, so that a `Result` carrying the error stays small).
    pub place: Box<ErrorPlace>,
    /// What is wrong.
    pub message: String,
}

/// Where a configuration error is: the origin of the value, its table and its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPlace {
    /// Where the offending value came from.
    pub origin: ErrorOrigin,
    /// The table the error is in (`nodes.gen`, `paths[0]`, `paths[0].hooks[1]`, `engine`);
    /// empty for the top level.
    pub table: FieldPath,
    /// A name shown beside the table (the name of a path).
    pub label: Option<String>,
    /// The field the error is about, from the top of the document (`nodes.gen.rate`).
    pub field: Option<FieldPath>,
}

impl ConfigError {
    /// An error about the file as a whole (e.g. it cannot be read).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::at(file, ErrorOrigin::File, message)
    }

    /// An error about the file as a whole, from `origin` (a line, a `--set`).
    pub fn at(file: impl Into<String>, origin: ErrorOrigin, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.into(),
            place: Box::new(ErrorPlace {
                origin,
                table: FieldPath::root(),
                label: None,
                field: None,
            }),
            message: message.into(),
        }
    }

    /// Where the offending value came from.
    pub fn origin(&self) -> &ErrorOrigin {
        &self.place.origin
    }

    /// The field the error is about, from the top of the document.
    pub fn field(&self) -> Option<&FieldPath> {
        self.place.field.as_ref()
    }

    /// The table the error is in.
    pub fn table(&self) -> &FieldPath {
        &self.place.table
    }

    /// The line the error points at, when it comes from a line of the file.
    pub fn line(&self) -> Option<usize> {
        match self.place.origin {
            ErrorOrigin::Line(line) => Some(line),
            _ => None,
        }
    }

    /// The field relative to the table, as shown.
    pub fn field_in_table(&self) -> Option<FieldPath> {
        let field = self.place.field.as_ref()?;
        let relative = field.strip_prefix(&self.place.table)?;
        (!relative.is_root()).then_some(relative)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = &self.place;
        match &place.origin {
            ErrorOrigin::Line(line) => write!(f, "{}:{line}", self.file)?,
            ErrorOrigin::Set(assignment) => write!(f, "--set {assignment}")?,
            ErrorOrigin::File => write!(f, "{}", self.file)?,
        }
        if !place.table.is_root() {
            write!(f, ": [{}", place.table)?;
            if let Some(label) = &place.label {
                write!(f, " ({label})")?;
            }
            write!(f, "]")?;
        }
        match self.field_in_table() {
            Some(field) if !FieldError::message_names(&self.message, &field) => {
                let gap = if place.table.is_root() { ": " } else { " " };
                write!(f, "{gap}`{field}`: {}", self.message)
            }
            _ => write!(f, ": {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(origin: ErrorOrigin, table: &str, field: Option<&str>, message: &str) -> ConfigError {
        let mut error = ConfigError::at("c.toml", origin, message);
        error.place.table = FieldPath::parse(table);
        error.place.field = field.map(FieldPath::parse);
        error
    }

    #[test]
    fn shows_file_line_table_field_message() {
        let e = error(
            ErrorOrigin::Line(3),
            "nodes.gen",
            Some("nodes.gen.rate"),
            "no unit",
        );
        assert_eq!(e.to_string(), "c.toml:3: [nodes.gen] `rate`: no unit");
        assert_eq!(e.line(), Some(3));
        let e = error(
            ErrorOrigin::Line(4),
            "nodes.gen",
            None,
            "missing field `type`",
        );
        assert_eq!(e.to_string(), "c.toml:4: [nodes.gen]: missing field `type`");
        let e = error(ErrorOrigin::Line(1), "", Some("extra"), "unknown field");
        assert_eq!(e.to_string(), "c.toml:1: `extra`: unknown field");
        assert_eq!(
            ConfigError::file("c.toml", "cannot read").to_string(),
            "c.toml: cannot read"
        );
    }

    #[test]
    fn a_field_named_by_the_message_is_said_once() {
        let e = error(
            ErrorOrigin::Line(5),
            "nodes.gen",
            Some("nodes.gen.frequncy"),
            "unknown field `frequncy`, expected `rate`",
        );
        assert_eq!(
            e.to_string(),
            "c.toml:5: [nodes.gen]: unknown field `frequncy`, expected `rate`"
        );
    }

    #[test]
    fn overrides_and_labels_are_shown() {
        let mut e = error(
            ErrorOrigin::Set("paths.0.hooks.1.gain=x".into()),
            "paths[0].hooks[1]",
            Some("paths[0].hooks[1].gain"),
            "invalid type",
        );
        e.place.label = Some("main".into());
        assert_eq!(
            e.to_string(),
            "--set paths.0.hooks.1.gain=x: [paths[0].hooks[1] (main)] `gain`: invalid type"
        );
        assert_eq!(e.line(), None);
    }
}
