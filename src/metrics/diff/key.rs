//! Row keys: what a `diff` row is sorted by and shows of its series (family, sample name,
//! labels sorted), written as one string that sorts as that tuple does, every row's key in one
//! buffer ([`Keys`]), or in a few when keys written on two threads are put together.
//!
//! Each string of a key ends with a NUL, and a NUL or `\u{1}` inside a string is written as two
//! characters (`\u{1}\u{1}`, `\u{1}\u{2}`). The encoding keeps byte order and no string is the
//! start of another's encoding, so comparing two keys as strings compares their tuples; and a key
//! is still UTF-8, so its strings read back as slices of it ([`Text`]) — decoded only when they
//! hold one of those two characters. Building a row's key is an append to one buffer (no
//! allocation per row or per label), and sorting rows compares slices of it.

use std::borrow::Cow;

/// Where a key is in its [`Keys`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyAt {
    /// Which buffer of its [`Keys`].
    part: usize,
    start: usize,
    end: usize,
}

/// Every row's key, one after another, in one buffer or a few ([`Keys::append`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Keys {
    parts: Vec<String>,
}

impl KeyAt {
    /// Where it is once the keys it was in are appended after `parts` buffers
    /// ([`Keys::append`]).
    pub(crate) fn shifted(self, parts: usize) -> KeyAt {
        KeyAt {
            part: self.part + parts,
            ..self
        }
    }
}

impl Keys {
    /// Take the keys of `other` after these (their buffers, not copied); how many buffers
    /// were here before, to shift `other`'s [`KeyAt`]s by.
    pub(crate) fn append(&mut self, other: Keys) -> usize {
        let parts = self.parts.len();
        self.parts.extend(other.parts);
        parts
    }

    /// Append a key of `strings`.
    pub(crate) fn push<'s>(&mut self, strings: impl IntoIterator<Item = &'s str>) -> KeyAt {
        if self.parts.is_empty() {
            self.parts.push(String::new());
        }
        let part = self.parts.len() - 1;
        let text = &mut self.parts[part];
        let start = text.len();
        for s in strings {
            // Both are single bytes in UTF-8, and no other character has those bytes.
            if s.bytes().any(|b| b <= 1) {
                for c in s.chars() {
                    match c {
                        '\0' => text.push_str("\u{1}\u{1}"),
                        '\u{1}' => text.push_str("\u{1}\u{2}"),
                        c => text.push(c),
                    }
                }
            } else {
                text.push_str(s);
            }
            text.push('\0');
        }
        KeyAt {
            part,
            start,
            end: text.len(),
        }
    }

    /// The key at `at`, as the string its order is.
    pub(crate) fn get(&self, at: KeyAt) -> &str {
        &self.parts[at.part][at.start..at.end]
    }

    /// The key at `at` read as a family, a sample name when `named` (else the family again),
    /// then label pairs.
    pub(crate) fn row(&self, at: KeyAt, named: bool) -> (Text<'_>, Text<'_>, LabelTexts<'_>) {
        let mut strings = Strings(self.get(at));
        let family = Text(strings.next().unwrap_or_default());
        let name = if named {
            Text(strings.next().unwrap_or_default())
        } else {
            family
        };
        (family, name, LabelTexts(strings))
    }
}

/// The strings of a key, each without its NUL.
#[derive(Debug, Clone)]
struct Strings<'k>(&'k str);

impl<'k> Iterator for Strings<'k> {
    type Item = &'k str;

    fn next(&mut self) -> Option<&'k str> {
        // A byte search: `str::split` by a char confirms each match with a call to `memcmp`,
        // ~5 % of a large diff's CPU.
        let end = memchr::memchr(0, self.0.as_bytes())?;
        let (string, rest) = (&self.0[..end], &self.0[end + 1..]);
        self.0 = rest;
        Some(string)
    }
}

/// The label pairs of a row's key, sorted by name, then value.
#[derive(Debug, Clone)]
pub struct LabelTexts<'k>(Strings<'k>);

