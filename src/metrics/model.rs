//! The metrics model: a [`Target`] is one proxy's scrape kept as its exposition text plus an index
//! of where each family and sample sits in it; a [`Snapshot`] is many targets.
//!
//! Why text plus offsets: a proxy body holds tens of thousands of samples of ten or more labels
//! each. An owned model (two `String`s per label) made malloc and free over half the CPU of
//! `metrics -o prom` and cost 7.5× the body in memory. Here a target costs its body plus 32 bytes
//! per sample and 40 per family, and building it allocates only the index vectors. Labels are
//! read when asked for, straight from the text ([`SampleRef::labels`]); escapes are decoded only
//! for the values that have them. Target labels live once on the target, never in the samples.
//!
//! Everything that changes samples goes through text: obfuscation rewrites the body and indexes it
//! again, a merged exposition (a snapshot file) is split into one body per target, and the
//! snapshot's info sample is written as a one-line body. So there is one representation, and what
//! a target holds is always a valid exposition.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;

use crate::metrics::parse::{self, Line, ParseError, RawLabels, belongs_to, unescape_help};

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

/// Label pairs.
pub type Labels = Vec<(String, String)>;

/// Serialize label pairs as a JSON object (`{"name": "value"}`), keeping their order.
pub fn serialize_labels<S: serde::Serializer>(
    labels: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(labels.iter().map(|(n, v)| (n, v)))
}

/// Where a string is: bytes `start..end` of the target's text, or of its decoded side text when
/// `start` has [`Span::DECODED`] set (a quoted name whose escapes had to be decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const DECODED: u32 = 1 << 31;
}

#[derive(Debug, Clone, PartialEq)]
struct FamilyIndex {
    name: Span,
    kind: MetricType,
    help: Option<Span>,
    unit: Option<Span>,
    first_sample: u32,
    end_sample: u32,
}

#[derive(Debug, Clone, PartialEq)]
struct SampleIndex {
    name: Span,
    labels: Span,
    value: f64,
    timestamp_ms: Option<i64>,
}

/// One proxy's scrape: target labels, scrape time, and its body with an index of its families.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Labels identifying the proxy, added to each sample on output, in output order
    /// (`namespace`, `pod`, `container`, `deployment`, ...).
    pub labels: Labels,
    /// When it was scraped, in milliseconds since the epoch.
    pub scrape_time_ms: Option<i64>,
    text: String,
    decoded: String,
    families: Vec<FamilyIndex>,
    samples: Vec<SampleIndex>,
    /// Whether `retain` removed samples, so the text holds more than the index.
    pruned: bool,
}

/// One family of a [`Target`], borrowed.
#[derive(Debug, Clone, Copy)]
pub struct FamilyRef<'t> {
    target: &'t Target,
    index: &'t FamilyIndex,
}

/// One sample of a [`Target`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleRef<'t> {
    /// Sample name (`x_total`, `x_bucket`, ...).
    pub name: &'t str,
    /// Its labels, as written; decoded on iteration.
    pub labels: RawLabels<'t>,
    /// Value.
    pub value: f64,
    /// Timestamp written on the sample, in milliseconds since the epoch.
    pub timestamp_ms: Option<i64>,
}

impl<'t> SampleRef<'t> {
    /// Decoded value of label `name`.
    pub fn label(&self, name: &str) -> Option<Cow<'t, str>> {
        self.labels.get(name)
    }

    /// The labels as owned pairs, sorted by name.
    pub fn owned_labels(&self) -> Labels {
        let mut labels: Labels = self
            .labels
            .iter()
            .map(|l| (l.name.into_owned(), l.value.into_owned()))
            .collect();
        labels.sort();
        labels
    }
}

