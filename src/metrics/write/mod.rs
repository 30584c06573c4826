//! Writers: a snapshot as one merged Prometheus text 0.0.4 or OpenMetrics 1.0 exposition, with
//! target labels added to each sample and each family's HELP/TYPE written once.
//!
//! Family names follow each format's rules: in text 0.0.4 a counter family is named like its
//! samples (`x_total`) and `_created` samples become their own gauge family; in OpenMetrics a
//! counter family drops `_total` and its samples gain it, untyped is `unknown`, and `# UNIT` is
//! written only when the family name ends with the unit. When two families map to the same output
//! name with different types, the first type wins.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::ops::Range;

use crate::metrics::MetricType;

use crate::metrics::model::{FamilyRef, SampleRef, Snapshot, Target, same_text};

mod turns;
mod value;

use crate::metrics::parse::{Label, RawPair, unescape_label};
use turns::{PIECE_SAMPLES, write_in_turn};
pub(crate) use value::write_escaped;
pub use value::{format_value, sanitize_name, write_value};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text exposition 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text (ends with `# EOF`).
    OpenMetrics,
}

/// Writer options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// Output format.
    pub format: Format,
    /// Write a timestamp on each sample: its own, else its target's scrape time.
    pub timestamps: bool,
}

/// One output family: the samples of every target that map to one name, as runs of consecutive
/// samples of one target's family (so placing a sample costs no allocation).
#[derive(Debug)]
pub struct OutputFamily<'s> {
    /// Output family name.
    pub name: Cow<'s, str>,
    /// Output type.
    pub kind: MetricType,
    /// Decoded HELP text of the first family that had one.
    pub help: Option<Cow<'s, str>>,
    /// Unit of the first family that had one.
    pub unit: Option<&'s str>,
    /// The runs of samples, in target order, then input order.
    runs: Vec<Run<'s>>,
}

/// Consecutive samples of one family of one target that go to the same output family.
#[derive(Debug, Clone)]
struct Run<'s> {
    target: &'s Target,
    family: FamilyRef<'s>,
    samples: Range<usize>,
}

/// One sample placed in an [`OutputFamily`].
#[derive(Debug)]
pub struct OutputSample<'s> {
    /// The target it came from.
    pub target: &'s Target,
    /// The sample.
    pub sample: SampleRef<'s>,
    /// Its name in the output format.
    pub name: Cow<'s, str>,
}

