//! Owned data model: families of samples with sorted labels, targets (one proxy's scrape with its
//! target labels and scrape time) and snapshots (many targets), plus conversions from parsed bodies.

use std::borrow::Cow;

use serde::Serialize;

use crate::metrics::parse::{self, Body};
use crate::target::PodTarget;

/// A metric family type, as declared by `# TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `gaugehistogram` (OpenMetrics).
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// `info` (OpenMetrics).
    Info,
    /// `stateset` (OpenMetrics).
    StateSet,
    /// `untyped` (text 0.0.4) or `unknown` (OpenMetrics), or no TYPE line.
    Untyped,
}

impl MetricType {
    /// Read the word after `# TYPE name`.
    pub fn from_exposition(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "untyped" | "unknown" => MetricType::Untyped,
            _ => return None,
        })
    }

    /// The OpenMetrics spelling (`unknown` for untyped).
    pub fn openmetrics_name(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Untyped => "unknown",
        }
    }
}

/// Label pairs, sorted by name.
pub type Labels = Vec<(String, String)>;

/// Serialize label pairs as a JSON object (`{"name": "value"}`), keeping their order.
pub fn serialize_labels<S: serde::Serializer>(
    labels: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(labels.iter().map(|(n, v)| (n, v)))
}

/// One owned sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// Sample name (`x_total`, `x_bucket`, ...).
    pub name: String,
    /// Labels sorted by name (including `le` / `quantile`).
    #[serde(serialize_with = "serialize_labels")]
    pub labels: Labels,
    /// Value.
    pub value: f64,
    /// Timestamp written on the sample, in milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// Value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.labels[i].1.as_str())
    }
}

/// One owned family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    /// Family name (see [`parse::Family::name`]).
    pub name: String,
    /// Type.
    pub kind: MetricType,
    /// Decoded HELP text.
    pub help: Option<String>,
    /// `# UNIT`.
    pub unit: Option<String>,
    /// Samples in input order.
    pub samples: Vec<Sample>,
}

/// One proxy's scrape: target labels, scrape time, families.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Target {
    /// Labels identifying the proxy, added to each sample on output, in output order
    /// (`namespace`, `pod`, `container`, `deployment`, ...).
    #[serde(serialize_with = "serialize_labels")]
    pub labels: Vec<(String, String)>,
    /// When it was scraped, in milliseconds since the epoch.
    pub scrape_time_ms: Option<i64>,
    /// Its families.
    pub families: Vec<Family>,
}

impl Target {
    /// Owned copy of a parsed body with the given target labels and scrape time.
    pub fn from_body(
        body: &Body<'_>,
        labels: Vec<(String, String)>,
        scrape_time_ms: Option<i64>,
    ) -> Self {
        Target {
            labels,
            scrape_time_ms,
            families: body.families.iter().map(Family::from).collect(),
        }
    }

    /// Owned copy of one pod's parsed body, labelled with [`PodTarget::target_labels`].
    pub fn for_pod(pod: &PodTarget, body: &Body<'_>, scrape_time_ms: Option<i64>) -> Self {
        let labels = pod
            .target_labels()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect();
        Target::from_body(body, labels, scrape_time_ms)
    }

    /// Value of target label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Samples of many targets.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Snapshot {
    /// The targets, in scrape order.
    pub targets: Vec<Target>,
}

/// Family of the info sample that describes a snapshot file (spec §7); its sample is
/// `linkerd_export_snapshot_info{...} 1`.
pub const SNAPSHOT_INFO_FAMILY: &str = "linkerd_export_snapshot";

/// Target label names this crate adds (and recognises when reading a merged exposition back).
pub const TARGET_LABEL_NAMES: &[&str] = &[
    "namespace",
    "pod",
    "container",
    "deployment",
    "statefulset",
    "daemonset",
    "replicaset",
    "replicationcontroller",
    "job",
    "cronjob",
];

impl Snapshot {
    /// Split a merged exposition (our `-o prom`/`-o openmetrics` output or a snapshot file) back
    /// into targets: samples are grouped by the values of `target_label_names`, which are moved
    /// from the sample labels to the target; a sample timestamp becomes the target's scrape time.
    /// Samples without any target label form a target with no labels.
    pub fn from_merged(body: &Body<'_>, target_label_names: &[&str]) -> Self {
        let mut snapshot = Snapshot::default();
        let mut index: std::collections::HashMap<Vec<(String, String)>, usize> = Default::default();
        for family in &body.families {
            let meta = Family::from(family);
            for sample in &family.samples {
                let mut owned = Sample::from(sample);
                let mut key = Vec::new();
                owned.labels.retain(|(n, v)| {
                    let is_target = target_label_names.contains(&n.as_str());
                    if is_target {
                        key.push((n.clone(), v.clone()));
                    }
                    !is_target
                });
                key.sort_by_key(|(n, _)| target_label_names.iter().position(|t| t == n));
                let idx = *index.entry(key.clone()).or_insert_with(|| {
                    snapshot.targets.push(Target {
                        labels: key,
                        scrape_time_ms: owned.timestamp_ms,
                        families: Vec::new(),
                    });
                    snapshot.targets.len() - 1
                });
                let target = &mut snapshot.targets[idx];
                if owned.timestamp_ms == target.scrape_time_ms {
                    owned.timestamp_ms = None;
                }
                let same_family = matches!(target.families.last(), Some(f) if f.name == meta.name && f.kind == meta.kind);
                if !same_family {
                    target.families.push(Family {
                        samples: Vec::new(),
                        ..meta.clone()
                    });
                }
                target
                    .families
                    .last_mut()
                    .expect("just pushed")
                    .samples
                    .push(owned);
            }
        }
        snapshot
    }

