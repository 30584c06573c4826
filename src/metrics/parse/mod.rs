//! Zero-copy parser for Prometheus text 0.0.4 and OpenMetrics 1.0, as Linkerd proxies mix them
//! in one body.
//!
//! [`parse`] (strict) and [`parse_lenient`] (collect errors, keep going) group samples into
//! [`Family`]s that borrow from the input; [`lines`] streams the lexed lines for callers that
//! reduce a body without keeping it. Names and label values are `&str` slices of the input; a
//! `Cow::Owned` appears only when an escape or quoted name must be decoded.

mod error;
mod labels;
mod lexer;

use std::borrow::Cow;

pub use error::ParseError;
pub use labels::{Label, LabelIter, RawLabels, RawPair, RawPairs, unescape_help, unescape_label};
pub(crate) use lexer::{LABEL_NAME_BYTES, METRIC_NAME_BYTES};
pub use lexer::{Line, Sample, TimestampUnit, lex_line, lex_line_in, lex_line_noting, parse_float};

use crate::metrics::MetricType;

/// A parsed body: its families in order of appearance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body<'a> {
    /// Families in input order. The same name may appear twice (e.g. concatenated bodies).
    pub families: Vec<Family<'a>>,
    /// Whether a `# EOF` line was seen.
    pub eof: bool,
}

/// A metric family: metadata plus its samples, borrowing from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Family<'a> {
    /// Family name as declared by HELP/TYPE (for a counter, possibly without `_total`), or the
    /// sample name for a sample without metadata.
    pub name: Cow<'a, str>,
    /// Declared type (`Untyped` without a TYPE line).
    pub kind: MetricType,
    /// Escaped HELP text (decode with [`unescape_help`]).
    pub help: Option<&'a str>,
    /// `# UNIT` value.
    pub unit: Option<&'a str>,
    /// Samples in input order.
    pub samples: Vec<Sample<'a>>,
}

impl<'a> Family<'a> {
    fn new(name: Cow<'a, str>, kind: MetricType) -> Self {
        Family {
            name,
            kind,
            help: None,
            unit: None,
            samples: Vec::new(),
        }
    }

    /// Decoded HELP text.
    pub fn help_text(&self) -> Option<Cow<'a, str>> {
        self.help.map(unescape_help)
    }
}

impl<'a> Body<'a> {
    /// Every sample with its family, in input order.
    pub fn samples(&self) -> impl Iterator<Item = (&Family<'a>, &Sample<'a>)> {
        self.families
            .iter()
            .flat_map(|f| f.samples.iter().map(move |s| (f, s)))
    }

    /// Number of samples.
    pub fn sample_count(&self) -> usize {
        self.families.iter().map(|f| f.samples.len()).sum()
    }
}

/// Whether a sample named `sample` belongs to a family `family` of type `kind`
/// (`x_total`/`x_created` for counter `x`, `_bucket`/`_sum`/`_count` for histograms, ...).
pub fn belongs_to(family: &str, kind: MetricType, sample: &str) -> bool {
    let Some(suffix) = sample.strip_prefix(family) else {
        return false;
    };
    if suffix.is_empty() {
        return true;
    }
    let allowed: &[&str] = match kind {
        MetricType::Counter => &["_total", "_created"],
        MetricType::Histogram => &["_bucket", "_sum", "_count", "_created"],
        MetricType::GaugeHistogram => &["_bucket", "_gsum", "_gcount"],
        MetricType::Summary => &["_sum", "_count", "_created"],
        MetricType::Info => &["_info"],
        MetricType::Gauge | MetricType::StateSet | MetricType::Untyped => &[],
    };
    allowed.contains(&suffix)
}

/// Iterator over the lexed lines of a body, with 1-based line numbers.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a str,
    line_no: usize,
    unit: TimestampUnit,
    /// The line lexed last, as written.
    last: &'a str,
}

