//! Arguments of `edges`: the targets, the window and the output format.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_window;

pub(super) const EDGES_EXAMPLES: &str = "\
Examples:
  # Who talks to whom in emojivoto, with identities and mTLS, over a 10 s window
  kubectl linkerd-export edges -n emojivoto

  # What one deployment calls, over 30 s, with requests and connections opened and closed
  kubectl linkerd-export edges deploy/web -n emojivoto --window 30s -o wide

  # One scrape: every edge the proxies have seen since they started, as JSON
  kubectl linkerd-export edges -A --since-start -o json

  # From saved snapshots: one file (since start) or two (the window between them)
  kubectl linkerd-export edges --from-file before.om --from-file after.om";

/// `edges`.
#[derive(Debug, Clone, Args)]
pub struct EdgesArgs {
    /// Whose outbound traffic to show: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in
    /// the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read snapshots or raw proxy text instead of the cluster: one file is one scrape (numbers
    /// since each proxy started), two are the two scrapes of a window (the first is "before").
    #[arg(long, value_name = "FILE", conflicts_with_all = ["targets", "window", "since_start"],
          num_args = 1, action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Time between the two scrapes the rates are computed from.
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_window)]
    pub window: Duration,

    /// One scrape: every edge the proxies have seen, with numbers since each proxy started.
    #[arg(long, conflicts_with = "window")]
    pub since_start: bool,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = EdgesFormat::Table)]
    pub output: EdgesFormat,
}

/// `edges -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EdgesFormat {
    /// A table like `linkerd viz edges`, with RPS and TCP connections.
    Table,
    /// The table plus requests and TCP connections opened and closed in the window.
    Wide,
    /// An array of edges with every field.
    Json,
}
