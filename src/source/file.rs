//! Files as a source (`--from-file`): a snapshot or merged exposition (target labels
//! recognised), raw proxy text (one target without labels), or `linkerd diagnostics
//! proxy-metrics` output (one target per `# POD` section).

use std::path::Path;

use crate::error::{Error, Result};
use crate::export::snapshot_file;
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Text};
use crate::metrics::parse;
use crate::metrics::{PARALLEL_MIN_BYTES, join};

/// Reads a metrics file into a snapshot. Malformed lines, an OpenMetrics file cut short
/// (OpenMetrics syntax or a snapshot info sample, but no final `# EOF`) and a file without any
/// sample are errors naming the file.
pub(crate) fn load_file(path: &Path) -> Result<Snapshot> {
    let text = Text::read_file(path).map_err(|e| Error::read(path, e))?;
    let bad = |e: parse::ParseError| Error::malformed(path, e);
    // Both read the whole text: at once, when it is large.
    let large = text.len() >= PARALLEL_MIN_BYTES;
    let diagnostics = || parse::has_pod_header(&text);
    let cut_short = || {
        let complete = parse::ends_with_eof(&text);
        (complete, !complete && parse::says_openmetrics(&text))
    };
    let (diagnostics, (complete, openmetrics)) = if large {
        join(diagnostics, cut_short)
    } else {
        (diagnostics(), cut_short())
    };
    let snapshot = if diagnostics {
        let (snapshot, errors) = Snapshot::from_diagnostics(&text);
        if let Some(e) = errors.into_iter().next() {
            return Err(bad(e));
        }
        snapshot
    } else {
        let mut snapshot = Snapshot::from_merged_text(text, TARGET_LABEL_NAMES).map_err(bad)?;
        let info = snapshot_file::take_info(&mut snapshot);
        if !complete && (openmetrics || info.is_some()) {
            return Err(Error::Failed(format!(
                "{}: the OpenMetrics file ends without \"# EOF\": it was cut short; \
                 take the snapshot again or restore the rest of the file",
                path.display()
            )));
        }
        snapshot
    };
    if snapshot.sample_count() == 0 {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    Ok(snapshot)
}
