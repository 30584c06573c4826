//! A sample's label text, read in place: [`RawLabels`] (the validated text between `{` and `}`),
//! its pairs found by boundary scanning without decoding ([`RawPairs`]), or decoded
//! ([`LabelIter`]), and the escapes of label values and HELP texts.

use super::lexer::Cursor;
use std::borrow::Cow;

/// The text between a sample's `{` and `}`, already validated (a quoted metric name in it is
/// skipped on iteration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawLabels<'a> {
    pub(super) text: &'a str,
}

/// One label of a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// Label name.
    pub name: Cow<'a, str>,
    /// Decoded label value.
    pub value: Cow<'a, str>,
    /// The value as written between its quotes (escapes not decoded).
    pub raw_value: &'a str,
}

impl<'a> RawLabels<'a> {
    /// Labels text already validated by the lexer (as kept by [`crate::metrics::model::Target`]).
    pub(crate) fn from_validated(text: &'a str) -> Self {
        RawLabels { text }
    }

    /// The raw text between the braces.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// True when the sample has no labels.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The labels in written order.
    pub fn iter(&self) -> LabelIter<'a> {
        LabelIter {
            pairs: self.pairs(),
        }
    }

    /// The labels in written order as they are written: names and values not decoded. For
    /// readers that copy labels through (writers), and cheaper than [`RawLabels::iter`].
    pub fn pairs(&self) -> RawPairs<'a> {
        RawPairs {
            text: self.text,
            pos: 0,
        }
    }

    /// The decoded value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.iter().find(|l| l.name == name).map(|l| l.value)
    }
}

/// One label as written (see [`RawLabels::pairs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPair<'a> {
    /// The name; for a quoted name (`quoted`), its text between the quotes, not decoded.
    pub name: &'a str,
    /// Whether the name was quoted (the UTF-8 syntax): it may need decoding and sanitizing.
    pub quoted: bool,
    /// The value between its quotes, escapes not decoded.
    pub raw_value: &'a str,
    /// Whether the value has escapes.
    pub escaped: bool,
}

/// Iterator over [`RawLabels::pairs`]. The text was validated by the lexer, so it only finds
/// boundaries: names by a byte table, values by `memchr`.
#[derive(Debug, Clone)]
pub struct RawPairs<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for RawPairs<'a> {
    type Item = RawPair<'a>;

    fn next(&mut self) -> Option<RawPair<'a>> {
        let mut c = Cursor {
            s: self.text,
            pos: self.pos,
        };
        loop {
            c.skip_ws();
            if c.pos >= self.text.len() {
                self.pos = c.pos;
                return None;
            }
            let quoted = c.peek() == Some(b'"');
            let name = if quoted {
                let (range, _) = c.quoted().ok()?;
                &self.text[range]
            } else {
                c.bare_name(false).ok()?
            };
            c.skip_ws();
            if c.peek() != Some(b'=') {
                // The quoted metric name of the UTF-8 syntax, among the labels.
                if c.peek() == Some(b',') {
                    c.pos += 1;
                }
                continue;
            }
            c.pos += 1;
            c.skip_ws();
            let (raw, escaped) = c.quoted().ok()?;
            c.skip_ws();
            if c.peek() == Some(b',') {
                c.pos += 1;
            }
            self.pos = c.pos;
            return Some(RawPair {
                name,
                quoted,
                raw_value: &self.text[raw],
                escaped,
            });
        }
    }
}

/// Iterator over [`RawLabels`]: [`RawPairs`] with names and values decoded.
#[derive(Debug, Clone)]
pub struct LabelIter<'a> {
    pairs: RawPairs<'a>,
}

impl<'a> Iterator for LabelIter<'a> {
    type Item = Label<'a>;

    fn next(&mut self) -> Option<Label<'a>> {
        let pair = self.pairs.next()?;
        let decode = |text: &'a str, escaped: bool| {
            if escaped {
                Cow::Owned(unescape_label(text))
            } else {
                Cow::Borrowed(text)
            }
        };
        Some(Label {
            name: decode(pair.name, pair.quoted && pair.name.contains('\\')),
            value: decode(pair.raw_value, pair.escaped),
            raw_value: pair.raw_value,
        })
    }
}

/// Decode `\\`, `\"` and `\n` in a label value; other backslashes are kept as written.
pub fn unescape_label(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Decode a HELP text (`\\`, `\n`, and OpenMetrics' `\"`).
pub fn unescape_help(raw: &str) -> Cow<'_, str> {
    if raw.contains('\\') {
        Cow::Owned(unescape_label(raw))
    } else {
        Cow::Borrowed(raw)
    }
}
