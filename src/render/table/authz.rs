//! The `authz` table: one line per workload, inbound server and route.

use comfy_table::Cell;

use super::{TableOptions, count_text, finish, new_table, number, rps_text, share_text};
use crate::metrics::authz::{Protocol, Row};

/// The table of `rows`, in the order given; `wide` adds the namespace, the protocol, the
/// counts and each authorization's rate.
pub fn render_authz(rows: &[Row], wide: bool, options: TableOptions) -> String {
    let mut header = Vec::new();
    if wide {
        header.extend(["NAMESPACE", "PROTOCOL"]);
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
