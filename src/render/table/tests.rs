use super::*;
use crate::metrics::MetricType;
use crate::metrics::diff::{Change, HistogramDiff, HistogramValues, SeriesDiff, SnapshotDiff};
use crate::metrics::stat::{GroupBy, StatLine, StatRow};

fn row(namespace: &str, workload: &str, success: Option<f64>, rps: Option<f64>) -> StatRow {
    StatRow {
        namespace: namespace.into(),
        workload: workload.into(),
        pod: None,
        direction: None,
        authority: None,
        route: None,
        meshed_pods: 2,
        requests: 100.0,
        success_rate: success,
        rps,
        latency_p50_ms: Some(3.333),
        latency_p95_ms: Some(8.125),
        latency_p99_ms: Some(15.0),
        tcp_connections: Some(3.0),
        read_bytes_per_sec: Some(1800.0),
        tls_share: Some(0.875),
        write_bytes_per_sec: Some(420.0),
    }
}

fn line(row: StatRow) -> StatLine {
    StatLine {
        row,
        selected_pods: 3,
        route_rps: Some(4.5),
        route_success_rate: Some(1.0),
    }
}

fn plain() -> TableOptions {
    TableOptions {
        color: false,
        width: None,
    }
}

fn workload_table(wide: bool, namespace_column: bool) -> StatTable {
    StatTable {
        by: GroupBy::Workload,
        wide,
        namespace_column,
    }
}

#[test]
fn stat_table_has_linkerd_viz_columns_and_formats() {
    let lines = [line(row(
        "emojivoto",
        "deployment/voting",
        Some(0.85),
        Some(5.0),
    ))];
    let text = render_stat(&lines, workload_table(false, false), plain());
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "NAME",
            "MESHED",
            "SUCCESS",
            "RPS",
            "LATENCY_P50",
            "LATENCY_P95",
            "LATENCY_P99",
            "TCP_CONN"
        ]
    );
    let cells: Vec<&str> = rows.next().unwrap().split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "deployment/voting",
            "2/3",
            "85.00%",
            "5.0rps",
            "3.3ms",
            "8.1ms",
            "15ms",
            "3"
        ]
    );
    assert!(rows.next().is_none());
    assert!(!text.contains('\u{1b}'), "no colour when off: {text:?}");
    assert!(text.lines().all(|l| l == l.trim_end()), "trailing blanks");
}

#[test]
fn wide_adds_requests_tls_bytes_and_routes_and_namespace_column() {
    let lines = [line(row(
        "emojivoto",
        "deployment/web",
        Some(1.0),
        Some(0.25),
    ))];
    let text = render_stat(&lines, workload_table(true, true), plain());
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[0], "NAMESPACE");
    assert_eq!(
        &header[header.len() - 6..],
        [
            "REQUESTS",
            "TLS",
            "READ_BYTES/SEC",
            "WRITE_BYTES/SEC",
            "ROUTE_SUCCESS",
            "ROUTE_RPS"
        ]
    );
    let cells: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(cells[0], "emojivoto");
    assert_eq!(cells[4], "0.25rps");
    assert_eq!(
        &cells[cells.len() - 6..],
        ["100", "87.50%", "1.8kB/s", "420B/s", "100.00%", "4.5rps"]
    );
}

#[test]
fn missing_numbers_show_a_dash() {
    let mut empty = row("emojivoto", "deployment/vote-bot", None, None);
    empty.latency_p50_ms = None;
    empty.tcp_connections = None;
    let text = render_stat(&[line(empty)], workload_table(false, false), plain());
    let cells: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&cells[2..5], ["-", "-", "-"]);
    assert_eq!(cells[7], "-");
    // An empty authority (TCP traffic has none) is a `-` cell too.
    let mut tcp = row("emojivoto", "deployment/web", None, None);
    tcp.direction = Some("inbound".into());
    tcp.authority = Some(String::new());
    let table = StatTable {
        by: GroupBy::Authority,
        wide: false,
        namespace_column: false,
    };
    let text = render_stat(&[line(tcp)], table, plain());
    let cells: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(&cells[..4], ["deployment/web", "inbound", "-", "2/3"]);
    assert!(!text.contains("TCP_CONN"), "{text}");
}

