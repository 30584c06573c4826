//! Arguments of `authz`: the targets, the window and the output format.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_window;

pub(super) const AUTHZ_EXAMPLES: &str = "\
Examples:
  # Allowed and denied requests per second of every inbound server and route in emojivoto
  kubectl linkerd-export authz -n emojivoto

  # One workload over a 30 s window, with namespaces, counts and rates per authorization
  kubectl linkerd-export authz deploy/voting -n emojivoto --window 30s -o wide

  # Since each proxy started, from a saved snapshot, as JSON
  kubectl linkerd-export authz --from-file mesh.om -o json";

/// `authz`.
#[derive(Debug, Clone, Args)]
pub struct AuthzArgs {
    /// What to scrape: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read snapshots or raw proxy text instead of the cluster: one file gives rates since proxy
    /// start, two give the window between them (the first is "before").
    #[arg(long, value_name = "FILE", conflicts_with = "targets", num_args = 1,
          action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Time between the two scrapes the rates are computed from.
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_window)]
    pub window: Duration,

    /// One scrape; rates since each proxy started.
    #[arg(long, conflicts_with = "window")]
    pub since_start: bool,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = AuthzFormat::Table)]
    pub output: AuthzFormat,
}

/// `authz -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthzFormat {
    /// Workload, server, route, authorizations, allowed and denied per second, denied share.
    Table,
    /// The table with the namespace, protocol, counts and each authorization's rate.
    Wide,
    /// The rows as a JSON array.
    Json,
}
