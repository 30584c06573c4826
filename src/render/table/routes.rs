//! The `routes` table: a line per route (outbound, then inbound, per workload) and, under each
//! outbound route, a `└─ backend:port` line per backend, as `linkerd viz stat-outbound` prints.

use comfy_table::Cell;

use super::{
    TableOptions, count_text, finish, latency_text, new_table, number, rps_text, success_cell,
};
use crate::metrics::routes::{Direction, Percentile, Protocol, RouteRow, Stats};

/// The table of `rows`, in the order given; `wide` adds REQUESTS and PROTOCOL (PROTOCOL is
/// there without `wide` too when a row is gRPC, so its rows stand apart from HTTP ones).
pub fn render_routes(rows: &[RouteRow], wide: bool, options: TableOptions) -> String {
    let namespaces = rows
        .iter()
        .any(|r| r.key.namespace != rows[0].key.namespace);
    let protocols = wide || rows.iter().any(|r| r.key.protocol == Protocol::Grpc);
    let mut header: Vec<&str> = Vec::new();
    if namespaces {
        header.push("NAMESPACE");
    }
    header.extend([
        "NAME",
        "DIRECTION",
        "SERVICE",
        "ROUTE",
        "TYPE",
        "SUCCESS",
        "RPS",
        "LATENCY_P50",
        "LATENCY_P95",
        "LATENCY_P99",
        "TIMEOUTS",
        "RETRIES",
    ]);
    if wide {
        header.push("REQUESTS");
    }
    if protocols {
        header.push("PROTOCOL");
    }
    let mut table = new_table(&header, options);
    for row in rows {
        let mut cells = Vec::new();
        if namespaces {
            cells.push(Cell::new(&row.key.namespace));
        }
        let direction = match row.key.direction {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        };
        cells.extend([
            Cell::new(&row.key.workload),
            Cell::new(direction),
            Cell::new(&row.key.parent),
            Cell::new(&row.key.route),
            Cell::new(&row.key.kind),
        ]);
        numbers(&mut cells, &row.stats, options.color);
        if wide {
            cells.push(number(count_text(Some(row.stats.requests))));
        }
        if protocols {
            cells.push(Cell::new(match row.key.protocol {
                Protocol::Http => "http",
                Protocol::Grpc => "grpc",
            }));
        }
        table.add_row(cells);
        for backend in &row.backends {
            let mut cells = vec![Cell::new(""); if namespaces { 4 } else { 3 }];
            cells.extend([Cell::new(format!("└─ {}", backend.backend)), Cell::new("")]);
            numbers(&mut cells, &backend.stats, options.color);
            if wide {
                cells.push(number(count_text(Some(backend.stats.requests))));
            }
            if protocols {
                cells.push(Cell::new(""));
            }
            table.add_row(cells);
        }
    }
    finish(&table, options)
}

/// SUCCESS through RETRIES.
fn numbers(cells: &mut Vec<Cell>, stats: &Stats, color: bool) {
    cells.extend([
        success_cell(stats.success, color),
        number(rps_text(stats.rps)),
        number(percentile_text(stats.latency_p50)),
        number(percentile_text(stats.latency_p95)),
        number(percentile_text(stats.latency_p99)),
        number(share_text(stats.timeouts)),
        number(share_text(stats.retries)),
    ]);
}

/// An exact percentile as `stat` shows latencies; a bound as `>1s`, `>500ms`.
fn percentile_text(p: Option<Percentile>) -> String {
    match p {
        Some(Percentile { ms, above: true }) if ms >= 1000.0 => format!(">{}s", ms / 1000.0),
        Some(Percentile { ms, above: true }) => format!(">{ms}ms"),
        Some(Percentile { ms, above: false }) => latency_text(Some(ms)),
        None => latency_text(None),
    }
}

/// A share as a percentage with two decimals.
fn share_text(share: Option<f64>) -> String {
    share.map_or_else(|| "-".into(), |s| format!("{:.2}%", s * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::routes::RouteKey;

    #[test]
    fn bounds_are_marked_and_exact_values_are_not() {
        let p = |ms, above| Some(Percentile { ms, above });
        assert_eq!(percentile_text(p(10000.0, true)), ">10s");
        assert_eq!(percentile_text(p(500.0, true)), ">500ms");
        assert_eq!(percentile_text(p(12.5, false)), "12ms");
        assert_eq!(percentile_text(p(2.5, false)), "2.5ms");
        assert_eq!(percentile_text(None), "-");
        assert_eq!(share_text(Some(0.125)), "12.50%");
    }

    fn row(protocol: Protocol) -> RouteRow {
        RouteRow {
            key: RouteKey {
                namespace: "default".into(),
                workload: "statefulset/db".into(),
                direction: Direction::Inbound,
                protocol,
                parent: "all-unauthenticated:8080".into(),
                route: "default".into(),
                kind: "default".into(),
            },
            stats: Stats::default(),
            backends: Vec::new(),
        }
    }

    #[test]
    fn grpc_rows_bring_the_protocol_column() {
        let plain = TableOptions {
            color: false,
            width: None,
        };
        let http = render_routes(&[row(Protocol::Http)], false, plain);
        assert!(!http.contains("PROTOCOL"), "{http}");
        let both = render_routes(&[row(Protocol::Http), row(Protocol::Grpc)], false, plain);
        let lines: Vec<&str> = both.lines().collect();
        assert!(lines[0].trim_end().ends_with("PROTOCOL"), "{both}");
        assert!(lines[1].trim_end().ends_with("http"), "{both}");
        assert!(lines[2].trim_end().ends_with("grpc"), "{both}");
        let wide = render_routes(&[row(Protocol::Http)], true, plain);
        assert!(
            wide.lines()
                .next()
                .unwrap_or_default()
                .trim_end()
                .ends_with("REQUESTS   PROTOCOL"),
            "{wide}"
        );
    }
}
