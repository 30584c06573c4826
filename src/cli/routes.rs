//! Arguments of `routes`: the targets, the window and the output format.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_window;

pub(super) const ROUTES_EXAMPLES: &str = "\
Examples:
  # Every route web sends to, with its backends, over a 10 s window
  kubectl linkerd-export routes deploy/web -n emojivoto

  # Every meshed pod in emojivoto over 30 s, with request counts, as JSON
  kubectl linkerd-export routes -n emojivoto --window 30s -o json

  # From two saved snapshots (before, after)
  kubectl linkerd-export routes --from-file before.om --from-file after.om";

/// `routes`.
#[derive(Debug, Clone, Args)]
pub struct RoutesArgs {
    /// Whose routes: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read snapshots or raw proxy text instead of the cluster: one file gives counts since each
    /// proxy started (no rates), two give the window between them (the first is "before").
    #[arg(long, value_name = "FILE", conflicts_with_all = ["targets", "window"], num_args = 1,
          action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Time between the two scrapes the rates come from.
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_window)]
    pub window: Duration,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = RoutesFormat::Table)]
    pub output: RoutesFormat,
}

/// `routes -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoutesFormat {
    /// One line per route and per backend, as `linkerd viz stat-outbound` prints them.
    Table,
    /// The table with REQUESTS and PROTOCOL columns.
    Wide,
    /// The rows as a JSON array.
    Json,
}