    /// Split `linkerd diagnostics proxy-metrics` output (`# POD name (i of n)` headers) into one
    /// target per pod, labelled `pod`. A body without headers is one target with no labels.
    /// Returns the snapshot and the parse errors of skipped lines.
    pub fn from_diagnostics(input: &str) -> (Self, Vec<parse::ParseError>) {
        let mut snapshot = Snapshot::default();
        let mut errors = Vec::new();
        for (pod, section) in split_pod_sections(input) {
            let (body, errs) = parse::parse_lenient(section);
            errors.extend(errs);
            let labels = pod
                .map(|p| vec![("pod".to_string(), p.to_string())])
                .unwrap_or_default();
            if body.families.is_empty() && pod.is_none() {
                continue;
            }
            snapshot
                .targets
                .push(Target::from_body(&body, labels, None));
        }
        (snapshot, errors)
    }

    /// Add the info sample describing this snapshot (`version`, `context`, `targets`, ...) as a
    /// target without labels, first, so the OpenMetrics output carries it.
    pub fn set_info(&mut self, labels: Vec<(String, String)>, scrape_time_ms: Option<i64>) {
        self.take_info();
        let mut labels = labels;
        labels.sort();
        let family = Family {
            name: SNAPSHOT_INFO_FAMILY.to_string(),
            kind: MetricType::Info,
            help: Some("What this snapshot is about.".to_string()),
            unit: None,
            samples: vec![Sample {
                name: format!("{SNAPSHOT_INFO_FAMILY}_info"),
                labels,
                value: 1.0,
                timestamp_ms: None,
            }],
        };
        self.targets.insert(
            0,
            Target {
                labels: Vec::new(),
                scrape_time_ms,
                families: vec![family],
            },
        );
    }

    /// Remove and return the labels of the snapshot info sample (see [`Snapshot::set_info`]).
    pub fn take_info(&mut self) -> Option<Labels> {
        let mut found = None;
        for target in &mut self.targets {
            if let Some(i) = target
                .families
                .iter()
                .position(|f| f.name == SNAPSHOT_INFO_FAMILY)
            {
                let family = target.families.remove(i);
                found = family.samples.into_iter().next().map(|s| s.labels);
            }
        }
        self.targets
            .retain(|t| !(t.labels.is_empty() && t.families.is_empty()));
        found
    }

    /// Total number of samples.
    pub fn sample_count(&self) -> usize {
        self.targets
            .iter()
            .flat_map(|t| &t.families)
            .map(|f| f.samples.len())
            .sum()
    }
}

/// Split at `# POD name (i of n)` header lines; the text before the first header has no pod.
/// Line numbers in errors are relative to each section.
fn split_pod_sections(input: &str) -> Vec<(Option<&str>, &str)> {
    let mut sections = Vec::new();
    let mut current: Option<&str> = None;
    let mut start = 0;
    let mut offset = 0;
    for line in input.split_inclusive('\n') {
        if let Some(rest) = line.trim_end().strip_prefix("# POD ") {
            sections.push((current, &input[start..offset]));
            current = Some(rest.split(' ').next().unwrap_or(rest));
            start = offset + line.len();
        }
        offset += line.len();
    }
    sections.push((current, &input[start..]));
    sections
}

impl From<&parse::Family<'_>> for Family {
    fn from(f: &parse::Family<'_>) -> Self {
        Family {
            name: f.name.to_string(),
            kind: f.kind,
            help: f.help_text().map(Cow::into_owned),
            unit: f.unit.map(str::to_string),
            samples: f.samples.iter().map(Sample::from).collect(),
        }
    }
}

impl From<&parse::Sample<'_>> for Sample {
    fn from(s: &parse::Sample<'_>) -> Self {
        let mut labels: Labels = s
            .labels
            .iter()
            .map(|l| (l.name.into_owned(), l.value.into_owned()))
            .collect();
        labels.sort();
        Sample {
            name: s.name.to_string(),
            labels,
            value: s.value,
            timestamp_ms: s.timestamp_ms,
        }
    }
}
