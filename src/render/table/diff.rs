//! The `diff` tables: changed series (old, new, delta, per-second rate for counters), then
//! histograms (count and p50/p99 before, after and over the window), then a one-line summary.
//!
//! A diff can have tens of thousands of rows. Their cells are written into one buffer
//! ([`Rows`]) and, without colour and when every cell is ASCII, laid out here exactly as
//! comfy-table lays out [`new_table`] (most of the time of a large `diff` went to comfy-table's
//! per-cell work); otherwise they go through comfy-table.

use std::fmt::Write as _;

use comfy_table::{Cell, Color};

use super::{TableOptions, finish, new_table, number};
use crate::metrics::diff::{Change, SnapshotDiff};
use crate::metrics::model::Labels;
use crate::metrics::write::write_value;

/// Which labels a `diff` table shows of each series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLabels<'a> {
    /// Those that tell apart the rows of the same name (spec §2: a row is one line), and these
    /// always (`pod` with `--by pod`).
    Distinguishing(&'a [&'a str]),
    /// Every label (`-o wide`).
    All,
}

/// The tables and summary of `diff`.
pub fn render_diff(diff: &SnapshotDiff, options: TableOptions, labels: DiffLabels<'_>) -> String {
    let mut out = String::new();
    let series_shown = shown_labels(diff.series.iter().map(|s| (&s.name, &s.labels)), labels);
    let histograms_shown = shown_labels(
        diff.histograms.iter().map(|h| (&h.family, &h.labels)),
        labels,
    );
    if !diff.series.is_empty() {
        let mut rows = Rows::new(&["CHANGE", "SERIES", "OLD", "NEW", "DELTA", "RATE/SEC"]);
        for s in &diff.series {
            rows.row(s.change);
            rows.cell(|t| t.push_str(change_text(s.change)));
            rows.cell(|t| series_name(t, &s.name, &s.labels, &series_shown));
            rows.cell(|t| value_text(t, s.old));
            rows.cell(|t| value_text(t, s.new));
            rows.cell(|t| signed_text(t, s.delta));
            rows.cell(|t| rate_text(t, s.rate));
        }
        out.push_str(&rows.render(options));
    }
    if !diff.histograms.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut rows = Rows::new(&[
            "CHANGE",
            "HISTOGRAM",
            "COUNT",
            "DELTA",
            "P50",
            "P99",
            "WINDOW_P50",
            "WINDOW_P99",
        ]);
        for h in &diff.histograms {
            rows.row(h.change);
            rows.cell(|t| t.push_str(change_text(h.change)));
            rows.cell(|t| series_name(t, &h.family, &h.labels, &histograms_shown));
            rows.cell(|t| transition(t, h.old_count, h.new_count, value_text_of));
            rows.cell(|t| signed_text(t, h.count_delta));
            rows.cell(|t| transition(t, h.old_p50, h.new_p50, short));
            rows.cell(|t| transition(t, h.old_p99, h.new_p99, short));
            rows.cell(|t| optional(t, h.window_p50, short));
            rows.cell(|t| optional(t, h.window_p99, short));
        }
        out.push_str(&rows.render(options));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out
}

/// The cells of a diff table, written into one buffer: a header, then rows whose first cell is
/// the change (coloured when asked) and whose other cells are right-aligned numbers but the
/// second (the series).
struct Rows {
    header: &'static [&'static str],
    text: String,
    /// Where each cell ends in `text`, row after row.
    ends: Vec<usize>,
    changes: Vec<Change>,
}