/// Stream the lines of `input` without building families (for reducers that keep only a few
/// numbers per body). Timestamps count seconds when `input` is OpenMetrics (it ends in
/// `# EOF`), milliseconds otherwise.
pub fn lines(input: &str) -> Lines<'_> {
    let unit = if ends_with_eof(input) {
        TimestampUnit::Seconds
    } else {
        TimestampUnit::Milliseconds
    };
    Lines {
        rest: input,
        line_no: 0,
        unit,
        last: "",
    }
}

/// Whether the last line of `input` (blank lines aside) is `# EOF`: the end of an OpenMetrics
/// exposition.
pub fn ends_with_eof(input: &str) -> bool {
    let trimmed = input.trim_end_matches(['\n', '\r', ' ', '\t']);
    let last = trimmed.rsplit('\n').next().unwrap_or(trimmed);
    matches!(lex_line(last, 1), Ok(Line::Eof))
}

/// Whether `input` uses syntax only OpenMetrics has: an OpenMetrics-only type (`info`,
/// `stateset`, `gaugehistogram`) or a timestamp in seconds with a fraction (as snapshots write
/// every one). Such a body without a final `# EOF` was cut short (spec §7). `# UNIT` lines do not
/// count: proxies write them in Prometheus text too, and excerpts of their bodies have no `# EOF`.
pub fn says_openmetrics(input: &str) -> bool {
    text_lines(input)
        .enumerate()
        .filter(|(_, text)| may_say_openmetrics(text))
        .any(|(i, text)| lex_line(text, i + 1).is_ok_and(|line| line_says_openmetrics(text, &line)))
}

/// Whether `line`, lexed from `text`, is syntax only OpenMetrics has (see [`says_openmetrics`]).
pub fn line_says_openmetrics(text: &str, line: &Line<'_>) -> bool {
    match line {
        Line::Type { kind, .. } => matches!(
            kind,
            MetricType::Info | MetricType::StateSet | MetricType::GaugeHistogram
        ),
        Line::Sample(sample) => {
            sample.timestamp_ms.is_some() && timestamp_text(text, sample).contains('.')
        }
        _ => false,
    }
}

/// Whether `line` is a `# POD name (i of n)` header (see [`has_pod_header`]).
pub fn is_pod_header(line: &str) -> bool {
    line.starts_with(POD_HEADER)
}

/// How `linkerd diagnostics proxy-metrics` starts each pod's section.
const POD_HEADER: &str = "# POD ";

/// Whether `input` has a `# POD name (i of n)` header line, as `linkerd diagnostics
/// proxy-metrics` writes before each pod's body.
pub fn has_pod_header(input: &str) -> bool {
    memchr::memmem::find_iter(input.as_bytes(), POD_HEADER.as_bytes())
        .any(|at| at == 0 || input.as_bytes()[at - 1] == b'\n')
}

/// The lines of `input` as [`str::lines`] splits them (without `\n` or `\r\n`), found with
/// the `memchr` crate's vectorised search.
fn text_lines(input: &str) -> impl Iterator<Item = &str> {
    let mut rest = input;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, next) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

/// Whether `line` can be a TYPE line or a sample with a timestamp in seconds with a fraction:
/// a `#` line, one with a `#` anywhere (an exemplar, whose braces come after the timestamp), or
/// one with a `.` after its first `}` (anywhere, without one: no labels). Lexing only those
/// lines, not every sample of a body, keeps [`says_openmetrics`] far cheaper than indexing.
fn may_say_openmetrics(line: &str) -> bool {
    let bytes = line.as_bytes();
    match bytes.iter().find(|b| !matches!(b, b' ' | b'\t')) {
        None => false,
        Some(b'#') => true,
        Some(_) if memchr::memchr(b'#', bytes).is_some() => true,
        Some(_) => {
            let after_labels = memchr::memchr(b'}', bytes).map_or(bytes, |at| &bytes[at..]);
            memchr::memchr(b'.', after_labels).is_some()
        }
    }
}