impl<'t> FamilyRef<'t> {
    /// Family name as declared by HELP/TYPE (see [`parse::Family::name`]).
    pub fn name(&self) -> &'t str {
        self.target.str(self.index.name)
    }

    /// Declared type.
    pub fn kind(&self) -> MetricType {
        self.index.kind
    }

    /// HELP text as written (escaped).
    pub fn raw_help(&self) -> Option<&'t str> {
        self.index.help.map(|s| self.target.str(s))
    }

    /// Decoded HELP text.
    pub fn help(&self) -> Option<Cow<'t, str>> {
        self.raw_help().map(unescape_help)
    }

    /// `# UNIT`.
    pub fn unit(&self) -> Option<&'t str> {
        self.index.unit.map(|s| self.target.str(s))
    }

    /// Whether `other` is this very family of this very target.
    pub fn is_same(&self, other: &FamilyRef<'_>) -> bool {
        std::ptr::eq(self.index, other.index)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        (self.index.end_sample - self.index.first_sample) as usize
    }

    /// Whether the family has no samples (metadata only).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sample `i` of the family.
    pub fn sample_at(&self, i: usize) -> Option<SampleRef<'t>> {
        let at = self.index.first_sample as usize + i;
        (at < self.index.end_sample as usize).then(|| self.target.sample(&self.target.samples[at]))
    }

    /// Its samples in input order.
    pub fn samples(&self) -> impl ExactSizeIterator<Item = SampleRef<'t>> + use<'t> {
        let target = self.target;
        let range = self.index.first_sample as usize..self.index.end_sample as usize;
        target.samples[range].iter().map(move |s| target.sample(s))
    }
}

impl PartialEq for Target {
    /// Same labels, scrape time, and the same families and samples (not necessarily the same
    /// text: spacing and label order may differ).
    fn eq(&self, other: &Self) -> bool {
        let family = |f: FamilyRef<'_>| {
            (
                f.name().to_string(),
                f.kind(),
                f.help().map(Cow::into_owned),
                f.unit().map(str::to_string),
            )
        };
        self.labels == other.labels
            && self.scrape_time_ms == other.scrape_time_ms
            && self.families.len() == other.families.len()
            && self.families().zip(other.families()).all(|(a, b)| {
                family(a) == family(b)
                    && a.len() == b.len()
                    && a.samples().zip(b.samples()).all(|(x, y)| {
                        x.name == y.name
                            && (x.value == y.value || (x.value.is_nan() && y.value.is_nan()))
                            && x.timestamp_ms == y.timestamp_ms
                            && x.owned_labels() == y.owned_labels()
                    })
            })
    }
}

impl Target {
    /// Index `text` strictly: the first malformed line is an error.
    pub fn parse(
        text: String,
        labels: Labels,
        scrape_time_ms: Option<i64>,
    ) -> Result<Self, ParseError> {
        let mut target = Target::empty(text, labels, scrape_time_ms);
        target.index(true).map(|_| target)
    }

    /// Index `text`, skipping malformed lines; returns the target and one error per skipped line.
    pub fn parse_lenient(
        text: String,
        labels: Labels,
        scrape_time_ms: Option<i64>,
    ) -> (Self, Vec<ParseError>) {
        let mut target = Target::empty(text, labels, scrape_time_ms);
        let errors = target
            .index(false)
            .expect("a lenient index collects errors instead of failing");
        (target, errors)
    }

    fn empty(text: String, labels: Labels, scrape_time_ms: Option<i64>) -> Self {
        Target {
            labels,
            scrape_time_ms,
            text,
            ..Target::default()
        }
    }

    /// The exposition text this target indexes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The target's text, to reuse its buffer.
    pub fn into_text(self) -> String {
        self.text
    }