impl<'s> OutputFamily<'s> {
    /// Every sample of the family with its target and output name, in output order.
    pub fn samples(&self, format: Format) -> impl Iterator<Item = OutputSample<'s>> + '_ {
        self.runs.iter().flat_map(move |run| {
            let family = run.family;
            family
                .samples_in(run.samples.clone())
                .map(move |sample| OutputSample {
                    target: run.target,
                    name: place(family.name(), family.kind(), sample.name, format).2,
                    sample,
                })
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.runs.iter().map(|r| r.samples.len()).sum()
    }

    /// Whether the family has no samples.
    pub fn is_empty(&self) -> bool {
        self.runs.iter().all(|r| r.samples.is_empty())
    }
}

/// Where a sample goes in `format`: output family name, type, sample name.
pub(crate) fn place<'s>(
    name: &'s str,
    kind: MetricType,
    sample_name: &'s str,
    format: Format,
) -> (Cow<'s, str>, MetricType, Cow<'s, str>) {
    let created = sample_name.len() > name.len() && sample_name.ends_with("_created");
    match (format, kind) {
        (Format::Prometheus, MetricType::Counter) if created => {
            (sample_name.into(), MetricType::Gauge, sample_name.into())
        }
        (Format::Prometheus, MetricType::Histogram | MetricType::Summary) if created => {
            (sample_name.into(), MetricType::Gauge, sample_name.into())
        }
        (Format::Prometheus, MetricType::Counter) => {
            (sample_name.into(), MetricType::Counter, sample_name.into())
        }
        (Format::Prometheus, MetricType::GaugeHistogram) => {
            (sample_name.into(), MetricType::Untyped, sample_name.into())
        }
        (Format::Prometheus, MetricType::Info) => {
            (sample_name.into(), MetricType::Gauge, sample_name.into())
        }
        (Format::Prometheus, MetricType::StateSet) => {
            (name.into(), MetricType::Gauge, sample_name.into())
        }
        (Format::OpenMetrics, MetricType::Counter) => {
            let base = name.strip_suffix("_total").unwrap_or(name);
            let sample = if created || sample_name.ends_with("_total") {
                Cow::Borrowed(sample_name)
            } else {
                Cow::Owned(format!("{sample_name}_total"))
            };
            (base.into(), MetricType::Counter, sample)
        }
        (_, kind) => (name.into(), kind, sample_name.into()),
    }
}

/// Group the samples of every target into output families, in order of first appearance.
pub fn output_families(snapshot: &Snapshot, format: Format) -> Vec<OutputFamily<'_>> {
    let mut out: Vec<OutputFamily<'_>> = Vec::new();
    let mut index: HashMap<Cow<'_, str>, usize> = HashMap::new();
    for target in &snapshot.targets {
        for family in target.families() {
            if family.is_empty() {
                let (name, kind, _) = place(family.name(), family.kind(), family.name(), format);
                let i = slot(&mut out, &mut index, name, kind);
                fill_meta(&mut out[i], family);
                continue;
            }
            // Consecutive samples almost always go to the same output family: place each, but
            // look the name up only when it changes.
            let mut current: Option<(Cow<'_, str>, usize)> = None;
            for (i, sample_name) in family.sample_names().enumerate() {
                let (name, kind, _) = place(family.name(), family.kind(), sample_name, format);
                let o = match &current {
                    Some((n, o)) if same_text(n, &name) => *o,
                    _ => {
                        let o = slot(&mut out, &mut index, name.clone(), kind);
                        if out[o].kind == kind {
                            fill_meta(&mut out[o], family);
                        }
                        current = Some((name, o));
                        o
                    }
                };
                let runs = &mut out[o].runs;
                match runs.last_mut() {
                    Some(run)
                        if std::ptr::eq(run.target, target)
                            && run.family.is_same(&family)
                            && run.samples.end == i =>
                    {
                        run.samples.end = i + 1
                    }
                    _ => runs.push(Run {
                        target,
                        family,
                        samples: i..i + 1,
                    }),
                }
            }
        }
    }
    out
}

fn slot<'s>(
    out: &mut Vec<OutputFamily<'s>>,
    index: &mut HashMap<Cow<'s, str>, usize>,
    name: Cow<'s, str>,
    kind: MetricType,
) -> usize {
    *index.entry(name.clone()).or_insert_with(|| {
        out.push(OutputFamily {
            name,
            kind,
            help: None,
            unit: None,
            runs: Vec::new(),
        });
        out.len() - 1
    })
}

fn fill_meta<'s>(out: &mut OutputFamily<'s>, family: FamilyRef<'s>) {
    if out.help.is_none() {
        out.help = family.help();
    }
    if out.unit.is_none() {
        out.unit = family.unit();
    }
}

/// Write `snapshot` as one exposition into `out`.
pub fn write_snapshot<W: Write>(
    out: &mut W,
    snapshot: &Snapshot,
    options: WriteOptions,
) -> fmt::Result {
    let mut buf = String::new();
    for family in output_families(snapshot, options.format) {
        buf.clear();
        write_family(&mut buf, &family, options);
        out.write_str(&buf)?;
    }
    if options.format == Format::OpenMetrics {
        out.write_str("# EOF\n")?;
    }
    Ok(())
}

/// Write `snapshot` to an `io::Write` (a file, stdout) through a buffer of about 256 KiB, so
/// the output is never held whole. A large snapshot is written in pieces by two threads, in turn,
/// each piece printed in order as it is done.
pub fn write_snapshot_io<W: std::io::Write>(
    mut out: W,
    snapshot: &Snapshot,
    options: WriteOptions,
) -> std::io::Result<()> {
    const FLUSH_AT: usize = 256 << 10;
    let families = output_families(snapshot, options.format);
    if snapshot.sample_count() >= 2 * PIECE_SAMPLES && crate::metrics::more_than_one_core() {
        write_in_turn(&mut out, &families, options)?;
    } else {
        let mut buf = String::with_capacity(FLUSH_AT + (64 << 10));
        for family in &families {
            write_family_flushing(
                &mut buf,
                family,
                options,
                &mut |chunk: &str| out.write_all(chunk.as_bytes()),
                FLUSH_AT,
            )?;
        }
        out.write_all(buf.as_bytes())?;
    }
    if options.format == Format::OpenMetrics {
        out.write_all(b"# EOF\n")?;
    }
    out.flush()
}

