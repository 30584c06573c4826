//! The `stat` / `top` table: one line per [`StatLine`] of [`crate::metrics::stat::stat_lines`],
//! with the MESHED count and, in wide mode, requests, bytes per second and outbound route totals.

use comfy_table::Cell;

use super::{
    TableOptions, bytes_rate_text, count_text, finish, latency_text, new_table, number, rps_text,
    share_text, success_cell,
};
use crate::metrics::stat::{GroupBy, StatLine};

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatTable {
    /// How the rows were grouped (decides the leading columns).
    pub by: GroupBy,
    /// Add requests, bytes per second and route columns (`-o wide`).
    pub wide: bool,
    /// Add a NAMESPACE column, as kubectl does with `-A`.
    pub namespace_column: bool,
}

/// The table of `lines`, in the order given.
pub fn render_stat(lines: &[StatLine], table: StatTable, options: TableOptions) -> String {
    let mut header: Vec<&str> = Vec::new();
    if table.namespace_column {
        header.push("NAMESPACE");
    }
    header.push("NAME");
    header.extend(match table.by {
        GroupBy::Workload | GroupBy::Pod => &[][..],
        GroupBy::Direction => &["DIRECTION"][..],
        GroupBy::Authority => &["DIRECTION", "AUTHORITY"][..],
        GroupBy::Route => &["SERVICE", "ROUTE"][..],
    });
    header.extend([
        "MESHED",
        "SUCCESS",
        "RPS",
        "LATENCY_P50",
        "LATENCY_P95",
        "LATENCY_P99",
    ]);
    // TCP numbers carry no route or authority: those views have no TCP columns.
    let tcp = !matches!(table.by, GroupBy::Route | GroupBy::Authority);
    if tcp {
        header.push("TCP_CONN");
    }
    let routes = table.wide && table.by == GroupBy::Workload;
    if table.wide {
        header.extend(["REQUESTS", "TLS"]);
        if tcp {
            header.extend(["READ_BYTES/SEC", "WRITE_BYTES/SEC"]);
        }
        if table.by == GroupBy::Pod {
            header.push("WORKLOAD");
        }
        if routes {
            header.extend(["ROUTE_SUCCESS", "ROUTE_RPS"]);
        }
    }
    let mut out = new_table(&header, options);
    for line in lines {
        let row = &line.row;
        let mut cells: Vec<Cell> = Vec::with_capacity(header.len());
        if table.namespace_column {
            cells.push(Cell::new(&row.namespace));
        }
        let name = match table.by {
            GroupBy::Pod => row.pod.clone().unwrap_or_else(|| row.workload.clone()),
            _ => row.workload.clone(),
        };
        cells.push(Cell::new(name));
        // An empty label value (TCP traffic has no authority) shows as `-`, so every row has
        // every cell.
        let text =
            |v: &Option<String>| Cell::new(v.as_deref().filter(|v| !v.is_empty()).unwrap_or("-"));
        match table.by {
            GroupBy::Workload | GroupBy::Pod => {}
            GroupBy::Direction => cells.push(text(&row.direction)),
            GroupBy::Authority => {
                cells.push(text(&row.direction));
                cells.push(text(&row.authority));
            }
            GroupBy::Route => {
                cells.push(text(&row.authority));
                cells.push(text(&row.route));
            }
        }
        cells.push(number(format!(
            "{}/{}",
            row.meshed_pods, line.selected_pods
        )));
        cells.push(success_cell(row.success_rate, options.color));
        cells.push(number(rps_text(row.rps)));
        for latency in [row.latency_p50_ms, row.latency_p95_ms, row.latency_p99_ms] {
            cells.push(number(latency_text(latency)));
        }
        if tcp {
            cells.push(number(count_text(row.tcp_connections)));
        }
        if table.wide {
            cells.push(number(count_text(Some(row.requests).filter(|r| *r != 0.0))));
            cells.push(number(share_text(row.tls_share)));
            if tcp {
                cells.push(number(bytes_rate_text(row.read_bytes_per_sec)));
                cells.push(number(bytes_rate_text(row.write_bytes_per_sec)));
            }
            if table.by == GroupBy::Pod {
                cells.push(Cell::new(&row.workload));
            }
            if routes {
                cells.push(success_cell(line.route_success_rate, options.color));
                cells.push(number(rps_text(line.route_rps)));
            }
        }
        out.add_row(cells);
    }
    finish(&out, options)
}
