//! Arguments of `check`: the targets, the window, the thresholds and the output format.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::parse_window;
use crate::metrics::check::DEFAULT_CERT_WARN;

pub(super) const CHECK_EXAMPLES: &str = "\
Examples:
  # Every meshed pod in emojivoto, from one scrape (counters since each proxy started)
  kubectl linkerd-export check -n emojivoto

  # Two scrapes 30 s apart: also restarts and rising error counters, rates over the window
  kubectl linkerd-export check deploy/web -n emojivoto --window 30s

  # From saved snapshots: one file, or two (before, after) for the window between them
  kubectl linkerd-export check --from-file before.om --from-file after.om

  # Stricter thresholds, as JSON for a script (exit 0: all good, 3: warnings, 1: problems)
  kubectl linkerd-export check -A --min-success 99.5% --cert-warn 7h -o json";

/// `check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// What to check: TYPE/NAME, TYPE, ns/NAME; none means every meshed pod in the namespace.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Read snapshots or raw proxy text instead of the cluster: one file is one scrape, two are
    /// the two scrapes of a window (the first is "before").
    #[arg(long, value_name = "FILE", conflicts_with_all = ["targets", "window"], num_args = 1,
          action = clap::ArgAction::Append)]
    pub from_file: Vec<PathBuf>,

    /// Scrape twice this far apart: also finds restarted proxies and rising error counters, and
    /// judges traffic over the window (default: one scrape, counters since each proxy started).
    #[arg(long, value_name = "DUR", value_parser = parse_window)]
    pub window: Option<Duration>,

    /// Warn about identity certificates that expire within this.
    ///
    /// Linkerd's certificates live 24h and a proxy renews its own with 30% of that left (7h12m),
    /// so under 6h means a missed renewal; with another issuanceLifetime, use a bit less than 30%
    /// of it.
    #[arg(long, value_name = "DUR", default_value = DEFAULT_CERT_WARN, value_parser = parse_window)]
    pub cert_warn: Duration,

    /// Warn about workloads whose success rate is below this percentage (e.g. 95%, 99.5).
    #[arg(long, value_name = "PERCENT", default_value = "95%", value_parser = parse_percent)]
    pub min_success: f64,

    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = CheckFormat::Text)]
    pub output: CheckFormat,
}

/// `check -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Headings and `√`/`‼`/`×` lines, as `linkerd check` prints them.
    Text,
    /// The findings as one JSON object, shaped like `linkerd check -o json`.
    Json,
}

/// Parses `95%` or `95` (percent, 0 to 100) into a fraction (0.95).
pub fn parse_percent(text: &str) -> Result<f64, String> {
    text.trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| p / 100.0)
        .ok_or_else(|| {
            format!("invalid percentage {text:?}: use a number from 0 to 100, like 95% or 99.5")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_with_or_without_the_sign() {
        assert_eq!(parse_percent("95%"), Ok(0.95));
        assert_eq!(parse_percent("99.5"), Ok(0.995));
        assert_eq!(parse_percent("0"), Ok(0.0));
        for bad in ["", "%", "101%", "-1", "high", "95%%x"] {
            let err = parse_percent(bad).unwrap_err();
            assert!(err.starts_with("invalid percentage"), "{bad}: {err}");
        }
    }
}
