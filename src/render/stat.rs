//! `stat`'s and `top`'s printed output: the rows as a table (`wide` adds columns) or as a JSON
//! array.

use super::table::{self, StatTable, TableOptions};
use crate::metrics::stat::{GroupBy, StatLine};

/// How `stat` (and `top` without a terminal) prints its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatFormat {
    /// The `linkerd viz stat` columns.
    Table,
    /// The table plus requests, bytes per second and route columns.
    Wide,
    /// A JSON array of the rows.
    Json,
}

/// `lines` in `format`, grouped `by`, with a NAMESPACE column when asked, coloured when asked.
pub fn render(
    lines: &[StatLine],
    format: StatFormat,
    by: GroupBy,
    namespace_column: bool,
    color: bool,
) -> serde_json::Result<Vec<u8>> {
    if format == StatFormat::Json {
        let mut out = serde_json::to_vec_pretty(lines)?;
        out.push(b'\n');
        return Ok(out);
    }
    let spec = StatTable {
        by,
        wide: format == StatFormat::Wide,
        namespace_column,
    };
    Ok(table::render_stat(lines, spec, TableOptions::for_stdout(color)).into_bytes())
}
