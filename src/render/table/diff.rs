//! The `diff` tables: changed series (old, new, delta, per-second rate for counters), then
//! histograms (count and p50/p99 before, after and over the window), then a one-line summary.

use std::collections::{HashMap, HashSet};

use comfy_table::{Cell, Color};

use super::{TableOptions, finish, new_table, number};
use crate::metrics::diff::{Change, SnapshotDiff};
use crate::metrics::model::Labels;
use crate::metrics::write::format_value;

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
        let mut table = new_table(
            &["CHANGE", "SERIES", "OLD", "NEW", "DELTA", "RATE/SEC"],
            options,
        );
        for s in &diff.series {
            table.add_row(vec![
                change_cell(s.change, options.color),
                Cell::new(series_name(&s.name, &s.labels, &series_shown)),
                number(value_text(s.old)),
                number(value_text(s.new)),
                number(signed_text(s.delta)),
                number(rate_text(s.rate)),
            ]);
        }
        out.push_str(&finish(&table, options));
    }
    if !diff.histograms.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut table = new_table(
            &[
                "CHANGE",
                "HISTOGRAM",
                "COUNT",
                "DELTA",
                "P50",
                "P99",
                "WINDOW_P50",
                "WINDOW_P99",
            ],
            options,
        );
        for h in &diff.histograms {
            table.add_row(vec![
                change_cell(h.change, options.color),
                Cell::new(series_name(&h.family, &h.labels, &histograms_shown)),
                number(transition(h.old_count, h.new_count, format_value)),
                number(signed_text(h.count_delta)),
                number(transition(h.old_p50, h.new_p50, short)),
                number(transition(h.old_p99, h.new_p99, short)),
                number(h.window_p50.map_or_else(|| "-".into(), short)),
                number(h.window_p99.map_or_else(|| "-".into(), short)),
            ]);
        }
        out.push_str(&finish(&table, options));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out
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

fn change_cell(change: Change, color: bool) -> Cell {
    let (text, colour) = match change {
        Change::Added => ("added", Color::Green),
        Change::Removed => ("removed", Color::Red),
        Change::Changed => ("changed", Color::Yellow),
        Change::Unchanged => ("", Color::Reset),
    };
    let cell = Cell::new(text);
    if color && change != Change::Unchanged {
        cell.fg(colour)
    } else {
        cell
    }
}

/// For each name, the labels its rows show: with [`DiffLabels::Distinguishing`], those whose
/// value is not the same in every row of that name (a label some rows lack counts too).
fn shown_labels<'d>(
    rows: impl Iterator<Item = (&'d String, &'d Labels)>,
    labels: DiffLabels<'_>,
) -> HashMap<&'d str, HashSet<&'d str>> {
    #[derive(Default)]
    struct Seen<'d> {
        rows: usize,
        values: HashMap<&'d str, (usize, HashSet<&'d str>)>,
    }
    let mut by_name: HashMap<&str, Seen<'_>> = HashMap::new();
    for (name, row) in rows {
        let seen = by_name.entry(name).or_default();
        seen.rows += 1;
        for (n, v) in row {
            let (count, values) = seen.values.entry(n).or_default();
            *count += 1;
            values.insert(v);
        }
    }
    by_name
        .into_iter()
        .map(|(name, seen)| {
            let shown = seen
                .values
                .iter()
                .filter(|(label, (count, values))| match labels {
                    DiffLabels::All => true,
                    DiffLabels::Distinguishing(always) => {
                        always.contains(label) || *count < seen.rows || values.len() > 1
                    }
                })
                .map(|(n, _)| *n)
                .collect();
            (name, shown)
        })
        .collect()
}

/// `name{a="x",b="y"}` with the labels `shown` keeps for `name`, as Prometheus prints a series.
fn series_name(name: &str, labels: &Labels, shown: &HashMap<&str, HashSet<&str>>) -> String {
    let keep = shown.get(name);
    let inner: Vec<String> = labels
        .iter()
        .filter(|(n, _)| keep.is_some_and(|k| k.contains(n.as_str())))
        .map(|(n, v)| format!("{n}={v:?}"))
        .collect();
    if inner.is_empty() {
        return name.to_string();
    }
    format!("{name}{{{}}}", inner.join(","))
}

fn value_text(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), format_value)
}

/// A delta with its sign: `+12`, `-3.5`, `0`.
fn signed_text(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v > 0.0 => format!("+{}", format_value(v)),
        Some(v) => format_value(v),
    }
}

/// A per-second rate with three significant decimals at most: `10.2`, `0.125`.
fn rate_text(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 1.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.3}"),
    }
}

/// A quantile: at most three decimals, trailing zeros dropped (`3.333`, `15`).
fn short(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `old -> new`, or one side alone when the other is missing.
fn transition(old: Option<f64>, new: Option<f64>, text: fn(f64) -> String) -> String {
    match (old, new) {
        (Some(o), Some(n)) if o.to_bits() == n.to_bits() => text(n),
        (Some(o), Some(n)) => format!("{} -> {}", text(o), text(n)),
        (Some(o), None) => format!("{} -> -", text(o)),
        (None, Some(n)) => format!("- -> {}", text(n)),
        (None, None) => "-".into(),
    }
}
