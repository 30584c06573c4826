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

use crate::metrics::MetricType;
use crate::metrics::parse::{ParseError, RawLabels, unescape_help};

mod identity;
mod index;

pub(crate) use index::{Continued, Noticed};
mod packed;
mod snapshot;
mod text;

pub use identity::{family_identity, is_per_process_gauge};
pub use packed::PackedTarget;
pub(crate) use packed::compress;
pub use snapshot::{Snapshot, TARGET_LABEL_NAMES, TARGET_REFERENCE_FAMILY};
pub use text::Text;

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
    text: Text,
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
        // Counted first (a scan for boundaries, nothing decoded), so the vector is allocated
        // once rather than grown.
        let mut labels = Labels::with_capacity(self.labels.pairs().count());
        labels.extend(
            self.labels
                .iter()
                .map(|l| (l.name.into_owned(), l.value.into_owned())),
        );
        labels.sort();
        labels
    }
}

impl<'t> FamilyRef<'t> {
    /// Family name as declared by HELP/TYPE (see [`crate::metrics::parse::Family::name`]).
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
        self.samples_in(0..self.len())
    }

    /// Its samples' names, in input order (without reading their labels). A name repeated from
    /// the sample before is the same text: [`same_text`] compares it by address.
    pub fn sample_names(&self) -> impl ExactSizeIterator<Item = &'t str> + use<'t> {
        let target = self.target;
        let range = self.index.first_sample as usize..self.index.end_sample as usize;
        target.samples[range]
            .iter()
            .map(move |s| target.str(s.name))
    }

    /// Its samples `range` (counted from the family's first), in input order.
    pub fn samples_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl ExactSizeIterator<Item = SampleRef<'t>> + use<'t> {
        let target = self.target;
        let first = self.index.first_sample as usize;
        let range = first + range.start..first + range.end;
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
        target.index(true, &[], None).map(|_| target)
    }

    /// [`Target::parse`] without target labels, and what indexing noticed: whether a sample has
    /// a label named like one of `watched`, a `# POD` header, OpenMetrics-only syntax — so the
    /// text is not read again for them.
    fn parse_watching(text: Text, watched: &[&str]) -> Result<(Self, Noticed), ParseError> {
        Target::parse_piece(text, watched, None)
    }

    /// [`Target::parse_watching`] of a piece of a long text that starts in the middle of
    /// `continued`.
    fn parse_piece(
        text: Text,
        watched: &[&str],
        continued: Option<&Continued>,
    ) -> Result<(Self, Noticed), ParseError> {
        let mut target = Target::empty(text, Vec::new(), None);
        let (_, noticed) = target.index(true, watched, continued)?;
        Ok((target, noticed))
    }

    /// Index `text`, skipping malformed lines; returns the target and one error per skipped line.
    pub fn parse_lenient(
        text: String,
        labels: Labels,
        scrape_time_ms: Option<i64>,
    ) -> (Self, Vec<ParseError>) {
        let mut target = Target::empty(text, labels, scrape_time_ms);
        let (errors, _) = target
            .index(false, &[], None)
            .expect("a lenient index collects errors instead of failing");
        (target, errors)
    }

    fn empty(text: impl Into<Text>, labels: Labels, scrape_time_ms: Option<i64>) -> Self {
        Target {
            labels,
            scrape_time_ms,
            text: text.into(),
            ..Target::default()
        }
    }

    /// The target with only the lines of its text that `keep` keeps (comments too, when it keeps
    /// them), indexed again: what a command that reads a few families holds of a body, as it
    /// keeps of a live scrape.
    pub fn keeping_lines(&self, keep: impl Fn(&str) -> bool) -> Target {
        debug_assert!(!self.pruned, "the text holds samples the index left out");
        let mut text = String::new();
        for line in self.text.lines().filter(|l| keep(l)) {
            text.push_str(line);
            text.push('\n');
        }
        Target::parse(text, self.labels.clone(), self.scrape_time_ms)
            .expect("lines of an indexed text index")
    }

    /// The exposition text this target indexes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The target's text, to reuse its buffer.
    pub fn into_text(self) -> String {
        self.text.into_string()
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

    /// About how many bytes of memory the target holds: its text and its index.
    pub fn held_bytes(&self) -> u64 {
        let index = self.samples.capacity() * std::mem::size_of::<SampleIndex>()
            + self.families.capacity() * std::mem::size_of::<FamilyIndex>();
        (self.text.len() + self.decoded.capacity() + index) as u64
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

    /// Drop the families declared without samples.
    fn drop_empty_families(&mut self) {
        self.families.retain(|f| f.first_sample < f.end_sample);
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
}

/// Whether `a` and `b` are the same text: the same slice (found by address, without reading it),
/// or equal strings.
pub fn same_text(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
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
pub(super) fn write_sample_line(
    out: &mut String,
    name: &str,
    labels: &str,
    value: f64,
    ts: Option<i64>,
) {
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

/// `# HELP`, `# TYPE` and `# UNIT` of a family, as it declared them.
pub(super) fn write_meta(out: &mut String, family: FamilyRef<'_>) {
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