#[test]
fn failing_success_rates_are_coloured_only_when_asked() {
    let lines = [
        line(row("a", "deployment/bad", Some(0.5), Some(1.0))),
        line(row("a", "deployment/meh", Some(0.95), Some(1.0))),
        line(row("a", "deployment/good", Some(1.0), Some(1.0))),
    ];
    let coloured = render_stat(
        &lines,
        workload_table(false, false),
        TableOptions {
            color: true,
            width: None,
        },
    );
    let row_of = |name: &str| {
        coloured
            .lines()
            .find(|l| l.contains(name))
            .unwrap()
            .to_string()
    };
    // crossterm's red and yellow foreground sequences.
    assert!(row_of("bad").contains("\u{1b}[38;5;9m"), "{coloured:?}");
    assert!(row_of("meh").contains("\u{1b}[38;5;11m"), "{coloured:?}");
    assert!(!row_of("good").contains('\u{1b}'), "{coloured:?}");
}

#[test]
fn rows_are_one_line_and_cut_only_at_a_given_width() {
    let mut long = row(
        "emojivoto",
        "deployment/a-workload-with-a-rather-long-name",
        Some(0.5),
        Some(1.0),
    );
    long.direction = Some("outbound".into());
    long.authority = Some("emoji-svc.emojivoto.svc.cluster.local:8080".into());
    let table = StatTable {
        by: GroupBy::Authority,
        wide: true,
        namespace_column: true,
    };
    // Never wrapped: a header and one line, every cell whole.
    let unlimited = render_stat(&[line(long.clone())], table, plain());
    assert_eq!(unlimited.lines().count(), 2, "{unlimited}");
    assert!(unlimited.lines().any(|l| l.chars().count() > 100));
    for word in [
        "LATENCY_P50",
        "deployment/a-workload-with-a-rather-long-name",
        "emoji-svc.emojivoto.svc.cluster.local:8080",
    ] {
        assert!(unlimited.contains(word), "{word} in {unlimited}");
    }
    // On a screen: each line cut at its edge, colour sequences taking no column and reset.
    let cut = render_stat(
        &[line(long)],
        table,
        TableOptions {
            color: true,
            width: Some(80),
        },
    );
    assert_eq!(cut.lines().count(), 2, "{cut}");
    let visible = |l: &str| {
        let mut n = 0;
        let mut escape = false;
        for c in l.chars() {
            match c {
                '\u{1b}' => escape = true,
                c if escape => escape = !c.is_ascii_alphabetic(),
                _ => n += 1,
            }
        }
        n
    };
    assert!(cut.lines().all(|l| visible(l) == 80), "{cut}");
    let row_line = cut.lines().nth(1).unwrap();
    assert!(
        unlimited
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&row_line[..40])
    );
}

#[test]
fn a_cut_inside_a_coloured_cell_resets_the_colour() {
    let mut out = String::new();
    push_cut(&mut out, "ab\u{1b}[31mcdef\u{1b}[0m", 4);
    assert_eq!(out, "ab\u{1b}[31mcd\u{1b}[0m");
    let mut out = String::new();
    push_cut(&mut out, "abc", 4);
    assert_eq!(out, "abc");
}

