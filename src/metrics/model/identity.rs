//! Family identity (spec §4), the one owner of it: which spellings are one family, and which
//! families are per-process facts that are not summed across pods.

use std::borrow::Cow;

use crate::metrics::MetricType;

/// The identity of a family whatever format spelled it (spec §4), spelled as Prometheus text
/// (and the proxies) name it: a counter is `x_total` whether a body declared
/// `# TYPE x_total counter` (Prometheus text) or `# TYPE x counter` with samples `x_total`
/// (OpenMetrics, as snapshots store it). Other families keep their name.
pub fn family_identity(name: &str, kind: MetricType) -> Cow<'_, str> {
    if kind == MetricType::Counter && !name.ends_with("_total") {
        Cow::Owned(format!("{name}_total"))
    } else {
        Cow::Borrowed(name)
    }
}

/// Whether a family is a per-process fact rather than an amount: summing it across pods means
/// nothing (`process_start_time_seconds`, `*_timestamp_seconds`, `*_info`, `proxy_build_info`).
pub fn is_per_process_gauge(name: &str, kind: MetricType) -> bool {
    matches!(
        kind,
        MetricType::Gauge | MetricType::Info | MetricType::Untyped | MetricType::StateSet
    ) && (name.ends_with("_timestamp_seconds")
        || name.ends_with("_time_seconds")
        || name.ends_with("_info")
        || kind == MetricType::Info
        || name == "proxy_build_info")
}
