//! Line lexer: one exposition line → a borrowed [`Line`]. Allocation-free unless an escape or a
//! quoted name must be decoded.

use std::borrow::Cow;
use std::ops::Range;

use super::error::ParseError;
use super::labels::{RawLabels, unescape_label};
use crate::metrics::MetricType;

/// One lexed line of a Prometheus text 0.0.4 / OpenMetrics 1.0 body.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// An empty or whitespace-only line.
    Blank,
    /// A `#` line that is not HELP, TYPE, UNIT or EOF (e.g. `# POD web-abc (1 of 2)`); the text after `#`.
    Comment(&'a str),
    /// `# HELP name text`; `text` is still escaped (see [`unescape_help`]).
    Help {
        /// Family name.
        name: Cow<'a, str>,
        /// Escaped help text.
        text: &'a str,
    },
    /// `# TYPE name type`.
    Type {
        /// Family name.
        name: Cow<'a, str>,
        /// Declared type.
        kind: MetricType,
    },
    /// `# UNIT name unit`.
    Unit {
        /// Family name.
        name: Cow<'a, str>,
        /// The unit.
        unit: &'a str,
    },
    /// `# EOF`.
    Eof,
    /// A sample line.
    Sample(Sample<'a>),
}

/// One sample, borrowing from the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    /// Sample name (`x_total`, `x_bucket`, ...). Borrowed unless it was a quoted name with escapes.
    pub name: Cow<'a, str>,
    /// The labels, validated, decoded on iteration.
    pub labels: RawLabels<'a>,
    /// The value.
    pub value: f64,
    /// Timestamp in milliseconds since the epoch. In an OpenMetrics body every timestamp is in
    /// seconds; in Prometheus text an integer is milliseconds, and a number with a fraction or
    /// exponent (which only OpenMetrics writes) is read as seconds ([`TimestampUnit`]).
    pub timestamp_ms: Option<i64>,
    /// Raw exemplar text after ` # `, if any.
    pub exemplar: Option<&'a str>,
}

/// A position in a line being lexed (shared with the label scanner in `labels`).
pub(super) struct Cursor<'a> {
    pub(super) s: &'a str,
    pub(super) pos: usize,
}

pub(super) type Lex<T> = Result<T, (usize, &'static str)>;

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

const fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Which bytes may follow the first in a name: `[a-zA-Z0-9_:]`, or without `:` for labels.
const fn name_bytes(colon: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = is_name_char(b) && (colon || b != b':');
        i += 1;
    }
    table
}

/// The bytes a metric name may have after its first (`[a-zA-Z0-9_:]`).
pub(crate) static METRIC_NAME_BYTES: [bool; 256] = name_bytes(true);
/// The bytes a label name may have after its first (`[a-zA-Z0-9_]`).
pub(crate) static LABEL_NAME_BYTES: [bool; 256] = name_bytes(false);

impl<'a> Cursor<'a> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        let b = self.s.as_bytes();
        while self.pos < b.len() && (b[self.pos] == b' ' || b[self.pos] == b'\t') {
            self.pos += 1;
        }
    }

    pub(super) fn bare_name(&mut self, colon_ok: bool) -> Lex<&'a str> {
        let b = self.s.as_bytes();
        let start = self.pos;
        match b.get(start) {
            Some(&c) if is_name_start(c) && (colon_ok || c != b':') => {}
            _ => return Err((start, "expected a name")),
        }
        // Names are a good part of every line: a table lookup per byte, no bounds checks.
        let allowed = if colon_ok {
            &METRIC_NAME_BYTES
        } else {
            &LABEL_NAME_BYTES
        };
        let rest = &b[start + 1..];
        let len = rest
            .iter()
            .position(|&c| !allowed[usize::from(c)])
            .unwrap_or(rest.len());
        let end = start + 1 + len;
        self.pos = end;
        Ok(&self.s[start..end])
    }

    /// A double-quoted string; returns the range inside the quotes and whether it has escapes.
    pub(super) fn quoted(&mut self) -> Lex<(Range<usize>, bool)> {
        let b = self.s.as_bytes();
        if b.get(self.pos) != Some(&b'"') {
            return Err((self.pos, "expected '\"'"));
        }
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        while i <= b.len() {
            let Some(offset) = memchr::memchr2(b'"', b'\\', &b[i..]) else {
                break;
            };
            let at = i + offset;
            if b[at] == b'"' {
                self.pos = at + 1;
                return Ok((start..at, escaped));
            }
            escaped = true;
            i = at + 2;
        }
        Err((self.pos, "unterminated quoted string"))
    }

    pub(super) fn quoted_name(&mut self) -> Lex<Cow<'a, str>> {
        let at = self.pos;
        let (range, escaped) = self.quoted()?;
        if range.is_empty() {
            return Err((at, "empty quoted name"));
        }
        let raw = &self.s[range];
        Ok(if escaped {
            Cow::Owned(unescape_label(raw))
        } else {
            Cow::Borrowed(raw)
        })
    }

    pub(super) fn label_name(&mut self) -> Lex<(Cow<'a, str>, bool)> {
        if self.peek() == Some(b'"') {
            Ok((self.quoted_name()?, true))
        } else {
            Ok((Cow::Borrowed(self.bare_name(false)?), false))
        }
    }

    pub(super) fn token(&mut self) -> &'a str {
        let b = self.s.as_bytes();
        let start = self.pos;
        while self.pos < b.len() && b[self.pos] != b' ' && b[self.pos] != b'\t' {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }
}

