//! `diff`'s printed output: a `---`/`+++` header naming each side above the tables
//! ([`table::write_diff`]), or one JSON document describing both sides, then the diff.

use std::io;

use serde::Serialize;

use super::table::{self, DiffLabels, TableOptions};
use crate::metrics::diff::{DiffBy, DiffRows, SnapshotDiff};
use crate::metrics::model::Snapshot;

/// How `diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// Tables of changed series and histograms, each series with the labels that tell its rows
    /// apart.
    Table,
    /// The same tables with every label of each series.
    Wide,
    /// Both sides described, then every series and histogram diff, as JSON.
    Json,
}

/// One side of a diff as loaded: where it came from, and its metrics.
#[derive(Debug, Clone, Serialize)]
pub struct DiffSide {
    /// The file or target it came from.
    pub source: String,
    /// How many proxies (targets) it holds.
    pub proxies: usize,
    /// Its earliest scrape time, in milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scrape_time_ms: Option<i64>,
    /// Its metrics.
    #[serde(skip)]
    pub snapshot: Snapshot,
}

impl DiffSide {
    /// `snapshot`, read from `source`.
    pub fn new(source: String, snapshot: Snapshot) -> Self {
        DiffSide {
            source,
            proxies: snapshot.targets.len(),
            scrape_time_ms: snapshot
                .targets
                .iter()
                .filter_map(|t| t.scrape_time_ms)
                .min(),
            snapshot,
        }
    }

    /// A side compared one proxy at a time and not held: what the header shows of it.
    pub fn counted(source: String, proxies: usize, scrape_time_ms: Option<i64>) -> Self {
        DiffSide {
            source,
            proxies,
            scrape_time_ms,
            snapshot: Snapshot::default(),
        }
    }

    /// `deploy/web (3 proxies, scraped 2026-11-24T21:00:00Z)`.
    fn header(&self) -> String {
        let time = self
            .scrape_time_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
            .map(|t| format!(", scraped {}", humantime::format_rfc3339_seconds(t)))
            .unwrap_or_default();
        let noun = if self.proxies == 1 {
            "proxy"
        } else {
            "proxies"
        };
        format!("{} ({} {noun}{time})", self.source, self.proxies)
    }
}

/// `diff -o json`: both sides described, then the diff.
#[derive(Serialize)]
struct JsonDiff<'d> {
    old: &'d DiffSide,
    new: &'d DiffSide,
    #[serde(flatten)]
    diff: &'d SnapshotDiff,
}

/// Write the diff of `old` and `new` (compared `by`) to `out` in `format`, coloured when asked.
pub fn render(
    out: &mut dyn io::Write,
    old: &DiffSide,
    new: &DiffSide,
    diff: &DiffRows,
    format: DiffFormat,
    by: DiffBy,
    color: bool,
) -> io::Result<()> {
    let labels = match (format, by) {
        (DiffFormat::Json, _) => {
            let diff = diff.to_snapshot_diff();
            serde_json::to_writer_pretty(
                &mut *out,
                &JsonDiff {
                    old,
                    new,
                    diff: &diff,
                },
            )?;
            return out.write_all(b"\n");
        }
        (DiffFormat::Wide, _) => DiffLabels::All,
        (_, DiffBy::Pod) => DiffLabels::Distinguishing(&["pod"]),
        (_, DiffBy::Workload) => DiffLabels::Distinguishing(&[]),
    };
    write!(out, "--- {}\n+++ {}\n", old.header(), new.header())?;
    table::write_diff(out, diff, TableOptions::for_stdout(color), labels)
}
