//! `top`'s screen: the `stat` table sorted by a chosen column (marked in the header) with two
//! sparklines per row, its RPS and its success rate since `top` started ([`History`]).

use std::collections::HashMap;

use super::{StatTable, TableOptions, push_cut, render_stat};
use crate::metrics::stat::StatLine;

/// How many characters a sparkline has: the refreshes since `top` started are spread over them,
/// two neighbours merged into one each time the line would grow longer.
const SPARK_WIDTH: usize = 16;

/// The eight heights of a sparkline character, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The headers of the two sparkline columns, inserted before MESHED.
const SPARK_HEADERS: [&str; 2] = ["RPS_TREND", "SUCCESS_TREND"];

/// The column `top` sorts its rows by, chosen with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Busiest first (`r`).
    #[default]
    Rps,
    /// Lowest success rate first (`s`).
    Success,
    /// Slowest p99 latency first (`l`).
    Latency,
    /// By namespace and name (`n`).
    Name,
}

impl SortKey {
    /// The sort a key asks for: `r`, `s`, `l` or `n`.
    pub fn from_key(key: char) -> Option<SortKey> {
        match key.to_ascii_lowercase() {
            'r' => Some(SortKey::Rps),
            's' => Some(SortKey::Success),
            'l' => Some(SortKey::Latency),
            'n' => Some(SortKey::Name),
            _ => None,
        }
    }

    /// The header of the column sorted by, and the marker shown after it (`▼` largest first,
    /// `▲` smallest first).
    fn column(self) -> (&'static str, char) {
        match self {
            SortKey::Rps => ("RPS", '▼'),
            SortKey::Success => ("SUCCESS", '▲'),
            SortKey::Latency => ("LATENCY_P99", '▼'),
            SortKey::Name => ("NAME", '▲'),
        }
    }

    /// Sorts `lines` (given in namespace and name order, which ties keep); rows without the
    /// number (no requests) go last.
    pub fn sort(self, lines: &mut [StatLine]) {
        let descending = |value: fn(&StatLine) -> Option<f64>| {
            move |a: &StatLine, b: &StatLine| {
                let v = |l: &StatLine| value(l).unwrap_or(f64::NEG_INFINITY);
                v(b).total_cmp(&v(a))
            }
        };
        match self {
            SortKey::Rps => lines.sort_by(descending(|l| l.row.rps)),
            SortKey::Latency => lines.sort_by(descending(|l| l.row.latency_p99_ms)),
            SortKey::Success => {
                lines.sort_by(descending(|l| l.row.success_rate.map(|s| -s)));
            }
            SortKey::Name => {}
        }
    }
}

/// One sparkline character's worth of a row: the refreshes it covers that showed the row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Point {
    /// Sum of the RPS of those refreshes (a row without requests counts 0).
    rps_sum: f64,
    /// How many refreshes showed the row.
    shown: u32,
    /// Requests and successful requests over them.
    requests: f64,
    successes: f64,
}

impl Point {
    fn add(&mut self, other: &Point) {
        self.rps_sum += other.rps_sum;
        self.shown += other.shown;
        self.requests += other.requests;
        self.successes += other.successes;
    }
}

/// What each row showed since `top` started, in at most `SPARK_WIDTH` points per row: each
/// point covers the same number of refreshes, doubled whenever the points would not fit. A row
/// has blanks where none of its proxies was measured (before a new pod's second scrape); a row
/// no longer shown is forgotten.
#[derive(Debug, Default)]
pub struct History {
    /// Points per row so far (each row's vector has this length).
    len: usize,
    /// Refreshes each point covers.
    per_point: u32,
    /// Refreshes in the last point so far.
    in_last: u32,
    rows: HashMap<String, Vec<Option<Point>>>,
}

impl History {
    /// Adds one refresh's rows.
    pub fn record(&mut self, lines: &[StatLine]) {
        if self.len == 0 || self.in_last == self.per_point {
            if self.len == SPARK_WIDTH {
                self.halve();
            }
            self.len += 1;
            self.per_point = self.per_point.max(1);
            self.in_last = 0;
            for points in self.rows.values_mut() {
                points.push(None);
            }
        }
        self.in_last += 1;
        let len = self.len;
        let mut shown = Vec::with_capacity(lines.len());
        for line in lines {
            let key = row_key(line);
            let points = self
                .rows
                .entry(key.clone())
                .or_insert_with(|| vec![None; len]);
            shown.push(key);
            let row = &line.row;
            // No proxy of the row measured this refresh (a new pod's first scrape is its
            // baseline): nothing to draw, not even "no traffic".
            if row.meshed_pods == 0 {
                continue;
            }
            points[len - 1].get_or_insert_default().add(&Point {
                rps_sum: row.rps.unwrap_or(0.0),
                shown: 1,
                requests: row.requests,
                successes: row.requests * row.success_rate.unwrap_or(0.0),
            });
        }
        self.rows.retain(|key, _| shown.contains(key));
    }