    /// Value of target label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Its families in input order.
    pub fn families(&self) -> impl ExactSizeIterator<Item = FamilyRef<'_>> {
        self.families.iter().map(move |index| FamilyRef {
            target: self,
            index,
        })
    }

    /// Family `i`, in input order.
    pub fn family_at(&self, i: usize) -> Option<FamilyRef<'_>> {
        self.families.get(i).map(|index| FamilyRef {
            target: self,
            index,
        })
    }

    /// Every sample with its family, in input order.
    pub fn samples(&self) -> impl Iterator<Item = (FamilyRef<'_>, SampleRef<'_>)> {
        self.families()
            .flat_map(|f| f.samples().map(move |s| (f, s)))
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.samples.len()
    }

    /// Keep the samples for which `keep(family, sample)` is true; families left without samples
    /// are dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(FamilyRef<'_>, SampleRef<'_>) -> bool) {
        let mut kept = Vec::with_capacity(self.samples.len());
        let mut families = Vec::with_capacity(self.families.len());
        for index in &self.families {
            let family = FamilyRef {
                target: self,
                index,
            };
            let first = kept.len() as u32;
            let range = index.first_sample as usize..index.end_sample as usize;
            for sample in &self.samples[range] {
                if keep(family, self.sample(sample)) {
                    kept.push(sample.clone());
                }
            }
            if kept.len() as u32 > first {
                families.push(FamilyIndex {
                    first_sample: first,
                    end_sample: kept.len() as u32,
                    ..index.clone()
                });
            }
        }
        self.pruned |= kept.len() < self.samples.len();
        self.samples = kept;
        self.families = families;
    }

    /// Replace the body with `rewrite(current text)` and index it again (e.g. obfuscation, which
    /// changes label values in place). The rewritten text keeps only the lines the index had.
    pub fn rewrite(&mut self, rewrite: impl FnOnce(&str) -> String) {
        let text = rewrite(&self.body_text());
        let (target, _) = Target::parse_lenient(text, std::mem::take(&mut self.labels), None);
        let scrape_time_ms = self.scrape_time_ms;
        *self = Target {
            scrape_time_ms,
            ..target
        };
    }

    /// The indexed families and samples as text: the body itself unless `retain` removed some.
    fn body_text(&self) -> Cow<'_, str> {
        if !self.pruned {
            return Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        for family in self.families() {
            write_family_text(&mut out, family);
        }
        Cow::Owned(out)
    }

    fn str(&self, span: Span) -> &str {
        if span.start & Span::DECODED != 0 {
            &self.decoded[(span.start & !Span::DECODED) as usize..span.end as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }

    fn sample(&self, index: &SampleIndex) -> SampleRef<'_> {
        SampleRef {
            name: self.str(index.name),
            labels: RawLabels::from_validated(self.str(index.labels)),
            value: index.value,
            timestamp_ms: index.timestamp_ms,
        }
    }

    /// Build the index: families and samples grouped as [`parse::parse`] groups them.
    fn index(&mut self, strict: bool) -> Result<Vec<ParseError>, ParseError> {
        assert!(
            self.text.len() < Span::DECODED as usize,
            "a body of 2 GiB or more cannot be indexed"
        );
        let mut index = Indexer {
            text: &self.text,
            decoded: String::new(),
            families: Vec::new(),
            samples: Vec::new(),
        };
        let mut errors = Vec::new();
        for line in parse::lines(&self.text) {
            match line {
                Ok((_, line)) => index.push(line),
                Err(e) if strict => return Err(e),
                Err(e) => errors.push(e),
            }
        }
        let Indexer {
            decoded,
            families,
            samples,
            ..
        } = index;
        self.decoded = decoded;
        self.families = families;
        self.samples = samples;
        Ok(errors)
    }
}

/// Builds a target's index from its lexed lines, grouping samples into families as
/// [`parse::parse`] does.
struct Indexer<'a> {
    text: &'a str,
    decoded: String,
    families: Vec<FamilyIndex>,
    samples: Vec<SampleIndex>,
}

impl<'a> Indexer<'a> {
    fn span(&self, s: &str) -> Span {
        let start = s.as_ptr() as usize - self.text.as_ptr() as usize;
        Span {
            start: start as u32,
            end: (start + s.len()) as u32,
        }
    }

    /// A name's span: in the text, or (decoded from a quoted name) in the side text.
    fn name_span(&mut self, name: &str) -> Span {
        let (text, at) = (self.text.as_ptr() as usize, name.as_ptr() as usize);
        if at >= text && at + name.len() <= text + self.text.len() {
            return self.span(name);
        }
        let start = self.decoded.len() as u32;
        self.decoded.push_str(name);
        Span {
            start: start | Span::DECODED,
            end: self.decoded.len() as u32,
        }
    }

    fn str(&self, span: Span) -> &str {
        if span.start & Span::DECODED != 0 {
            &self.decoded[(span.start & !Span::DECODED) as usize..span.end as usize]
        } else {
            &self.text[span.start as usize..span.end as usize]
        }
    }

    fn new_family(&mut self, name: Span) {
        let first = self.samples.len() as u32;
        self.families.push(FamilyIndex {
            name,
            kind: MetricType::Untyped,
            help: None,
            unit: None,
            first_sample: first,
            end_sample: first,
        });
    }

    /// The family metadata for `name` goes to: the current family if it has that name and no
    /// samples yet, else a new one.
    fn meta_family(&mut self, name: &str) -> &mut FamilyIndex {
        let reuse = self
            .families
            .last()
            .is_some_and(|f| f.first_sample == f.end_sample && self.str(f.name) == name);
        if !reuse {
            let span = self.name_span(name);
            self.new_family(span);
        }
        self.families.last_mut().expect("a family was just ensured")
    }

