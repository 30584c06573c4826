//! Tables for people: kubectl-style plain columns (comfy-table) for `stat`, `top`, `diff` and
//! `authz`, coloured when asked.
//!
//! Columns are separated by three spaces and headers are upper case, as `kubectl get` and
//! `linkerd viz stat` print them. A row is one line, as kubectl prints it: a cell is never
//! wrapped, so a table wider than the terminal overflows (`stat`, `diff`) or, on `top`'s screen,
//! is cut at its edge. With colour on, a success rate below 90 % is red and one below 99 % yellow.

mod authz;
mod diff;
mod routes;
mod stat;
mod top;

use std::io::IsTerminal;

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table, presets};

pub use authz::render_authz;
pub use diff::{DiffLabels, render_diff, write_diff};
pub use routes::render_routes;
pub use stat::{StatTable, render_stat};
pub use top::{History, SortKey, render_top};

/// How a table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TableOptions {
    /// ANSI colour.
    pub color: bool,
    /// Cut each line at this many columns (a screen that is redrawn in place); `None`: lines
    /// as long as the table is wide. Cells are never wrapped either way.
    pub width: Option<u16>,
}

impl TableOptions {
    /// Options for a table printed on stdout: as wide as it is, like kubectl's (a terminal
    /// narrower than the table shows its lines overflowing, never a cell wrapped mid-word).
    pub fn for_stdout(color: bool) -> Self {
        TableOptions { color, width: None }
    }

    /// Options for a table drawn on a full screen (`top`): cut at the terminal's width, so each
    /// row stays on its own line of the screen.
    pub fn for_screen(color: bool) -> Self {
        let width = std::io::stdout()
            .is_terminal()
            .then(|| crossterm::terminal::size().ok().map(|(w, _)| w))
            .flatten()
            .filter(|w| *w > 0);
        TableOptions { color, width }
    }
}

/// A table with `header` and kubectl's look: one line per row, no cell wrapped.
pub(crate) fn new_table(header: &[&str], options: TableOptions) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled);
    if options.color {
        // Colour was decided with `--color` and `NO_COLOR` already (`--color always` beats
        // `NO_COLOR`); crossterm, which draws comfy-table's colours, would drop it on `NO_COLOR`
        // alone.
        crossterm::style::Colored::set_ansi_color_disabled(false);
        table.enforce_styling();
    }
    table.set_header(header.to_vec());
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    table
}

/// The table as text, without trailing blanks, ending in a newline; each line cut at
/// `options.width` columns when set.
pub(crate) fn finish(table: &Table, options: TableOptions) -> String {
    let text = table.trim_fmt();
    let mut out = String::with_capacity(text.len() + 1);
    for line in text.lines() {
        match options.width {
            Some(width) => push_cut(&mut out, line, usize::from(width)),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Append `line` cut after `width` visible characters. Colour sequences (`ESC [ ... m`) take no
/// column; a line cut inside a coloured cell ends with a reset.
fn push_cut(out: &mut String, line: &str, width: usize) {
    let mut shown = 0;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            out.push(c);
            for c in chars.by_ref() {
                out.push(c);
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        if shown == width {
            if line.contains('\u{1b}') {
                out.push_str("\u{1b}[0m");
            }
            return;
        }
        out.push(c);
        shown += 1;
    }
}

/// A right-aligned cell.
pub(crate) fn number(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

/// A share as a percentage with two decimals (`92.50%`); `-` when there is none.
fn share_text(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.2}%", s * 100.0))
}

/// The success rate as a percentage with two decimals (`92.50%`), coloured when failing.
fn success_cell(rate: Option<f64>, color: bool) -> Cell {
    let Some(rate) = rate else {
        return number("-".into());
    };
    let cell = number(share_text(Some(rate)));
    match color {
        true if rate < 0.90 => cell.fg(Color::Red),
        true if rate < 0.99 => cell.fg(Color::Yellow),
        _ => cell,
    }
}

/// Requests per second: `10.0rps`, `0.25rps`.
pub(crate) fn rps_text(rps: Option<f64>) -> String {
    match rps {
        None => "-".into(),
        Some(r) if r != 0.0 && r.abs() < 1.0 => format!("{r:.2}rps"),
        Some(r) => format!("{r:.1}rps"),
    }
}

/// A latency in milliseconds: one decimal below 10 ms, whole milliseconds above.
fn latency_text(ms: Option<f64>) -> String {
    match ms {
        None => "-".into(),
        Some(v) if v < 10.0 => format!("{v:.1}ms"),
        Some(v) => format!("{v:.0}ms"),
    }
}

/// A count: whole numbers without decimals, others with two.
fn count_text(value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// Bytes per second with SI prefixes: `900B/s`, `12.0kB/s`, `1.5MB/s`.
fn bytes_rate_text(value: Option<f64>) -> String {
    let Some(v) = value else {
        return "-".into();
    };
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut scaled = v;
    let mut unit = 0;
    while scaled.abs() >= 1000.0 && unit < UNITS.len() - 1 {
        scaled /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{scaled:.0}B/s")
    } else {
        format!("{scaled:.1}{}/s", UNITS[unit])
    }
}

#[cfg(test)]
mod tests;
