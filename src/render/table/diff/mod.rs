//! The `diff` tables: changed series (old, new, delta, per-second rate for counters), then
//! histograms (count and p50/p99 before, after and over the window), then a one-line summary.
//!
//! A diff can have tens of thousands of rows. Their cells are written into one buffer
//! ([`Rows`]) and, without colour and when every cell is ASCII, laid out here exactly as
//! comfy-table lays out [`new_table`] (most of the time of a large `diff` went to comfy-table's
//! per-cell work); otherwise they go through comfy-table. A large table's cells are written in
//! two halves, one on each core. Which labels a row shows, and how its series is named, is
//! `series_name`.

use std::fmt::Write as _;
use std::io;

use comfy_table::{Cell, Color};

use super::{TableOptions, finish, new_table, number};
use crate::metrics::diff::{Change, DiffRows, SnapshotDiff};
use crate::metrics::write::write_value;

mod series_name;

use series_name::{series_name, shown_labels};

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
    let mut out = Vec::new();
    write_diff(&mut out, &DiffRows::from(diff), options, labels)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("the tables are UTF-8")
}

/// Write the tables and summary of `diff` to `out`.
pub fn write_diff(
    out: &mut dyn io::Write,
    diff: &DiffRows,
    options: TableOptions,
    labels: DiffLabels<'_>,
) -> io::Result<()> {
    let series_shown = shown_labels(diff.series().map(|s| (s.name, s.labels)), labels);
    let histograms_shown = shown_labels(diff.histograms().map(|h| (h.name, h.labels)), labels);
    let len = diff.series().len();
    if len > 0 {
        let series_rows = |range: std::ops::Range<usize>| {
            let mut rows = Rows::new(&["CHANGE", "SERIES", "OLD", "NEW", "DELTA", "RATE/SEC"]);
            for s in diff.series_in(range) {
                let v = s.values;
                rows.row(v.change);
                rows.cell(|t| t.push_str(change_text(v.change)));
                rows.cell(|t| series_name(t, s.name, s.labels, series_shown.get(s.name)));
                rows.cell(|t| value_text(t, v.old));
                rows.cell(|t| value_text(t, v.new));
                rows.cell(|t| signed_text(t, v.delta));
                rows.cell(|t| rate_text(t, v.rate));
            }
            rows
        };
        // A large table's cells are written in two halves, one on each core.
        if len >= TWO_HALVES_FROM {
            let (first, second) =
                crate::metrics::join(|| series_rows(0..len / 2), || series_rows(len / 2..len));
            render_halves(out, first, second, options)?;
        } else {
            series_rows(0..len).render(out, options)?;
        }
    }
    if diff.histograms().len() > 0 {
        if diff.series().len() > 0 {
            out.write_all(b"\n")?;
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
        for h in diff.histograms() {
            let v = h.values;
            rows.row(v.change);
            rows.cell(|t| t.push_str(change_text(v.change)));
            rows.cell(|t| series_name(t, h.name, h.labels, histograms_shown.get(h.name)));
            rows.cell(|t| transition(t, v.old_count, v.new_count, value_text_of));
            rows.cell(|t| signed_text(t, v.count_delta));
            rows.cell(|t| transition(t, v.old_p50, v.new_p50, short));
            rows.cell(|t| transition(t, v.old_p99, v.new_p99, short));
            rows.cell(|t| optional(t, v.window_p50, short));
            rows.cell(|t| optional(t, v.window_p99, short));
        }
        rows.render(out, options)?;
    }
    if diff.series().len() > 0 || diff.histograms().len() > 0 {
        out.write_all(b"\n")?;
    }
    out.write_all(summary(diff).as_bytes())
}

/// From how many rows a table's cells are written on two threads.
const TWO_HALVES_FROM: usize = 4096;

/// Print the table whose rows are `first`'s then `second`'s (their cells written on two
/// threads): laid out here one after the other, or in one piece through comfy-table.
fn render_halves(
    out: &mut dyn io::Write,
    mut first: Rows,
    second: Rows,
    options: TableOptions,
) -> io::Result<()> {
    if first.needs_comfy_table(options) || second.needs_comfy_table(options) {
        first.extend(second);
        return first.render(out, options);
    }
    let mut widths = first.widths();
    for (w, other) in widths.iter_mut().zip(second.widths()) {
        *w = (*w).max(other);
    }
    first.lay_out(out, &widths, true)?;
    second.lay_out(out, &widths, false)
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

    /// Whether it is printed through comfy-table rather than laid out here.
    fn needs_comfy_table(&self, options: TableOptions) -> bool {
        options.color || !self.text.is_ascii() || options.width.is_some()
    }

    /// The rows of `other` after its own.
    fn extend(&mut self, other: Rows) {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| end + offset));
        self.changes.extend(other.changes);
    }

    /// Each column as wide as its widest cell, header included.
    fn widths(&self) -> Vec<usize> {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for (i, cell) in self.cells().enumerate() {
            let w = &mut widths[i % columns];
            *w = (*w).max(cell.len());
        }
        widths
    }

    fn render(&self, out: &mut dyn io::Write, options: TableOptions) -> io::Result<()> {
        if self.needs_comfy_table(options) {
            return out.write_all(self.render_with_comfy_table(options).as_bytes());
        }
        self.lay_out(out, &self.widths(), true)
    }

    /// Lay out its rows (after the header when `header`) to `out` as comfy-table lays out
    /// `new_table` with columns `widths` wide: cells left-aligned (header, change, series) or
    /// right-aligned (numbers), three spaces after each, trailing blanks trimmed.
    fn lay_out(&self, out: &mut dyn io::Write, widths: &[usize], header: bool) -> io::Result<()> {
        let columns = self.header.len();
        let mut text = Vec::new();
        let mut lay_out = |cells: &mut dyn Iterator<Item = &str>, header: bool| {
            let start = text.len();
            for (i, cell) in cells.enumerate() {
                let pad = widths[i] - cell.len();
                if header || i < 2 {
                    text.extend_from_slice(cell.as_bytes());
                    spaces(&mut text, pad + 3);
                } else {
                    spaces(&mut text, pad);
                    text.extend_from_slice(cell.as_bytes());
                    text.extend_from_slice(b"   ");
                }
            }
            let end = start + text[start..].trim_ascii_end().len();
            text.truncate(end);
            text.push(b'\n');
            if text.len() >= 1 << 16 {
                out.write_all(&text)?;
                text.clear();
            }
            Ok::<(), io::Error>(())
        };
        if header {
            lay_out(&mut self.header.iter().copied(), true)?;
        }
        let mut cells = self.cells();
        for _ in &self.changes {
            lay_out(&mut cells.by_ref().take(columns), false)?;
        }
        out.write_all(&text)
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
/// Append `n` spaces.
fn spaces(line: &mut Vec<u8>, n: usize) {
    line.resize(line.len() + n, b' ');
}

/// `12 series changed, 3 added, 1 removed, 40 unchanged; 2 of 5 histograms changed; 10.0s apart`.
fn summary(diff: &DiffRows) -> String {
    let count = |c: Change| diff.series_values().filter(|v| v.change == c).count();
    let histograms_changed = diff
        .histogram_values()
        .filter(|v| v.change != Change::Unchanged)
        .count();
    let mut text = format!(
        "{} series changed, {} added, {} removed, {} unchanged; {} of {} histograms changed",
        count(Change::Changed),
        count(Change::Added),
        count(Change::Removed),
        count(Change::Unchanged),
        histograms_changed,
        diff.histograms().len()
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
    fn a_table_in_two_halves_is_the_table_in_one() {
        let rows = |cells: &[[&str; 3]]| {
            let mut rows = Rows::new(&["CHANGE", "SERIES", "OLD"]);
            for row in cells {
                rows.row(Change::Changed);
                for cell in row {
                    rows.cell(|t| t.push_str(cell));
                }
            }
            rows
        };
        let first = [["changed", "a", "1"], ["", "b", "22"]];
        let second = [["added", "a_longer_name", "333"], ["", "é", "4"]];
        for (first, second) in [(&first[..], &second[..1]), (&first[..], &second[..])] {
            let mut whole = rows(first);
            whole.extend(rows(second));
            for options in [
                TableOptions::for_stdout(false),
                TableOptions::for_stdout(true),
            ] {
                let (mut ours, mut theirs) = (Vec::new(), Vec::new());
                render_halves(&mut ours, rows(first), rows(second), options).unwrap();
                whole.render(&mut theirs, options).unwrap();
                assert_eq!(String::from_utf8(ours), String::from_utf8(theirs));
            }
        }
        let mut ours = Vec::new();
        render_halves(
            &mut ours,
            rows(&first),
            rows(&second[..1]),
            TableOptions::for_stdout(false),
        )
        .unwrap();
        assert!(
            String::from_utf8(ours)
                .unwrap()
                .ends_with("\nadded     a_longer_name   333\n")
        );
    }

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
        let mut ours = Vec::new();
        rows.render(&mut ours, plain).unwrap();
        let ours = String::from_utf8(ours).unwrap();
        assert_eq!(ours, rows.render_with_comfy_table(plain));
        assert!(
            ours.starts_with("CHANGE    SERIES               OLD   NEW"),
            "{ours}"
        );
    }
}
