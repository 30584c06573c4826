//! prom2json-shaped JSON output, with the target labels of each sample.
//!
//! The shape is prom2json's: an array of `{name, help, type, metrics}`; a metric is
//! `{labels, value}`, or for histograms `{labels, buckets: {le: count}, count, sum}` and for
//! summaries `{labels, quantiles: {q: value}, count, sum}`. Numbers are strings, families are
//! named as in Prometheus text 0.0.4, and each metric's labels include its target labels.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::metrics::MetricType;

use crate::metrics::model::Snapshot;
use crate::metrics::write::{Format, OutputFamily, format_value, output_families};

/// One family in prom2json's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonFamily {
    /// Family name.
    pub name: String,
    /// HELP text (empty when none).
    pub help: String,
    /// `COUNTER`, `GAUGE`, `SUMMARY`, `HISTOGRAM` or `UNTYPED`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<JsonMetric>,
}

/// One metric (a label set) of a [`JsonFamily`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonMetric {
    /// Target and sample labels (without `le`/`quantile`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Timestamp in milliseconds, when the sample had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<String>,
    /// Value of a counter, gauge or untyped sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Summary quantiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<BTreeMap<String, String>>,
    /// Histogram buckets, by upper bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<BTreeMap<String, String>>,
    /// Histogram/summary count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
    /// Histogram/summary sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
}

/// The families of `snapshot` in prom2json's shape.
pub fn families(snapshot: &Snapshot) -> Vec<JsonFamily> {
    output_families(snapshot, Format::Prometheus)
        .iter()
        .map(family)
        .collect()
}

/// Write `snapshot` as pretty JSON.
pub fn write<W: std::io::Write>(out: W, snapshot: &Snapshot) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(out, &families(snapshot))
}

fn type_name(kind: MetricType) -> &'static str {
    match kind {
        MetricType::Counter => "COUNTER",
        MetricType::Gauge => "GAUGE",
        MetricType::Summary => "SUMMARY",
        MetricType::Histogram => "HISTOGRAM",
        _ => "UNTYPED",
    }
}

/// A histogram/summary metric: its target (by address) and labels without `le`/`quantile`.
type MetricKey = (usize, Vec<(String, String)>);

fn family(f: &OutputFamily<'_>) -> JsonFamily {
    let grouped = matches!(f.kind, MetricType::Histogram | MetricType::Summary);
    let mut metrics: Vec<JsonMetric> = Vec::new();
    let mut index: HashMap<MetricKey, usize> = HashMap::new();
    for s in f.samples(Format::Prometheus) {
        let mut labels: BTreeMap<String, String> = s.target.labels.iter().cloned().collect();
        let mut bound = None;
        let mut key_labels = Vec::new();
        for (n, v) in s.sample.owned_labels() {
            if grouped && (n == "le" || n == "quantile") {
                bound = Some(v);
            } else {
                if grouped {
                    key_labels.push((n.clone(), v.clone()));
                }
                labels.entry(n).or_insert(v);
            }
        }
        let timestamp_ms = s.sample.timestamp_ms.map(|t| t.to_string());
        let value = format_value(s.sample.value);
        if !grouped {
            metrics.push(JsonMetric {
                labels,
                timestamp_ms,
                value: Some(value),
                ..JsonMetric::empty()
            });
            continue;
        }
        let key = (std::ptr::from_ref(s.target) as usize, key_labels);
        let i = *index.entry(key).or_insert_with(|| {
            let histogram = f.kind == MetricType::Histogram;
            metrics.push(JsonMetric {
                labels,
                timestamp_ms,
                buckets: histogram.then(BTreeMap::new),
                quantiles: (!histogram).then(BTreeMap::new),
                ..JsonMetric::empty()
            });
            metrics.len() - 1
        });
        let m = &mut metrics[i];
        let suffix = s.name.strip_prefix(f.name.as_ref()).unwrap_or("");
        match (suffix, bound) {
            ("_sum", _) => m.sum = Some(value),
            ("_count", _) => m.count = Some(value),
            (_, Some(b)) => {
                let map = m
                    .buckets
                    .as_mut()
                    .or(m.quantiles.as_mut())
                    .expect("one of the two is set");
                map.insert(b, value);
            }
            _ => {}
        }
    }
    JsonFamily {
        name: f.name.to_string(),
        help: f.help.as_deref().unwrap_or_default().to_string(),
        kind: type_name(f.kind),
        metrics,
    }
}

impl JsonMetric {
    fn empty() -> Self {
        JsonMetric {
            labels: BTreeMap::new(),
            timestamp_ms: None,
            value: None,
            quantiles: None,
            buckets: None,
            count: None,
            sum: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::Target;

    #[test]
    fn prom2json_shape_with_target_labels() {
        let text = "# HELP lat Latency.\n# TYPE lat histogram\nlat_bucket{d=\"in\",le=\"1\"} 2\nlat_bucket{d=\"in\",le=\"+Inf\"} 3\nlat_sum{d=\"in\"} 4.5\nlat_count{d=\"in\"} 3\n# TYPE q summary\nq{quantile=\"0.5\"} 7\nq_sum 10\nq_count 2\n# TYPE c counter\nc_total{x=\"y\"} 1 1700000000000\n";
        let snapshot = Snapshot {
            targets: vec![
                Target::parse(text.to_string(), vec![("pod".into(), "web-1".into())], None)
                    .unwrap(),
            ],
        };
        let json = serde_json::to_value(families(&snapshot)).unwrap();
        let expected = serde_json::json!([
            {"name": "lat", "help": "Latency.", "type": "HISTOGRAM", "metrics": [
                {"labels": {"d": "in", "pod": "web-1"}, "buckets": {"1": "2", "+Inf": "3"}, "count": "3", "sum": "4.5"}]},
            {"name": "q", "help": "", "type": "SUMMARY", "metrics": [
                {"labels": {"pod": "web-1"}, "quantiles": {"0.5": "7"}, "count": "2", "sum": "10"}]},
            {"name": "c_total", "help": "", "type": "COUNTER", "metrics": [
                {"labels": {"pod": "web-1", "x": "y"}, "timestamp_ms": "1700000000000", "value": "1"}]},
        ]);
        assert_eq!(json, expected);
    }
}