impl Rows {
    fn new(header: &'static [&'static str]) -> Self {
        Rows {
            header,
            text: String::new(),
            ends: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// Start a row for a series with `change`.
    fn row(&mut self, change: Change) {
        self.changes.push(change);
    }

    /// The next cell of the row, written by `write`.
    fn cell(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.text);
        self.ends.push(self.text.len());
    }

    fn cells(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.text[start..end])
    }

    fn render(&self, options: TableOptions) -> String {
        if options.color || !self.text.is_ascii() || options.width.is_some() {
            return self.render_with_comfy_table(options);
        }
        // As comfy-table lays out `new_table`: each column as wide as its widest cell (header
        // included), cells left-aligned (header, change, series) or right-aligned (numbers),
        // three spaces after each, trailing blanks trimmed.
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for (i, cell) in self.cells().enumerate() {
            let w = &mut widths[i % columns];
            *w = (*w).max(cell.len());
        }
        let mut out = String::with_capacity(
            (self.changes.len() + 1) * (widths.iter().sum::<usize>() + 3 * columns),
        );
        let mut line = String::new();
        let mut lay_out = |cells: &mut dyn Iterator<Item = &str>, header: bool| {
            line.clear();
            for (i, cell) in cells.enumerate() {
                let pad = widths[i] - cell.len();
                if header || i < 2 {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad + 3));
                } else {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                    line.push_str("   ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        };
        lay_out(&mut self.header.iter().copied(), true);
        let mut cells = self.cells();
        for _ in &self.changes {
            lay_out(&mut cells.by_ref().take(columns), false);
        }
        out
    }

    fn render_with_comfy_table(&self, options: TableOptions) -> String {
        let mut table = new_table(self.header, options);
        let columns = self.header.len();
        let mut cells = self.cells();
        for &change in &self.changes {
            let row: Vec<Cell> = cells
                .by_ref()
                .take(columns)
                .enumerate()
                .map(|(i, text)| match i {
                    0 => change_cell(change, options.color),
                    1 => Cell::new(text),
                    _ => number(text.to_string()),
                })
                .collect();
            table.add_row(row);
        }
        finish(&table, options)
    }
}
/// `12 series changed, 3 added, 1 removed, 40 unchanged; 2 of 5 histograms changed; 10.0s apart`.
fn summary(diff: &SnapshotDiff) -> String {
    let count = |c: Change| diff.series.iter().filter(|s| s.change == c).count();
    let histograms_changed = diff
        .histograms
        .iter()
        .filter(|h| h.change != Change::Unchanged)
        .count();
    let mut text = format!(
        "{} series changed, {} added, {} removed, {} unchanged; {} of {} histograms changed",
        count(Change::Changed),
        count(Change::Added),
        count(Change::Removed),
        count(Change::Unchanged),
        histograms_changed,
        diff.histograms.len()
    );
    if let Some(secs) = diff.elapsed_secs {
        text.push_str(&format!("; {secs:.1}s apart"));
    }
    text.push('\n');
    text
}

fn change_text(change: Change) -> &'static str {
    match change {
        Change::Added => "added",
        Change::Removed => "removed",
        Change::Changed => "changed",
        Change::Unchanged => "",
    }
}

fn change_cell(change: Change, color: bool) -> Cell {
    let colour = match change {
        Change::Added => Color::Green,
        Change::Removed => Color::Red,
        Change::Changed => Color::Yellow,
        Change::Unchanged => Color::Reset,
    };
    let cell = Cell::new(change_text(change));
    if color && change != Change::Unchanged {
        cell.fg(colour)
    } else {
        cell
    }
}

/// For each name, the labels its rows show.
type Shown<'d> = foldhash::HashMap<&'d str, foldhash::HashSet<&'d str>>;

/// For each name, the labels its rows show: with [`DiffLabels::Distinguishing`], those whose
/// value is not the same in every row of that name (a label some rows lack counts too).
fn shown_labels<'d>(
    rows: impl Iterator<Item = (&'d String, &'d Labels)>,
    labels: DiffLabels<'_>,
) -> Shown<'d> {
    /// How many rows of a name have a label, and whether its value varies among them.
    struct Values<'d> {
        count: usize,
        first: &'d str,
        varies: bool,
    }
    #[derive(Default)]
    struct Seen<'d> {
        rows: usize,
        values: foldhash::HashMap<&'d str, Values<'d>>,
    }
    let mut by_name: foldhash::HashMap<&str, Seen<'_>> = Default::default();
    for (name, row) in rows {
        let seen = by_name.entry(name).or_default();
        seen.rows += 1;
        for (n, v) in row {
            let values = seen.values.entry(n).or_insert(Values {
                count: 0,
                first: v,
                varies: false,
            });
            values.count += 1;
            values.varies |= values.first != v;
        }
    }
    by_name
        .into_iter()
        .map(|(name, seen)| {
            let shown = seen
                .values
                .iter()
                .filter(|(label, values)| match labels {
                    DiffLabels::All => true,
                    DiffLabels::Distinguishing(always) => {
                        always.contains(label) || values.count < seen.rows || values.varies
                    }
                })
                .map(|(n, _)| *n)
                .collect();
            (name, shown)
        })
        .collect()
}

