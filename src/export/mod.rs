//! What leaves the process (spec §6, §7): remote write, the serve endpoint, the snapshot file
//! (`snapshot -O`, the `export -O` backfill file), and merging a scrape's duplicate series
//! before it is sent. Metrics come in through [`crate::source`].
//!
//! The paths take neutral data ([`Series`], [`Metadata`], rendered exposition text); [`bridge`]
//! is the one place that knows the metrics engine's `Snapshot` and converts from it.

pub mod bridge;
pub mod duplicates;
pub mod error;
pub mod http;
pub mod remote_write;
pub(crate) mod save;
pub mod serve;
pub(crate) mod snapshot_file;

pub use error::ExportError;

use crate::metrics::MetricType;

/// One sample of one series, with all of its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Every label, including `__name__` and the target labels (`namespace`, `pod`, ...), in any
    /// order. Labels with an empty value are treated as absent, as Prometheus does.
    pub labels: Vec<(String, String)>,
    /// The sample value; NaN and ±Inf are kept (Prometheus stores them).
    pub value: f64,
    /// The scrape time in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

impl Series {
    /// The value of the `__name__` label, or `""` when it is missing.
    pub fn name(&self) -> &str {
        self.labels
            .iter()
            .find(|(name, _)| name == "__name__")
            .map_or("", |(_, value)| value.as_str())
    }
}

/// What a metric family is: sent alongside the samples so the receiver knows types and help.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// The family name (`response_total`, `response_latency_ms`).
    pub family: String,
    /// The family's type.
    pub kind: MetricType,
    /// The `# HELP` text.
    pub help: String,
    /// The `# UNIT` text, or `""`.
    pub unit: String,
}
