//! Arithmetic expressions over a sample's signals: parsed and checked once at load time
//! ([`Program::compile`]) into a postfix program that [`Program::eval`] runs over a fixed
//! stack, without allocating. The `expr` hook (`hook.rs`) is built on it.

mod compile;
mod hook;
mod parse;

pub use compile::{Program, MAX_STACK};
pub use hook::{ExprConfig, ExprOutput};
pub use parse::{parse, Ast, BinaryOp, Function};

/// A syntax or naming error in an expression, with the column (1-based, in characters)
/// where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ExprError {
    /// Column of the error, counting from 1.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ExprError {
    pub(crate) fn new(column: usize, message: impl Into<String>) -> Self {
        ExprError {
            column,
            message: message.into(),
        }
    }
}