#[test]
fn diff_tables_show_changes_deltas_rates_and_histograms() {
    let labels = vec![("direction".to_string(), "inbound".to_string())];
    let diff = SnapshotDiff {
        elapsed_secs: Some(10.0),
        series: vec![
            SeriesDiff {
                family: "response_total".into(),
                kind: MetricType::Counter,
                name: "response_total".into(),
                labels: labels.clone(),
                old: Some(100.0),
                new: Some(150.0),
                delta: Some(50.0),
                rate: Some(5.0),
                change: Change::Changed,
            },
            SeriesDiff {
                family: "tcp_open_connections".into(),
                kind: MetricType::Gauge,
                name: "tcp_open_connections".into(),
                labels: Vec::new(),
                old: None,
                new: Some(3.0),
                delta: None,
                rate: None,
                change: Change::Added,
            },
        ],
        histograms: vec![HistogramDiff {
            family: "response_latency_ms".into(),
            labels,
            values: HistogramValues {
                old_count: Some(10.0),
                new_count: Some(30.0),
                count_delta: Some(20.0),
                old_p50: Some(2.0),
                new_p50: Some(3.3333333),
                old_p99: Some(9.9),
                new_p99: Some(9.9),
                window_p50: Some(4.0),
                window_p99: Some(10.0),
                change: Change::Changed,
            },
        }],
    };
    let text = render_diff(&diff, plain(), DiffLabels::All);
    let series = text
        .lines()
        .find(|l| l.contains("response_total{"))
        .unwrap();
    let cells: Vec<&str> = series.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "changed",
            "response_total{direction=\"inbound\"}",
            "100",
            "150",
            "+50",
            "5.00"
        ]
    );
    let added = text.lines().find(|l| l.contains("tcp_open")).unwrap();
    assert!(added.starts_with("added"), "{added}");
    let histogram = text
        .lines()
        .find(|l| l.contains("response_latency_ms{"))
        .unwrap();
    assert!(histogram.contains("10 -> 30"), "{histogram}");
    assert!(histogram.contains("2 -> 3.333"), "{histogram}");
    assert!(histogram.contains("   9.9   "), "{histogram}");
    assert!(text.ends_with(
        "1 series changed, 1 added, 0 removed, 0 unchanged; 1 of 1 histograms changed; 10.0s apart\n"
    ));
}

#[test]
fn number_formats() {
    assert_eq!(bytes_rate_text(Some(999.0)), "999B/s");
    assert_eq!(bytes_rate_text(Some(12_345.0)), "12.3kB/s");
    assert_eq!(bytes_rate_text(Some(1.5e6)), "1.5MB/s");
    assert_eq!(latency_text(Some(1234.4)), "1234ms");
    assert_eq!(rps_text(Some(0.0)), "0.0rps");
    assert_eq!(count_text(Some(2.5)), "2.50");
}

#[test]
fn diff_rows_show_the_labels_that_tell_them_apart_and_wide_shows_all() {
    let series = |classification: &str, extra: Option<(&str, &str)>| {
        let mut labels = vec![
            ("classification".to_string(), classification.to_string()),
            ("deployment".to_string(), "voting".to_string()),
        ];
        labels.extend(extra.map(|(n, v)| (n.to_string(), v.to_string())));
        SeriesDiff {
            family: "response_total".into(),
            kind: MetricType::Counter,
            name: "response_total".into(),
            labels,
            old: Some(1.0),
            new: Some(2.0),
            delta: Some(1.0),
            rate: None,
            change: Change::Changed,
        }
    };
    let diff = SnapshotDiff {
        elapsed_secs: None,
        series: vec![
            series("failure", Some(("error", "timeout"))),
            series("success", None),
        ],
        histograms: Vec::new(),
    };
    let names = |labels| {
        render_diff(&diff, plain(), labels)
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
            .filter(|cell| cell.starts_with("response_total"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(DiffLabels::Distinguishing(&[])),
        [
            "response_total{classification=\"failure\",error=\"timeout\"}",
            "response_total{classification=\"success\"}"
        ]
    );
    assert_eq!(
        names(DiffLabels::All),
        [
            "response_total{classification=\"failure\",deployment=\"voting\",error=\"timeout\"}",
            "response_total{classification=\"success\",deployment=\"voting\"}"
        ]
    );
}