/// Write `snapshot` into a new `String`.
pub fn to_string(snapshot: &Snapshot, options: WriteOptions) -> String {
    let mut out = String::with_capacity(snapshot.sample_count() * 128);
    write_snapshot(&mut out, snapshot, options).expect("writing to a String cannot fail");
    out
}

fn write_family(out: &mut String, family: &OutputFamily<'_>, options: WriteOptions) {
    write_family_flushing(
        out,
        family,
        options,
        &mut |_: &str| Ok::<(), std::convert::Infallible>(()),
        usize::MAX,
    )
    .expect("the sink cannot fail");
}

/// Write one family into `out`; each time `out` passes `flush_at` bytes it is handed to `sink`
/// and cleared.
fn write_family_flushing<E>(
    out: &mut String,
    family: &OutputFamily<'_>,
    options: WriteOptions,
    sink: &mut dyn FnMut(&str) -> Result<(), E>,
    flush_at: usize,
) -> Result<(), E> {
    write_family_part(out, family, 0..usize::MAX, options, sink, flush_at)
}

/// [`write_family_flushing`] of the family's header (when `samples` starts at 0) and of its
/// samples `samples` (counted over all its runs).
fn write_family_part<E>(
    out: &mut String,
    family: &OutputFamily<'_>,
    samples: Range<usize>,
    options: WriteOptions,
    sink: &mut dyn FnMut(&str) -> Result<(), E>,
    flush_at: usize,
) -> Result<(), E> {
    if samples.start == 0 {
        write_family_header(
            out,
            &family.name,
            family.kind,
            family.help.as_deref(),
            family.unit,
            options,
        );
    }
    let mut labels = SampleLabels::default();
    let mut before = 0;
    for run in &family.runs {
        let (start, end) = (before, before + run.samples.len());
        before = end;
        let (from, to) = (samples.start.max(start), samples.end.min(end));
        if from >= to {
            if end >= samples.end {
                break;
            }
            continue;
        }
        let f = run.family;
        let first = run.samples.start + (from - start);
        for sample in f.samples_in(first..first + (to - from)) {
            let (_, _, sample_name) = place(f.name(), f.kind(), sample.name, options.format);
            write_sample(out, &sample_name, run.target, &sample, options, &mut labels);
            if out.len() >= flush_at {
                sink(out)?;
                out.clear();
            }
        }
    }
    Ok(())
}

/// Write the `# HELP`, `# TYPE` and (OpenMetrics, when the name ends with it) `# UNIT` lines of
/// an output family.
pub(crate) fn write_family_header(
    out: &mut String,
    name: &str,
    kind: MetricType,
    help: Option<&str>,
    unit: Option<&str>,
    options: WriteOptions,
) {
    let om = options.format == Format::OpenMetrics;
    let name = sanitize_name(name, true);
    if let Some(help) = help {
        out.push_str("# HELP ");
        out.push_str(&name);
        out.push(' ');
        write_escaped(out, help, om).expect("writing to a String cannot fail");
        out.push('\n');
    }
    let kind = match (om, kind) {
        (false, MetricType::Untyped) => "untyped",
        (_, kind) => kind.openmetrics_name(),
    };
    let _ = writeln!(out, "# TYPE {name} {kind}");
    if om
        && let Some(unit) = unit
        && !unit.is_empty()
        && name.ends_with(&format!("_{unit}"))
    {
        let _ = writeln!(out, "# UNIT {name} {unit}");
    }
}

/// Write the samples of `target` that go to the output family `output` (see [`place`]).
pub(crate) fn write_target_samples(
    out: &mut String,
    target: &Target,
    output: &str,
    options: WriteOptions,
) {
    let mut labels = SampleLabels::default();
    for family in target.families() {
        for sample in family.samples() {
            let (name, _, sample_name) =
                place(family.name(), family.kind(), sample.name, options.format);
            if name == output {
                write_sample(out, &sample_name, target, &sample, options, &mut labels);
            }
        }
    }
}