    /// Merges neighbouring points, so each covers twice the refreshes.
    fn halve(&mut self) {
        for points in self.rows.values_mut() {
            *points = points
                .chunks(2)
                .map(|pair| {
                    pair.iter().flatten().fold(None, |sum: Option<Point>, p| {
                        let mut sum = sum.unwrap_or_default();
                        sum.add(p);
                        Some(sum)
                    })
                })
                .collect();
        }
        self.len = self.len.div_ceil(2);
        self.per_point *= 2;
    }

    /// The RPS sparkline of `line`'s row, scaled to its highest point: `▁` is no traffic,
    /// a blank a time before the row was shown.
    pub fn rps_sparkline(&self, line: &StatLine) -> String {
        let Some(points) = self.rows.get(&row_key(line)) else {
            return String::new();
        };
        let rps = |p: &Point| p.rps_sum / f64::from(p.shown.max(1));
        let max = points.iter().flatten().map(rps).fold(0.0, f64::max);
        points
            .iter()
            .map(|p| match p {
                None => ' ',
                Some(p) if max > 0.0 => bar(rps(p) / max),
                Some(_) => BARS[0],
            })
            .collect()
    }

    /// The success-rate sparkline of `line`'s row, from 0 % (`▁`) to 100 % (`█`); a blank where
    /// the row had no requests.
    pub fn success_sparkline(&self, line: &StatLine) -> String {
        let Some(points) = self.rows.get(&row_key(line)) else {
            return String::new();
        };
        points
            .iter()
            .map(|p| match p {
                Some(p) if p.requests > 0.0 => bar(p.successes / p.requests),
                _ => ' ',
            })
            .collect()
    }
}

/// The bar for `fraction` (0 to 1) of the full height.
fn bar(fraction: f64) -> char {
    let top = (BARS.len() - 1) as f64;
    let level = (fraction.clamp(0.0, 1.0) * top).round() as usize;
    BARS[level]
}

/// A row's identity across refreshes: what the table shows before its numbers.
fn row_key(line: &StatLine) -> String {
    let row = &line.row;
    [
        Some(row.namespace.as_str()),
        Some(row.workload.as_str()),
        row.pod.as_deref(),
        row.direction.as_deref(),
        row.authority.as_deref(),
        row.route.as_deref(),
    ]
    .map(|part| part.unwrap_or("\u{0}"))
    .join("\u{1}")
}

/// The table `top` draws: `lines` sorted by `sort` (marked in the header), with each row's two
/// sparklines from `history` inserted before MESHED; lines cut at `options.width` when set.
pub fn render_top(
    lines: &[StatLine],
    table: StatTable,
    sort: SortKey,
    history: &History,
    options: TableOptions,
) -> String {
    let mut sorted = lines.to_vec();
    sort.sort(&mut sorted);
    let text = render_stat(
        &sorted,
        table,
        TableOptions {
            width: None,
            ..options
        },
    );
    let mut text_lines = text.lines();
    let Some(header) = text_lines.next() else {
        return text;
    };
    // Every column before MESHED holds names, never colour: a character index is a column.
    let at = header
        .find("MESHED")
        .map_or(0, |byte| header[..byte].chars().count());
    let widths = SPARK_HEADERS.map(|h| h.chars().count().max(SPARK_WIDTH) + 3);
    let cells = |texts: [&str; 2]| -> String {
        texts
            .iter()
            .zip(widths)
            .map(|(t, w)| format!("{t:<w$}"))
            .collect()
    };
    let (name, marker) = sort.column();
    let mut out = String::with_capacity(text.len() * 2);
    let mut push = |line: &str, inserted: &str| {
        let split = line.char_indices().nth(at).map_or(line.len(), |(i, _)| i);
        let whole = format!("{}{inserted}{}", &line[..split], &line[split..]);
        match options.width {
            Some(width) => push_cut(&mut out, &whole, usize::from(width)),
            None => out.push_str(&whole),
        }
        out.push('\n');
    };
    push(&mark_column(header, name, marker), &cells(SPARK_HEADERS));
    for (line, row) in text_lines.zip(&sorted) {
        let sparks = [history.rps_sparkline(row), history.success_sparkline(row)];
        push(line, &cells([&sparks[0], &sparks[1]]));
    }
    out
}