/// What an integer sample timestamp counts: the exposition format decides (spec §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampUnit {
    /// Prometheus text 0.0.4: integer milliseconds.
    #[default]
    Milliseconds,
    /// OpenMetrics: seconds, integer or not (`1700000010` and `1700000010.000` are one instant).
    Seconds,
}

/// Lex one line (without its `\n`) of Prometheus text. `line_no` is 1-based, for errors.
pub fn lex_line(line: &str, line_no: usize) -> Result<Line<'_>, ParseError> {
    lex_line_in(line, line_no, TimestampUnit::Milliseconds)
}

/// [`lex_line`] for a body whose integer timestamps count `unit`.
pub fn lex_line_in(
    line: &str,
    line_no: usize,
    unit: TimestampUnit,
) -> Result<Line<'_>, ParseError> {
    lex_line_noting(line, line_no, unit, &mut |_| {})
}

/// [`lex_line_in`], calling `on_label_name` with the name of each label of a sample line, in
/// written order (a quoted name decoded), so a caller can look at names without reading the
/// label text again.
pub fn lex_line_noting<'a>(
    line: &'a str,
    line_no: usize,
    unit: TimestampUnit,
    on_label_name: &mut impl FnMut(&str),
) -> Result<Line<'a>, ParseError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    lex(line, unit, on_label_name).map_err(|(pos, message)| ParseError {
        line: line_no,
        column: pos + 1,
        message,
    })
}

fn lex<'a>(
    line: &'a str,
    unit: TimestampUnit,
    on_label_name: &mut impl FnMut(&str),
) -> Lex<Line<'a>> {
    let mut c = Cursor { s: line, pos: 0 };
    c.skip_ws();
    match c.peek() {
        None => Ok(Line::Blank),
        Some(b'#') => lex_comment(line, c.pos),
        Some(_) => lex_sample(c, unit, on_label_name).map(Line::Sample),
    }
}

fn lex_comment(line: &str, hash: usize) -> Lex<Line<'_>> {
    let mut c = Cursor {
        s: line,
        pos: hash + 1,
    };
    let after_hash = &line[hash + 1..];
    if c.peek() != Some(b' ') && c.peek() != Some(b'\t') {
        return Ok(Line::Comment(after_hash));
    }
    c.skip_ws();
    let keyword = c.token();
    if keyword == "EOF" {
        c.skip_ws();
        return if c.peek().is_none() {
            Ok(Line::Eof)
        } else {
            Ok(Line::Comment(after_hash))
        };
    }
    if !matches!(keyword, "HELP" | "TYPE" | "UNIT") {
        return Ok(Line::Comment(after_hash));
    }
    c.skip_ws();
    let name = if c.peek() == Some(b'"') {
        c.quoted_name()?
    } else {
        Cow::Borrowed(c.bare_name(true)?)
    };
    match c.peek() {
        None => {}
        Some(b' ' | b'\t') => c.skip_ws(),
        Some(_) => return Err((c.pos, "invalid character in metric name")),
    }
    let rest_at = c.pos;
    let rest = &line[rest_at..];
    match keyword {
        "HELP" => Ok(Line::Help { name, text: rest }),
        "UNIT" => Ok(Line::Unit {
            name,
            unit: rest.trim_end(),
        }),
        _ => match MetricType::from_exposition(rest.trim_end()) {
            Some(kind) => Ok(Line::Type { name, kind }),
            None => Err((rest_at, "unknown metric type")),
        },
    }
}

