//! The `authz` table: one line per workload, inbound server and route.

use comfy_table::Cell;

use super::{TableOptions, count_text, finish, new_table, number, rps_text, share_text};
use crate::metrics::authz::{Protocol, Row};

/// The table of `rows`, in the order given; `wide` adds the namespace, the protocol, the
/// counts and each authorization's rate (the protocol is there without `wide` too when a row
/// counts TCP connections, so its rows stand apart from HTTP ones).
pub fn render_authz(rows: &[Row], wide: bool, options: TableOptions) -> String {
    let protocols = wide || rows.iter().any(|r| r.protocol == Protocol::Tcp);
    let mut header = Vec::new();
    if wide {
        header.push("NAMESPACE");
    }
    if protocols {
        header.push("PROTOCOL");
    }
    header.extend([
        "WORKLOAD",
        "SERVER",
        "ROUTE",
        "AUTHORIZATION",
        "ALLOWED_RPS",
        "DENIED_RPS",
        "DENIED",
    ]);
    if wide {
        header.extend(["ALLOWED_TOTAL", "DENIED_TOTAL"]);
    }
    let mut out = new_table(&header, options);
    for row in rows {
        let mut cells = Vec::with_capacity(header.len());
        if wide {
            cells.push(Cell::new(&row.namespace));
        }
        if protocols {
            cells.push(Cell::new(match row.protocol {
                Protocol::Http => "http",
                Protocol::Tcp => "tcp",
            }));
        }
        cells.push(Cell::new(&row.workload));
        cells.push(Cell::new(&row.server));
        cells.push(Cell::new(row.route.as_deref().unwrap_or("-")));
        let authorizations: Vec<String> = row
            .authorizations
            .iter()
            .map(|a| {
                if wide {
                    format!("{}={}", a.authorization, rps_text(Some(a.allowed_per_sec)))
                } else {
                    a.authorization.clone()
                }
            })
            .collect();
        cells.push(Cell::new(if authorizations.is_empty() {
            "-".to_string()
        } else {
            authorizations.join(",")
        }));
        cells.push(number(rps_text(Some(row.allowed_per_sec))));
        cells.push(number(rps_text(Some(row.denied_per_sec))));
        cells.push(number(share_text(row.denied_share)));
        if wide {
            cells.push(number(count_text(Some(row.allowed))));
            cells.push(number(count_text(Some(row.denied))));
        }
        out.add_row(cells);
    }
    finish(&out, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(protocol: Protocol) -> Row {
        Row {
            namespace: "default".into(),
            workload: "statefulset/db".into(),
            protocol,
            server: "default/all-unauthenticated".into(),
            route: None,
            authorizations: Vec::new(),
            allowed_per_sec: 0.5,
            denied_per_sec: 0.1,
            denied_share: Some(1.0 / 6.0),
            allowed: 5.0,
            denied: 1.0,
        }
    }

    #[test]
    fn tcp_rows_bring_the_protocol_column() {
        let plain = TableOptions {
            color: false,
            width: None,
        };
        let http = render_authz(&[row(Protocol::Http)], false, plain);
        assert!(http.starts_with("WORKLOAD "), "{http}");
        let both = render_authz(&[row(Protocol::Http), row(Protocol::Tcp)], false, plain);
        let lines: Vec<&str> = both.lines().collect();
        assert!(lines[0].starts_with("PROTOCOL   WORKLOAD "), "{both}");
        assert!(lines[1].starts_with("http "), "{both}");
        assert!(lines[2].starts_with("tcp "), "{both}");
        let wide = render_authz(&[row(Protocol::Http)], true, plain);
        assert!(
            wide.starts_with("NAMESPACE   PROTOCOL   WORKLOAD "),
            "{wide}"
        );
    }
}
