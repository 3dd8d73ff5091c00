//! Error types: [`ModelError`] for network files, [`SimError`] for the solver.

use thiserror::Error;

/// An error found while reading or validating a network model file.
///
/// Every variant names the file; validation errors also name the TOML table
/// (for example `[lines.l1]`) and the field.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    /// The text is not valid TOML or does not match the schema (unknown field,
    /// wrong type, missing field). The message comes from the TOML parser and
    /// carries the line and column.
    #[error("{}: {}{}", .file, table_prefix(.table), .message)]
    Syntax {
        /// File name as given by the caller.
        file: String,
        /// Table enclosing the error (empty at top level or if unknown).
        table: String,
        /// Parser message.
        message: String,
    },
    /// A field has an invalid value.
    #[error("{file}: [{table}] field `{field}`: {message}")]
    Field {
        /// File name as given by the caller.
        file: String,
        /// Table path, for example `lines.l1`.
        table: String,
        /// Field name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The network as a whole is invalid (for example a floating bus).
    #[error("{file}: {message}")]
    Network {
        /// File name as given by the caller.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {message}")]
    Io {
        /// File name as given by the caller.
        file: String,
        /// Operating system message.
        message: String,
    },
}

/// An error raised by the simulator at construction or while stepping.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SimError {
    /// The simulation options are invalid.
    #[error("invalid simulation option: {0}")]
    Options(String),
    /// The nodal matrix is singular; the unknown names the bus phase or source
    /// current whose pivot vanished (usually a floating node).
    #[error(
        "singular network matrix at unknown `{unknown}` (floating node or parallel ideal sources?)"
    )]
    Singular {
        /// Name of the unknown, e.g. `bus b3 phase a`.
        unknown: String,
    },
    /// An input index is out of range.
    #[error("input index {index} out of range (model has {count} inputs)")]
    InputIndex {
        /// Offending index.
        index: usize,
        /// Number of inputs.
        count: usize,
    },
    /// An input value is not acceptable (not finite, or out of its range).
    #[error("input `{name}`: {message}")]
    InputValue {
        /// Input name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The solution stopped being finite (numerical blow-up).
    #[error("solution diverged (non-finite value) at t = {time_ns} ns")]
    Diverged {
        /// Simulation time of the failed step.
        time_ns: i64,
    },
}

fn table_prefix(table: &str) -> String {
    if table.is_empty() {
        String::new()
    } else {
        format!("[{table}]: ")
    }
}
