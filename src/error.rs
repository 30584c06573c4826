//! The error a command ends with: one variant per module error, plus the few free-form cases, and
//! the one place that maps each of them to an exit code (spec §9).
//!
//! Each variant's message is what `main` prints after `error: `: lower-case, naming what failed and
//! what to do, with its cause's text where that helps (shown without secrets or file contents).
//! The typed cause stays reachable through [`std::error::Error::source`].

use std::path::PathBuf;

use crate::cluster::ClusterError;
use crate::cluster::viz::VizError;
use crate::completion::CompletionError;
use crate::export::ExportError;
use crate::metrics::filter::SelectError;
use crate::metrics::parse::ParseError;
use crate::render::prometheus_config::ConfigError;
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::io;

    use http::StatusCode;

    use super::*;
    use crate::render::prometheus_config::ConfigFormat;
    use crate::resolve::{NoMeshedPods, TargetSpec};

    fn io_error() -> io::Error {
        io::Error::from(io::ErrorKind::NotFound)
    }

    fn parse_error() -> ParseError {
        ParseError {
            line: 3,
            column: 7,
            message: "expected a value",
        }
    }

    fn kube_error() -> kube::Error {
        kube::Error::Service(Box::new(io_error()))
    }

    /// Every variant (and every module error variant whose exit differs from its siblings') with
    /// the exit status spec §9 gives it.
    fn every_error() -> Vec<(Error, Exit)> {
        let target = |e: TargetError| Error::Target(e);
        let export = |e: ExportError| Error::Export(e);
        let url = || "http://127.0.0.1:9/api/v1/write".to_string();
        vec![
            (Error::Usage("two sides".into()), Exit::Usage),
            (Error::Failed("nothing scraped".into()), Exit::Failure),
            (Error::read("/tmp/x", io_error()), Exit::Failure),
            (Error::write("/tmp/x", io_error()), Exit::Failure),
            (Error::malformed("/tmp/x", parse_error()), Exit::Failure),
            (
                ClusterError::NoCurrentContext {
                    path: "~/.kube/config".into(),
                }
                .into(),
                Exit::Failure,
            ),
            (target(TargetError::UnknownType("svc".into())), Exit::Usage),
            (
                target(TargetError::InvalidTarget("a/b/c".into())),
                Exit::Usage,
            ),
            (target(TargetError::NamespaceWithoutName), Exit::Usage),
            (
                target(TargetError::NamedWithAllNamespaces(
                    "deploy/web".parse::<TargetSpec>().unwrap(),
                )),
                Exit::Usage,
            ),
            (
                target(TargetError::Selector(
                    crate::resolve::LabelSelector::parse("a in").unwrap_err(),
                )),
                Exit::Usage,
            ),
            (
                target(TargetError::NotFound {
                    resource: "deployments.apps".into(),
                    name: "web".into(),
                    namespace: "emojivoto".into(),
                }),
                Exit::Failure,
            ),
            (
                target(TargetError::Api {
                    verb: "list",
                    resource: "pods".into(),
                    scope: "in any namespace".into(),
                    source: Box::new(kube_error()),
                }),
                Exit::Failure,
            ),
            (
                target(TargetError::NoMeshedPods(NoMeshedPods {
                    namespaces: vec!["emojivoto".into()],
                    targets: Vec::new(),
                    selector: None,
                    skipped: Vec::new(),
                })),
                Exit::Failure,
            ),
            (
                crate::metrics::filter::NamePattern::parse("[")
                    .unwrap_err()
                    .into(),
                Exit::Usage,
            ),
            (
                export(ExportError::InvalidUrl {
                    url: "ftp://x".into(),
                    reason: "use http or https".into(),
                }),
                Exit::Usage,
            ),
            (
                export(ExportError::InvalidHeader {
                    header: "X".into(),
                    reason: "expected 'Name: value'".into(),
                }),
                Exit::Usage,
            ),
            (
                export(ExportError::InvalidSeries {
                    series: "up".into(),
                    reason: "duplicate label".into(),
                }),
                Exit::Failure,
            ),
            (
                export(ExportError::CaFile {
                    path: "/tmp/ca.pem".into(),
                    reason: "no such file".into(),
                }),
                Exit::Failure,
            ),
            (
                export(ExportError::Unreachable {
                    url: url(),
                    reason: "connection refused".into(),
                    attempts: 3,
                }),
                Exit::Failure,
            ),
            (
                export(ExportError::Status {
                    url: url(),
                    status: StatusCode::BAD_REQUEST,
                    body: String::new(),
                    attempts: 1,
                    hint: None,
                }),
                Exit::Failure,
            ),
            (
                export(ExportError::Listen {
                    addr: "127.0.0.1:1".into(),
                    source: std::io::ErrorKind::PermissionDenied.into(),
                }),
                Exit::Failure,
            ),
            (
                export(ExportError::Source("no proxy".into())),
                Exit::Failure,
            ),
            (export(ExportError::Abandoned), Exit::Failure),
            (
                "bogus".parse::<ConfigFormat>().unwrap_err().into(),
                Exit::Usage,
            ),
            (VizError::NoNamespace.into(), Exit::Failure),
            (
                CompletionError::InstallNeedsKubectl {
                    shell: "bash".into(),
                }
                .into(),
                Exit::Usage,
            ),
            (
                CompletionError::Install {
                    path: "/tmp/x".into(),
                    source: io_error(),
                }
                .into(),
                Exit::Failure,
            ),
            (CompletionError::Output(io_error()).into(), Exit::Failure),
        ]
    }

    #[test]
    fn every_error_exits_as_spec_9_says() {
        for (error, exit) in every_error() {
            assert_eq!(error.exit(), exit, "{error:?}");
        }
    }

    #[test]
    fn messages_show_the_cause_and_keep_it_as_source() {
        let error = Error::read("/tmp/token", io_error());
        assert_eq!(
            error.to_string(),
            format!("cannot read /tmp/token: {}", io_error())
        );
        assert!(error.source().unwrap().is::<io::Error>());

        let error = Error::malformed("/tmp/snap.prom", parse_error());
        assert_eq!(
            error.to_string(),
            "/tmp/snap.prom: malformed metrics: line 3, column 7: expected a value"
        );
        assert_eq!(
            error.source().unwrap().downcast_ref::<ParseError>(),
            Some(&parse_error())
        );

        // Wrapped module errors are transparent: their text, and their cause as the source.
        let error = Error::from(TargetError::Api {
            verb: "list",
            resource: "pods".into(),
            scope: "in any namespace".into(),
            source: Box::new(kube_error()),
        });
        assert!(
            error
                .to_string()
                .starts_with("cannot list pods in any namespace: "),
            "{error}"
        );
        assert!(error.source().unwrap().is::<Box<kube::Error>>());
    }
}
