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

use crate::metrics::model::{Family, MetricType, Sample, Snapshot, Target};

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

/// One output family: the samples of every target that map to one name.
#[derive(Debug)]
pub struct OutputFamily<'s> {
    /// Output family name.
    pub name: Cow<'s, str>,
    /// Output type.
    pub kind: MetricType,
    /// Decoded HELP text of the first family that had one.
    pub help: Option<&'s str>,
    /// Unit of the first family that had one.
    pub unit: Option<&'s str>,
    /// Samples in target order, then input order.
    pub samples: Vec<OutputSample<'s>>,
}

/// One sample placed in an [`OutputFamily`].
#[derive(Debug)]
pub struct OutputSample<'s> {
    /// The target it came from.
    pub target: &'s Target,
    /// The sample.
    pub sample: &'s Sample,
    /// Its name in the output format.
    pub name: Cow<'s, str>,
}

/// Where a sample goes in `format`: output family name, type, sample name.
fn place<'s>(
    family: &'s Family,
    sample_name: &'s str,
    format: Format,
) -> (Cow<'s, str>, MetricType, Cow<'s, str>) {
    let name = family.name.as_str();
    let created = sample_name.len() > name.len() && sample_name.ends_with("_created");
    match (format, family.kind) {
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
        for family in &target.families {
            if family.samples.is_empty() {
                let (name, kind, _) = place(family, &family.name, format);
                let i = slot(&mut out, &mut index, name, kind);
                fill_meta(&mut out[i], family);
            }
            for sample in &family.samples {
                let (name, kind, sample_name) = place(family, &sample.name, format);
                let i = slot(&mut out, &mut index, name, kind);
                if out[i].kind == kind {
                    fill_meta(&mut out[i], family);
                }
                out[i].samples.push(OutputSample {
                    target,
                    sample,
                    name: sample_name,
                });
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
            samples: Vec::new(),
        });
        out.len() - 1
    })
}

fn fill_meta<'s>(out: &mut OutputFamily<'s>, family: &'s Family) {
    if out.help.is_none() {
        out.help = family.help.as_deref();
    }
    if out.unit.is_none() {
        out.unit = family.unit.as_deref();
    }
}

/// Write `snapshot` as one exposition into `out`.
pub fn write_snapshot<W: Write>(
    out: &mut W,
    snapshot: &Snapshot,
    options: WriteOptions,
) -> fmt::Result {
    for family in output_families(snapshot, options.format) {
        write_family(out, &family, options)?;
    }
    if options.format == Format::OpenMetrics {
        out.write_str("# EOF\n")?;
    }
    Ok(())
}

/// Re-write one parsed body (no target labels) in `options.format`.
pub fn write_body<W: Write>(
    out: &mut W,
    body: &crate::metrics::parse::Body<'_>,
    options: WriteOptions,
) -> fmt::Result {
    let snapshot = Snapshot {
        targets: vec![Target::from_body(body, Vec::new(), None)],
    };
    write_snapshot(out, &snapshot, options)
}

/// Write `snapshot` to an `io::Write` (a file, stdout), buffered per family.
pub fn write_snapshot_io<W: std::io::Write>(
    mut out: W,
    snapshot: &Snapshot,
    options: WriteOptions,
) -> std::io::Result<()> {
    let mut buf = String::new();
    for family in output_families(snapshot, options.format) {
        buf.clear();
        write_family(&mut buf, &family, options).expect("writing to a String cannot fail");
        out.write_all(buf.as_bytes())?;
    }
    if options.format == Format::OpenMetrics {
        out.write_all(b"# EOF\n")?;
    }
    Ok(())
}

/// Write `snapshot` into a new `String`.
pub fn to_string(snapshot: &Snapshot, options: WriteOptions) -> String {
    let mut out = String::with_capacity(snapshot.sample_count() * 128);
    write_snapshot(&mut out, snapshot, options).expect("writing to a String cannot fail");
    out
}

