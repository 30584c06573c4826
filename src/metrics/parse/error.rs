//! Parse errors: where (line, column) and what went wrong, in a few words.

/// A malformed line in an exposition body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line number in the body.
    pub line: usize,
    /// 1-based byte column in that line.
    pub column: usize,
    /// Short description, lower case (`expected '=' after label name`).
    pub message: &'static str,
}