    fn push(&mut self, line: Line<'a>) {
        match line {
            Line::Blank | Line::Comment(_) | Line::Eof => {}
            Line::Help { name, text } => {
                let span = self.span(text);
                self.meta_family(&name).help = Some(span);
            }
            Line::Type { name, kind } => self.meta_family(&name).kind = kind,
            Line::Unit { name, unit } => {
                let span = self.span(unit);
                self.meta_family(&name).unit = Some(span);
            }
            Line::Sample(sample) => {
                let fits = self
                    .families
                    .last()
                    .is_some_and(|f| belongs_to(self.str(f.name), f.kind, &sample.name));
                let name = self.name_span(&sample.name);
                if !fits {
                    self.new_family(name);
                }
                let raw = sample.labels.as_str();
                let labels = if raw.is_empty() {
                    Span::default()
                } else {
                    self.span(raw)
                };
                self.samples.push(SampleIndex {
                    name,
                    labels,
                    value: sample.value,
                    timestamp_ms: sample.timestamp_ms,
                });
                self.families
                    .last_mut()
                    .expect("a family was just ensured")
                    .end_sample = self.samples.len() as u32;
            }
        }
    }
}

/// Append one family as text that indexes back to the same family: its metadata lines, then its
/// samples with their labels as written.
pub(crate) fn write_family_text(out: &mut String, family: FamilyRef<'_>) {
    write_meta(out, family);
    for sample in family.samples() {
        write_sample_line(
            out,
            sample.name,
            sample.labels.as_str(),
            sample.value,
            sample.timestamp_ms,
        );
    }
}

/// Append `name{labels} value [timestamp]` with `labels` as written between braces.
fn write_sample_line(out: &mut String, name: &str, labels: &str, value: f64, ts: Option<i64>) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        out.push_str(labels);
        out.push('}');
    }
    out.push(' ');
    crate::metrics::write::write_value(out, value).expect("writing to a String cannot fail");
    if let Some(ms) = ts {
        let _ = write!(out, " {ms}");
    }
    out.push('\n');
}

/// Samples of many targets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// The targets, in scrape order.
    pub targets: Vec<Target>,
}

/// Family of the info sample that describes a snapshot file (spec §7); its sample is
/// `linkerd_export_snapshot_info{...} 1`.
pub const SNAPSHOT_INFO_FAMILY: &str = "linkerd_export_snapshot";

/// The target labels (spec §4a) that say which proxy a series came from, recognised by name when
/// a merged exposition (our `-o prom`/`-o openmetrics` output, a snapshot, a federation answer)
/// is split back into targets: `job`, `instance`, `namespace`, `pod`, the workload labels (a
/// Job's is `k8s_job`: `job` is Prometheus' own), and `container`, which older snapshots carry.
/// The pod's own labels (`app`, `control_plane_ns`, `pod_template_hash`, ...) cannot be told
/// from a proxy's by name: they are found through [`TARGET_REFERENCE_FAMILY`].
pub const TARGET_LABEL_NAMES: &[&str] = &[
    "job",
    "instance",
    "namespace",
    "pod",
    "container",
    "deployment",
    "statefulset",
    "daemonset",
    "replicaset",
    "replicationcontroller",
    "k8s_job",
    "cronjob",
];

/// A family every Linkerd proxy serves with no labels of its own, so the labels its sample has
/// in a merged exposition are exactly its target's: the labels a target's
/// `process_start_time_seconds` sample has beyond [`TARGET_LABEL_NAMES`] (the pod labels) are
/// target labels of every sample of that target that has them with the same value. A target
/// without that sample (a filtered file) keeps such labels on its samples; either way each
/// series has the same label set.
pub const TARGET_REFERENCE_FAMILY: &str = "process_start_time_seconds";

/// For each target of a merged exposition, keyed by its [`TARGET_LABEL_NAMES`] labels (sorted as
/// that list is), the other labels of its [`TARGET_REFERENCE_FAMILY`] sample, in written order.
fn reference_target_labels(
    merged: &Target,
    target_label_names: &[&str],
) -> foldhash::HashMap<Labels, Labels> {
    let mut found: foldhash::HashMap<Labels, Labels> = Default::default();
    let Some(family) = merged
        .families()
        .find(|f| f.name() == TARGET_REFERENCE_FAMILY)
    else {
        return found;
    };
    for sample in family.samples() {
        let (mut key, mut extra) = (Labels::new(), Labels::new());
        for label in sample.labels.iter() {
            let pair = (label.name.into_owned(), label.value.into_owned());
            if target_label_names.contains(&pair.0.as_str()) {
                key.push(pair);
            } else {
                extra.push(pair);
            }
        }
        key.sort_by_key(|(n, _)| target_label_names.iter().position(|t| t == n));
        found.entry(key).or_insert(extra);
    }
    found
}