/// `header` with `marker` right after the column header `name` (a whole word), in the padding
/// that follows it, so no column moves.
fn mark_column(header: &str, name: &str, marker: char) -> String {
    let mut start = 0;
    for word in header.split(' ') {
        let end = start + word.len();
        if word == name {
            let rest = &header[end..];
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            return format!("{}{marker}{rest}", &header[..end]);
        }
        start = end + 1;
    }
    header.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::stat::{GroupBy, StatRow};

    fn line(workload: &str, rps: Option<f64>, success: Option<f64>) -> StatLine {
        StatLine {
            row: StatRow {
                namespace: "ns".into(),
                workload: workload.into(),
                pod: None,
                direction: None,
                authority: None,
                route: None,
                meshed_pods: 1,
                requests: rps.unwrap_or(0.0) * 10.0,
                success_rate: success,
                tls_share: None,
                rps,
                latency_p50_ms: None,
                latency_p95_ms: None,
                latency_p99_ms: rps.map(|r| 100.0 - r),
                tcp_connections: None,
                read_bytes_per_sec: None,
                write_bytes_per_sec: None,
            },
            selected_pods: 1,
            route_rps: None,
            route_success_rate: None,
        }
    }

    #[test]
    fn sparklines_scale_rps_to_the_row_and_success_to_100_percent() {
        let mut history = History::default();
        for (rps, success) in [(8.0, 1.0), (4.0, 0.5), (0.0, 0.0)] {
            history.record(&[line("deploy/a", Some(rps), Some(success))]);
        }
        history.record(&[line("deploy/a", None, None)]);
        let a = line("deploy/a", None, None);
        assert_eq!(history.rps_sparkline(&a), "█▅▁▁");
        assert_eq!(history.success_sparkline(&a), "█▅  ");
    }

    #[test]
    fn a_row_that_appears_later_starts_blank_and_one_that_goes_is_forgotten() {
        let mut history = History::default();
        history.record(&[line("deploy/old", Some(1.0), Some(1.0))]);
        // The new pod's first scrape: listed, not measured yet.
        let mut unmeasured = line("deploy/new", None, None);
        unmeasured.row.meshed_pods = 0;
        history.record(&[line("deploy/old", Some(1.0), Some(1.0)), unmeasured]);
        history.record(&[
            line("deploy/old", Some(1.0), Some(1.0)),
            line("deploy/new", Some(2.0), Some(1.0)),
        ]);
        history.record(&[line("deploy/new", Some(1.0), Some(1.0))]);
        let new = line("deploy/new", None, None);
        assert_eq!(history.rps_sparkline(&new), "  █▅");
        assert_eq!(history.rps_sparkline(&line("deploy/old", None, None)), "");
    }

    #[test]
    fn a_long_run_stays_within_the_width_and_covers_it_all() {
        let mut history = History::default();
        // The first half of the run at 10 rps, the second at 5.
        let refreshes = SPARK_WIDTH * 5;
        for i in 0..refreshes {
            let rps = if i < refreshes / 2 { 10.0 } else { 5.0 };
            history.record(&[line("deploy/a", Some(rps), Some(1.0))]);
        }
        let spark = history.rps_sparkline(&line("deploy/a", None, None));
        assert!(spark.chars().count() <= SPARK_WIDTH, "{spark}");
        assert!(spark.starts_with('█') && spark.ends_with('▅'), "{spark}");
    }

    #[test]
    fn keys_sort_rows_and_the_header_marks_the_column() {
        let lines = [
            line("deploy/a", Some(1.0), Some(0.5)),
            line("deploy/b", Some(3.0), Some(1.0)),
            line("deploy/c", None, None),
            line("deploy/d", Some(2.0), Some(0.9)),
        ];
        let order = |key: char| {
            let mut sorted = lines.to_vec();
            SortKey::from_key(key).unwrap().sort(&mut sorted);
            sorted
                .iter()
                .map(|l| l.row.workload.trim_start_matches("deploy/").to_string())
                .collect::<String>()
        };
        assert_eq!(order('r'), "bdac");
        assert_eq!(order('s'), "adbc");
        assert_eq!(order('l'), "adbc");
        assert_eq!(order('n'), "abcd");
        assert_eq!(SortKey::from_key('x'), None);

        let table = StatTable {
            by: GroupBy::Workload,
            wide: false,
            namespace_column: false,
        };
        let text = render_top(
            &lines,
            table,
            SortKey::Success,
            &History::default(),
            TableOptions::default(),
        );
        let header = text.lines().next().unwrap();
        assert!(header.contains("SUCCESS▲"), "{text}");
        assert!(!header.contains("RPS▼"), "{text}");
        // The marker takes a padding blank: the columns after it do not move.
        let plain = render_stat(&lines, table, TableOptions::default());
        let column = |text: &str, name: &str| {
            let header = text.lines().next().unwrap();
            header[..header.find(name).unwrap()].chars().count()
        };
        assert_eq!(
            column(&text, "LATENCY_P99") - column(&text, "MESHED"),
            column(&plain, "LATENCY_P99") - column(&plain, "MESHED"),
            "{text}"
        );
        assert!(column(&text, "RPS_TREND") < column(&text, "MESHED"));
    }
}