/// `name{a="x",b="y"}` with the labels `shown` keeps for `name`, as Prometheus prints a series.
fn series_name(out: &mut String, name: &str, labels: &Labels, shown: &Shown<'_>) {
    out.push_str(name);
    let Some(keep) = shown.get(name) else {
        return;
    };
    let mut first = true;
    for (n, v) in labels.iter().filter(|(n, _)| keep.contains(n.as_str())) {
        out.push(if first { '{' } else { ',' });
        first = false;
        let _ = write!(out, "{n}={v:?}");
    }
    if !first {
        out.push('}');
    }
}

fn value_text(out: &mut String, value: Option<f64>) {
    match value {
        Some(v) => write_value(out, v).expect("writing to a String cannot fail"),
        None => out.push('-'),
    }
}

fn value_text_of(out: &mut String, value: f64) {
    value_text(out, Some(value));
}

/// A delta with its sign: `+12`, `-3.5`, `0`.
fn signed_text(out: &mut String, value: Option<f64>) {
    if let Some(v) = value
        && v > 0.0
    {
        out.push('+');
    }
    value_text(out, value);
}

/// A per-second rate with three significant decimals at most: `10.2`, `0.125`.
fn rate_text(out: &mut String, value: Option<f64>) {
    let _ = match value {
        None => write!(out, "-"),
        Some(v) if v.abs() >= 100.0 => write!(out, "{v:.0}"),
        Some(v) if v.abs() >= 1.0 => write!(out, "{v:.2}"),
        Some(v) => write!(out, "{v:.3}"),
    };
}

/// A quantile: at most three decimals, trailing zeros dropped (`3.333`, `15`).
fn short(out: &mut String, value: f64) {
    let start = out.len();
    let _ = write!(out, "{value:.3}");
    let kept = out[start..]
        .trim_end_matches('0')
        .trim_end_matches('.')
        .len();
    out.truncate(start + kept);
}

/// `value` as `text` writes it, or `-`.
fn optional(out: &mut String, value: Option<f64>, text: fn(&mut String, f64)) {
    match value {
        Some(v) => text(out, v),
        None => out.push('-'),
    }
}

/// `old -> new`, or one side alone when the other is missing.
fn transition(out: &mut String, old: Option<f64>, new: Option<f64>, text: fn(&mut String, f64)) {
    match (old, new) {
        (Some(o), Some(n)) if o.to_bits() == n.to_bits() => text(out, n),
        (Some(o), Some(n)) => {
            text(out, o);
            out.push_str(" -> ");
            text(out, n);
        }
        (Some(o), None) => {
            text(out, o);
            out.push_str(" -> -");
        }
        (None, Some(n)) => {
            out.push_str("- -> ");
            text(out, n);
        }
        (None, None) => out.push('-'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_layout_is_comfy_tables() {
        let mut rows = Rows::new(&["CHANGE", "SERIES", "OLD", "NEW", "DELTA", "RATE/SEC"]);
        let cells: [(Change, [&str; 6]); 4] = [
            (Change::Unchanged, ["", "a", "1", "1", "0", "-"]),
            (
                Change::Changed,
                [
                    "changed",
                    "b{x=\"1\"}",
                    "10",
                    "1234567",
                    "+1234557",
                    "0.125",
                ],
            ),
            (
                Change::Added,
                ["added", "a_long_series_name", "-", "3", "-", "-"],
            ),
            (Change::Removed, ["removed", "c", "2.5", "-", "-", "-"]),
        ];
        for (change, row) in cells {
            rows.row(change);
            for cell in row {
                rows.cell(|t| t.push_str(cell));
            }
        }
        let plain = TableOptions::for_stdout(false);
        let ours = rows.render(plain);
        assert_eq!(ours, rows.render_with_comfy_table(plain));
        assert!(
            ours.starts_with("CHANGE    SERIES               OLD   NEW"),
            "{ours}"
        );
    }
}