/// The timestamp as written on `line`, which lexed to `sample`: the last word before the
/// exemplar, if any.
fn timestamp_text<'a>(line: &'a str, sample: &Sample<'a>) -> &'a str {
    let end = sample.exemplar.map_or(line.len(), |exemplar| {
        // The exemplar borrows from `line`, after its `#`.
        let at = exemplar.as_ptr() as usize - line.as_ptr() as usize;
        line[..at]
            .trim_end()
            .strip_suffix('#')
            .unwrap_or(&line[..at])
            .len()
    });
    line[..end]
        .trim_end()
        .rsplit([' ', '\t'])
        .next()
        .unwrap_or_default()
}

impl<'a> Lines<'a> {
    /// Split the lines still to come in two at the first line boundary from byte `at` of their
    /// text on, to lex each part on its own thread. The second part counts its lines from 0: add
    /// the first part's [`Lines::line_count`] to its line numbers.
    pub fn split_at_about(self, at: usize) -> (Lines<'a>, Lines<'a>) {
        let at = at.min(self.rest.len());
        let at = memchr::memchr(b'\n', &self.rest.as_bytes()[at..])
            .map_or(self.rest.len(), |i| at + i + 1);
        let (first, second) = self.rest.split_at(at);
        let second = Lines {
            rest: second,
            line_no: 0,
            unit: self.unit,
            last: "",
        };
        (
            Lines {
                rest: first,
                ..self
            },
            second,
        )
    }

    /// The text of the line lexed last, as written (without its line end).
    pub fn last_line(&self) -> &'a str {
        self.last
    }

    /// Number of lines lexed so far.
    pub fn line_count(&self) -> usize {
        self.line_no
    }

    /// The next line, as [`Iterator::next`] gives it, calling `on_label_name` with each label
    /// name of a sample line ([`lex_line_noting`]).
    pub fn next_noting(
        &mut self,
        on_label_name: &mut impl FnMut(&str),
    ) -> Option<Result<(usize, Line<'a>), ParseError>> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest.as_bytes()) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        self.last = line;
        self.line_no += 1;
        Some(
            lexer::lex_line_noting(line, self.line_no, self.unit, on_label_name)
                .map(|l| (self.line_no, l)),
        )
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<(usize, Line<'a>), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_noting(&mut |_| {})
    }
}

/// Parse a body strictly: the first malformed line is an error.
pub fn parse(input: &str) -> Result<Body<'_>, ParseError> {
    let mut builder = Builder::default();
    for line in lines(input) {
        builder.push(line?.1);
    }
    Ok(builder.body)
}

/// Parse a body, skipping malformed lines; returns what parsed and one error per skipped line.
pub fn parse_lenient(input: &str) -> (Body<'_>, Vec<ParseError>) {
    let mut builder = Builder::default();
    let mut errors = Vec::new();
    for line in lines(input) {
        match line {
            Ok((_, line)) => builder.push(line),
            Err(e) => errors.push(e),
        }
    }
    (builder.body, errors)
}

#[derive(Default)]
struct Builder<'a> {
    body: Body<'a>,
}

impl<'a> Builder<'a> {
    /// The family metadata for `name` goes to: the current family if it has that name and no
    /// samples yet, else a new one.
    fn meta_family(&mut self, name: Cow<'a, str>) -> &mut Family<'a> {
        let reuse =
            matches!(self.body.families.last(), Some(f) if f.name == name && f.samples.is_empty());
        if !reuse {
            self.body
                .families
                .push(Family::new(name, MetricType::Untyped));
        }
        self.body
            .families
            .last_mut()
            .expect("a family was just ensured")
    }

    fn push(&mut self, line: Line<'a>) {
        match line {
            Line::Blank | Line::Comment(_) => {}
            Line::Eof => self.body.eof = true,
            Line::Help { name, text } => self.meta_family(name).help = Some(text),
            Line::Type { name, kind } => self.meta_family(name).kind = kind,
            Line::Unit { name, unit } => self.meta_family(name).unit = Some(unit),
            Line::Sample(sample) => match self.body.families.last_mut() {
                Some(family) if belongs_to(&family.name, family.kind, &sample.name) => {
                    family.samples.push(sample)
                }
                _ => {
                    let mut family = Family::new(sample.name.clone(), MetricType::Untyped);
                    family.samples.push(sample);
                    self.body.families.push(family);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests;