fn lex_sample<'a>(
    mut c: Cursor<'a>,
    unit: TimestampUnit,
    on_label_name: &mut impl FnMut(&str),
) -> Lex<Sample<'a>> {
    let mut name = if c.peek() == Some(b'{') {
        None
    } else {
        Some(Cow::Borrowed(c.bare_name(true)?))
    };
    let mut labels = RawLabels::default();
    let after_name = c.pos;
    c.skip_ws();
    if c.peek() != Some(b'{') {
        c.pos = after_name;
    }
    let had_braces = c.peek() == Some(b'{');
    if had_braces {
        c.pos += 1;
        let start = c.pos;
        validate_labels(&mut c, &mut name, on_label_name)?;
        labels = RawLabels {
            text: &c.s[start..c.pos - 1],
        };
    }
    let Some(name) = name else {
        return Err((c.pos, "sample without a metric name"));
    };
    let before_ws = c.pos;
    c.skip_ws();
    if c.pos == before_ws && !had_braces && c.peek().is_some() {
        return Err((c.pos, "invalid character in metric name"));
    }
    let value_at = c.pos;
    let value_text = c.token();
    if value_text.is_empty() {
        return Err((value_at, "expected a value"));
    }
    let value = parse_float(value_text).ok_or((value_at, "invalid value"))?;
    c.skip_ws();
    let mut timestamp_ms = None;
    if let Some(b) = c.peek()
        && b != b'#'
    {
        let ts_at = c.pos;
        timestamp_ms = Some(parse_timestamp(c.token(), unit).ok_or((ts_at, "invalid timestamp"))?);
        c.skip_ws();
    }
    let mut exemplar = None;
    if c.peek() == Some(b'#') {
        c.pos += 1;
        c.skip_ws();
        if c.peek() != Some(b'{') {
            return Err((c.pos, "expected '{' to start an exemplar"));
        }
        exemplar = Some(c.s[c.pos..].trim_end());
    } else if c.peek().is_some() {
        return Err((c.pos, "unexpected text after the sample"));
    }
    Ok(Sample {
        name,
        labels,
        value,
        timestamp_ms,
        exemplar,
    })
}

/// Validate `a="x", b="y"}` (the cursor is after `{`) and leave the cursor after `}`. A quoted
/// string not followed by `=` is the metric name (UTF-8 syntax), allowed once, anywhere.
fn validate_labels<'a>(
    c: &mut Cursor<'a>,
    name: &mut Option<Cow<'a, str>>,
    on_label_name: &mut impl FnMut(&str),
) -> Lex<()> {
    loop {
        c.skip_ws();
        match c.peek() {
            Some(b'}') => {
                c.pos += 1;
                return Ok(());
            }
            None => return Err((c.pos, "expected '}' to close the labels")),
            _ => {}
        }
        let (label, quoted) = c.label_name()?;
        c.skip_ws();
        if quoted && name.is_none() && matches!(c.peek(), Some(b',' | b'}')) {
            *name = Some(label);
            if c.peek() == Some(b',') {
                c.pos += 1;
            }
            continue;
        }
        if c.peek() != Some(b'=') {
            return Err((c.pos, "expected '=' after label name"));
        }
        on_label_name(&label);
        c.pos += 1;
        c.skip_ws();
        c.quoted()?;
        c.skip_ws();
        match c.peek() {
            Some(b',') => c.pos += 1,
            Some(b'}') => {}
            _ => return Err((c.pos, "expected ',' or '}' after label value")),
        }
    }
}

/// Parse a sample value the way Go's `strconv.ParseFloat` reads exposition values
/// (`NaN`, `+Inf`, `-Inf`, `1e3`, `.5`).
pub fn parse_float(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    // Fast path for plain non-negative integers, the common case in proxy bodies.
    if b.len() <= 15 && !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        let mut n = 0u64;
        for d in b {
            n = n * 10 + u64::from(d - b'0');
        }
        return Some(n as f64);
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let first = unsigned.as_bytes().first()?;
    if first.is_ascii_digit() || *first == b'.' {
        text.parse().ok()
    } else if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        Some(if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })
    } else if text.eq_ignore_ascii_case("nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

fn parse_timestamp(text: &str, unit: TimestampUnit) -> Option<i64> {
    if unit == TimestampUnit::Milliseconds
        && let Ok(ms) = text.parse::<i64>()
    {
        return Some(ms);
    }
    let secs: f64 = text.parse().ok()?;
    secs.is_finite().then(|| (secs * 1000.0).round() as i64)
}
