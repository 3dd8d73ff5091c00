//! The crate's error type.

/// Errors from parsing host information or from real-time system calls.
///
/// A message says everything, the cause included, and `source()` gives nothing more:
/// printed alone or as a chain (`{:#}`), each thing is said once.
#[derive(Debug, thiserror::Error)]
pub enum RtError {
    /// A CPU list such as `"0-3,8"` could not be parsed.
    #[error("invalid CPU list {input:?}: {reason}")]
    CpuList {
        /// The text that was parsed.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A value read from the host (a `/proc` or `/sys` file) had an unexpected form.
    #[error("cannot parse {what} from {input:?}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The text that was parsed (possibly shortened).
        input: String,
    },
    /// A system call failed.
    #[error("{call} failed: {error}")]
    Os {
        /// The system call, e.g. `"mlockall"`.
        call: &'static str,
        /// The errno it returned (part of the message, not a `source()`).
        error: std::io::Error,
    },
}

impl RtError {
    /// Builds [`RtError::Os`] from the calling thread's current `errno`.
    pub(crate) fn last_os_error(call: &'static str) -> Self {
        RtError::Os {
            call,
            error: std::io::Error::last_os_error(),
        }
    }

    /// Builds [`RtError::Parse`], keeping at most 80 characters of the input.
    pub(crate) fn parse(what: &'static str, input: &str) -> Self {
        RtError::Parse {
            what,
            input: input.chars().take(80).collect(),
        }
    }
}
