//! The error a command ends with: one variant per module error, plus the few free-form cases, and
//! the one place that maps each of them to an exit code (spec §9).
//!
//! Each variant's message is what `main` prints after `error: `: lower-case, naming what failed and
//! what to do, with its cause's text where that helps (shown without secrets or file contents).
//! The typed cause stays reachable through [`std::error::Error::source`].

use std::path::PathBuf;

use crate::cluster::ClusterError;
use crate::completion::CompletionError;
use crate::export::ExportError;
use crate::export::prometheus_config::ConfigError;
use crate::export::viz::VizError;
use crate::metrics::parse::ParseError;
use crate::metrics::select::SelectError;
use crate::resolve::TargetError;

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
/// `error: `, so it starts lower-case and says what to do; [`Error::exit`] says how the process
/// ends.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments do not make sense together, in words no module error has (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Nothing could be done, in words no module error has (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Reading or writing a local file failed (exit 1).
    #[error("{action} {path}: {source}")]
    File {
        /// What was being done: `cannot read`, `cannot write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A metrics file does not parse (exit 1).
    #[error("{}: malformed metrics: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where and why it does not parse.
        #[source]
        source: ParseError,
    },
    /// The cluster could not be reached or configured (exit 1).
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The targets are malformed (exit 2) or could not be resolved to meshed pods (exit 1).
    #[error(transparent)]
    Target(#[from] TargetError),
    /// A metric filter (`--metric`, `--match`) does not parse (exit 2).
    #[error(transparent)]
    Filter(#[from] SelectError),
    /// An export path failed: a malformed URL or header (exit 2), anything else (exit 1).
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The Prometheus configuration asked for cannot be generated (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The linkerd-viz installation could not be found (exit 1).
    #[error(transparent)]
    Viz(#[from] VizError),
    /// `completion` was misused (exit 2) or could not write its output (exit 1).
    #[error(transparent)]
    Completion(#[from] CompletionError),
}

impl Error {
    /// The exit status this error ends the process with: every error's, decided here.
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage(_)
            | Error::Target(
                TargetError::UnknownType(_)
                | TargetError::InvalidTarget(_)
                | TargetError::NamespaceWithoutName
                | TargetError::NamedWithAllNamespaces(_)
                | TargetError::Selector(_),
            )
            | Error::Filter(_)
            | Error::Export(ExportError::InvalidUrl { .. } | ExportError::InvalidHeader { .. })
            | Error::Config(_)
            | Error::Completion(CompletionError::InstallNeedsKubectl { .. }) => Exit::Usage,
            // A file named on the command line that cannot be read or used is bad input, not a
            // usage error, whichever flag named it (--from-file, --ca-file, --bearer-token-file).
            Error::Failed(_)
            | Error::File { .. }
            | Error::Malformed { .. }
            | Error::Cluster(_)
            | Error::Target(
                TargetError::NotFound { .. }
                | TargetError::Api { .. }
                | TargetError::NoMeshedPods(_),
            )
            | Error::Export(
                ExportError::InvalidSeries { .. }
                | ExportError::CaFile { .. }
                | ExportError::Unreachable { .. }
                | ExportError::Status { .. }
                | ExportError::Listen { .. }
                | ExportError::Source(_)
                | ExportError::Abandoned,
            )
            | Error::Viz(_)
            | Error::Completion(CompletionError::Install { .. } | CompletionError::Output(_)) => {
                Exit::Failure
            }
        }
    }

    /// An error reading `path`.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            action: "cannot read",
            path: path.into(),
            source,
        }
    }

    /// An error writing `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File {
            action: "cannot write",
            path: path.into(),
            source,
        }
    }

    /// A metrics file at `path` that does not parse.
    pub fn malformed(path: impl Into<PathBuf>, source: ParseError) -> Self {
        Error::Malformed {
            path: path.into(),
            source,
        }
    }
}

/// What commands return.
pub type Result<T, E = Error> = std::result::Result<T, E>;
