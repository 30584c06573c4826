//! The remote-write 1.0 wire format: the `prometheus.WriteRequest` protobuf messages of
//! Prometheus' `prompb/remote.proto` and `prompb/types.proto`, and their snappy-compressed
//! encoding.

use prost::Message;

use super::super::{ExportError, Metadata, Series};
use crate::metrics::MetricType;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// The series with their samples.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Type, help and unit per metric family (field 2 is reserved upstream).
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries`: labels sorted by name, samples in time order.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// The labels, `__name__` included, sorted by name.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The samples.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Label {
    /// The label name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The label value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricMetadata {
    /// `MetricMetadata.MetricType`: 0 unknown, 1 counter, 2 gauge, 3 histogram,
    /// 4 gaugehistogram, 5 summary, 6 info, 7 stateset.
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// The family name.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// The help text.
    #[prost(string, tag = "4")]
    pub help: String,
    /// The unit.
    #[prost(string, tag = "5")]
    pub unit: String,
}

impl From<&Metadata> for MetricMetadata {
    fn from(metadata: &Metadata) -> Self {
        let kind = match metadata.kind {
            MetricType::Untyped => 0,
            MetricType::Counter => 1,
            MetricType::Gauge => 2,
            MetricType::Histogram => 3,
            MetricType::GaugeHistogram => 4,
            MetricType::Summary => 5,
            MetricType::Info => 6,
            MetricType::StateSet => 7,
        };
        Self {
            r#type: kind,
            metric_family_name: metadata.family.clone(),
            help: metadata.help.clone(),
            unit: metadata.unit.clone(),
        }
    }
}

/// `series` as a `TimeSeries`: empty-valued labels dropped (Prometheus treats them as absent),
/// the rest sorted by name. A series without `__name__` or with a label name twice is refused,
/// as the receiver would refuse the whole request.
pub fn time_series(series: Series) -> Result<TimeSeries, ExportError> {
    let mut labels: Vec<Label> = series
        .labels
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| Label { name, value })
        .collect();
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    let invalid = |labels: &[Label], reason: String| ExportError::InvalidSeries {
        series: describe(labels),
        reason,
    };
    if !labels.iter().any(|label| label.name == "__name__") {
        return Err(invalid(&labels, "it has no metric name (__name__)".into()));
    }
    if let Some(pair) = labels.windows(2).find(|pair| pair[0].name == pair[1].name) {
        let reason = format!("label {:?} appears twice", pair[0].name);
        return Err(invalid(&labels, reason));
    }
    Ok(TimeSeries {
        labels,
        samples: vec![Sample {
            value: series.value,
            timestamp: series.timestamp_ms,
        }],
    })
}

/// `request` protobuf-encoded then compressed with snappy's block format, as remote write's
/// `Content-Encoding: snappy` means.
pub fn encode(request: &WriteRequest) -> Result<Vec<u8>, ExportError> {
    snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .map_err(|err| ExportError::Source(format!("cannot compress a remote-write batch: {err}")))
}

/// `name{label="value",...}` for messages.
fn describe(labels: &[Label]) -> String {
    let name = labels
        .iter()
        .find(|label| label.name == "__name__")
        .map_or("", |label| label.value.as_str());
    let rest: Vec<String> = labels
        .iter()
        .filter(|label| label.name != "__name__")
        .map(|label| format!("{}={:?}", label.name, label.value))
        .collect();
    format!("{name}{{{}}}", rest.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(labels: &[(&str, &str)], value: f64) -> Series {
        Series {
            labels: labels
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            value,
            timestamp_ms: 1_764_014_400_123,
        }
    }

    #[test]
    fn labels_are_sorted_and_empty_values_dropped() {
        let ts = time_series(series(
            &[
                ("pod", "web-1"),
                ("__name__", "request_total"),
                ("authority", ""),
                ("direction", "inbound"),
            ],
            7.0,
        ))
        .unwrap();
        let names: Vec<&str> = ts.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["__name__", "direction", "pod"]);
        assert_eq!(
            ts.samples,
            vec![Sample {
                value: 7.0,
                timestamp: 1_764_014_400_123
            }]
        );
    }

    #[test]
    fn duplicate_or_missing_name_is_refused() {
        let err = time_series(series(
            &[("__name__", "x"), ("pod", "a"), ("pod", "b")],
            1.0,
        ))
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            r#"invalid series x{pod="a",pod="b"}: label "pod" appears twice"#
        );
        let err = time_series(series(&[("pod", "a")], 1.0))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no metric name"), "{err}");
    }

    #[test]
    fn encoding_round_trips_through_snappy_and_protobuf() {
        let input = [
            series(&[("__name__", "a_total"), ("pod", "p")], 1.5),
            series(&[("__name__", "b"), ("pod", "p")], f64::NAN),
            series(&[("__name__", "c"), ("pod", "p")], f64::INFINITY),
        ];
        let metadata = [Metadata {
            family: "a".into(),
            kind: MetricType::Counter,
            help: "A things.".into(),
            unit: String::new(),
        }];
        let request = WriteRequest {
            timeseries: input
                .iter()
                .map(|s| time_series(s.clone()).unwrap())
                .collect(),
            metadata: metadata.iter().map(MetricMetadata::from).collect(),
        };
        let compressed = encode(&request).unwrap();
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&compressed)
            .unwrap();
        let decoded = WriteRequest::decode(raw.as_slice()).unwrap();
        assert_eq!(decoded.timeseries.len(), 3);
        assert_eq!(decoded.timeseries[0].samples[0].value, 1.5);
        assert!(decoded.timeseries[1].samples[0].value.is_nan());
        assert_eq!(decoded.timeseries[2].samples[0].value, f64::INFINITY);
        assert_eq!(decoded.metadata[0].r#type, 1);
        assert_eq!(decoded.metadata[0].metric_family_name, "a");
    }

    #[test]
    fn wire_bytes_match_the_proto_field_numbers() {
        let request = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "a".into(),
                    value: "b".into(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 2,
                }],
            }],
            metadata: vec![],
        };
        // timeseries = field 1 (LEN), labels = field 1, name/value = fields 1/2,
        // samples = field 2, value = field 1 (I64 double), timestamp = field 2 (varint).
        let expected = [
            0x0a, 0x15, 0x0a, 0x06, 0x0a, 0x01, b'a', 0x12, 0x01, b'b', 0x12, 0x0b, 0x09, 0, 0, 0,
            0, 0, 0, 0xf0, 0x3f, 0x10, 0x02,
        ];
        assert_eq!(request.encode_to_vec(), expected);
    }
}