/// One target's body as it is rebuilt from a merged exposition.
struct Rebuilt {
    labels: Labels,
    scrape_time_ms: Option<i64>,
    text: String,
    /// Index (into the merged target's families) of the family whose metadata was written last.
    family: Option<usize>,
}

impl Snapshot {
    /// Split a merged exposition (our `-o prom`/`-o openmetrics` output or a snapshot file),
    /// indexed as one target, back into targets: samples are grouped by the values of
    /// `target_label_names`, which are moved from the sample labels to the target, with the
    /// target's other labels found through [`TARGET_REFERENCE_FAMILY`]; a sample
    /// timestamp becomes the target's scrape time. Samples without any target label form a
    /// target with no labels. A body with no target label and no timestamp (what a proxy serves)
    /// is kept as it is.
    pub fn from_merged(merged: Target, target_label_names: &[&str]) -> Self {
        if merged.samples.is_empty() {
            return Snapshot::default();
        }
        let plain = merged.samples.iter().all(|s| s.timestamp_ms.is_none())
            && merged.samples().all(|(_, s)| {
                s.labels
                    .pairs()
                    .all(|l| !target_label_names.contains(&l.name))
            });
        if plain {
            // As when it is split, a family declared without samples is left out.
            let mut merged = merged;
            merged.retain(|_, _| true);
            return Snapshot {
                targets: vec![merged],
            };
        }
        let mut references = reference_target_labels(&merged, target_label_names);
        let mut rebuilt: Vec<Rebuilt> = Vec::new();
        let mut index: foldhash::HashMap<Labels, usize> = Default::default();
        let mut key: Labels = Vec::new();
        let mut rest: Vec<(usize, usize)> = Vec::new();
        let mut labels = String::new();
        for (family_ix, family) in merged.families().enumerate() {
            for sample in family.samples() {
                key.clear();
                for label in sample.labels.iter() {
                    if target_label_names.contains(&label.name.as_ref()) {
                        key.push((label.name.into_owned(), label.value.into_owned()));
                    }
                }
                key.sort_by_key(|(n, _)| target_label_names.iter().position(|t| t == n));
                let slot = match index.get(&key) {
                    Some(&slot) => slot,
                    None => {
                        let mut labels = key.clone();
                        labels.extend(references.remove(&key).unwrap_or_default());
                        rebuilt.push(Rebuilt {
                            labels,
                            scrape_time_ms: sample.timestamp_ms,
                            text: String::new(),
                            family: None,
                        });
                        index.insert(key.clone(), rebuilt.len() - 1);
                        rebuilt.len() - 1
                    }
                };
                let target = &mut rebuilt[slot];
                let extra = &target.labels[key.len()..];
                rest.clear();
                let raw = sample.labels.as_str();
                for label in sample.labels.iter() {
                    let moved = target_label_names.contains(&label.name.as_ref())
                        || extra
                            .iter()
                            .any(|(n, v)| *n == label.name && *v == label.value);
                    if !moved {
                        rest.push(label_extent(raw, &label));
                    }
                }
                if target.family != Some(family_ix) {
                    target.family = Some(family_ix);
                    write_meta(&mut target.text, family);
                }
                labels.clear();
                for (i, &(start, end)) in rest.iter().enumerate() {
                    if i > 0 {
                        labels.push(',');
                    }
                    labels.push_str(&raw[start..end]);
                }
                let ts = sample
                    .timestamp_ms
                    .filter(|&t| Some(t) != target.scrape_time_ms);
                write_sample_line(&mut target.text, sample.name, &labels, sample.value, ts);
            }
        }
        Snapshot {
            targets: rebuilt
                .into_iter()
                .map(|r| {
                    Target::parse(r.text, r.labels, r.scrape_time_ms)
                        .expect("a body rebuilt from indexed samples indexes")
                })
                .collect(),
        }
    }

