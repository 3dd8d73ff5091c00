//! The result type of one host check.

/// Outcome of one host check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// The host is set up as a real-time lab host needs (or the item does not apply).
    Ok,
    /// gridhil runs, but with worse or unbounded latency; `fix` says what to change.
    Warn,
}

/// One line of `gridhil rt check`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// Stable short name, one of [`crate::CHECK_NAMES`].
    pub name: String,
    /// Ok or warn.
    pub status: CheckStatus,
    /// One line saying what was found.
    pub detail: String,
    /// One line saying how to fix a warning; `None` when the check is ok.
    pub fix: Option<String>,
}

impl Check {
    /// An ok check.
    pub fn ok(name: &str, detail: impl Into<String>) -> Self {
        Check {
            name: name.to_string(),
            status: CheckStatus::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A warning with its fix.
    pub fn warn(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Check {
            name: name.to_string(),
            status: CheckStatus::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// Whether the check is ok.
    pub fn is_ok(&self) -> bool {
        self.status == CheckStatus::Ok
    }
}
