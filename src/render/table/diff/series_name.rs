//! What a `diff` row shows of its series: the labels that tell apart the rows of one name, and
//! `name{a="x"}` written as Prometheus prints a series.

use std::fmt::Write as _;

use super::DiffLabels;
use crate::metrics::diff::{LabelTexts, Text};

/// For each name, the labels its rows show, sorted as a row's labels are.
pub(super) struct Shown<'d> {
    by_name: foldhash::HashMap<Text<'d>, Vec<Text<'d>>>,
}

impl<'d> Shown<'d> {
    /// The labels rows named `name` show.
    pub(super) fn get(&self, name: Text<'d>) -> Option<&[Text<'d>]> {
        self.by_name.get(&name).map(Vec::as_slice)
    }
}

/// For each name, the labels its rows show: with [`DiffLabels::Distinguishing`], those whose
/// value is not the same in every row of that name (a label some rows lack counts too). Rows of
/// one name mostly follow each other and have the same label names in the same order, so a
/// name and each label are looked up where the previous row had them before they are searched.
pub(super) fn shown_labels<'d>(
    rows: impl Iterator<Item = (Text<'d>, LabelTexts<'d>)>,
    labels: DiffLabels<'_>,
) -> Shown<'d> {
    /// How many rows of a name have a label, and whether its value varies among them.
    struct Values<'d> {
        label: Text<'d>,
        count: usize,
        first: Text<'d>,
        varies: bool,
    }
    struct Seen<'d> {
        name: Text<'d>,
        rows: usize,
        values: Vec<Values<'d>>,
    }
    let mut seen: Vec<Seen<'d>> = Vec::new();
    let mut index: foldhash::HashMap<Text<'d>, usize> = Default::default();
    let mut current = usize::MAX;
    for (name, row) in rows {
        if seen.get(current).is_none_or(|s| s.name != name) {
            current = *index.entry(name).or_insert_with(|| {
                seen.push(Seen {
                    name,
                    rows: 0,
                    values: Vec::new(),
                });
                seen.len() - 1
            });
        }
        let seen = &mut seen[current];
        seen.rows += 1;
        for (i, (n, v)) in row.enumerate() {
            let at = match seen.values.get(i) {
                Some(values) if values.label == n => i,
                _ => match seen.values.iter().position(|values| values.label == n) {
                    Some(at) => at,
                    None => {
                        seen.values.push(Values {
                            label: n,
                            count: 0,
                            first: v,
                            varies: false,
                        });
                        seen.values.len() - 1
                    }
                },
            };
            let values = &mut seen.values[at];
            values.count += 1;
            values.varies |= values.first != v;
        }
    }
    let by_name = seen
        .into_iter()
        .map(|seen| {
            let mut shown: Vec<Text<'d>> = seen
                .values
                .iter()
                .filter(|values| match labels {
                    DiffLabels::All => true,
                    DiffLabels::Distinguishing(always) => {
                        always.iter().any(|a| values.label.is(a))
                            || values.count < seen.rows
                            || values.varies
                    }
                })
                .map(|values| values.label)
                .collect();
            shown.sort_unstable();
            (seen.name, shown)
        })
        .collect();
    Shown { by_name }
}

/// `name{a="x",b="y"}` with the labels of `keep` (sorted), as Prometheus prints a series.
pub(super) fn series_name(
    out: &mut String,
    name: Text<'_>,
    labels: LabelTexts<'_>,
    keep: Option<&[Text<'_>]>,
) {
    out.push_str(&name.as_str());
    let Some(mut keep) = keep else {
        return;
    };
    let mut first = true;
    // The row's labels are sorted by name, as `keep` is: one walk through both.
    for (n, v) in labels {
        while keep.first().is_some_and(|k| *k < n) {
            keep = &keep[1..];
        }
        if keep.first() != Some(&n) {
            continue;
        }
        out.push(if first { '{' } else { ',' });
        first = false;
        out.push_str(&n.as_str());
        out.push('=');
        quoted(out, &v.as_str());
    }
    if !first {
        out.push('}');
    }
}

/// `value` in double quotes as Rust's `{:?}` writes a string: printable ASCII other than `"` and
/// `\\` as it is (most values), anything else through `{:?}`.
fn quoted(out: &mut String, value: &str) {
    if value
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(value);
        out.push('"');
    } else {
        let _ = write!(out, "{value:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_written_as_debug_writes_them() {
        for value in [
            "",
            "plain value 1.0:80/x",
            "q\"uote",
            "back\\slash",
            "new\nline",
            "tab\t",
            "nul\0",
            "\u{1}\u{7f}",
            "é",
            "'single'",
            "~ and space",
        ] {
            let mut ours = String::new();
            quoted(&mut ours, value);
            assert_eq!(ours, format!("{value:?}"));
        }
    }
}