impl<'k> Iterator for LabelTexts<'k> {
    type Item = (Text<'k>, Text<'k>);

    fn next(&mut self) -> Option<Self::Item> {
        Some((Text(self.0.next()?), Text(self.0.next()?)))
    }
}

/// One string of a key, as encoded: equal texts are equal strings, and texts order as their
/// strings do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'k>(&'k str);

impl<'k> Text<'k> {
    /// The string.
    pub fn as_str(self) -> Cow<'k, str> {
        if memchr::memchr(1, self.0.as_bytes()).is_none() {
            return Cow::Borrowed(self.0);
        }
        let mut out = String::with_capacity(self.0.len());
        let mut chars = self.0.chars();
        while let Some(c) = chars.next() {
            out.push(match c {
                '\u{1}' => match chars.next() {
                    Some('\u{1}') => '\0',
                    _ => '\u{1}',
                },
                c => c,
            });
        }
        Cow::Owned(out)
    }

    /// Whether the string is `s`.
    pub fn is(self, s: &str) -> bool {
        self.as_str() == s
    }
}

/// Rows keyed in another [`Keys`], whose buffers were appended after `parts` others.
pub(super) fn shifted<V>(mut rows: Vec<(KeyAt, V)>, parts: usize) -> Vec<(KeyAt, V)> {
    if parts > 0 {
        for (at, _) in &mut rows {
            *at = at.shifted(parts);
        }
    }
    rows
}

/// Two lists of rows sorted by key, merged; `None` when two rows have the same key.
pub(super) fn merge<V>(
    keys: &Keys,
    a: Vec<(KeyAt, V)>,
    b: Vec<(KeyAt, V)>,
) -> Option<Vec<(KeyAt, V)>> {
    if b.is_empty() {
        return Some(a);
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match keys.get(x.0).cmp(keys.get(y.0)) {
                std::cmp::Ordering::Less => a.next(),
                std::cmp::Ordering::Greater => b.next(),
                std::cmp::Ordering::Equal => return None,
            },
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        };
        let Some(next) = next else {
            return Some(out);
        };
        out.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_as_their_tuples_and_read_back() {
        let tuples: Vec<Vec<&str>> = vec![
            vec!["a", "a", "x", "1"],
            vec!["a", "a", "x", "1", "y", ""],
            vec!["a", "a"],
            vec!["a", "ab"],
            vec!["ab", ""],
            vec!["a", "a", "x", "10"],
            vec!["a", "a", "xy", "1"],
            vec!["a", "a", "x", "1y"],
            vec!["a", "a", "x", "é"],
            vec!["a", "a", "x", "z"],
            vec!["a", "a", "x", "\0"],
            vec!["a", "a", "x", "\0\0"],
            vec!["a", "a", "x", "\u{1}"],
            vec!["a", "a", "x", "\u{1}b"],
            vec!["a", "a", "x", "\u{2}"],
            vec!["a", "a", "x", ""],
            vec!["a\0", "a"],
            vec!["b", "a"],
        ];
        let mut keys = Keys::default();
        let mut by_key: Vec<(KeyAt, &Vec<&str>)> = tuples
            .iter()
            .map(|t| (keys.push(t.iter().copied()), t))
            .collect();
        by_key.sort_by(|x, y| keys.get(x.0).cmp(keys.get(y.0)));
        let mut sorted = tuples.clone();
        sorted.sort();
        let by_key: Vec<&Vec<&str>> = by_key.iter().map(|(_, t)| *t).collect();
        assert_eq!(by_key, sorted.iter().collect::<Vec<_>>());
        for tuple in &tuples {
            let at = keys.push(tuple.iter().copied());
            let (family, name, labels) = keys.row(at, true);
            let mut read = vec![family.as_str(), name.as_str()];
            read.extend(labels.flat_map(|(n, v)| [n.as_str(), v.as_str()]));
            assert_eq!(&read, tuple);
        }
    }
}
