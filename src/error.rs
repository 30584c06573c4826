//! The error a command ends with, and its mapping to exit codes (spec §9).

/// How the process ends (spec §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success,
    /// Nothing could be done.
    Failure,
    /// The command line was wrong.
    Usage,
    /// Output was produced but some proxies failed.
    Partial,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Partial => 3,
        }
    }
}

/// Why a command could not do what it was asked. The message is shown to the user as is, after
/// `error: `, so it starts lower-case and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments do not make sense together (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Nothing could be done (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Reading or writing a local file failed (exit 1).
    #[error("{action} {path}: {source}")]
    File {
        /// What was being done: `cannot read`, `cannot write`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// The exit status this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage(_) => Exit::Usage,
            Error::Failed(_) | Error::File { .. } => Exit::Failure,
        }
    }

    /// An error reading `path`.
    pub fn read(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            action: "cannot read",
            path: path.into(),
            source,
        }
    }

    /// An error writing `path`.
    pub fn write(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            action: "cannot write",
            path: path.into(),
            source,
        }
    }
}

/// What commands return.
pub type Result<T, E = Error> = std::result::Result<T, E>;