    /// [`Snapshot::from_merged`] of `text`, indexed strictly.
    pub fn from_merged_text(text: String, target_label_names: &[&str]) -> Result<Self, ParseError> {
        let merged = Target::parse(text, Vec::new(), None)?;
        Ok(Snapshot::from_merged(merged, target_label_names))
    }

    /// Split `linkerd diagnostics proxy-metrics` output (`# POD name (i of n)` headers) into one
    /// target per pod, labelled `pod`. A body without headers is one target with no labels.
    /// Returns the snapshot and the parse errors of skipped lines.
    pub fn from_diagnostics(input: &str) -> (Self, Vec<ParseError>) {
        let mut snapshot = Snapshot::default();
        let mut errors = Vec::new();
        for (pod, section) in split_pod_sections(input) {
            let labels = pod
                .map(|p| vec![("pod".to_string(), p.to_string())])
                .unwrap_or_default();
            let (target, errs) = Target::parse_lenient(section.to_string(), labels, None);
            errors.extend(errs);
            if target.families.is_empty() && pod.is_none() {
                continue;
            }
            snapshot.targets.push(target);
        }
        (snapshot, errors)
    }

    /// Add the info sample describing this snapshot (`version`, `context`, `targets`, ...) as a
    /// target without labels, first, so the OpenMetrics output carries it.
    pub fn set_info(&mut self, labels: Labels, scrape_time_ms: Option<i64>) {
        self.take_info();
        self.targets
            .insert(0, Snapshot::info_target(labels, scrape_time_ms));
    }

    /// The target without labels that carries a snapshot's info sample (see
    /// [`Snapshot::set_info`]), for writers that hold targets themselves.
    pub fn info_target(labels: Labels, scrape_time_ms: Option<i64>) -> Target {
        let mut labels = labels;
        labels.sort();
        let mut text = format!(
            "# HELP {SNAPSHOT_INFO_FAMILY} What this snapshot is about.\n# TYPE {SNAPSHOT_INFO_FAMILY} info\n"
        );
        let mut written = String::new();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                written.push(',');
            }
            written.push_str(name);
            written.push_str("=\"");
            crate::metrics::write::write_escaped(&mut written, value, true)
                .expect("writing to a String cannot fail");
            written.push('"');
        }
        write_sample_line(
            &mut text,
            &format!("{SNAPSHOT_INFO_FAMILY}_info"),
            &written,
            1.0,
            None,
        );
        Target::parse(text, Vec::new(), scrape_time_ms).expect("the snapshot info sample parses")
    }

    /// Remove and return the labels of the snapshot info sample (see [`Snapshot::set_info`]).
    pub fn take_info(&mut self) -> Option<Labels> {
        let mut found = None;
        for target in &mut self.targets {
            let info = target
                .families()
                .find(|f| f.name() == SNAPSHOT_INFO_FAMILY)
                .and_then(|f| f.samples().next())
                .map(|s| s.owned_labels());
            if info.is_some() {
                found = info;
                target.retain(|f, _| f.name() != SNAPSHOT_INFO_FAMILY);
            }
        }
        self.targets
            .retain(|t| !(t.labels.is_empty() && t.families.is_empty()));
        found
    }

    /// Total number of samples.
    pub fn sample_count(&self) -> usize {
        self.targets.iter().map(Target::sample_count).sum()
    }
}

/// The byte range of `label` (`name="value"`) within the raw label text `raw`.
fn label_extent(raw: &str, label: &parse::Label<'_>) -> (usize, usize) {
    let value_start = label.raw_value.as_ptr() as usize - raw.as_ptr() as usize;
    let end = value_start + label.raw_value.len() + 1;
    let name_start = raw[..value_start].rfind([',', '{']).map_or(0, |i| i + 1);
    let name_start = name_start + (raw[name_start..].len() - raw[name_start..].trim_start().len());
    (name_start, end)
}

/// `# HELP`, `# TYPE` and `# UNIT` of a family, as it declared them.
fn write_meta(out: &mut String, family: FamilyRef<'_>) {
    let name = family.name();
    if let Some(help) = family.raw_help() {
        let _ = writeln!(out, "# HELP {name} {help}");
    }
    if family.kind() != MetricType::Untyped {
        let _ = writeln!(out, "# TYPE {name} {}", family.kind().openmetrics_name());
    }
    if let Some(unit) = family.unit() {
        let _ = writeln!(out, "# UNIT {name} {unit}");
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
