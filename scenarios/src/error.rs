//! Errors of a scenario before or around its run, each with the file and (when known) the
//! line it is about. Not the verdicts: a failed assertion is a result, not an error.

/// A problem with a scenario: bad input found before the run, or a run that broke.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", place(file, *line))]
pub struct ScenarioError {
    /// The scenario file.
    pub file: String,
    /// The line of the key the problem is about, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn place(file: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("{file}:{line}: "),
        None if file.is_empty() => String::new(),
        None => format!("{file}: "),
    }
}

impl ScenarioError {
    /// An error at `line` of `file`.
    pub fn at(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