fn write_family<W: Write>(
    out: &mut W,
    family: &OutputFamily<'_>,
    options: WriteOptions,
) -> fmt::Result {
    let om = options.format == Format::OpenMetrics;
    let name = sanitize_name(&family.name, true);
    if let Some(help) = family.help {
        write!(out, "# HELP {name} ")?;
        write_escaped(out, help, om)?;
        out.write_char('\n')?;
    }
    let kind = match (om, family.kind) {
        (false, MetricType::Untyped) => "untyped",
        (_, kind) => kind.openmetrics_name(),
    };
    writeln!(out, "# TYPE {name} {kind}")?;
    if om
        && let Some(unit) = family.unit
        && !unit.is_empty()
        && name.ends_with(&format!("_{unit}"))
    {
        writeln!(out, "# UNIT {name} {unit}")?;
    }
    for s in &family.samples {
        write_sample(out, s, options)?;
    }
    Ok(())
}

fn write_sample<W: Write>(out: &mut W, s: &OutputSample<'_>, options: WriteOptions) -> fmt::Result {
    out.write_str(&sanitize_name(&s.name, true))?;
    let sample_labels = s.sample.labels.iter().map(|(n, v)| {
        let clash = s.target.labels.iter().any(|(t, _)| t == n);
        let name = if clash {
            Cow::Owned(format!("exported_{n}"))
        } else {
            Cow::Borrowed(n.as_str())
        };
        (name, v.as_str())
    });
    let target_labels = s
        .target
        .labels
        .iter()
        .map(|(n, v)| (Cow::Borrowed(n.as_str()), v.as_str()));
    let mut first = true;
    for (n, v) in target_labels.chain(sample_labels) {
        out.write_char(if first { '{' } else { ',' })?;
        first = false;
        write!(out, "{}=\"", sanitize_name(&n, false))?;
        write_escaped(out, v, true)?;
        out.write_char('"')?;
    }
    if !first {
        out.write_char('}')?;
    }
    out.write_char(' ')?;
    write_value(out, s.sample.value)?;
    if options.timestamps
        && let Some(ms) = s.sample.timestamp_ms.or(s.target.scrape_time_ms)
    {
        out.write_char(' ')?;
        match options.format {
            Format::Prometheus => write!(out, "{ms}")?,
            Format::OpenMetrics => write!(
                out,
                "{}{}.{:03}",
                if ms < 0 { "-" } else { "" },
                ms.unsigned_abs() / 1000,
                ms.unsigned_abs() % 1000
            )?,
        }
    }
    out.write_char('\n')
}

/// Write a value the way Prometheus does: `NaN`, `+Inf`, `-Inf`, else the shortest decimal that
/// reads back to the same `f64`.
pub fn write_value<W: Write>(out: &mut W, v: f64) -> fmt::Result {
    if v.is_nan() {
        out.write_str("NaN")
    } else if v.is_infinite() {
        out.write_str(if v > 0.0 { "+Inf" } else { "-Inf" })
    } else if v != 0.0 && (v.abs() >= 1e21 || v.abs() < 1e-6) {
        write!(out, "{v:e}")
    } else {
        write!(out, "{v}")
    }
}

/// A value formatted by [`write_value`].
pub fn format_value(v: f64) -> String {
    let mut s = String::new();
    write_value(&mut s, v).expect("writing to a String cannot fail");
    s
}

/// Escape `\`, newline and (in label values and OpenMetrics HELP) `"`.
fn write_escaped<W: Write>(out: &mut W, text: &str, quote: bool) -> fmt::Result {
    if !text.contains(['\\', '\n', '"']) {
        return out.write_str(text);
    }
    for ch in text.chars() {
        match ch {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '"' if quote => out.write_str("\\\"")?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Make `name` a valid metric name (`colon_ok`) or label name: invalid characters become `_`, a
/// leading digit gets a `_` prefix.
pub fn sanitize_name(name: &str, colon_ok: bool) -> Cow<'_, str> {
    let ok = |i: usize, b: u8| {
        b.is_ascii_alphabetic()
            || b == b'_'
            || (colon_ok && b == b':')
            || (i > 0 && b.is_ascii_digit())
    };
    if !name.is_empty() && name.bytes().enumerate().all(|(i, b)| ok(i, b)) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 1);
    if name.as_bytes().first().is_none_or(u8::is_ascii_digit) {
        out.push('_');
    }
    for ch in name.chars() {
        let valid = ch.is_ascii_alphanumeric() || ch == '_' || (colon_ok && ch == ':');
        out.push(if valid { ch } else { '_' });
    }
    Cow::Owned(out)
}