/// A sample's labels as written, and the order they are written out in (by name), kept from
/// sample to sample: consecutive samples of a family almost always have the same label names in
/// the same order, so their order is worked out once per run of them rather than sorted per
/// sample.
#[derive(Debug, Default)]
struct SampleLabels<'t> {
    pairs: Vec<RawPair<'t>>,
    /// The names the order was worked out for, in written order.
    names: Vec<&'t str>,
    /// Indexes into `pairs`, sorted by name (stable: equal names keep their written order).
    order: Vec<usize>,
}

impl<'t> SampleLabels<'t> {
    /// Read `sample`'s labels and bring the order up to date.
    fn read(&mut self, sample: &SampleRef<'t>) {
        self.pairs.clear();
        self.pairs.extend(sample.labels.pairs());
        let same = self.names.len() == self.pairs.len()
            && self
                .names
                .iter()
                .zip(&self.pairs)
                .all(|(n, p)| *n == p.name);
        if same {
            return;
        }
        self.names.clear();
        self.names.extend(self.pairs.iter().map(|p| p.name));
        self.order.clear();
        self.order.extend(0..self.pairs.len());
        let names = &self.names;
        self.order.sort_by(|&a, &b| names[a].cmp(names[b]));
    }

    /// The labels sorted by name.
    fn sorted(&self) -> impl Iterator<Item = &RawPair<'t>> {
        self.order.iter().map(|&i| &self.pairs[i])
    }
}

/// Write one sample line: target labels first, then the sample's labels sorted by name. A label
/// the sample has wins over the target label of the same name (spec §4a, as Prometheus'
/// `honor_labels: true`). Values without escapes are copied as written; the rest are decoded
/// and escaped again.
fn write_sample<'t>(
    out: &mut String,
    name: &str,
    target: &Target,
    sample: &SampleRef<'t>,
    options: WriteOptions,
    labels: &mut SampleLabels<'t>,
) {
    out.push_str(&sanitize_name(name, true));
    let mut first = true;
    let mut open = |out: &mut String| {
        out.push(if first { '{' } else { ',' });
        first = false;
    };
    labels.read(sample);
    let pairs = &labels.pairs;
    let quoted = pairs.iter().any(|p| p.quoted);
    let owned = |name: &str| {
        if quoted {
            sample.labels.iter().any(|l| l.name == name)
        } else {
            pairs.iter().any(|p| p.name == name)
        }
    };
    for (n, v) in target.labels.iter().filter(|(n, _)| !owned(n)) {
        open(out);
        out.push_str(&sanitize_name(n, false));
        out.push_str("=\"");
        write_escaped(out, v, true).expect("writing to a String cannot fail");
        out.push('"');
    }
    if quoted {
        // A quoted (UTF-8) label name: decode and sanitize every name.
        let mut decoded: Vec<Label<'_>> = sample.labels.iter().collect();
        decoded.sort_by(|a, b| a.name.cmp(&b.name));
        for label in &decoded {
            open(out);
            out.push_str(&sanitize_name(&label.name, false));
            out.push_str("=\"");
            write_escaped(out, &label.value, true).expect("writing to a String cannot fail");
            out.push('"');
        }
    } else {
        // Bare names were validated by the lexer; values without escapes are copied as written.
        for pair in labels.sorted() {
            open(out);
            out.push_str(pair.name);
            out.push_str("=\"");
            if pair.escaped {
                write_escaped(out, &unescape_label(pair.raw_value), true)
                    .expect("writing to a String cannot fail");
            } else {
                out.push_str(pair.raw_value);
            }
            out.push('"');
        }
    }
    if !first {
        out.push('}');
    }
    out.push(' ');
    write_value(out, sample.value).expect("writing to a String cannot fail");
    if options.timestamps
        && let Some(ms) = sample.timestamp_ms.or(target.scrape_time_ms)
    {
        out.push(' ');
        let _ = match options.format {
            Format::Prometheus => write!(out, "{ms}"),
            Format::OpenMetrics => write!(
                out,
                "{}{}.{:03}",
                if ms < 0 { "-" } else { "" },
                ms.unsigned_abs() / 1000,
                ms.unsigned_abs() % 1000
            ),
        };
    }
    out.push('\n');
}
